/**
 * The remediation kit's vocabulary: a remediation definition (one file each under `hub/remediations/`), the
 * exact AWS calls it plans, and the record every run leaves in the results table.
 */
import { z } from 'zod';
import type { RemediationMode } from '../config.ts';
import { SecurityEventSchema } from '../events/types.ts';
import { CALLS } from './calls.ts';
import type { EffectiveAction } from './effective-actions.ts';

/** One AWS API call as the kit makes it: SDK service name, API action, and the exact request input. */
export interface PlannedCall {
  /** SDK client: `s3`, `s3-control`, `ec2`, `iam`, `rds`, `kms`, `cloudtrail` or `lambda`. */
  readonly service: string;
  /** API action name, e.g. `PutPublicAccessBlock`. */
  readonly action: string;
  readonly input: Readonly<Record<string, unknown>>;
}

/** The finding as a playbook sees it: a normalized SecurityEvent; `raw` is usually dropped by then. */
export const RemediationEventSchema = SecurityEventSchema.extend({ raw: z.unknown().optional() });
export type RemediationEvent = z.output<typeof RemediationEventSchema>;

/** Which findings a remediation answers, by source. Becomes EventBridge patterns and a matcher on events. */
export interface FindingSelectors {
  /** Security Hub control ids (`Compliance.SecurityControlId`), e.g. `S3.8`. */
  readonly securityHubControls?: readonly string[];
  /** GuardDuty finding types, e.g. `Policy:S3/BucketBlockPublicAccessDisabled`. */
  readonly guardDutyTypes?: readonly string[];
  /**
   * AWS Config managed-rule identifiers, e.g. `restricted-ssh`. Matched anywhere in the rule name, since
   * Security Hub and conformance packs deploy them as `securityhub-restricted-ssh-a1b2c3`.
   */
  readonly configRules?: readonly string[];
  /** CloudTrail management events: the service's event source and the API names. */
  readonly cloudTrail?: CloudTrailSelector;
  /** IAM Access Analyzer findings on these resource types (`AWS::S3::Bucket`), public ones only when `publicOnly`. */
  readonly accessAnalyzer?: { readonly resourceTypes: readonly string[]; readonly publicOnly?: boolean };
}

/** CloudTrail API calls a remediation answers. */
export interface CloudTrailSelector {
  readonly eventSource: string;
  /** Every API name answered (the spokes forward them all). */
  readonly eventNames: readonly string[];
  /**
   * API names that count only when `detail` also matches (an EventBridge pattern on the call's `detail`), e.g.
   * `PutBucketAcl` only when a grant names AllUsers. Names not listed here count on every successful call.
   */
  readonly conditions?: ReadonlyArray<{
    readonly eventNames: readonly string[];
    readonly detail: Record<string, unknown>;
  }>;
  /** API names whose fix always waits for a person's approval, whatever the account's mode. */
  readonly approvalFor?: readonly string[];
}

/**
 * Which way a write goes: `fix` calls bring a resource into compliance (what hub Lambdas may send), `undo`
 * calls restore the state before a fix (what only the operator-only undo path may send). A call used both ways
 * (e.g. `s3:PutPublicAccessBlock`, which undo uses to put the old configuration back) is listed in both.
 */
export type WritePurpose = 'fix' | 'undo';

/** What a spoke session is opened for: reading only, fixing, or undoing one remediation on one target. */
export type SessionPurpose = 'read' | WritePurpose;

/** Every session purpose, in order of power. */
export const SESSION_PURPOSES: readonly SessionPurpose[] = ['read', 'fix', 'undo'];

/**
 * IAM grant of one group of calls: SDK calls (`service:Action`, mapped to IAM actions) on resources. A group
 * without `purpose` lists reads only (calls whose `write` is false in the call table); a group with one lists
 * writes only, in that direction.
 */
export interface PermissionGroup {
  /** Calls (keys of the kit's call table, e.g. `s3:GetPublicAccessBlock`). */
  readonly calls: readonly string[];
  /**
   * ARN patterns with `${AWS::Partition}`/`${AWS::Region}`/`${AWS::AccountId}`, or `*` where the action has no
   * resource-level permission. `${Target:<field>}` names a field of the remediation's target: it is `*` in the
   * spoke roles and the target's value in a run's session policy (`*` when the target leaves the field out).
   */
  readonly resources: readonly string[];
  /** Direction of the writes in this group. @default - the group lists reads only */
  readonly purpose?: WritePurpose;
}

/** Where a run's current-state picture came from. */
export type StateSource = 'live' | 'finding';

/** Reads and writes in the spoke: executes one call of the kit's call table with the session's clients. */
export type CallRunner = (call: PlannedCall) => Promise<Record<string, unknown>>;

/** What `plan` sees besides the state. */
export interface PlanContext<T> {
  readonly target: T;
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  readonly now: Date;
}

/**
 * One remediation. `T` is its target (what the finding names), `S` the JSON-serializable state it reads.
 * `apply` is the kit's: it sends exactly the planned calls, so a dry-run records what auto would do; `verify`
 * re-reads the state and passes when the plan on it is empty.
 */
export interface RemediationDefinition<T extends object = object, S = unknown> {
  /** kebab-case id, also the file name. */
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly findings: FindingSelectors;
  /**
   * Every call it makes, by direction: read groups (no `purpose`), fix-direction writes (`purpose: 'fix'`) and
   * undo writes (`purpose: 'undo'`), with the resources each may touch.
   */
  readonly permissions: readonly PermissionGroup[];
  /** Never applied automatically, whatever the account's mode (the change can break workloads). */
  readonly neverAuto?: boolean;
  /** Picks the target out of the finding; throws RemediationTargetError naming the missing field. */
  target(event: RemediationEvent): T;
  /** Reads the current state in the spoke. */
  readState(call: CallRunner, ctx: PlanContext<T>): Promise<S>;
  /**
   * The state the finding implies (used with no spoke session, e.g. in the local hub); undefined when the
   * finding does not say enough to plan.
   */
  stateFromFinding(event: RemediationEvent, ctx: PlanContext<T>): S | undefined;
  /** The exact calls that bring `state` into compliance; empty when it already complies. */
  plan(state: S, ctx: PlanContext<T>): PlannedCall[];
  /** The calls that restore `before` after `plan(before)` was applied; absent when the change cannot be reversed. */
  undo?(before: S, ctx: PlanContext<T>): PlannedCall[];
  /**
   * The reversal of each call of `plan(before)`, index for index: the call that undoes it, or null when it needs
   * none (a forensic snapshot that is kept, a rule of a group the fix itself created). Undo of a partial apply sends
   * the reversals of exactly the applied calls, last applied first. Needed when `undo` does not pair with the plan
   * call by call (same length, `undo[i]` reversing `plan[i]`); without either, a partial apply cannot be undone.
   */
  undoEach?(before: S, ctx: PlanContext<T>): Array<PlannedCall | null>;
  /**
   * What a live run would change on `target`, in words (`RevokeSecurityGroupIngress for every rule of sg-1 open
   * to 0.0.0.0/0 or ::/0 on port 22`); shown when the state could not be read.
   * @default the fix-direction calls on the target
   */
  describeFix?(ctx: PlanContext<T>, event: RemediationEvent): string;
}

/** Any remediation, as the registry holds them. */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds remediations of every target and state type
export type Remediation = RemediationDefinition<any, any>;

/**
 * Declares a remediation; checks its id, that it lists calls, that every write is declared in a `fix` or
 * `undo` group (and no read is), that undo groups exist exactly when `undo` does, and the placeholders used.
 */
export function defineRemediation<T extends object, S>(
  definition: RemediationDefinition<T, S>,
): RemediationDefinition<T, S> {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(definition.id)) {
    throw new Error(`remediation id "${definition.id}" must be kebab-case`);
  }
  if (definition.permissions.length === 0 || definition.permissions.some((p) => p.calls.length === 0)) {
    throw new Error(`remediation ${definition.id}: every permission group must list calls`);
  }
  definition.permissions.forEach((group, i) => {
    for (const call of group.calls) {
      const spec = CALLS[call];
      if (!spec)
        throw new Error(`remediation ${definition.id}: permissions[${i}] lists ${call}, not in the call table`);
      if (spec.write && group.purpose === undefined) {
        throw new Error(
          `remediation ${definition.id}: permissions[${i}] lists the write ${call} without a purpose ('fix' or 'undo')`,
        );
      }
      if (!spec.write && group.purpose !== undefined) {
        throw new Error(
          `remediation ${definition.id}: permissions[${i}] is a ${group.purpose} group but lists the read ${call}; reads go in a group without purpose`,
        );
      }
    }
    for (const resource of group.resources) {
      for (const match of resource.matchAll(/\$\{([^}]*)\}/g)) {
        const name = match[1] ?? '';
        if (!/^(AWS::(Partition|Region|AccountId)|Target:[A-Za-z][A-Za-z0-9]*)$/.test(name)) {
          throw new Error(
            `remediation ${definition.id}: permissions[${i}] resource "${resource}" references \${${name}}; only \${AWS::Partition}, \${AWS::Region}, \${AWS::AccountId} and \${Target:<field>} are substituted`,
          );
        }
      }
    }
  });
  const undoGroups = definition.permissions.some((g) => g.purpose === 'undo');
  if (undoGroups !== (definition.undo !== undefined)) {
    throw new Error(
      `remediation ${definition.id}: ${definition.undo ? 'has undo but declares no undo permissions' : 'declares undo permissions but has no undo'}`,
    );
  }
  return definition;
}

export { EFFECTIVE_ACTIONS, type EffectiveAction } from './effective-actions.ts';

/**
 * Why an `auto` run did not apply. `plan-changed`: the live plan differs from the approved one;
 * `in-progress`: another execution holds the claim; `undone-by-operator`: an operator undid this
 * investigation's fix; `origin-refused`: the event's origin may not remediate; `account-mismatch`: the
 * account to act in is not the event's account.
 */
export type HoldReason =
  | 'below-auto-severity'
  | 'never-auto'
  | 'kill-switch'
  | 'account-limit'
  | 'org-limit'
  | 'plan-changed'
  | 'in-progress'
  | 'undone-by-operator'
  | 'origin-refused'
  | 'account-mismatch'
  | 'needs-approval';

/** What a run did, as the remediate integration returns it and the results table keeps it. */
export interface RemediationOutcome {
  readonly id: string;
  readonly account: string;
  readonly region: string;
  readonly mode: RemediationMode;
  readonly effectiveAction: EffectiveAction;
  /** The planned calls (notify/dry-run/held) or the applied calls (auto). */
  readonly actions: PlannedCall[];
  readonly stateSource?: StateSource;
  /** Set when `stateSource` is `finding`: the plan assumes the state the finding reports. */
  readonly assumption?: string;
  /** True when the resource already complied (nothing to do). */
  readonly compliant?: boolean;
  readonly target?: Readonly<Record<string, unknown>>;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly verified?: boolean;
  readonly held?: { readonly reason: HoldReason; readonly detail: string };
  /** The remediation can reverse what it applied (`socless remediation undo`). */
  readonly undoable: boolean;
  readonly severity?: string;
  /** Who approved this run (request_approval): a notify-mode account was remediated once as auto. */
  readonly approvedBy?: string;
  /** For `not-applicable`: why the remediation cannot act, and the event field it could not use. */
  readonly notApplicable?: { readonly reason: string; readonly field?: string };
  /**
   * Set when the plan was built without reading the account (no spoke session): what a live run would read and
   * which calls it would make for which rules, so an empty `actions` never reads as "nothing to do".
   */
  readonly intent?: PlanIntent;
}

/** What a remediation would read and write, in words, when its state was not read. */
export interface PlanIntent {
  /** Read calls a live run makes first (`ec2:DescribeSecurityGroups`). */
  readonly reads: readonly string[];
  /** Fix-direction calls a live run may make (`ec2:RevokeSecurityGroupIngress`). */
  readonly writes: readonly string[];
  /** One sentence: which calls for which rules on which target. */
  readonly summary: string;
}
