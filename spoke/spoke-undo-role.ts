import { type CfnPolicy, type ManagedPolicy, Policy, type Role } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { NAMES } from '../shared/names.ts';
import { type RemediationStatement, validateRemediationStatements } from './remediation-statements.ts';
import {
  acknowledgeWildcardResources,
  checkPolicySize,
  INLINE_POLICY_LIMIT,
  policyStatement,
  type SpokeRoleTrustProps,
  trustedSpokeRole,
} from './spoke-remediation-role.ts';

/** Properties of {@link SpokeUndoRole}. */
export interface SpokeUndoRoleProps extends SpokeRoleTrustProps {
  /** The undo-direction writes (generated from the remediation registry); empty makes no undo policy. */
  readonly statements: ReadonlyArray<RemediationStatement>;
  /** The shared read policy (SoclessRemediationRead), attached here too: undo reads before it restores. */
  readonly readPolicy?: ManagedPolicy;
}

/**
 * `SoclessUndoRole`: restores what a remediation changed (the de-hardening writes: StopLogging, AddPermission,
 * AuthorizeSecurityGroupIngress, DeleteBucketPolicy...). It trusts only `SoclessHubUndoRole` in the hub account,
 * which only operator roles can assume, so no hub Lambda and no automated path can weaken the account. It
 * exists wherever the remediation role does (a change applied before an account moved to dry-run can still be
 * undone).
 */
export class SpokeUndoRole extends Construct {
  readonly role: Role;
  /** The undo-direction writes (`SoclessRemediationUndo`); absent when empty. */
  readonly policy?: Policy;

  constructor(scope: Construct, id: string, props: SpokeUndoRoleProps) {
    super(scope, id);
    validateRemediationStatements(props.statements);
    checkPolicySize('SoclessUndoRole inline policies', props.statements, INLINE_POLICY_LIMIT);
    this.role = trustedSpokeRole(this, {
      ...props,
      roleName: NAMES.spokeUndoRoleName,
      hubRoleName: NAMES.hubUndoRoleName,
      description: 'Assumed by SOCless operators (through the hub undo role) to undo a remediation in this account',
      allowSourceIdentity: true,
    });
    props.readPolicy?.attachToRole(this.role);
    if (props.statements.length === 0) return;
    this.policy = new Policy(this, 'Policy', {
      policyName: 'SoclessRemediationUndo',
      roles: [this.role],
      statements: props.statements.map(policyStatement),
    });
    (this.policy.node.defaultChild as CfnPolicy).cfnOptions.condition = props.enabled;
    acknowledgeWildcardResources(this.policy, props.statements);
  }
}
