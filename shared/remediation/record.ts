/**
 * `undo`: reverses what a run applied, from its write-ahead record in the `remediations` table (see
 * shared/store/remediations.ts and runner.ts). The record is claimed once (`applied`/`applying` → `undoing`
 * → `undone`), so a second undo, or one racing the first, is refused with who undid it and when, and makes no
 * call in the account; and the hub never applies an undone record again for the same investigation.
 */
import type { RemediationRecord, RemediationRecordsRepository } from '../store/remediations.ts';
import { RemediationUndoError } from './errors.ts';
import { callRunner } from './runner.ts';
import { partitionOf, type SpokeSessionFactory } from './session.ts';
import type { PlannedCall, Remediation } from './types.ts';

export interface UndoOptions {
  readonly records: RemediationRecordsRepository;
  /** The Step Functions execution that applied the change (its ARN). */
  readonly executionId: string;
  readonly registry: readonly Remediation[];
  readonly sessions: SpokeSessionFactory;
  /** Who undoes (kept in the record and shown to a second undo). @default 'operator' */
  readonly by?: string;
  readonly now?: () => Date;
}

export interface UndoResult {
  readonly id: string;
  readonly account: string;
  readonly region: string;
  readonly calls: PlannedCall[];
}

/**
 * The calls that reverse what a record applied. A fully applied plan is reversed by the remediation's `undo`
 * of the recorded before-state. A partial apply (the run stopped part-way) is reversed call by call, last applied
 * first: by the remediation's `undoEach` (the reversal of each plan call, or null), else by the kit's convention
 * that `undo(before)[i]` reverses `plan(before)[i]`. A remediation with neither cannot be undone partially (the
 * error names the applied calls).
 */
export function undoCalls(remediation: Remediation, record: RemediationRecord): PlannedCall[] {
  if (!remediation.undo) throw new RemediationUndoError(`remediation ${remediation.id} cannot undo its change`);
  const ctx = {
    target: record.target,
    account: record.account,
    region: record.region,
    partition: partitionOf(record.region),
    // Plan-time decisions (e.g. which keys were unused) are replayed as of the run.
    now: new Date(record.plannedAt),
  };
  const calls = remediation.undo(record.before, ctx);
  if (record.applied.length === record.planned.length) return calls;
  if (remediation.undoEach) {
    const each = remediation.undoEach(record.before, ctx);
    if (each.length !== record.planned.length) {
      throw new RemediationUndoError(
        `${remediation.id}: the recorded plan has ${record.planned.length} calls but undoEach of the recorded before-state has ${each.length}: restore by hand from the recorded before-state`,
      );
    }
    return [...record.applied]
      .sort((a, b) => b - a)
      .map((i) => each[i])
      .filter((c): c is PlannedCall => c !== null && c !== undefined);
  }
  if (calls.length !== record.planned.length) {
    const sent = record.applied.map((i) => `${record.planned[i]?.service}:${record.planned[i]?.action}`).join(', ');
    throw new RemediationUndoError(
      `${remediation.id} was applied part-way (${sent || 'no call'}) and its undo does not pair with its plan call by call: restore by hand from the recorded before-state`,
    );
  }
  return [...record.applied].reverse().map((i) => calls[i] as PlannedCall);
}

/**
 * Reverses the change an execution applied: finds the records it claimed, claims each for the undo, sends the
 * undo calls through a session narrowed to that remediation and marks the record undone. Refuses when the
 * execution claimed no record, the remediation cannot undo, or the record was already (being) undone.
 */
export async function undoExecution(options: UndoOptions): Promise<UndoResult[]> {
  const now = options.now ?? (() => new Date());
  const by = options.by ?? 'operator';
  const found = await options.records.listByExecution(options.executionId);
  if (found.length === 0) {
    throw new RemediationUndoError(
      `execution ${options.executionId} applied no remediation (no record in the remediations table: it planned, notified or was held)`,
    );
  }
  const done: UndoResult[] = [];
  for (const listed of found) {
    const what = `execution ${options.executionId}: ${listed.remediationId}`;
    const remediation = options.registry.find((r) => r.id === listed.remediationId);
    if (!remediation)
      throw new RemediationUndoError(`remediation ${listed.remediationId} is no longer in the registry`);
    if (!remediation.undo) throw new RemediationUndoError(`remediation ${listed.remediationId} cannot undo its change`);
    // The index is eventually consistent: the claim is made against the record as it is now.
    const current = (await options.records.get(listed)) ?? listed;
    if (current.status === 'undoing' || current.status === 'undone') throw alreadyUndone(what, current);
    const from = current.status;
    const record = await options.records.beginUndo(current, by, now().toISOString(), from);
    if (!record) {
      // Someone else moved it between our read and our claim: say who, touch nothing.
      const latest = await options.records.get(current);
      if (latest && (latest.status === 'undoing' || latest.status === 'undone')) throw alreadyUndone(what, latest);
      throw new RemediationUndoError(`${what} changed while the undo started (now ${latest?.status}); run it again`);
    }
    let calls: PlannedCall[];
    try {
      calls = undoCalls(remediation, record);
      if (calls.length > 0) {
        const session = await options.sessions.open({
          account: record.account,
          region: record.region,
          remediation,
          executionId: `undo-${options.executionId.split(':').at(-1)}`,
          purpose: 'undo',
          target: record.target,
        });
        const call = callRunner(remediation, session);
        for (const c of calls) await call(c);
      }
    } catch (err) {
      const error = { name: (err as Error).name ?? 'Error', message: (err as Error).message ?? String(err) };
      await options.records.abortUndo(record, from, error, now().toISOString());
      throw err;
    }
    const undo = { ...(record.undo ?? { by, startedAt: now().toISOString(), from }), calls };
    await options.records.finishUndo(record, undo, now().toISOString());
    done.push({ id: record.remediationId, account: record.account, region: record.region, calls });
  }
  return done;
}

function alreadyUndone(what: string, record: RemediationRecord): RemediationUndoError {
  const who = record.undo?.by ?? 'an operator';
  return record.status === 'undone'
    ? new RemediationUndoError(`${what} was already undone by ${who} at ${record.undo?.finishedAt ?? record.updatedAt}`)
    : new RemediationUndoError(
        `${what} is already being undone by ${who} since ${record.undo?.startedAt ?? record.updatedAt}`,
      );
}
