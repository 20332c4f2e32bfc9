/**
 * One remediation run: the account's mode decides how far it goes (off → ignored, notify → notified,
 * dry-run → planned, auto → applied and verified), held back to a dry-run by severity, never-auto, the kill
 * switch or the blast-radius guard. With no spoke session factory (the local hub) the plan is built from
 * the finding, labelled as such, and nothing is applied.
 */
import { type RemediationMode, SEVERITY_LABELS, type SeverityLabel } from '../config.ts';
import { awsErrorCode, CALLS, callKey, plainOutput } from './calls.ts';
import { RemediationApiError } from './errors.ts';
import type { BlastRadiusGuard, KillSwitch } from './guard.ts';
import { partitionOf, type SpokeSession, type SpokeSessionFactory } from './session.ts';
import type {
  CallRunner,
  HoldReason,
  PlanContext,
  PlannedCall,
  Remediation,
  RemediationEvent,
  RemediationOutcome,
  StateSource,
} from './types.ts';

/** What the run needs besides the finding. */
export interface RemediationRuntime {
  /** Opens spoke sessions; absent in the local hub (plans come from the finding, nothing is applied). */
  readonly sessions?: SpokeSessionFactory;
  readonly killSwitch: KillSwitch;
  /** Absent only where nothing can be applied (no sessions). */
  readonly guard?: BlastRadiusGuard;
  /** @default 'HIGH' */
  readonly autoMinSeverity?: SeverityLabel;
  readonly now?: () => Date;
}

export interface RemediationRunRequest {
  readonly remediation: Remediation;
  readonly event: RemediationEvent;
  readonly mode: RemediationMode;
  readonly executionId: string;
  /**
   * A human approved this run (the approve-then-remediate playbook). A `notify` account is then remediated
   * once as `auto`, without the severity floor (a person decided), but still held by the kill switch,
   * never-auto remediations and the blast-radius guard. Other modes are unchanged: `off` stays ignored and
   * `dry-run` stays a plan, since those are the account's explicit choice.
   */
  readonly approvedBy?: string;
}

/** The assumption written into every plan built without a live read. */
export const FINDING_STATE_ASSUMPTION =
  'no spoke session: the plan assumes the resource is in the state the finding reports; nothing was read or changed in the account';

/** Whether `label` is at or above `min`. */
export function atOrAbove(label: string, min: SeverityLabel): boolean {
  return SEVERITY_LABELS.indexOf(label as SeverityLabel) >= SEVERITY_LABELS.indexOf(min);
}

/**
 * Runs calls with a session's clients. Refuses a call the remediation did not declare (its session policy
 * would deny it anyway) and wraps AWS errors in RemediationApiError with the code.
 */
export function callRunner(remediation: Remediation, session: SpokeSession): CallRunner {
  const declared = new Set(remediation.permissions.flatMap((g) => g.calls));
  return async (call: PlannedCall) => {
    const key = callKey(call);
    const spec = CALLS[key];
    if (!spec || !declared.has(key)) {
      throw new Error(`remediation ${remediation.id} made call ${key}, which its permissions do not declare`);
    }
    try {
      return plainOutput(await spec.send(session.clients, call.input));
    } catch (err) {
      throw new RemediationApiError(remediation.id, key, awsErrorCode(err), (err as Error).message ?? String(err), {
        cause: err,
      });
    }
  };
}

/** Runs one remediation for one finding as far as the mode and the guards allow. */
export async function runRemediation(
  request: RemediationRunRequest,
  runtime: RemediationRuntime,
): Promise<RemediationOutcome> {
  const { remediation, event } = request;
  const approved = request.approvedBy !== undefined && request.mode === 'notify';
  const mode: RemediationMode = approved ? 'auto' : request.mode;
  const now = runtime.now ?? (() => new Date());
  const base = {
    id: remediation.id,
    account: event.account,
    region: event.region,
    mode,
    severity: event.severity.label,
    undoable: remediation.undo !== undefined,
    ...(approved ? { approvedBy: request.approvedBy } : {}),
  };
  if (mode === 'off') return { ...base, effectiveAction: 'ignored', actions: [] };

  const target = remediation.target(event);
  const ctx: PlanContext<object> = {
    target,
    account: event.account,
    region: event.region,
    partition: partitionOf(event.region),
    now: now(),
  };
  const withTarget = { ...base, target: target as Record<string, unknown> };

  // notify reads nothing in the account: the notice carries the fix the finding implies.
  const live = mode !== 'notify' && runtime.sessions !== undefined;
  let session: SpokeSession | undefined;
  let call: CallRunner | undefined;
  if (live && runtime.sessions) {
    session = await runtime.sessions.open({
      account: event.account,
      region: event.region,
      remediation,
      executionId: request.executionId,
    });
    call = callRunner(remediation, session);
  }
  const stateSource: StateSource = call ? 'live' : 'finding';
  const before = call ? await remediation.readState(call, ctx) : remediation.stateFromFinding(event, ctx);
  const sourced = {
    ...withTarget,
    stateSource,
    ...(stateSource === 'finding'
      ? {
          assumption:
            before === undefined
              ? 'no spoke session, and the finding does not describe the current state: a live read is needed to plan'
              : FINDING_STATE_ASSUMPTION,
        }
      : {}),
    ...(before !== undefined ? { before } : {}),
  };
  const planned = before === undefined ? [] : remediation.plan(before, ctx);
  const compliant = before !== undefined && planned.length === 0;

  if (mode === 'notify') return { ...sourced, effectiveAction: 'notified', actions: planned, compliant };
  if (mode === 'dry-run' || compliant || before === undefined) {
    return { ...sourced, effectiveAction: 'planned', actions: planned, compliant };
  }

  const hold = await holdReason(remediation, event, runtime, approved);
  if (hold) {
    const guarded = hold.reason === 'kill-switch' || hold.reason === 'account-limit' || hold.reason === 'org-limit';
    return { ...sourced, effectiveAction: guarded ? 'guarded' : 'planned', actions: planned, compliant, held: hold };
  }
  // Without a spoke session (the local hub) auto stops at the plan.
  if (!call) return { ...sourced, effectiveAction: 'planned', actions: planned, compliant };
  if (!runtime.guard) throw new Error('runRemediation: auto mode with a spoke session needs a blast-radius guard');
  const decision = await runtime.guard.acquire(event.account, ctx.now);
  if (!decision.allowed) {
    const reason: HoldReason = decision.scope === 'account' ? 'account-limit' : 'org-limit';
    const detail =
      decision.scope === 'account'
        ? `account ${event.account} reached ${decision.limit} automatic remediations this hour`
        : `the organization reached ${decision.limit} automatic remediations this hour`;
    return { ...sourced, effectiveAction: 'guarded', actions: planned, compliant, held: { reason, detail } };
  }

  const applied: PlannedCall[] = [];
  for (const c of planned) {
    await call(c);
    applied.push(c);
  }
  const after = await remediation.readState(call, ctx);
  const remaining = remediation.plan(after, ctx);
  return {
    ...sourced,
    effectiveAction: 'applied',
    actions: applied,
    compliant: false,
    after,
    verified: remaining.length === 0,
  };
}

async function holdReason(
  remediation: Remediation,
  event: RemediationEvent,
  runtime: RemediationRuntime,
  approved = false,
): Promise<{ reason: HoldReason; detail: string } | undefined> {
  if (await runtime.killSwitch.isOn()) {
    return { reason: 'kill-switch', detail: 'the remediation kill switch is on: every auto run is a dry-run' };
  }
  if (remediation.neverAuto) {
    return { reason: 'never-auto', detail: `${remediation.id} is never applied automatically; apply it by hand` };
  }
  const min = runtime.autoMinSeverity ?? 'HIGH';
  // The severity floor stands in for a human's judgement; an approval is that judgement.
  if (!approved && !atOrAbove(event.severity.label, min)) {
    return {
      reason: 'below-auto-severity',
      detail: `severity ${event.severity.label} is below ${min}, the minimum for automatic remediation`,
    };
  }
  return undefined;
}
