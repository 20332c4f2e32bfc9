import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import { AccountRootPrincipal, PolicyStatement, PrincipalWithConditions, Role } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { NAMES } from '../../shared/names.ts';

/** Properties of {@link HubUndoRole}. */
export interface HubUndoRoleProps {
  /** Spoke undo roles are assumed only inside this organization (`aws:ResourceOrgID`). */
  readonly organizationId: string;
  /** Operator roles (ARNs in the hub account) that may undo a remediation (`socless remediation undo`); at least one. */
  readonly operatorRoleArns: readonly string[];
}

/**
 * `SoclessHubUndoRole`: the one hub role `SoclessUndoRole` trusts in every member account, assumable by the
 * configured operator roles and by nothing else. No Lambda execution role is ever named, so no automated path
 * (a playbook, a compromised integration, the hub remediation role) can reach the undo-direction writes.
 *
 * Created only when `operatorRoleArns` lists a role (see HubStack): a role nobody is meant to assume would still
 * be latent privilege that anyone able to edit its trust policy could take.
 *
 * No MFA condition: operator roles are usually IAM Identity Center roles, whose sessions carry no
 * `aws:MultiFactorAuthPresent` through role chaining. The CLI asks the operator to type the execution id (or
 * pass `--yes`) before it assumes this role instead.
 *
 * The trust names the account root with an `aws:PrincipalArn` condition listing the operators, like the hub
 * remediation role: IAM rewrites a role principal to its unique id, so a re-created operator role would
 * silently lose access; an ARN condition survives re-creation (and still admits nobody else).
 */
export class HubUndoRole extends Construct {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: HubUndoRoleProps) {
    super(scope, id);
    if (props.operatorRoleArns.length === 0) {
      throw new RangeError('HubUndoRole needs at least one operator role ARN (config operatorRoleArns)');
    }
    const stack = Stack.of(this);
    this.role = new Role(this, 'Role', {
      roleName: NAMES.hubUndoRoleName,
      description: 'SOCless hub: operators only; the only principal spoke undo roles (SoclessUndoRole) trust',
      assumedBy: new PrincipalWithConditions(new AccountRootPrincipal(), {
        ArnEquals: { 'aws:PrincipalArn': [...props.operatorRoleArns] },
      }),
      maxSessionDuration: Duration.hours(1),
    });
    // An operator's source identity (set at sign-in) must be allowed at every hop, or the chain is refused.
    this.role.assumeRolePolicy?.addStatements(
      new PolicyStatement({
        sid: 'AllowOperatorSessionTags',
        principals: [new AccountRootPrincipal()],
        actions: ['sts:TagSession', 'sts:SetSourceIdentity'],
        conditions: { ArnEquals: { 'aws:PrincipalArn': [...props.operatorRoleArns] } },
      }),
    );
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'AssumeSpokeUndoRolesInOrganization',
        actions: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'],
        resources: [`arn:${stack.partition}:iam::*:role/${NAMES.spokeUndoRoleName}`],
        conditions: { StringEquals: { 'aws:ResourceOrgID': props.organizationId } },
      }),
    );
    // cdk-nag reports the resource as synthesized: a literal partition when the region is known, else the token.
    const partition = Token.isUnresolved(stack.partition) ? '<AWS::Partition>' : stack.partition;
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:${partition}:iam::*:role/${NAMES.spokeUndoRoleName}]`,
      reason:
        'The spoke undo role exists in every opted-in member account and accounts join the organization at any time; the grant is held to that one role name and to accounts of our organization by aws:ResourceOrgID.',
    });
  }
}
