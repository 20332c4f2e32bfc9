/**
 * The remediation kit's vocabulary: a remediation definition (one file each under `hub/remediations/`), the
 * exact AWS calls it plans, and the record every run leaves in the results table.
 */
import { z } from 'zod';
import type { RemediationMode } from '../config.ts';
import { SecurityEventSchema } from '../events/types.ts';

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
  readonly cloudTrail?: { readonly eventSource: string; readonly eventNames: readonly string[] };
}

/** IAM grant of one group of calls: SDK calls (`service:Action`, mapped to IAM actions) on resources. */
export interface PermissionGroup {
  /** Calls (keys of the kit's call table, e.g. `s3:GetPublicAccessBlock`). */
  readonly calls: readonly string[];
  /** ARN patterns with `${AWS::Partition}`/`${AWS::Region}`/`${AWS::AccountId}`, or `*` where the action has no resource-level permission. */
  readonly resources: readonly string[];
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
  /** Every call it makes (reads, writes and undo), with the resources each may touch. */
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
}

/** Any remediation, as the registry holds them. */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds remediations of every target and state type
export type Remediation = RemediationDefinition<any, any>;

/** Declares a remediation; checks its id and that it lists calls. */
export function defineRemediation<T extends object, S>(
  definition: RemediationDefinition<T, S>,
): RemediationDefinition<T, S> {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(definition.id)) {
    throw new Error(`remediation id "${definition.id}" must be kebab-case`);
  }
  if (definition.permissions.length === 0 || definition.permissions.some((p) => p.calls.length === 0)) {
    throw new Error(`remediation ${definition.id}: every permission group must list calls`);
  }
  return definition;
}

/** How far a run went. */
export const EFFECTIVE_ACTIONS = ['ignored', 'notified', 'planned', 'applied', 'guarded'] as const;
export type EffectiveAction = (typeof EFFECTIVE_ACTIONS)[number];

/** Why an `auto` run did not apply. */
export type HoldReason = 'below-auto-severity' | 'never-auto' | 'kill-switch' | 'account-limit' | 'org-limit';

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
}
