import { normalizeEvent } from '../events/index.ts';
import { advance, type EventOutcome, type PipelineDeps, rawOf } from './pipeline.ts';
import type { EventRecord } from './types.ts';

export interface SweepOptions {
  /** Only events last received or updated longer ago than this are re-driven (an endpoint may still be busy with younger ones). */
  readonly olderThanMs: number;
  /** At most this many events per status per run. @default 500 */
  readonly limit?: number;
}

export interface SweepReport {
  readonly examined: number;
  readonly redriven: EventOutcome[];
  /** Records that can no longer be re-driven (their raw input is gone or no longer parses): each with why. */
  readonly stuck: Array<{ id: string; reason: string }>;
}

async function markStuck(deps: PipelineDeps, stuck: Array<{ id: string; reason: string }>, id: string, reason: string) {
  // A record that can never be re-driven is closed as rejected with the reason, so it stops coming back
  // and stays visible; it is never dropped.
  stuck.push({ id, reason });
  await deps.events.update(id, {
    status: 'rejected',
    reason,
    updatedAt: new Date((deps.now ?? Date.now)()).toISOString(),
  });
}

/**
 * Re-drives events left `received` (the endpoint died after persisting) or `pending` (dispatch failed).
 * Safe to run concurrently with the endpoint: dedup claims are idempotent per investigation and execution
 * names are deterministic, so a re-drive never starts a second execution.
 */
export async function sweep(deps: PipelineDeps, options: SweepOptions): Promise<SweepReport> {
  const now = deps.now ?? Date.now;
  const before = new Date(now() - options.olderThanMs).toISOString();
  const limit = options.limit ?? 500;
  const records: EventRecord[] = [
    ...(await deps.events.listByStatus('received', before, limit)),
    ...(await deps.events.listByStatus('pending', before, limit)),
  ];
  const redriven: EventOutcome[] = [];
  const stuck: Array<{ id: string; reason: string }> = [];
  for (const record of records) {
    const raw = await rawOf(record, deps.blobs);
    if (raw === undefined) {
      await markStuck(deps, stuck, record.id, 'the stored record has no raw input to re-drive from');
      continue;
    }
    const normalized = normalizeEvent(raw);
    if (!normalized.ok) {
      await markStuck(deps, stuck, record.id, `stored input no longer normalizes: ${normalized.reason}`);
      continue;
    }
    const event = normalized.events.find((e) => e.id === record.id);
    if (!event) {
      await markStuck(deps, stuck, record.id, 'stored input does not yield an event with this id');
      continue;
    }
    redriven.push(await advance(event, record, deps));
  }
  return { examined: records.length, redriven, stuck };
}
