/**
 * The spoke roles as the registry generates them: what the remediation role (reachable from hub Lambdas) can
 * and cannot do, what dry-run accounts get, and the IAM and StackSet size limits.
 */
import { App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { REMEDIATIONS, spokeRoleStatements } from '../../hub/remediations/index.ts';
import { iamActionOf } from '../../shared/remediation/calls.ts';
import { FIX_ROLE_DENIES } from '../../shared/remediation/policy.ts';
import { SpokeGlobalStack } from '../../spoke/spoke-global-stack.ts';
import { synthSpokeTemplates, TEMPLATE_BODY_LIMIT_BYTES } from '../../spoke/synth-spoke-templates.ts';
import { evaluateCondition, testConfig } from './fixtures.ts';

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Condition?: unknown };
type Resource = { Type: string; Condition?: string; Properties: Record<string, unknown> };
type Json = {
  Resources: Record<string, Resource>;
  Conditions: Record<string, unknown>;
  Parameters: Record<string, { Default?: string }>;
};

const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
const statementsOf = (r: Resource) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
const allowedActions = (r: Resource) =>
  statementsOf(r)
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) => list(s.Action));

/** The undo-direction calls no fix group makes (by IAM action), computed from the registry itself. */
function undoOnlyIamActions(): string[] {
  const groups = REMEDIATIONS.flatMap((r) => r.permissions);
  const fix = new Set(groups.filter((g) => g.purpose === 'fix').flatMap((g) => g.calls.map(iamActionOf)));
  const undo = groups.filter((g) => g.purpose === 'undo').flatMap((g) => g.calls.map(iamActionOf));
  return [...new Set(undo)].filter((a) => !fix.has(a)).sort();
}

describe('spoke roles generated from the registry', () => {
  // A config with account overrides of every mode, so the conditions take their largest form.
  const config = testConfig({
    remediation: {
      defaultMode: 'auto',
      accounts: { '222222222222': 'off', '333333333333': 'dry-run', '444444444444': 'notify', '555555555555': 'auto' },
    },
  });
  let json: Json;
  let bytes: number;
  let roleId: (name: string) => string;
  const policiesOfRole = (name: string, type: 'AWS::IAM::Policy' | 'AWS::IAM::ManagedPolicy') =>
    Object.values(json.Resources).filter(
      (r) => r.Type === type && (r.Properties.Roles as Array<{ Ref: string }>).some((ref) => ref.Ref === roleId(name)),
    );

  beforeAll(() => {
    // The exact body the org rollout StackSet carries.
    const global = synthSpokeTemplates(config, spokeRoleStatements()).global;
    json = global as Json;
    bytes = Buffer.byteLength(JSON.stringify(global), 'utf8');
    roleId = (name) => {
      const entry = Object.entries(json.Resources).find(([, r]) => r.Properties.RoleName === name);
      if (!entry) throw new Error(`no role ${name}`);
      return entry[0];
    };
  });

  it('computes a non-empty undo-only set from the registry', () => {
    const undoOnly = undoOnlyIamActions();
    for (const action of [
      'cloudtrail:StopLogging',
      's3:DeleteBucketPolicy',
      'lambda:AddPermission',
      'kms:DisableKeyRotation',
      'ec2:DisableEbsEncryptionByDefault',
      'ec2:AuthorizeSecurityGroupIngress',
      'ec2:AuthorizeSecurityGroupEgress',
    ]) {
      expect(undoOnly).toContain(action);
    }
  });

  it('gives SoclessRemediationRole none of the undo-only actions, in any of its policies', () => {
    const policies = [
      ...policiesOfRole('SoclessRemediationRole', 'AWS::IAM::Policy'),
      ...policiesOfRole('SoclessRemediationRole', 'AWS::IAM::ManagedPolicy'),
    ];
    expect(policies.length).toBe(2);
    const granted = new Set(policies.flatMap(allowedActions));
    expect(undoOnlyIamActions().filter((a) => granted.has(a))).toEqual([]);
    // Nor does it grant its actions any other way (inline Policies on the role itself).
    expect(json.Resources[roleId('SoclessRemediationRole')]?.Properties.Policies).toBeUndefined();
  });

  it('gives SoclessUndoRole every undo action and no fix-only write', () => {
    const policies = [
      ...policiesOfRole('SoclessUndoRole', 'AWS::IAM::Policy'),
      ...policiesOfRole('SoclessUndoRole', 'AWS::IAM::ManagedPolicy'),
    ];
    const granted = new Set(policies.flatMap(allowedActions));
    for (const a of undoOnlyIamActions()) expect(granted.has(a), a).toBe(true);
    expect(granted.has('cloudtrail:StartLogging')).toBe(false);
    expect(granted.has('lambda:RemovePermission')).toBe(false);
  });

  it('denies the weakening forms of fix actions in the fix policy, and only there', () => {
    const [fix] = policiesOfRole('SoclessRemediationRole', 'AWS::IAM::Policy');
    const denies = statementsOf(fix as Resource).filter((s) => s.Effect === 'Deny');
    expect(denies.map((d) => d.Sid).sort()).toEqual(FIX_ROLE_DENIES.map((d) => d.sid).sort());
    expect(denies.find((d) => d.Sid === 'DenySnapshotPublicShare')?.Condition).toEqual({
      Null: { 'ec2:Add/group': 'false' },
    });
    expect(denies.find((d) => d.Sid === 'DenySnapshotAccountShare')?.Condition).toEqual({
      Null: { 'ec2:Add/userId': 'false' },
    });
    const [undo] = policiesOfRole('SoclessUndoRole', 'AWS::IAM::Policy');
    expect(statementsOf(undo as Resource).some((s) => s.Effect === 'Deny')).toBe(false);
  });

  it('limits resource-level writes to the account itself with aws:ResourceAccount', () => {
    const [fix] = policiesOfRole('SoclessRemediationRole', 'AWS::IAM::Policy');
    const s3 = statementsOf(fix as Resource).find((s) => list(s.Action).includes('s3:PutBucketPolicy'));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
    expect(s3?.Condition).toEqual({ StringEquals: { 'aws:ResourceAccount': { 'Fn::Sub': '${AWS::AccountId}' } } });
  });

  it('attaches the fix policy only where the effective mode is notify or auto (never in dry-run)', () => {
    const [fix] = policiesOfRole('SoclessRemediationRole', 'AWS::IAM::Policy');
    const condition = fix?.Condition as string;
    expect(condition).toBeDefined();
    // The condition's expression is built from the mode parameter (and the per-account overrides).
    expect(JSON.stringify(json.Conditions[condition])).toContain('RemediationMode');
    const exists = (accountId: string, mode: string) =>
      evaluateCondition(condition, { template: json, accountId, parameters: { RemediationMode: mode } });
    for (const mode of ['off', 'notify', 'dry-run', 'auto']) {
      expect(exists('999999999999', mode), mode).toBe(mode === 'notify' || mode === 'auto');
      expect(exists('333333333333', mode), `dry-run override, parameter ${mode}`).toBe(false);
      expect(exists('222222222222', mode), `off override, parameter ${mode}`).toBe(false);
      expect(exists('444444444444', mode)).toBe(true);
      expect(exists('555555555555', mode)).toBe(true);
    }
    // The read policy and both roles exist in dry-run accounts: they read.
    const role = json.Resources[roleId('SoclessRemediationRole')] as Resource;
    const [read] = policiesOfRole('SoclessRemediationRole', 'AWS::IAM::ManagedPolicy');
    expect(read?.Condition).toBe(role.Condition);
    const ctx = { template: json, accountId: '333333333333', parameters: { RemediationMode: 'auto' } };
    expect(evaluateCondition(role.Condition as string, ctx)).toBe(true);
  });

  it('keeps every policy inside IAM limits and the template inside the StackSet TemplateBody limit', () => {
    const chars = (r: Resource) => JSON.stringify(r.Properties.PolicyDocument).replace(/\s/g, '').length;
    for (const role of ['SoclessRemediationRole', 'SoclessUndoRole']) {
      // Placeholders stay as Fn::Sub objects here, longer than the values they become: an upper bound.
      const inline = policiesOfRole(role, 'AWS::IAM::Policy').reduce((n, p) => n + chars(p), 0);
      // A 10% margin: the next remediation should fail here, not at deploy time.
      expect(inline, role).toBeLessThanOrEqual(10_240 * 0.9);
      for (const managed of policiesOfRole(role, 'AWS::IAM::ManagedPolicy')) {
        expect(chars(managed), role).toBeLessThanOrEqual(6_144 * 0.9);
      }
    }
    expect(bytes).toBeLessThanOrEqual(TEMPLATE_BODY_LIMIT_BYTES);
  });

  it('passes the AwsSolutions checks with the registry statements', () => {
    const stack = new SpokeGlobalStack(new App(), 'SoclessSpokeGlobal', {
      config,
      remediationStatements: spokeRoleStatements(),
    });
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });
});
