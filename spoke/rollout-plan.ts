import { modeRank, REMEDIATION_MODES, type RemediationMode, type SoclessConfig } from '../shared/config.ts';
import { ConfigError, jsonPath, type Problem } from '../shared/errors.ts';

/** A set of target OUs whose spoke global stacks get one `RemediationMode` parameter override. */
export interface RemediationInstanceGroup {
  /** The RemediationMode these OUs' stack instances are given. */
  readonly mode: RemediationMode;
  /** Target OUs (or the root) of this group; every target OU is in exactly one group. */
  readonly organizationalUnitIds: readonly string[];
}

/** How the global StackSet spreads remediation modes over the organization. */
export interface GlobalRolloutPlan {
  /**
   * The StackSet-level `RemediationMode`: what auto-deployment gives an account that joins a target OU after
   * the last rollout update (StackSets documents that OU parameter overrides reach only the accounts in the OU
   * at the time of the operation, not accounts added later). It is
   * the least permissive mode of any target OU, so a new account never gets more than its OU allows; an
   * operator raises it to the OU's mode with `update-stack-instances` (an unchanged rollout stack re-applies
   * nothing). Account overrides are not affected: they live in the template.
   */
  readonly autoDeploymentMode: RemediationMode;
  /** One group per mode in use, modes from least to most permissive, each with an explicit override. */
  readonly groups: readonly RemediationInstanceGroup[];
  /**
   * Per-account modes; they are compiled into the global template (see RemediationModeConditions), not into
   * stack instance groups, and apply wherever the account sits in the target OUs.
   */
  readonly accountModes: Readonly<Record<string, RemediationMode>>;
}

/**
 * Plans the stack instance groups of the global StackSet from `remediation.ous` and `remediation.accounts`.
 *
 * - An OU override must name one of `targetOuIds`: that OU moves from the default group to the group of its
 *   mode, so no OU is targeted twice.
 * - An override for an OU nested under a target OU cannot be expressed: a deployment to an OU reaches all its
 *   child OUs and StackSets cannot subtract an OU, and a second target for the child would reach its
 *   accounts twice with two parameter sets. Such a key (and any OU outside the targets, which the ids alone
 *   cannot tell apart) fails with a ConfigError naming `remediation.ous.<id>`.
 * - Account overrides do not become groups: `AWS::CloudFormation::StackSet` rejects an OU associated with
 *   more than one parameter set, which an INTERSECTION group for one account plus a DIFFERENCE group for the
 *   rest of the same OU would be. They are compiled into the template instead, keyed by account id.
 *
 * Limitation: `targetOuIds` must not list an OU together with one of its descendants (StackSets would reach
 * the nested accounts through both targets); that needs the OU tree, which synth does not look up.
 * @param source where the configuration came from, for error messages
 */
export function planGlobalRollout(config: SoclessConfig, source = 'socless configuration'): GlobalRolloutPlan {
  const targets = new Set(config.targetOuIds);
  const problems: Problem[] = [];
  for (const ou of Object.keys(config.remediation.ous)) {
    if (targets.has(ou)) continue;
    problems.push({
      file: source,
      path: jsonPath(['remediation', 'ous', ou]),
      reason:
        `remediation.ous.${ou} is not one of targetOuIds. StackSets deploy to a target OU together with all its ` +
        'child OUs and cannot give a nested OU a different parameter, so an override for an OU below a target ' +
        `OU cannot be deployed. List ${ou} itself in targetOuIds (and list its parent's other child OUs ` +
        'instead of the parent), or set the mode of its accounts in remediation.accounts.',
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const targetOus = [...targets];
  const modeOf = (ou: string): RemediationMode => config.remediation.ous[ou] ?? config.remediation.defaultMode;
  const groups: RemediationInstanceGroup[] = [];
  for (const mode of [...REMEDIATION_MODES].sort((a, b) => modeRank(a) - modeRank(b))) {
    const ous = targetOus.filter((ou) => modeOf(ou) === mode);
    if (ous.length > 0) groups.push({ mode, organizationalUnitIds: ous });
  }
  const [leastPermissive] = groups;
  if (leastPermissive === undefined) {
    throw new ConfigError([{ file: source, path: '$.targetOuIds', reason: 'must list at least one OU or root id' }]);
  }
  return { autoDeploymentMode: leastPermissive.mode, groups, accountModes: { ...config.remediation.accounts } };
}
