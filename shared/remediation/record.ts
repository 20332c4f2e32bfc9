/**
 * The results-table record of a remediation run (before-state, planned or applied calls, after-state) and
 * `undo`, which reads it back and reverses an applied change.
 */
import type { ResultsRepository, StateResultRecord } from '../store/results.ts';
import { RemediationUndoError } from './errors.ts';
import { callRunner } from './runner.ts';
import { partitionOf, type SpokeSessionFactory } from './session.ts';
import type { PlannedCall, Remediation, RemediationOutcome } from './types.ts';

/** Sort-key prefix of a run record and of an undo record. */
export const RUN_KEY_PREFIX = 'remediation#';
export const UNDO_KEY_PREFIX = 'remediation-undo#';

export interface RecordContext {
  readonly executionId: string;
  readonly state: string;
  readonly playbook: string;
  readonly investigationId: string;
  readonly savedAt: string;
  /** Epoch seconds (the results table's TTL). */
  readonly expiresAt: number;
}

/** Writes the record of one run; `socless remediation undo` finds it by execution id. */
export async function saveRemediationRecord(
  results: ResultsRepository,
  ctx: RecordContext,
  outcome: RemediationOutcome,
): Promise<void> {
  await results.save({
    executionId: ctx.executionId,
    stateKey: `${RUN_KEY_PREFIX}${outcome.id}#${ctx.savedAt}`,
    state: ctx.state,
    playbook: ctx.playbook,
    integration: 'remediate',
    investigationId: ctx.investigationId,
    savedAt: ctx.savedAt,
    status: 'succeeded',
    result: { remediation: outcome as unknown as Record<string, unknown> },
    expiresAt: ctx.expiresAt,
  });
}

/** The remediation runs recorded for an execution, oldest first. */
export async function remediationRecords(
  results: ResultsRepository,
  executionId: string,
): Promise<Array<{ record: StateResultRecord; outcome: RemediationOutcome }>> {
  const items = await results.listByExecution(executionId);
  return items
    .filter((r) => r.stateKey.startsWith(RUN_KEY_PREFIX))
    .map((record) => ({ record, outcome: (record.result as { remediation: RemediationOutcome }).remediation }));
}

export interface UndoOptions {
  readonly results: ResultsRepository;
  readonly executionId: string;
  readonly registry: readonly Remediation[];
  readonly sessions: SpokeSessionFactory;
  readonly now?: () => Date;
}

export interface UndoResult {
  readonly id: string;
  readonly account: string;
  readonly region: string;
  readonly calls: PlannedCall[];
}

/**
 * Reverses the change an execution applied: finds its `applied` record, computes the remediation's undo calls
 * from the recorded before-state, sends them through a session narrowed to that remediation and records the
 * undo. Refuses when nothing was applied, the remediation cannot undo, or the change was already undone.
 */
export async function undoExecution(options: UndoOptions): Promise<UndoResult[]> {
  const now = options.now ?? (() => new Date());
  const runs = await remediationRecords(options.results, options.executionId);
  const applied = runs.filter((r) => r.outcome.effectiveAction === 'applied');
  if (applied.length === 0) {
    const seen = runs.map((r) => `${r.outcome.id}: ${r.outcome.effectiveAction}`).join(', ');
    throw new RemediationUndoError(
      `execution ${options.executionId} applied no remediation${seen ? ` (recorded: ${seen})` : ' (no remediation record in the results table)'}`,
    );
  }
  const existing = await options.results.listByExecution(options.executionId);
  const done: UndoResult[] = [];
  for (const { record, outcome } of applied) {
    if (existing.some((r) => r.stateKey.startsWith(`${UNDO_KEY_PREFIX}${outcome.id}#`))) {
      throw new RemediationUndoError(`execution ${options.executionId}: ${outcome.id} was already undone`);
    }
    const remediation = options.registry.find((r) => r.id === outcome.id);
    if (!remediation) throw new RemediationUndoError(`remediation ${outcome.id} is no longer in the registry`);
    if (!remediation.undo) throw new RemediationUndoError(`remediation ${outcome.id} cannot undo its change`);
    if (outcome.before === undefined || outcome.target === undefined) {
      throw new RemediationUndoError(`execution ${options.executionId}: the ${outcome.id} record has no before-state`);
    }
    const ctx = {
      target: outcome.target,
      account: outcome.account,
      region: outcome.region,
      partition: partitionOf(outcome.region),
      // Plan-time decisions (e.g. which keys were unused) are replayed as of the run.
      now: new Date(record.savedAt),
    };
    const calls = remediation.undo(outcome.before, ctx);
    const session = await options.sessions.open({
      account: outcome.account,
      region: outcome.region,
      remediation,
      executionId: `undo-${options.executionId.split(':').at(-1)}`,
    });
    const call = callRunner(remediation, session);
    for (const c of calls) await call(c);
    const savedAt = now().toISOString();
    await options.results.save({
      executionId: options.executionId,
      stateKey: `${UNDO_KEY_PREFIX}${outcome.id}#${savedAt}`,
      state: record.state,
      playbook: record.playbook,
      integration: 'remediate',
      investigationId: record.investigationId,
      savedAt,
      status: 'succeeded',
      result: { undo: { id: outcome.id, account: outcome.account, region: outcome.region, calls } },
      expiresAt: record.expiresAt,
    });
    done.push({ id: outcome.id, account: outcome.account, region: outcome.region, calls });
  }
  return done;
}
