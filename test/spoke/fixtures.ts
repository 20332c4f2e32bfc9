import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { expect, vi } from 'vitest';
import { parseConfig, type SoclessConfig, type SoclessConfigInput } from '../../shared/config.ts';
import type { RemediationStatement, SpokeRoleStatements } from '../../spoke/remediation-statements.ts';

/** A valid configuration with three target OUs, three regions and no overrides unless given. */
export function testConfig(overrides: Partial<SoclessConfigInput> = {}): SoclessConfig {
  return parseConfig(
    {
      hubAccountId: '111111111111',
      organizationId: 'o-a1b2c3d4e5',
      homeRegion: 'eu-west-1',
      regions: ['eu-west-1', 'us-east-1', 'ap-southeast-2'],
      targetOuIds: ['ou-ab12-prod0001', 'ou-ab12-dev00001', 'ou-ab12-sandbox1'],
      externalId: 'an-external-id-0001',
      ...overrides,
    },
    'test.json',
  );
}

/** Statements shaped like the remediation registry's: exact actions, some account-agnostic ARN patterns. */
export const STATEMENTS: readonly RemediationStatement[] = [
  {
    sid: 'BlockPublicS3',
    actions: ['s3:PutBucketPublicAccessBlock', 's3:GetBucketPublicAccessBlock'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
    resources: ['arn:${AWS::Partition}:s3:::*'],
  },
  { sid: 'RevokeIngress', actions: ['ec2:RevokeSecurityGroupIngress', 'ec2:DescribeSecurityGroups'], resources: ['*'] },
  {
    sid: 'RestartTrail',
    actions: ['cloudtrail:StartLogging'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
    resources: ['arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/org-trail'],
  },
];

/** The spoke roles' statements by direction, shaped like the registry's (see spokeRoleStatements()). */
export const ROLE_STATEMENTS: SpokeRoleStatements = {
  read: [
    {
      sid: 'ReadS3',
      actions: ['s3:GetBucketPublicAccessBlock'],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
      resources: ['arn:${AWS::Partition}:s3:::*'],
    },
    { sid: 'DescribeGroups', actions: ['ec2:DescribeSecurityGroups'], resources: ['*'] },
  ],
  fix: [
    {
      sid: 'BlockPublicS3',
      actions: ['s3:PutBucketPublicAccessBlock'],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
      resources: ['arn:${AWS::Partition}:s3:::*'],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
      conditions: { StringEquals: { 'aws:ResourceAccount': '${AWS::AccountId}' } },
    },
    { sid: 'RevokeIngress', actions: ['ec2:RevokeSecurityGroupIngress'], resources: ['*'] },
    {
      sid: 'RestartTrail',
      actions: ['cloudtrail:StartLogging'],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
      resources: ['arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/org-trail'],
    },
    {
      sid: 'DenyShare',
      effect: 'Deny',
      actions: ['ec2:ModifySnapshotAttribute'],
      resources: ['*'],
      conditions: { Null: { 'ec2:Add/group': 'false' } },
    },
  ],
  undo: [
    {
      sid: 'StopTrail',
      actions: ['cloudtrail:StopLogging'],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
      resources: ['arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/org-trail'],
    },
    { sid: 'AuthorizeIngress', actions: ['ec2:AuthorizeSecurityGroupIngress'], resources: ['*'] },
  ],
};

/** No statement in any direction. */
export const NO_STATEMENTS: SpokeRoleStatements = { read: [], fix: [], undo: [] };

type Json = unknown;
interface Ctx {
  readonly template: { Conditions?: Record<string, Json>; Parameters?: Record<string, { Default?: string }> };
  readonly accountId: string;
  readonly parameters: Readonly<Record<string, string>>;
}

/** Evaluates a CloudFormation value made of Ref / Fn::Equals / Fn::Not / Fn::And / Fn::Or / Fn::If / Condition. */
export function evaluate(value: Json, ctx: Ctx): Json {
  if (typeof value !== 'object' || value === null) return value;
  const [key, arg] = Object.entries(value)[0] ?? [];
  switch (key) {
    case 'Ref': {
      if (arg === 'AWS::AccountId') return ctx.accountId;
      const name = String(arg);
      return ctx.parameters[name] ?? ctx.template.Parameters?.[name]?.Default;
    }
    case 'Condition':
      return evaluateCondition(String(arg), ctx);
    case 'Fn::Equals': {
      const [a, b] = arg as Json[];
      return evaluate(a, ctx) === evaluate(b, ctx);
    }
    case 'Fn::Not':
      return !evaluate((arg as Json[])[0], ctx);
    case 'Fn::And':
      return (arg as Json[]).every((c) => evaluate(c, ctx) === true);
    case 'Fn::Or': {
      const list = arg as Json[];
      if (list.length < 2 || list.length > 10) throw new Error(`Fn::Or with ${list.length} conditions`);
      return list.some((c) => evaluate(c, ctx) === true);
    }
    case 'Fn::If': {
      const [name, whenTrue, whenFalse] = arg as [string, Json, Json];
      return evaluateCondition(name, ctx) ? evaluate(whenTrue, ctx) : evaluate(whenFalse, ctx);
    }
    default:
      throw new Error(`cannot evaluate ${JSON.stringify(value)}`);
  }
}

export function evaluateCondition(name: string, ctx: Ctx): boolean {
  const definition = ctx.template.Conditions?.[name];
  if (definition === undefined) throw new Error(`no condition ${name}`);
  if (typeof definition === 'object' && definition !== null && 'Condition' in definition) {
    throw new Error(`condition ${name} is a bare Condition reference, which CloudFormation rejects`);
  }
  return evaluate(definition, ctx) === true;
}

/**
 * Synthesizes a stack and fails on any finding of CDK's built-in CloudFormation validation (it reports
 * warnings such as unreachable Fn::If branches only on stderr).
 */
export function templateWithoutValidationFindings(stack: Stack): Template {
  const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const template = Template.fromStack(stack);
    const findings = spy.mock.calls.map((call) => call.join(' ')).filter((m) => /CloudFormation Validate/.test(m));
    expect(findings).toEqual([]);
    return template;
  } finally {
    spy.mockRestore();
  }
}
