import { App, Token } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SoclessConfig } from '../../shared/config.ts';
import { ConfigError } from '../../shared/errors.ts';
import { OrgRolloutStack } from '../../spoke/org-rollout-stack.ts';
import { synthSpokeTemplates, TEMPLATE_BODY_LIMIT_BYTES } from '../../spoke/synth-spoke-templates.ts';
import { ROLE_STATEMENTS, templateWithoutValidationFindings, testConfig } from './fixtures.ts';

type StackSet = { Type: string; DependsOn?: string[]; Properties: Record<string, unknown> };
type Group = {
  DeploymentTargets: { OrganizationalUnitIds: string[]; Accounts?: string[]; AccountFilterType?: string };
  Regions: string[];
  ParameterOverrides?: { ParameterKey: string; ParameterValue: string }[];
};

const [PROD, DEV, SANDBOX] = ['ou-ab12-prod0001', 'ou-ab12-dev00001', 'ou-ab12-sandbox1'];

function synthRollout(config: SoclessConfig) {
  const stack = new OrgRolloutStack(new App(), 'SoclessOrgRollout', { config, remediationStatements: ROLE_STATEMENTS });
  const template = templateWithoutValidationFindings(stack);
  const sets = template.findResources('AWS::CloudFormation::StackSet') as Record<string, StackSet>;
  const byName = (name: string) => {
    const entry = Object.entries(sets).find(([, s]) => s.Properties.StackSetName === name);
    if (!entry) throw new Error(`no StackSet ${name}`);
    return { id: entry[0], ...entry[1] };
  };
  return { stack, template, global: byName('socless-spoke-global'), regional: byName('socless-spoke-regional') };
}

describe('OrgRolloutStack', () => {
  const config = testConfig({
    rollout: {
      callAs: 'DELEGATED_ADMIN',
      maxConcurrentPercentage: 30,
      failureTolerancePercentage: 5,
      retainStacksOnAccountRemoval: true,
    },
    remediation: {
      defaultMode: 'notify',
      ous: { [SANDBOX]: 'auto', [DEV]: 'dry-run' },
      accounts: { '222222222222': 'off', '333333333333': 'auto' },
    },
  });
  let rollout: ReturnType<typeof synthRollout>;
  beforeAll(() => {
    rollout = synthRollout(config);
  });

  it('creates exactly two service-managed StackSets with auto-deployment and named-IAM capability', () => {
    rollout.template.resourceCountIs('AWS::CloudFormation::StackSet', 2);
    for (const set of [rollout.global, rollout.regional]) {
      expect(set.Properties).toMatchObject({
        PermissionModel: 'SERVICE_MANAGED',
        AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: true },
        Capabilities: ['CAPABILITY_NAMED_IAM'],
        CallAs: 'DELEGATED_ADMIN',
        ManagedExecution: { Active: true },
        OperationPreferences: {
          RegionConcurrencyType: 'PARALLEL',
          MaxConcurrentPercentage: 30,
          FailureTolerancePercentage: 5,
          ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE',
        },
      });
    }
  });

  it('deploys the global spoke in the home region only and the regional spoke in every enabled region', () => {
    const globalGroups = rollout.global.Properties.StackInstancesGroup as Group[];
    for (const group of globalGroups) expect(group.Regions).toEqual(['eu-west-1']);
    expect(rollout.regional.Properties.StackInstancesGroup).toEqual([
      {
        DeploymentTargets: { OrganizationalUnitIds: [PROD, DEV, SANDBOX] },
        Regions: ['eu-west-1', 'us-east-1', 'ap-southeast-2'],
      },
    ]);
  });

  it('gives each OU override its own instance group with a RemediationMode override', () => {
    expect(rollout.global.Properties.StackInstancesGroup).toEqual([
      {
        DeploymentTargets: { OrganizationalUnitIds: [PROD] },
        Regions: ['eu-west-1'],
        ParameterOverrides: [{ ParameterKey: 'RemediationMode', ParameterValue: 'notify' }],
      },
      {
        DeploymentTargets: { OrganizationalUnitIds: [DEV] },
        Regions: ['eu-west-1'],
        ParameterOverrides: [{ ParameterKey: 'RemediationMode', ParameterValue: 'dry-run' }],
      },
      {
        DeploymentTargets: { OrganizationalUnitIds: [SANDBOX] },
        Regions: ['eu-west-1'],
        ParameterOverrides: [{ ParameterKey: 'RemediationMode', ParameterValue: 'auto' }],
      },
    ]);
  });

  it('never reaches an OU or an account through two instance groups', () => {
    const groups = rollout.global.Properties.StackInstancesGroup as Group[];
    const ous = groups.flatMap((g) => g.DeploymentTargets.OrganizationalUnitIds);
    expect(new Set(ous).size).toBe(ous.length);
    // Account overrides travel in the template (keyed by account id), not as account-level targets.
    for (const g of groups) {
      expect(g.DeploymentTargets.Accounts).toBeUndefined();
      expect(g.DeploymentTargets.AccountFilterType).toBeUndefined();
    }
    const body = JSON.parse(rollout.global.Properties.TemplateBody as string) as { Conditions: object };
    expect(JSON.stringify(body.Conditions)).toContain('222222222222');
    expect(JSON.stringify(body.Conditions)).toContain('333333333333');
  });

  it('gives accounts that auto-deployment adds later the least permissive OU mode', () => {
    const externalId = { ParameterKey: 'ExternalId', ParameterValue: { Ref: 'SpokeExternalId' } };
    expect(rollout.global.Properties.Parameters).toEqual([
      { ParameterKey: 'RemediationMode', ParameterValue: 'notify' },
      externalId,
    ]);
    const strict = synthRollout(testConfig({ remediation: { defaultMode: 'auto', ous: { [PROD]: 'off' } } }));
    expect(strict.global.Properties.Parameters).toEqual([
      { ParameterKey: 'RemediationMode', ParameterValue: 'off' },
      externalId,
    ]);
  });

  it('takes the external id as a NoEcho parameter and passes it on, never in a template body', () => {
    rollout.template.hasParameter('SpokeExternalId', { Type: 'String', NoEcho: true, MinLength: 16 });
    expect(rollout.template.toJSON().Parameters.SpokeExternalId.Default).toBeUndefined();
    expect(JSON.stringify(rollout.template.toJSON())).not.toContain('an-external-id-0001');
  });

  it('carries the synthesized spoke templates as TemplateBody', () => {
    const expected = synthSpokeTemplates(config, ROLE_STATEMENTS);
    expect(JSON.parse(rollout.global.Properties.TemplateBody as string)).toEqual(expected.global);
    expect(JSON.parse(rollout.regional.Properties.TemplateBody as string)).toEqual(expected.regional);
  });

  it('creates the regional StackSet after the global one that holds the forwarding role', () => {
    expect(rollout.regional.DependsOn).toEqual([rollout.global.id]);
  });

  it('sequences auto-deployment of a new account: regional spoke after the global one (DependsOn by StackSet ARN)', () => {
    expect(rollout.regional.Properties.AutoDeployment).toEqual({
      Enabled: true,
      RetainStacksOnAccountRemoval: true,
      DependsOn: [
        {
          'Fn::Sub': [
            // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
            'arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stackset/${Id}',
            { Id: { 'Fn::GetAtt': [rollout.global.id, 'StackSetId'] } },
          ],
        },
      ],
    });
    expect(rollout.global.Properties.AutoDeployment).toEqual({ Enabled: true, RetainStacksOnAccountRemoval: true });
  });

  it('pins the home region and leaves the account to the deployer', () => {
    expect(rollout.stack.region).toBe('eu-west-1');
    expect(Token.isUnresolved(rollout.stack.account)).toBe(true);
    expect(rollout.stack.environment).toBe('aws://unknown-account/eu-west-1');
  });

  it('passes the AwsSolutions checks', () => {
    expect(new AwsSolutionsChecks().validateScope(rollout.stack).violations).toEqual([]);
  });

  it('fails synth for an override of an OU that is not a target OU', () => {
    expect(() => synthRollout(testConfig({ remediation: { ous: { 'ou-ab12-nested01': 'auto' } } }))).toThrow(
      ConfigError,
    );
    expect(() => synthRollout(testConfig({ remediation: { ous: { 'ou-ab12-nested01': 'auto' } } }))).toThrow(
      /remediation\.ous\.ou-ab12-nested01 is not one of targetOuIds/,
    );
  });
});

describe('synthSpokeTemplates', () => {
  const config = testConfig({ remediation: { accounts: { '222222222222': 'off' } } });
  let templates: ReturnType<typeof synthSpokeTemplates>;
  beforeAll(() => {
    templates = synthSpokeTemplates(config, ROLE_STATEMENTS);
  });

  it('returns flat templates with no nested stack, asset or bootstrap version', () => {
    for (const template of [templates.global, templates.regional] as Record<string, unknown>[]) {
      const text = JSON.stringify(template);
      expect(text).not.toContain('AWS::CloudFormation::Stack"');
      expect(text).not.toMatch(/AssetParameters|aws:asset:|BootstrapVersion|AWS::CDK::Metadata/);
      expect(template.Rules).toBeUndefined();
      expect(Object.keys(template.Resources as object).length).toBeGreaterThan(0);
    }
  });

  it('keeps each template well under the 51,200-byte TemplateBody limit', () => {
    for (const template of [templates.global, templates.regional]) {
      expect(Buffer.byteLength(JSON.stringify(template))).toBeLessThan(TEMPLATE_BODY_LIMIT_BYTES / 2);
    }
  });

  it('still fits with a hundred account overrides', () => {
    const accounts = Object.fromEntries(
      Array.from({ length: 100 }, (_, i) => [String(600000000000 + i), i % 2 === 0 ? 'off' : 'auto'] as const),
    );
    const big = synthSpokeTemplates(testConfig({ remediation: { accounts } }), ROLE_STATEMENTS);
    expect(Buffer.byteLength(JSON.stringify(big.global))).toBeLessThan(TEMPLATE_BODY_LIMIT_BYTES);
  });

  it('refuses a template that would exceed the TemplateBody limit', () => {
    const statements = Array.from({ length: 60 }, (_, i) => ({
      sid: `S${i}`,
      actions: ['s3:PutBucketAcl'],
      resources: [`arn:aws:s3:::bucket-with-a-long-name-${i}-${'x'.repeat(30)}`],
    }));
    const accounts = Object.fromEntries(
      Array.from({ length: 900 }, (_, i) => [String(600000000000 + i), 'auto'] as const),
    );
    expect(() =>
      synthSpokeTemplates(testConfig({ remediation: { accounts } }), { read: [], fix: statements, undo: [] }),
    ).toThrow(/template is \d+ bytes; a StackSet TemplateBody may hold 51200/);
  });
});
