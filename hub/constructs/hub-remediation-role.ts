import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import {
  AccountRootPrincipal,
  type IRole,
  PolicyStatement,
  PrincipalWithConditions,
  Role,
  SessionTagsPrincipal,
} from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { NAMES } from '../../shared/names.ts';

/** Properties of {@link HubRemediationRole}. */
export interface HubRemediationRoleProps {
  /** Spoke roles are assumed only inside this organization (`aws:ResourceOrgID`). */
  readonly organizationId: string;
  /** Execution roles of the Lambdas that may assume this role (integrations with `assumesSpokeRoles`). */
  readonly assumers: readonly IRole[];
  /**
   * Execution roles of read-only spoke readers (`readOnlySpokeAccess`): admitted only when they set the source
   * identity `NAMES.readOnlySourceIdentity`, which every later hop keeps and spoke roles allow reads only.
   * @default none
   */
  readonly readers?: readonly IRole[];
  /**
   * Operator roles (ARNs in the hub account) that may assume it too, for the CLI's role probes. Undo does not
   * go through this role: it cannot assume `SoclessUndoRole` (see HubUndoRole).
   * @default none
   */
  readonly operatorRoleArns?: readonly string[];
}

/**
 * The one hub role every spoke remediation role trusts, by its fixed name `NAMES.hubRemediationRoleName`.
 *
 * Design: Lambdas keep their own least-privilege execution roles and *chain* into this role when they need a
 * spoke (execution role → this role → spoke role, each hop at most one hour, ample for a Lambda). Using this
 * role as the execution role instead would pool every remediation's permissions into one role. This role can
 * do exactly one thing: assume `SoclessRemediationRole` in accounts of the organization.
 *
 * Its trust policy names the account root with an `aws:PrincipalArn` condition listing the assumers, rather
 * than the assumer roles as principals: IAM rewrites a role principal to the role's unique id, so a replaced
 * Lambda role would silently lose access; an ARN condition survives a replacement.
 */
export class HubRemediationRole extends Construct {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: HubRemediationRoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // With no assumer the condition names only the account root (which needs no role to act): nobody else gets in.
    const named = [...props.assumers.map((r) => r.roleArn), ...(props.operatorRoleArns ?? [])];
    const assumerArns = named.length > 0 ? named : [`arn:${stack.partition}:iam::${stack.account}:root`];

    this.role = new Role(this, 'Role', {
      roleName: NAMES.hubRemediationRoleName,
      description: 'SOCless hub: the only principal spoke remediation roles trust; assumed by remediation Lambdas',
      assumedBy: new SessionTagsPrincipal(
        new PrincipalWithConditions(new AccountRootPrincipal(), { ArnEquals: { 'aws:PrincipalArn': assumerArns } }),
      ),
      maxSessionDuration: Duration.hours(1),
    });
    const readers = props.readers ?? [];
    if (readers.length > 0) {
      this.role.assumeRolePolicy?.addStatements(
        new PolicyStatement({
          sid: 'ReadOnlyReaders',
          principals: [new AccountRootPrincipal()],
          actions: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'],
          conditions: {
            ArnEquals: { 'aws:PrincipalArn': readers.map((r) => r.roleArn) },
            StringEquals: { 'sts:SourceIdentity': NAMES.readOnlySourceIdentity },
          },
        }),
      );
    }
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'AssumeSpokeRemediationRolesInOrganization',
        // SetSourceIdentity carries a reader's read-only identity into the spoke session (it cannot be changed).
        actions: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'],
        resources: [`arn:${stack.partition}:iam::*:role/${NAMES.spokeRemediationRoleName}`],
        conditions: { StringEquals: { 'aws:ResourceOrgID': props.organizationId } },
      }),
    );
    // cdk-nag reports the resource as synthesized: a literal partition when the region is known, else the token.
    const partition = Token.isUnresolved(stack.partition) ? '<AWS::Partition>' : stack.partition;
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:${partition}:iam::*:role/${NAMES.spokeRemediationRoleName}]`,
      reason:
        'The spoke role exists in every opted-in member account and accounts join the organization at any time; the grant is held to that one role name and to accounts of our organization by aws:ResourceOrgID.',
    });
  }
}
