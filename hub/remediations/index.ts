import type { RemediationStatement } from '../../spoke/remediation-statements.ts';

/**
 * What the spoke role needs to know of one remediation: the exact IAM actions it calls in a member
 * account and on which resources. The remediation kit adds plan/apply/verify/undo to this.
 */
export interface RemediationPermissions {
  /** Remediation id, kebab-case (e.g. `s3-bucket-public-access-block`). */
  readonly id: string;
  /** Exact IAM actions (`service:Action`), never wildcards. */
  readonly actions: readonly string[];
  /** Resource ARN patterns with `${AWS::Partition}`/`${AWS::Region}`/`${AWS::AccountId}`, or `*` where the actions have no resource-level permissions. */
  readonly resources: readonly string[];
}

/** Every remediation the hub can run in a spoke account, listed once. */
export const REMEDIATION_PERMISSIONS: readonly RemediationPermissions[] = [];

/**
 * The spoke remediation role's permission statements, generated from the registry: one statement per
 * remediation, so adding a remediation adds exactly its actions to every spoke role.
 */
export function spokeRoleStatements(
  registry: readonly RemediationPermissions[] = REMEDIATION_PERMISSIONS,
): RemediationStatement[] {
  return registry.map((r) => ({
    sid: r.id
      .split(/[^A-Za-z0-9]+/)
      .filter(Boolean)
      .map((w) => w[0]!.toUpperCase() + w.slice(1))
      .join(''),
    actions: [...new Set(r.actions)].sort(),
    resources: r.resources,
  }));
}
