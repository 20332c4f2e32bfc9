import { type CfnCondition, Duration, Fn, Tags, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { NAMES } from '../shared/names.ts';
import { hasPlaceholder, type RemediationStatement, validateRemediationStatements } from './remediation-statements.ts';

/** IAM's limit on the inline policies of one role, in characters (whitespace not counted). */
const INLINE_POLICY_LIMIT = 10_240;

/** Properties of {@link SpokeRemediationRole}. */
export interface SpokeRemediationRoleProps {
  /** The hub account id (the `HubAccountId` parameter). */
  readonly hubAccountId: string;
  /** The organization id (the `OrganizationId` parameter), required of the caller as aws:PrincipalOrgID. */
  readonly organizationId: string;
  /** The external id (the `ExternalId` parameter), required as sts:ExternalId. */
  readonly externalId: string;
  /** The account's effective remediation mode, written to the role's `socless:remediation-mode` tag. */
  readonly effectiveMode: string;
  /** Condition under which the role and its policy exist (effective mode is not `off`). */
  readonly enabled: CfnCondition;
  /** The permissions the remediations need; an empty list leaves the role without a permission policy. */
  readonly statements: ReadonlyArray<RemediationStatement>;
}

/**
 * `SoclessRemediationRole`: assumable only by the hub's remediation role, from inside the organization, with
 * the shared external id; allowed only the actions the remediation registry lists.
 */
export class SpokeRemediationRole extends Construct {
  readonly role: iam.Role;
  /** The permission policy, absent when no statements were given. */
  readonly policy?: iam.Policy;

  constructor(scope: Construct, id: string, props: SpokeRemediationRoleProps) {
    super(scope, id);
    validateRemediationStatements(props.statements);
    const hubRoleArn = Fn.sub(`arn:\${AWS::Partition}:iam::\${HubAccountId}:role/${NAMES.hubRemediationRoleName}`, {
      HubAccountId: props.hubAccountId,
    });

    this.role = new iam.Role(this, 'Role', {
      roleName: NAMES.spokeRemediationRoleName,
      description: 'Assumed by the SOCless hub to run opted-in remediations in this account',
      maxSessionDuration: Duration.hours(1),
      assumedBy: new iam.ArnPrincipal(hubRoleArn).withConditions({
        StringEquals: { 'aws:PrincipalOrgID': props.organizationId, 'sts:ExternalId': props.externalId },
      }),
    });
    // Session tags (remediation id) are allowed separately: AssumeRole itself still needs the external id.
    this.role.assumeRolePolicy?.addStatements(
      new iam.PolicyStatement({
        sid: 'AllowHubSessionTags',
        principals: [new iam.ArnPrincipal(hubRoleArn)],
        actions: ['sts:TagSession'],
        conditions: { StringEquals: { 'aws:PrincipalOrgID': props.organizationId } },
      }),
    );
    (this.role.node.defaultChild as iam.CfnRole).cfnOptions.condition = props.enabled;
    Tags.of(this.role).add(NAMES.remediationModeTag, props.effectiveMode);

    if (props.statements.length === 0) return;
    checkInlinePolicySize(props.statements);
    this.policy = new iam.Policy(this, 'Policy', {
      policyName: 'SoclessRemediationActions',
      roles: [this.role],
      statements: props.statements.map(
        (s) =>
          new iam.PolicyStatement({
            sid: s.sid,
            actions: [...s.actions],
            resources: s.resources.map((r) => (hasPlaceholder(r) ? Fn.sub(r) : r)),
          }),
      ),
    });
    (this.policy.node.defaultChild as iam.CfnPolicy).cfnOptions.condition = props.enabled;
    acknowledgeWildcardResources(this.policy, props.statements);
  }
}

/** Fails synth rather than deploy when the statements cannot fit IAM's inline policy limit. */
function checkInlinePolicySize(statements: ReadonlyArray<RemediationStatement>): void {
  const document = {
    Version: '2012-10-17',
    Statement: statements.map((s) => ({ Sid: s.sid, Effect: 'Allow', Action: s.actions, Resource: s.resources })),
  };
  const size = JSON.stringify(document).length;
  if (size > INLINE_POLICY_LIMIT) {
    throw new RangeError(
      `remediationStatements make a ${size}-character policy; IAM allows ${INLINE_POLICY_LIMIT} for a role's inline policies: merge statements or drop unused actions`,
    );
  }
}

/**
 * A remediation acts on the resource a finding names, which is unknown when the role is deployed, so some
 * resources carry wildcards; each is acknowledged individually with the statement it comes from.
 */
function acknowledgeWildcardResources(policy: iam.Policy, statements: ReadonlyArray<RemediationStatement>): void {
  const acknowledged = new Set<string>();
  for (const s of statements) {
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
            ? `Statement ${s.sid} (${s.actions.join(', ')}): these actions take no resource-level permission or act on a resource named only in the finding; the hub narrows every session to one remediation with a session policy`
            : `Statement ${s.sid} (${s.actions.join(', ')}): the target resource is named in the finding, not known at deploy time; the ARN pattern fixes service and type and the hub narrows each session with a session policy`,
      });
    }
  }
}
