/**
 * Resource names shared by the CDK stacks, the Lambdas, the CLI and the local hub.
 * A name that crosses an account boundary (role names, the bus name) is fixed here so that
 * both sides agree without a look-up.
 */
export const NAMES = {
  /** The hub's custom event bus that every spoke forwards to. */
  busName: 'SoclessBus',
  /** The hub-side role that integration and remediation Lambdas use to assume spoke roles. */
  hubRemediationRoleName: 'SoclessHubRemediationRole',
  /** The hub-side role, assumable by operator roles only, through which undo reaches `SoclessUndoRole`. */
  hubUndoRoleName: 'SoclessHubUndoRole',
  /**
   * The sts:SourceIdentity of read-only spoke sessions (the SOCless AWSRequest reader). Set on the first hop and
   * kept by every later one; spoke roles deny every action but their reads to a session that carries it.
   */
  readOnlySourceIdentity: 'socless-read',
  /** The assumable role in each opted-in member account. */
  spokeRemediationRoleName: 'SoclessRemediationRole',
  /** The spoke role that restores (undoes) a remediation; only operator roles can reach it. */
  spokeUndoRoleName: 'SoclessUndoRole',
  /** The role the spoke's EventBridge rules use to put events on the hub bus. */
  spokeForwardingRoleName: 'SoclessEventForwardingRole',
  /** Account tag that overrides the remediation mode of one account. */
  remediationModeTag: 'socless:remediation-mode',
  stacks: {
    hub: 'SoclessHub',
    spokeGlobal: 'SoclessSpokeGlobal',
    spokeRegional: 'SoclessSpokeRegional',
    orgRollout: 'SoclessOrgRollout',
    orgEvents: 'SoclessOrgEvents',
  },
  stackSets: {
    global: 'socless-spoke-global',
    regional: 'socless-spoke-regional',
  },
} as const;

export function busArn(hubAccountId: string, region: string, partition = 'aws'): string {
  return `arn:${partition}:events:${region}:${hubAccountId}:event-bus/${NAMES.busName}`;
}

export function hubRemediationRoleArn(hubAccountId: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${hubAccountId}:role/${NAMES.hubRemediationRoleName}`;
}

/** The ARN of a role (by name) in an account. */
export function roleArn(accountId: string, roleName: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${accountId}:role/${roleName}`;
}

export function spokeRemediationRoleArn(accountId: string, partition = 'aws'): string {
  return roleArn(accountId, NAMES.spokeRemediationRoleName, partition);
}

export function hubUndoRoleArn(hubAccountId: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${hubAccountId}:role/${NAMES.hubUndoRoleName}`;
}

export function spokeUndoRoleArn(accountId: string, partition = 'aws'): string {
  return roleArn(accountId, NAMES.spokeUndoRoleName, partition);
}
