import { type CfnCondition, Duration, Fn, type IResolvable, Tags, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { NAMES } from '../shared/names.ts';
import {
  hasPlaceholder,
  type RemediationStatement,
  type SpokeRoleStatements,
  validateRemediationStatements,
} from './remediation-statements.ts';

/** IAM's limit on the inline policies of one role, in characters (whitespace not counted). */
export const INLINE_POLICY_LIMIT = 10_240;
/** IAM's limit on one customer managed policy, in characters (whitespace not counted). */
export const MANAGED_POLICY_LIMIT = 6_144;

/** What both spoke roles share: who the hub is, and the trust conditions. */
export interface SpokeRoleTrustProps {
  /** The hub account id (the `HubAccountId` parameter). */
  readonly hubAccountId: string;
  /** The organization id (the `OrganizationId` parameter), required of the caller as aws:PrincipalOrgID. */
  readonly organizationId: string;
  /** The external id (the `ExternalId` parameter), required as sts:ExternalId. */
  readonly externalId: string;
  /** The account's effective remediation mode, written to the role's `socless:remediation-mode` tag. */
  readonly effectiveMode: string;
  /** Condition under which the role and its policies exist (effective mode is not `off`). */
  readonly enabled: CfnCondition;
}

/** Properties of {@link SpokeRemediationRole}. */
export interface SpokeRemediationRoleProps extends SpokeRoleTrustProps {
  /**
   * Condition under which the fix policy is attached: the effective mode is `notify` or `auto`. A `dry-run`
   * account's role can only read. Required when `statements.fix` is not empty.
   */
  readonly fixEnabled?: CfnCondition;
  /**
   * The spoke roles' permissions by direction (generated from the remediation registry). This role gets `read`
   * (as a managed policy, shared with the undo role) and `fix`; never `undo`. Empty sets make no policy.
   */
  readonly statements: SpokeRoleStatements;
}

/**
 * `SoclessRemediationRole`: assumable only by the hub's remediation role, from inside the organization, with
 * the shared external id. It reads what every remediation reads and, in `notify` and `auto` accounts only,
 * makes the fix-direction writes, with explicit denies on their weakening forms. The undo-direction writes
 * (restoring a weaker state) are on `SoclessUndoRole`, which hub Lambdas cannot reach.
 */
export class SpokeRemediationRole extends Construct {
  readonly role: iam.Role;
  /** Every remediation's reads (`SoclessRemediationRead`), also attached to the undo role; absent when empty. */
  readonly readPolicy?: iam.ManagedPolicy;
  /** The fix-direction writes (`SoclessRemediationFix`), absent when empty; exists only where `fixEnabled`. */
  readonly fixPolicy?: iam.Policy;

  constructor(scope: Construct, id: string, props: SpokeRemediationRoleProps) {
    super(scope, id);
    validateRemediationStatements(props.statements.read);
    validateRemediationStatements(props.statements.fix);
    checkPolicySize('SoclessRemediationRole inline policies', props.statements.fix, INLINE_POLICY_LIMIT);
    checkPolicySize('the SoclessRemediationRead managed policy', props.statements.read, MANAGED_POLICY_LIMIT);

    this.role = trustedSpokeRole(this, {
      ...props,
      roleName: NAMES.spokeRemediationRoleName,
      hubRoleName: NAMES.hubRemediationRoleName,
      description: 'Assumed by the SOCless hub to read and fix (never undo) opted-in remediations in this account',
      // A read-only reader's source identity passes every hop of the chain (AssumeRole is denied otherwise).
      allowSourceIdentity: true,
    });

    if (props.statements.read.length > 0) {
      this.readPolicy = new iam.ManagedPolicy(this, 'ReadPolicy', {
        managedPolicyName: 'SoclessRemediationRead',
        description: 'SOCless: the reads of every remediation (current state before and after a change)',
        roles: [this.role],
        statements: [...props.statements.read.map(policyStatement), readOnlySessionDeny(props.statements.read)],
      });
      (this.readPolicy.node.defaultChild as iam.CfnManagedPolicy).cfnOptions.condition = props.enabled;
      acknowledgeWildcardResources(this.readPolicy, props.statements.read);
    }
    if (props.statements.fix.length > 0) {
      if (!props.fixEnabled) throw new Error('SpokeRemediationRole: fix statements need the fixEnabled condition');
      this.fixPolicy = new iam.Policy(this, 'FixPolicy', {
        policyName: 'SoclessRemediationFix',
        roles: [this.role],
        statements: props.statements.fix.map(policyStatement),
      });
      // Absent in dry-run accounts: the role there can read and nothing else.
      (this.fixPolicy.node.defaultChild as iam.CfnPolicy).cfnOptions.condition = props.fixEnabled;
      acknowledgeWildcardResources(this.fixPolicy, props.statements.fix);
    }
  }
}

/**
 * Denies a read-only session (source identity `NAMES.readOnlySourceIdentity`, which the hub remediation role forces
 * on its readers and no later hop can change) everything but the reads: whatever a compromised reader does with the
 * hub role, in the spoke it can only read, with or without a session policy.
 */
export function readOnlySessionDeny(read: ReadonlyArray<RemediationStatement>): iam.PolicyStatement {
  const reads = [...new Set(read.filter((s) => s.effect !== 'Deny').flatMap((s) => s.actions))].sort();
  return new iam.PolicyStatement({
    sid: 'DenyAllButReadsToReadOnlySessions',
    effect: iam.Effect.DENY,
    notActions: reads,
    resources: ['*'],
    conditions: { StringEquals: { 'aws:SourceIdentity': NAMES.readOnlySourceIdentity } },
  });
}

/** What {@link trustedSpokeRole} needs besides the trust props. */
export interface TrustedSpokeRoleOptions extends SpokeRoleTrustProps {
  readonly roleName: string;
  /** The one hub role (by name, in the hub account) the role trusts. */
  readonly hubRoleName: string;
  readonly description: string;
  /**
   * Also allow sts:SetSourceIdentity: an operator's source identity (set at sign-in) must pass every hop of a
   * role chain, or AssumeRole is denied. @default false
   */
  readonly allowSourceIdentity?: boolean;
}

/**
 * A spoke role that trusts exactly one hub role ARN, from inside the organization, with the external id; one
 * hour at most; tagged with the account's remediation mode; present only where `enabled` holds.
 */
export function trustedSpokeRole(scope: Construct, options: TrustedSpokeRoleOptions): iam.Role {
  const hubRoleArn = Fn.sub(`arn:\${AWS::Partition}:iam::\${HubAccountId}:role/${options.hubRoleName}`, {
    HubAccountId: options.hubAccountId,
  });
  const role = new iam.Role(scope, 'Role', {
    roleName: options.roleName,
    description: options.description,
    maxSessionDuration: Duration.hours(1),
    assumedBy: new iam.ArnPrincipal(hubRoleArn).withConditions({
      StringEquals: { 'aws:PrincipalOrgID': options.organizationId, 'sts:ExternalId': options.externalId },
    }),
  });
  // Session tags (remediation id) are allowed separately: AssumeRole itself still needs the external id.
  role.assumeRolePolicy?.addStatements(
    new iam.PolicyStatement({
      sid: 'AllowHubSessionTags',
      principals: [new iam.ArnPrincipal(hubRoleArn)],
      actions: ['sts:TagSession', ...(options.allowSourceIdentity ? ['sts:SetSourceIdentity'] : [])],
      conditions: { StringEquals: { 'aws:PrincipalOrgID': options.organizationId } },
    }),
  );
  (role.node.defaultChild as iam.CfnRole).cfnOptions.condition = options.enabled;
  Tags.of(role).add(NAMES.remediationModeTag, options.effectiveMode);
  return role;
}

/** A CDK statement from a registry statement: `${AWS::...}` in resources and condition values via Fn::Sub. */
export function policyStatement(s: RemediationStatement): iam.PolicyStatement {
  const sub = (v: string): string => (hasPlaceholder(v) ? Fn.sub(v) : v);
  const conditions: Record<string, Record<string, string | string[] | IResolvable>> = {};
  for (const [operator, block] of Object.entries(s.conditions ?? {})) {
    conditions[operator] = Object.fromEntries(
      Object.entries(block).map(([key, value]) => [key, typeof value === 'string' ? sub(value) : value.map(sub)]),
    );
  }
  return new iam.PolicyStatement({
    sid: s.sid,
    effect: s.effect === 'Deny' ? iam.Effect.DENY : iam.Effect.ALLOW,
    actions: [...s.actions],
    resources: s.resources.map(sub),
    ...(Object.keys(conditions).length > 0 ? { conditions } : {}),
  });
}

/** The policy document IAM would store for these statements (placeholders unresolved: an upper bound). */
export function policyDocumentText(statements: ReadonlyArray<RemediationStatement>): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: statements.map((s) => ({
      Sid: s.sid,
      Effect: s.effect ?? 'Allow',
      Action: s.actions,
      Resource: s.resources,
      ...(s.conditions ? { Condition: s.conditions } : {}),
    })),
  });
}

/** Fails synth rather than deploy when the statements cannot fit an IAM policy size limit. */
export function checkPolicySize(what: string, statements: ReadonlyArray<RemediationStatement>, limit: number): void {
  if (statements.length === 0) return;
  const size = policyDocumentText(statements).length;
  if (size > limit) {
    throw new RangeError(
      `remediationStatements make ${size} characters for ${what}; IAM allows ${limit}: merge statements or drop unused actions`,
    );
  }
}

/**
 * A remediation acts on the resource a finding names, which is unknown when the role is deployed, so some
 * resources carry wildcards; each is acknowledged individually with the statement it comes from. Deny
 * statements widen nothing and need no acknowledgement.
 */
export function acknowledgeWildcardResources(policy: Construct, statements: ReadonlyArray<RemediationStatement>): void {
  const acknowledged = new Set<string>();
  for (const s of statements) {
    if (s.effect === 'Deny') continue;
    for (const resource of s.resources) {
      if (!resource.includes('*')) continue;
      // cdk-nag names a finding by the flattened resource (`${X}` becomes `<X>`).
      const finding = `AwsSolutions-IAM5[Resource::${resource.replace(/\$\{/g, '<').replace(/\}/g, '>')}]`;
      if (acknowledged.has(finding)) continue;
      acknowledged.add(finding);
      Validations.of(policy).acknowledge({
        id: finding,
        reason:
          resource === '*'
            ? `Statement ${s.sid} (${s.actions.join(', ')}): these actions take no resource-level permission or act on a resource named only in the finding; the hub narrows every session to one remediation and target with a session policy`
            : `Statement ${s.sid} (${s.actions.join(', ')}): the target resource is named in the finding, not known at deploy time; the ARN pattern fixes service and type and the hub narrows each session to the target with a session policy`,
      });
    }
  }
}
