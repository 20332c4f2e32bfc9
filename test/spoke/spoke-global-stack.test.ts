import { App } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SoclessConfig } from '../../shared/config.ts';
import { RemediationStatementError } from '../../spoke/remediation-statements.ts';
import { SpokeGlobalStack } from '../../spoke/spoke-global-stack.ts';
import { evaluate, evaluateCondition, STATEMENTS, templateWithoutValidationFindings, testConfig } from './fixtures.ts';

type Resource = { Type: string; Condition?: string; Properties: Record<string, unknown> };

function synthGlobal(config: SoclessConfig, statements = STATEMENTS) {
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

const HUB_ROLE_ARN = {
  'Fn::Sub': [
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
    'arn:${AWS::Partition}:iam::${HubAccountId}:role/SoclessHubRemediationRole',
    { HubAccountId: { Ref: 'HubAccountId' } },
  ],
};

describe('SpokeGlobalStack', () => {
  let template: Template;
  let json: Record<string, unknown> & { Conditions: Record<string, unknown>; Parameters: Record<string, unknown> };
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

  it('creates the role and its policy only when RemediationMode is not off', () => {
    const role = onlyResource(template, 'AWS::IAM::Role', 'SoclessRemediationRole');
    const policy = onlyResource(template, 'AWS::IAM::Policy');
    expect(role.Condition).toBeDefined();
    expect(policy.Condition).toBe(role.Condition);
    expect(json.Conditions[role.Condition as string]).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'RemediationMode' }, 'off'] }],
    });
  });

  it('tags the role with the remediation mode so the hub can read it', () => {
    const role = onlyResource(template, 'AWS::IAM::Role', 'SoclessRemediationRole');
    expect(role.Properties.Tags).toEqual([{ Key: 'socless:remediation-mode', Value: { Ref: 'RemediationMode' } }]);
  });

  it('grants exactly the listed actions, with no wildcard action', () => {
    const policy = onlyResource(template, 'AWS::IAM::Policy');
    const doc = policy.Properties.PolicyDocument as { Statement: { Sid: string; Action: string | string[] }[] };
    expect(doc.Statement.map((s) => s.Sid)).toEqual(STATEMENTS.map((s) => s.sid));
    const actions = doc.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions.sort()).toEqual(STATEMENTS.flatMap((s) => s.actions).sort());
    expect(actions.some((a) => a.includes('*'))).toBe(false);
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
    expect(Object.keys(template.findResources('AWS::IAM::Policy'))).toHaveLength(1);
  });

  it('declares the five parameters with defaults from config and a NoEcho external id', () => {
    expect(Object.keys(json.Parameters).sort()).toEqual(
      ['ExternalId', 'HubAccountId', 'HubBusArn', 'OrganizationId', 'RemediationMode'].sort(),
    );
    template.hasParameter('RemediationMode', {
      Default: 'dry-run',
      AllowedValues: ['off', 'notify', 'dry-run', 'auto'],
    });
    template.hasParameter('HubAccountId', { Default: '111111111111' });
    template.hasParameter('HubBusArn', { Default: 'arn:aws:events:eu-west-1:111111111111:event-bus/SoclessBus' });
    template.hasParameter('ExternalId', { Default: 'an-external-id-0001', NoEcho: true });
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
    const { template: empty, stack: emptyStack } = synthGlobal(testConfig(), []);
    empty.resourceCountIs('AWS::IAM::Policy', 0);
    onlyResource(empty, 'AWS::IAM::Role', 'SoclessRemediationRole');
    expect(new AwsSolutionsChecks().validateScope(emptyStack).violations).toEqual([]);
  });

  it('refuses a wildcard action and names the statement', () => {
    const statements = [...STATEMENTS, { sid: 'TooBroad', actions: ['s3:*'], resources: ['*'] }];
    expect(() => synthGlobal(testConfig(), statements)).toThrow(RemediationStatementError);
    expect(() => synthGlobal(testConfig(), statements)).toThrow(/sid "TooBroad".*"s3:\*" is a wildcard/);
    expect(() => synthGlobal(testConfig(), [{ sid: 'All', actions: ['*'], resources: ['*'] }])).toThrow(/sid "All"/);
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
