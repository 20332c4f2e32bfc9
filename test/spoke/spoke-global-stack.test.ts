import { App } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SoclessConfig } from '../../shared/config.ts';
import { RemediationStatementError } from '../../spoke/remediation-statements.ts';
import { SpokeGlobalStack } from '../../spoke/spoke-global-stack.ts';
import {
  evaluate,
  evaluateCondition,
  NO_STATEMENTS,
  ROLE_STATEMENTS,
  templateWithoutValidationFindings,
  testConfig,
} from './fixtures.ts';

type Resource = { Type: string; Condition?: string; Properties: Record<string, unknown> };

function synthGlobal(config: SoclessConfig, statements = ROLE_STATEMENTS) {
  const stack = new SpokeGlobalStack(new App(), 'SoclessSpokeGlobal', { config, remediationStatements: statements });
  return { stack, template: templateWithoutValidationFindings(stack) };
}

function onlyResource(template: Template, type: string, roleName?: string): Resource {
  const found = Object.values(template.findResources(type) as Record<string, Resource>).filter(
    (r) => roleName === undefined || r.Properties.RoleName === roleName,
  );
  expect(found).toHaveLength(1);
  return found[0] as Resource;
}

function policyNamed(template: Template, name: string): Resource {
  const found = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>).filter(
    (r) => r.Properties.PolicyName === name,
  );
  expect(found).toHaveLength(1);
  return found[0] as Resource;
}

function logicalIdOfRole(template: Template, roleName: string): string {
  const entry = Object.entries(template.findResources('AWS::IAM::Role') as Record<string, Resource>).find(
    ([, r]) => r.Properties.RoleName === roleName,
  );
  if (!entry) throw new Error(`no role ${roleName}`);
  return entry[0];
}

const HUB_UNDO_ROLE_ARN = {
  'Fn::Sub': [
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
    'arn:${AWS::Partition}:iam::${HubAccountId}:role/SoclessHubUndoRole',
    { HubAccountId: { Ref: 'HubAccountId' } },
  ],
};

const HUB_ROLE_ARN = {
  'Fn::Sub': [
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
    'arn:${AWS::Partition}:iam::${HubAccountId}:role/SoclessHubRemediationRole',
    { HubAccountId: { Ref: 'HubAccountId' } },
  ],
};

describe('SpokeGlobalStack', () => {
  let template: Template;
  let json: Record<string, unknown> & {
    Conditions: Record<string, unknown>;
    Parameters: Record<string, { Default?: unknown }>;
  };
  let stack: SpokeGlobalStack;

  beforeAll(() => {
    ({ stack, template } = synthGlobal(testConfig({ remediation: { defaultMode: 'dry-run' } })));
    json = template.toJSON() as typeof json;
  });

  it('trusts exactly the hub remediation role, inside the organization, with the external id', () => {
    const role = onlyResource(template, 'AWS::IAM::Role', 'SoclessRemediationRole');
    const statements = (role.Properties.AssumeRolePolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    const assume = statements.find((s) => s.Action === 'sts:AssumeRole');
    expect(assume).toEqual({
      Action: 'sts:AssumeRole',
      Effect: 'Allow',
      Principal: { AWS: HUB_ROLE_ARN },
      Condition: {
        StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' }, 'sts:ExternalId': { Ref: 'ExternalId' } },
      },
    });
    // Every trust statement names the same single principal: no account root, no wildcard.
    for (const s of statements) expect(s.Principal).toEqual({ AWS: HUB_ROLE_ARN });
    expect(role.Properties.MaxSessionDuration).toBe(3600);
  });

  it('creates both roles and the read policy only when RemediationMode is not off, the fix policy only in notify and auto', () => {
    const role = onlyResource(template, 'AWS::IAM::Role', 'SoclessRemediationRole');
    const undoRole = onlyResource(template, 'AWS::IAM::Role', 'SoclessUndoRole');
    const read = onlyResource(template, 'AWS::IAM::ManagedPolicy');
    const fix = policyNamed(template, 'SoclessRemediationFix');
    const undo = policyNamed(template, 'SoclessRemediationUndo');
    expect(role.Condition).toBeDefined();
    for (const r of [undoRole, read, undo]) expect(r.Condition).toBe(role.Condition);
    expect(json.Conditions[role.Condition as string]).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'RemediationMode' }, 'off'] }],
    });
    expect(fix.Condition).not.toBe(role.Condition);
    expect(json.Conditions[fix.Condition as string]).toEqual({
      'Fn::Or': [
        { 'Fn::Equals': [{ Ref: 'RemediationMode' }, 'notify'] },
        { 'Fn::Equals': [{ Ref: 'RemediationMode' }, 'auto'] },
      ],
    });
    const exists = (condition: string, mode: string) =>
      evaluateCondition(condition, {
        template: json as never,
        accountId: '999999999999',
        parameters: { RemediationMode: mode },
      });
    expect(['off', 'notify', 'dry-run', 'auto'].map((m) => exists(fix.Condition as string, m))).toEqual([
      false,
      true,
      false,
      true,
    ]);
    // The fix policy never outlives the role it is attached to.
    for (const m of ['off', 'notify', 'dry-run', 'auto']) {
      if (exists(fix.Condition as string, m)) expect(exists(role.Condition as string, m)).toBe(true);
    }
  });

  it('tags the role with the remediation mode so the hub can read it', () => {
    const role = onlyResource(template, 'AWS::IAM::Role', 'SoclessRemediationRole');
    expect(role.Properties.Tags).toEqual([{ Key: 'socless:remediation-mode', Value: { Ref: 'RemediationMode' } }]);
  });

  it('grants exactly the listed actions of each direction to the right role, with no wildcard action', () => {
    const read = onlyResource(template, 'AWS::IAM::ManagedPolicy');
    const fix = policyNamed(template, 'SoclessRemediationFix');
    const undo = policyNamed(template, 'SoclessRemediationUndo');
    const cases: Array<[Resource, 'read' | 'fix' | 'undo']> = [
      [read, 'read'],
      [fix, 'fix'],
      [undo, 'undo'],
    ];
    for (const [policy, set] of cases) {
      const doc = policy.Properties.PolicyDocument as { Statement: { Sid: string; Action: string | string[] }[] };
      // The read-only sessions' deny (NotAction) is checked on its own below.
      const statements = doc.Statement.filter((s) => s.Sid !== 'DenyAllButReadsToReadOnlySessions');
      expect(statements.map((s) => s.Sid)).toEqual(ROLE_STATEMENTS[set].map((s) => s.sid));
      const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
      expect(actions.sort()).toEqual(ROLE_STATEMENTS[set].flatMap((s) => s.actions).sort());
      expect(actions.some((a) => a.includes('*'))).toBe(false);
    }
    const roleRef = (name: string) => ({ Ref: logicalIdOfRole(template, name) });
    expect(read.Properties.Roles).toEqual([roleRef('SoclessRemediationRole'), roleRef('SoclessUndoRole')]);
    expect(fix.Properties.Roles).toEqual([roleRef('SoclessRemediationRole')]);
    expect(undo.Properties.Roles).toEqual([roleRef('SoclessUndoRole')]);
  });

  it('denies a read-only session (source identity socless-read) every action but the reads, on both roles', () => {
    const read = onlyResource(template, 'AWS::IAM::ManagedPolicy');
    const statements = (read.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    const reads = [...new Set(ROLE_STATEMENTS.read.flatMap((s) => s.actions))].sort();
    expect(statements.find((s) => s.Sid === 'DenyAllButReadsToReadOnlySessions')).toEqual({
      Sid: 'DenyAllButReadsToReadOnlySessions',
      Effect: 'Deny',
      NotAction: reads,
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceIdentity': 'socless-read' } },
    });
    // No fix or undo write is among the actions a read-only session keeps.
    for (const write of [...ROLE_STATEMENTS.fix, ...ROLE_STATEMENTS.undo].flatMap((s) => s.actions)) {
      expect(reads, write).not.toContain(write);
    }
    // The source identity must be allowed through the trust, or the reader's chained AssumeRole is denied.
    const trust = JSON.stringify(
      (template.findResources('AWS::IAM::Role') as Record<string, Resource>)[
        logicalIdOfRole(template, 'SoclessRemediationRole')
      ]?.Properties.AssumeRolePolicyDocument,
    );
    expect(trust).toContain('sts:SetSourceIdentity');
  });

  it('renders Deny statements and conditions, with account placeholders substituted per account', () => {
    const fix = policyNamed(template, 'SoclessRemediationFix');
    const statements = (fix.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    expect(statements.find((s) => s.Sid === 'DenyShare')).toEqual({
      Sid: 'DenyShare',
      Effect: 'Deny',
      Action: 'ec2:ModifySnapshotAttribute',
      Resource: '*',
      Condition: { Null: { 'ec2:Add/group': 'false' } },
    });
    expect(statements.find((s) => s.Sid === 'BlockPublicS3')?.Condition).toEqual({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
      StringEquals: { 'aws:ResourceAccount': { 'Fn::Sub': '${AWS::AccountId}' } },
    });
  });

  it('trusts exactly the hub undo role in the undo role, inside the organization, with the external id', () => {
    const role = onlyResource(template, 'AWS::IAM::Role', 'SoclessUndoRole');
    const statements = (role.Properties.AssumeRolePolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    expect(statements.find((s) => s.Action === 'sts:AssumeRole')).toEqual({
      Action: 'sts:AssumeRole',
      Effect: 'Allow',
      Principal: { AWS: HUB_UNDO_ROLE_ARN },
      Condition: {
        StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrganizationId' }, 'sts:ExternalId': { Ref: 'ExternalId' } },
      },
    });
    for (const s of statements) expect(s.Principal).toEqual({ AWS: HUB_UNDO_ROLE_ARN });
    expect(role.Properties.MaxSessionDuration).toBe(3600);
    expect(role.Properties.Tags).toEqual([{ Key: 'socless:remediation-mode', Value: { Ref: 'RemediationMode' } }]);
    // ... and the remediation role does not trust the hub undo role, nor the undo role the hub remediation role.
    const remediation = onlyResource(template, 'AWS::IAM::Role', 'SoclessRemediationRole');
    expect(JSON.stringify(remediation.Properties.AssumeRolePolicyDocument)).not.toContain('SoclessHubUndoRole');
    expect(JSON.stringify(role.Properties.AssumeRolePolicyDocument)).not.toContain('SoclessHubRemediationRole');
  });

  it('substitutes partition, region and account in resource patterns per account', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'RestartTrail',
            Resource: {
              // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
              'Fn::Sub': 'arn:${AWS::Partition}:cloudtrail:${AWS::Region}:${AWS::AccountId}:trail/org-trail',
            },
          }),
        ]),
      },
    });
  });

  it('lets the forwarding role only put events on the hub bus parameter, for EventBridge of this account', () => {
    const role = onlyResource(template, 'AWS::IAM::Role', 'SoclessEventForwardingRole');
    expect(role.Condition).toBeUndefined();
    expect(role.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        },
      ],
    });
    expect(role.Properties.Policies).toEqual([
      {
        PolicyName: 'PutEventsOnHubBus',
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Sid: 'PutEventsOnHubBus', Effect: 'Allow', Action: 'events:PutEvents', Resource: { Ref: 'HubBusArn' } },
          ],
        },
      },
    ]);
    // The only inline policies are the fix and undo ones: nothing else in the stack has permissions.
    expect(Object.keys(template.findResources('AWS::IAM::Policy'))).toHaveLength(2);
  });

  it('declares the five parameters with defaults from config and a NoEcho external id without a default', () => {
    expect(Object.keys(json.Parameters).sort()).toEqual(
      ['ExternalId', 'HubAccountId', 'HubBusArn', 'OrganizationId', 'RemediationMode'].sort(),
    );
    template.hasParameter('RemediationMode', {
      Default: 'dry-run',
      AllowedValues: ['off', 'notify', 'dry-run', 'auto'],
    });
    template.hasParameter('HubAccountId', { Default: '111111111111' });
    template.hasParameter('HubBusArn', { Default: 'arn:aws:events:eu-west-1:111111111111:event-bus/SoclessBus' });
    template.hasParameter('ExternalId', { NoEcho: true, MinLength: 16 });
    // The value never travels in the template, even when config names one.
    expect(json.Parameters.ExternalId.Default).toBeUndefined();
    expect(JSON.stringify(json)).not.toContain('an-external-id-0001');
    template.hasParameter('OrganizationId', { Default: 'o-a1b2c3d4e5' });
  });

  it('is flat and asset-free, without a BootstrapVersion parameter or rule', () => {
    expect(json.Rules).toBeUndefined();
    expect(Object.keys(template.findResources('AWS::CloudFormation::Stack'))).toHaveLength(0);
    expect(Object.keys(template.findResources('AWS::CDK::Metadata'))).toHaveLength(0);
    expect(JSON.stringify(json)).not.toMatch(/AssetParameters|aws:asset:|BootstrapVersion|cdk-bootstrap/);
  });

  it('passes the AwsSolutions checks, with each wildcard resource acknowledged by name', () => {
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  it('has no permission policy when no remediation statements are given', () => {
    const { template: empty, stack: emptyStack } = synthGlobal(testConfig(), NO_STATEMENTS);
    empty.resourceCountIs('AWS::IAM::Policy', 0);
    empty.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    onlyResource(empty, 'AWS::IAM::Role', 'SoclessRemediationRole');
    onlyResource(empty, 'AWS::IAM::Role', 'SoclessUndoRole');
    expect(new AwsSolutionsChecks().validateScope(emptyStack).violations).toEqual([]);
  });

  it('refuses a wildcard action and names the statement', () => {
    const fix = [...ROLE_STATEMENTS.fix, { sid: 'TooBroad', actions: ['s3:*'], resources: ['*'] }];
    const statements = { ...ROLE_STATEMENTS, fix };
    expect(() => synthGlobal(testConfig(), statements)).toThrow(RemediationStatementError);
    expect(() => synthGlobal(testConfig(), statements)).toThrow(/sid "TooBroad".*"s3:\*" is a wildcard/);
    const all = [{ sid: 'All', actions: ['*'], resources: ['*'] }];
    for (const set of ['read', 'fix', 'undo'] as const) {
      expect(() => synthGlobal(testConfig(), { ...NO_STATEMENTS, [set]: all })).toThrow(/sid "All"/);
    }
  });
});

describe('SpokeGlobalStack account overrides', () => {
  const config = testConfig({
    remediation: {
      defaultMode: 'notify',
      accounts: { '222222222222': 'off', '333333333333': 'auto', '444444444444': 'auto', '555555555555': 'dry-run' },
    },
  });
  type Json = Parameters<typeof evaluate>[1]['template'] & { Resources: Record<string, Resource> };
  let stack: SpokeGlobalStack;
  let json: Json;
  let role: Resource;
  beforeAll(() => {
    const synthesized = synthGlobal(config);
    stack = synthesized.stack;
    json = synthesized.template.toJSON() as Json;
    role = Object.values(json.Resources).find((r) => r.Properties.RoleName === 'SoclessRemediationRole') as Resource;
  });
  const roleExists = (accountId: string, mode: string) =>
    evaluateCondition(role.Condition as string, { template: json, accountId, parameters: { RemediationMode: mode } });
  const taggedMode = (accountId: string, mode: string) =>
    evaluate((role.Properties.Tags as { Value: unknown }[])[0]?.Value, {
      template: json,
      accountId,
      parameters: { RemediationMode: mode },
    });

  it('follows the RemediationMode parameter in accounts without an override', () => {
    expect(roleExists('999999999999', 'off')).toBe(false);
    expect(roleExists('999999999999', 'notify')).toBe(true);
    expect(taggedMode('999999999999', 'dry-run')).toBe('dry-run');
  });

  it('attaches the fix policy in notify and auto accounts only, account overrides included', () => {
    const fix = Object.values(json.Resources).find((r) => r.Properties.PolicyName === 'SoclessRemediationFix');
    const fixes = (accountId: string, mode: string) =>
      evaluateCondition(fix?.Condition as string, { template: json, accountId, parameters: { RemediationMode: mode } });
    // No override: the parameter decides.
    expect(['off', 'notify', 'dry-run', 'auto'].map((m) => fixes('999999999999', m))).toEqual([
      false,
      true,
      false,
      true,
    ]);
    // Overridden to dry-run: read-only whatever the parameter; to auto: fix whatever the parameter; to off: none.
    for (const m of ['off', 'notify', 'dry-run', 'auto']) {
      expect(fixes('555555555555', m)).toBe(false);
      expect(fixes('333333333333', m)).toBe(true);
      expect(fixes('222222222222', m)).toBe(false);
      if (fixes('555555555555', m) || fixes('333333333333', m)) expect(roleExists('333333333333', m)).toBe(true);
    }
    expect(roleExists('555555555555', 'auto')).toBe(true);
  });

  it('lets an account override win over the parameter in that account only', () => {
    expect(roleExists('222222222222', 'auto')).toBe(false);
    expect(roleExists('333333333333', 'off')).toBe(true);
    expect(taggedMode('333333333333', 'off')).toBe('auto');
    expect(taggedMode('444444444444', 'notify')).toBe('auto');
    expect(taggedMode('555555555555', 'auto')).toBe('dry-run');
  });

  it('still passes the AwsSolutions checks', () => {
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  it('folds more than ten accounts of one mode into valid Fn::Or conditions', () => {
    const accounts = Object.fromEntries(
      Array.from({ length: 23 }, (_, i) => [String(600000000000 + i), 'off' as const]),
    );
    const many = synthGlobal(testConfig({ remediation: { accounts } })).template.toJSON() as Json;
    const manyRole = Object.values(many.Resources).find(
      (r) => r.Properties.RoleName === 'SoclessRemediationRole',
    ) as Resource;
    const ctx = (accountId: string) => ({ template: many, accountId, parameters: { RemediationMode: 'auto' } });
    expect(evaluateCondition(manyRole.Condition as string, ctx('600000000022'))).toBe(false);
    expect(evaluateCondition(manyRole.Condition as string, ctx('600000000000'))).toBe(false);
    expect(evaluateCondition(manyRole.Condition as string, ctx('700000000000'))).toBe(true);
  });
});
