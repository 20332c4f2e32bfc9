/**
 * One remediation run: the account's mode decides how far it goes (off → ignored, notify → notified,
 * dry-run → planned, auto → applied and verified), held back to a dry-run by severity, never-auto, the kill
 * switch, a changed plan or the blast-radius guard. With no spoke session factory (the local hub) the plan is
 * built from the finding, labelled as such, and nothing is applied.
 *
 * Exactly once: before its first write call an auto run claims a write-ahead record for (investigation,
 * remediation) in the `remediations` table (shared/store/remediations.ts) with the before-state and the plan,
 * and marks each call as it succeeds (the last one with the completion). A later run for the same claim never
 * re-reads "before":
 * - the record is `applying` and was claimed by the same execution (a Lambda or Step Functions retry, a
 *   redrive): it resumes at the first unapplied call with the recorded before-state and plan;
 * - `applying` under another execution: held `in-progress` (redrive that execution, or undo it);
 * - `applied`: the recorded outcome is returned, and nothing is called in the account;
 * - `undoing`/`undone`: held `undone-by-operator` (the hub never re-applies what an operator reversed).
 * A call whose success was not yet marked when the Lambda died is sent again on resume (the last call is marked
 * with the completion, after the verify read, or on its own when that read fails).
 */
import { type RemediationMode, SEVERITY_LABELS, type SeverityLabel } from '../config.ts';
import { METRICS, type RemediationMetricOutcome } from '../metrics/catalog.ts';
import { emit, type MetricSink } from '../metrics/emf.ts';
import type { NewRemediationRecord, RemediationRecord, RemediationRecordsRepository } from '../store/remediations.ts';
import { awsErrorCode, CALLS, callKey, plainOutput, resolveOutputRefs } from './calls.ts';
import { RemediationApiError } from './errors.ts';
import type { BlastRadiusGuard, KillSwitch } from './guard.ts';
import { planHash } from './plan-hash.ts';
import { callsFor } from './policy.ts';
import { refusalOf } from './refusal.ts';
import { partitionOf, type SpokeSession, type SpokeSessionFactory } from './session.ts';
import { needsApproval } from './triggers.ts';
import type {
  CallRunner,
  HoldReason,
  PlanContext,
  PlanIntent,
  PlannedCall,
  Remediation,
  RemediationEvent,
  RemediationOutcome,
  SessionPurpose,
  StateSource,
} from './types.ts';

/** What the run needs besides the finding. */
export interface RemediationRuntime {
  /** Opens spoke sessions; absent in the local hub (plans come from the finding, nothing is applied). */
  readonly sessions?: SpokeSessionFactory;
  readonly killSwitch: KillSwitch;
  /** Absent only where nothing can be applied (no sessions). */
  readonly guard?: BlastRadiusGuard;
  /** Write-ahead records; needed (like the guard) wherever an auto run can apply. */
  readonly records?: RemediationRecordsRepository;
  /** Days a record is kept (TTL). @default 90 */
  readonly recordRetentionDays?: number;
  /** @default 'HIGH' */
  readonly autoMinSeverity?: SeverityLabel;
  readonly now?: () => Date;
  /**
   * Where the run's metrics go (RemediationOutcomes, EventToOutcome; see shared/metrics/catalog.ts).
   * @default none
   */
  readonly metrics?: MetricSink;
}

export interface RemediationRunRequest {
  readonly remediation: Remediation;
  readonly event: RemediationEvent;
  readonly mode: RemediationMode;
  readonly executionId: string;
  /** With the remediation id, the claim of the run's write-ahead record. */
  readonly investigationId: string;
  /** The playbook and state that ran it (kept in the record). */
  readonly playbook?: string;
  readonly state?: string;
  /**
   * A human approved this run (remediate-finding's approval branch). A `notify` account is then remediated
   * once as `auto`, without the severity floor (a person decided); never-auto remediations run only this way.
   * Still held by the kill switch and the blast-radius guard. Other modes are unchanged: `off` stays ignored and
   * `dry-run` stays a plan, since those are the account's explicit choice.
   */
  readonly approvedBy?: string;
  /**
   * planHash of the calls the approver saw (request_approval's `plan_hash`). When the live plan hashes
   * differently the run is held (`plan-changed`) and nothing is applied.
   */
  readonly approvedPlanHash?: string;
  /**
   * Config names this never-automatic remediation as automatic in the run's account (`remediation.autoAllowed`,
   * per OU or per account): an `auto` account then applies it without approval, under the severity floor, the
   * kill switch and the blast-radius guard like any other. @default false
   */
  readonly autoAllowed?: boolean;
}

/** The assumption written into every plan built without a live read. */
export const FINDING_STATE_ASSUMPTION =
  'no spoke session: the plan assumes the resource is in the state the finding reports; nothing was read or changed in the account';

/** Whether `label` is at or above `min`. */
export function atOrAbove(label: string, min: SeverityLabel): boolean {
  return SEVERITY_LABELS.indexOf(label as SeverityLabel) >= SEVERITY_LABELS.indexOf(min);
}

/**
 * Runs calls with a session's clients. Refuses a call the remediation did not declare, or, when the session
 * says what it was opened for, a call outside that purpose (a write in a read session, an undo-only write in a
 * fix session): its session policy would deny it anyway. Wraps AWS errors in RemediationApiError with the code.
 */
export function callRunner(remediation: Remediation, session: SpokeSession): CallRunner {
  const declared = new Set(remediation.permissions.flatMap((g) => g.calls));
  const allowed = session.purpose ? callsFor(remediation, session.purpose) : declared;
  // Outputs of this session's calls, by call key, for inputs that name an id AWS assigned earlier in the run.
  const outputs = new Map<string, Record<string, unknown>>();
  return async (call: PlannedCall) => {
    const key = callKey(call);
    const spec = CALLS[key];
    if (!spec || !declared.has(key)) {
      throw new Error(`remediation ${remediation.id} made call ${key}, which its permissions do not declare`);
    }
    if (!allowed.has(key)) {
      throw new Error(
        `remediation ${remediation.id} made call ${key} in a ${session.purpose} session, whose permissions do not include it`,
      );
    }
    try {
      const out = plainOutput(await spec.send(session.clients, resolveOutputRefs(call.input, outputs)));
      outputs.set(key, out);
      return out;
    } catch (err) {
      throw new RemediationApiError(remediation.id, key, awsErrorCode(err), (err as Error).message ?? String(err), {
        cause: err,
      });
    }
  };
}

/** Event-to-outcome times above this are not recorded: `time` is the sender's word, and one forged year would skew the average. */
export const MAX_EVENT_TO_OUTCOME_MS = 7 * 86_400_000;

/**
 * Runs one remediation for one finding as far as the mode and the guards allow, and counts the run: its outcome
 * by remediation, mode and outcome (`failed` when it throws), and the time from the event to the outcome.
 */
export async function runRemediation(
  request: RemediationRunRequest,
  runtime: RemediationRuntime,
): Promise<RemediationOutcome> {
  let outcome: RemediationOutcome;
  try {
    outcome = await runUncounted(request, runtime);
  } catch (err) {
    countRun(request, runtime, request.mode, 'failed');
    throw err;
  }
  countRun(request, runtime, outcome.mode, outcome.effectiveAction);
  return outcome;
}

function countRun(
  request: RemediationRunRequest,
  runtime: RemediationRuntime,
  mode: RemediationMode,
  outcome: RemediationMetricOutcome,
): void {
  if (!runtime.metrics) return;
  const at = (runtime.now ?? (() => new Date()))();
  // Mode (four values) and outcome (a fixed list) are dimensions; the remediation id is a property (one metric per
  // remediation would be billed per remediation), counted per id with Logs Insights.
  const remediation = request.remediation.id;
  emit(
    runtime.metrics,
    {
      metric: METRICS.remediationOutcomes,
      value: 1,
      dimensions: { Mode: mode, Outcome: outcome },
      properties: { Remediation: remediation },
    },
    at,
  );
  if (outcome === 'failed') return; // a failed run has no outcome yet (Step Functions may retry it)
  const elapsed = at.getTime() - Date.parse(request.event.time);
  if (Number.isFinite(elapsed) && elapsed >= 0 && elapsed <= MAX_EVENT_TO_OUTCOME_MS) {
    emit(
      runtime.metrics,
      {
        metric: METRICS.eventToOutcome,
        value: elapsed,
        properties: { Remediation: remediation, Mode: mode, Outcome: outcome },
      },
      at,
    );
  }
}

async function runUncounted(request: RemediationRunRequest, runtime: RemediationRuntime): Promise<RemediationOutcome> {
  const { remediation, event } = request;
  // An analyst sent the finding to a SOCless Security Hub custom action (origin set by the pipeline's normalizer).
  const asked = event.origin?.customAction;
  // An approval counts where a person is asked: notify accounts, auto runs of fixes that always need one, and auto
  // runs a custom action started (which ask a person for never-automatic fixes, below).
  const approved =
    request.approvedBy !== undefined &&
    (request.mode === 'notify' ||
      (request.mode === 'auto' && (needsApproval(remediation, event) || asked?.decision === 'remediate')));
  // `remediate` from a custom action runs once as chosen by the action, in notify and auto accounts: no severity
  // floor (a person chose it), but the action names nobody, so it is no approval of a fix that needs one.
  const chosenBy =
    !approved && asked?.decision === 'remediate' && (request.mode === 'notify' || request.mode === 'auto')
      ? asked.by
      : undefined;
  // `dry-run` from a custom action plans only, whatever the mode; `off` still means nothing is done.
  const mode: RemediationMode =
    request.mode === 'off'
      ? 'off'
      : asked && asked.decision !== 'remediate'
        ? 'dry-run'
        : approved || chosenBy
          ? 'auto'
          : request.mode;
  const now = runtime.now ?? (() => new Date());
  const base = {
    id: remediation.id,
    account: event.account,
    region: event.region,
    mode,
    severity: event.severity.label,
    undoable: remediation.undo !== undefined,
    ...(approved ? { approvedBy: request.approvedBy } : chosenBy ? { approvedBy: chosenBy } : {}),
  };
  if (mode === 'off') return { ...base, effectiveAction: 'ignored', actions: [] };
  if (event.origin?.mayRemediate === false) {
    const detail = `events from ${event.origin.source} (account ${event.origin.account}) may not start a remediation: nothing was read or changed`;
    return { ...base, effectiveAction: 'ignored', actions: [], held: { reason: 'origin-refused', detail } };
  }

  // A finding the remediation cannot act on is an answer, not a failure: the run succeeds as not-applicable.
  let target: object;
  try {
    target = remediation.target(event);
  } catch (err) {
    const refusal = refusalOf(err, 'target');
    if (!refusal) throw err;
    return { ...base, effectiveAction: 'not-applicable', actions: [], notApplicable: refusal };
  }
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
  const records = live && mode === 'auto' ? requireRecords(runtime) : undefined;
  const claim = { investigationId: request.investigationId, remediationId: remediation.id };
  if (records) {
    // A claimed run is resumed or replayed from its record, never planned again.
    const existing = await records.get(claim);
    if (existing) return continueRecorded(existing, request, runtime, withTarget);
  }
  // The state is read through a read-only session: a dry-run (or a held run) never opens a fix session.
  let call: CallRunner | undefined;
  if (live && runtime.sessions) call = await openCalls(request, runtime.sessions, 'read', target);
  const stateSource: StateSource = call ? 'live' : 'finding';
  let before: unknown;
  try {
    before = call ? await remediation.readState(call, ctx) : remediation.stateFromFinding(event, ctx);
  } catch (err) {
    // The resource the finding names is gone, or is not one the remediation acts on: nothing failed.
    const refusal = refusalOf(err, 'read');
    if (!refusal) throw err;
    return { ...withTarget, stateSource, effectiveAction: 'not-applicable', actions: [], notApplicable: refusal };
  }
  const sourced = {
    ...withTarget,
    stateSource,
    ...(stateSource === 'finding'
      ? {
          assumption:
            before === undefined
              ? 'no spoke session, and the finding does not describe the current state: a live read is needed to plan'
              : FINDING_STATE_ASSUMPTION,
          intent: planIntent(remediation, ctx, event),
        }
      : {}),
    ...(before !== undefined ? { before } : {}),
  };
  let planned: PlannedCall[];
  try {
    planned = before === undefined ? [] : remediation.plan(before, ctx);
  } catch (err) {
    const refusal = refusalOf(err, 'plan');
    if (!refusal) throw err;
    return { ...sourced, effectiveAction: 'not-applicable', actions: [], notApplicable: refusal };
  }
  // Only a state that was read (or that the finding describes) and plans nothing is compliant.
  const compliant = before !== undefined && planned.length === 0;
  if (compliant) return { ...sourced, effectiveAction: 'compliant', actions: [], compliant };

  if (mode === 'notify') return { ...sourced, effectiveAction: 'notified', actions: planned, compliant };
  if (mode === 'dry-run' || before === undefined) {
    return { ...sourced, effectiveAction: 'planned', actions: planned, compliant };
  }

  const hold = await holdReason(
    remediation,
    event,
    runtime,
    approved,
    planned,
    request.approvedPlanHash,
    request.autoAllowed === true,
    chosenBy !== undefined,
  );
  if (hold) {
    const guarded = hold.reason === 'kill-switch' || hold.reason === 'account-limit' || hold.reason === 'org-limit';
    return { ...sourced, effectiveAction: guarded ? 'guarded' : 'planned', actions: planned, compliant, held: hold };
  }
  // Without a spoke session (the local hub) auto stops at the plan.
  if (!call || !records || !runtime.sessions) {
    return { ...sourced, effectiveAction: 'planned', actions: planned, compliant };
  }
  if (!runtime.guard) throw new Error('runRemediation: auto mode with a spoke session needs a blast-radius guard');
  // The writes and the verify read go through a fix session, opened only now that the run will apply.
  const fix = await openCalls(request, runtime.sessions, 'fix', target);
  const decision = await runtime.guard.acquire(event.account, ctx.now);
  if (!decision.allowed) {
    const reason: HoldReason = decision.scope === 'account' ? 'account-limit' : 'org-limit';
    const detail =
      decision.scope === 'account'
        ? `account ${event.account} reached ${decision.limit} automatic remediations this hour`
        : `the organization reached ${decision.limit} automatic remediations this hour`;
    return { ...sourced, effectiveAction: 'guarded', actions: planned, compliant, held: { reason, detail } };
  }

  const claimedAt = now().toISOString();
  const record: NewRemediationRecord = {
    ...claim,
    executionId: request.executionId,
    state: request.state ?? '',
    playbook: request.playbook ?? '',
    account: event.account,
    region: event.region,
    target: target as Record<string, unknown>,
    before,
    planned,
    planHash: planHash(planned),
    plannedAt: ctx.now.toISOString(),
    claimedAt,
    expiresAt: Math.floor(Date.parse(claimedAt) / 1000) + Math.round((runtime.recordRetentionDays ?? 90) * 86_400),
  };
  // Written before the first call: a crash from here on leaves a record to resume or undo.
  if (!(await records.claim(record))) {
    // Another invocation claimed it between our read and our write: its record decides.
    await runtime.guard.release(event.account, ctx.now);
    const existing = await records.get(claim);
    if (!existing) throw new Error(`remediation record ${claim.investigationId}/${claim.remediationId} vanished`);
    return continueRecorded(existing, request, runtime, withTarget);
  }
  return applyRecorded({ ...record, status: 'applying', applied: [], updatedAt: claimedAt }, request, fix, records, {
    ...sourced,
    compliant,
  });
}

/** What a live run would read and write, for a plan built without reading the account. */
export function planIntent(remediation: Remediation, ctx: PlanContext<object>, event: RemediationEvent): PlanIntent {
  const reads = remediation.permissions.filter((g) => g.purpose === undefined).flatMap((g) => g.calls);
  const writes = remediation.permissions.filter((g) => g.purpose === 'fix').flatMap((g) => g.calls);
  const on = Object.entries(ctx.target as Record<string, unknown>)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');
  const summary =
    remediation.describeFix?.(ctx, event) ??
    `${reads.join(', ')} on ${on || `account ${ctx.account}`}, then ${writes.join(', ')} where it does not comply (${remediation.title})`;
  return { reads, writes, summary };
}

function requireRecords(runtime: RemediationRuntime): RemediationRecordsRepository {
  if (!runtime.records) throw new Error('runRemediation: auto mode with a spoke session needs write-ahead records');
  return runtime.records;
}

/** Opens a session for the run (one purpose, one target) and returns a call runner narrowed to its remediation. */
async function openCalls(
  request: RemediationRunRequest,
  sessions: SpokeSessionFactory,
  purpose: SessionPurpose,
  target: object,
): Promise<CallRunner> {
  const session = await sessions.open({
    account: request.event.account,
    region: request.event.region,
    remediation: request.remediation,
    executionId: request.executionId,
    purpose,
    target,
  });
  return callRunner(request.remediation, session);
}

/** The context a recorded run resumes with: as planned (target, account, region), verified as of now. */
function recordedContext(record: RemediationRecord, now: Date): PlanContext<object> {
  return {
    target: record.target,
    account: record.account,
    region: record.region,
    partition: partitionOf(record.region),
    now,
  };
}

/** What an existing record means for a run of its claim (see the module comment). */
async function continueRecorded(
  record: RemediationRecord,
  request: RemediationRunRequest,
  runtime: RemediationRuntime,
  withTarget: Omit<RemediationOutcome, 'effectiveAction' | 'actions'>,
): Promise<RemediationOutcome> {
  const settled = settledOutcome(record, request, withTarget);
  if (settled) return settled;
  // Ours and unfinished: resume at the first unapplied call, from the recorded before-state and plan.
  const sourced = { ...withTarget, target: record.target, stateSource: 'live' as const, before: record.before };
  if (await runtime.killSwitch.isOn()) {
    return {
      ...sourced,
      effectiveAction: 'guarded',
      actions: record.planned,
      compliant: false,
      held: {
        reason: 'kill-switch',
        detail: `the remediation kill switch is on: ${record.applied.length} of ${record.planned.length} recorded calls were applied and the rest wait (redrive this execution once it is off, or undo it)`,
      },
    };
  }
  if (!runtime.sessions) throw new Error('runRemediation: resuming a recorded run needs a spoke session');
  const call = await openCalls(request, runtime.sessions, 'fix', record.target);
  return applyRecorded(record, request, call, requireRecords(runtime), { ...sourced, compliant: false });
}

/** The outcome of a record this run must not (or need not) apply, or undefined when the run should resume it. */
function settledOutcome(
  record: RemediationRecord,
  request: RemediationRunRequest,
  withTarget: Omit<RemediationOutcome, 'effectiveAction' | 'actions'>,
): RemediationOutcome | undefined {
  const what = `${record.remediationId} for investigation ${record.investigationId}`;
  switch (record.status) {
    case 'applied':
      if (record.outcome) return record.outcome;
      throw new Error(`remediation record ${what} is applied but has no outcome`);
    case 'undoing':
    case 'undone': {
      const when = record.undo?.finishedAt ?? record.undo?.startedAt ?? record.updatedAt;
      return {
        ...withTarget,
        effectiveAction: 'guarded',
        actions: [],
        held: {
          reason: 'undone-by-operator',
          detail: `${what} was ${record.status === 'undone' ? 'undone' : 'being undone'} by ${record.undo?.by ?? 'an operator'} at ${when}: the hub does not apply it again`,
        },
      };
    }
    case 'applying':
      if (record.executionId === request.executionId) return undefined;
      return {
        ...withTarget,
        effectiveAction: 'guarded',
        actions: [],
        held: {
          reason: 'in-progress',
          detail: `execution ${record.executionId} claimed ${what} at ${record.claimedAt} and has applied ${record.applied.length} of ${record.planned.length} calls: redrive that execution to finish it, or undo it`,
        },
      };
  }
}

/**
 * Sends the record's unapplied calls in order, marking each, then verifies and completes the record. The last
 * call is marked by the completion itself (one write instead of two); should the verify read fail, it is marked
 * on its own before the error is raised, so a retry resumes past it.
 */
async function applyRecorded(
  record: RemediationRecord,
  request: RemediationRunRequest,
  call: CallRunner,
  records: RemediationRecordsRepository,
  sourced: Omit<RemediationOutcome, 'effectiveAction' | 'actions'>,
): Promise<RemediationOutcome> {
  const now = () => new Date();
  const claim = { investigationId: record.investigationId, remediationId: record.remediationId };
  const failed = async (err: unknown): Promise<never> => {
    const error = { name: (err as Error).name ?? 'Error', message: (err as Error).message ?? String(err) };
    await records.recordError(claim, record.executionId, error, now().toISOString()).catch(() => undefined);
    throw err;
  };
  // A resumed run is in a new session: the reads it already made are made again (they change nothing), so a later
  // call's output-value reference (e.g. CodeBuild's environment variables) resolves as it did the first time.
  for (const i of record.applied) {
    const done = record.planned[i] as PlannedCall;
    if (CALLS[callKey(done)]?.write === false) await call(done);
  }
  const total = record.planned.length;
  let marked = record.applied.length;
  for (let i = marked; i < total; i++) {
    try {
      await call(record.planned[i] as PlannedCall);
    } catch (err) {
      return failed(err);
    }
    if (i === total - 1) break; // marked with the completion
    if (!(await records.markApplied(claim, request.executionId, i, now().toISOString()))) {
      return lostClaim(records, record, request, sourced);
    }
    marked = i + 1;
  }
  // The plan's last call, sent above and not yet recorded (undefined when a resumed run had sent them all).
  const last = marked < total ? marked : undefined;
  const ctx = recordedContext(record, now());
  let after: unknown;
  let verified: boolean;
  try {
    after = await request.remediation.readState(call, ctx);
    verified = request.remediation.plan(after, ctx).length === 0;
  } catch (err) {
    if (last !== undefined && !(await records.markApplied(claim, request.executionId, last, now().toISOString()))) {
      return lostClaim(records, record, request, sourced);
    }
    return failed(err);
  }
  const outcome: RemediationOutcome = {
    ...sourced,
    effectiveAction: 'applied',
    actions: record.planned,
    compliant: false,
    after,
    verified,
  };
  if (!(await records.complete(record, request.executionId, outcome, now().toISOString(), marked, last))) {
    return lostClaim(records, record, request, sourced);
  }
  return outcome;
}

/** A mark or the completion was refused: an undo took the record, or another invocation of this execution is ahead. */
async function lostClaim(
  records: RemediationRecordsRepository,
  record: RemediationRecord,
  request: RemediationRunRequest,
  sourced: Omit<RemediationOutcome, 'effectiveAction' | 'actions'>,
): Promise<RemediationOutcome> {
  const current = (await records.get(record)) ?? record;
  const settled = settledOutcome(current, request, sourced);
  if (settled) return settled;
  return {
    ...sourced,
    effectiveAction: 'guarded',
    actions: [],
    held: {
      reason: 'in-progress',
      detail: `another invocation of execution ${request.executionId} is applying ${record.remediationId} for investigation ${record.investigationId} (${current.applied.length} of ${current.planned.length} calls applied)`,
    },
  };
}

async function holdReason(
  remediation: Remediation,
  event: RemediationEvent,
  runtime: RemediationRuntime,
  approved: boolean,
  planned: readonly PlannedCall[],
  approvedPlanHash: string | undefined,
  autoAllowed: boolean,
  /** A Security Hub custom action chose the run: past the severity floor, but no approval of a fix that needs one. */
  chosen = false,
): Promise<{ reason: HoldReason; detail: string } | undefined> {
  if (await runtime.killSwitch.isOn()) {
    return { reason: 'kill-switch', detail: 'the remediation kill switch is on: every auto run is a dry-run' };
  }
  if (chosen && !approved && ((remediation.neverAuto && !autoAllowed) || needsApproval(remediation, event))) {
    // remediate-finding asks a person on `needs-approval`; their answer then runs it as approved.
    return {
      reason: 'needs-approval',
      detail: `${remediation.id} runs only after a named person approves it, and a Security Hub custom action names nobody (Security Hub puts no principal in the event)`,
    };
  }
  // A never-automatic fix (containment, changes that can break workloads) runs only after a person approved it,
  // unless config names it as automatic where the run is.
  if (remediation.neverAuto && !approved && !autoAllowed) {
    return {
      reason: 'never-auto',
      detail: `${remediation.id} is never applied automatically unless config names it (remediation.autoAllowed); it runs once a person approves it`,
    };
  }
  if (!approved && needsApproval(remediation, event)) {
    return {
      reason: 'needs-approval',
      detail: `${remediation.id} for ${event.kind} is applied only after a person approves it`,
    };
  }
  if (approvedPlanHash !== undefined) {
    const live = planHash(planned);
    if (live !== approvedPlanHash) {
      return {
        reason: 'plan-changed',
        detail: `the plan changed since it was approved (approved ${approvedPlanHash.slice(0, 12)}…, now ${live.slice(0, 12)}…): nothing was applied; the new plan needs its own approval`,
      };
    }
  }
  const min = runtime.autoMinSeverity ?? 'HIGH';
  // The severity floor stands in for a human's judgement; an approval (or a custom action) is that judgement.
  if (!approved && !chosen && !atOrAbove(event.severity.label, min)) {
    return {
      reason: 'below-auto-severity',
      detail: `severity ${event.severity.label} is below ${min}, the minimum for automatic remediation`,
    };
  }
  return undefined;
}
