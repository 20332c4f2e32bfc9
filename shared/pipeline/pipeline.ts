import { createHash } from 'node:crypto';
import type { RemediationMode } from '../config.ts';
import { type NormalizeResult, normalizeEvent, type SecurityEvent } from '../events/index.ts';
import { executionInputForEvent } from './execution-input.ts';
import { executionName } from './execution-name.ts';
import type { Router } from './router.ts';
import type {
  AccountModeResolver,
  BlobStore,
  DedupStore,
  Dispatcher,
  EventRecord,
  EventStatus,
  EventStore,
  EventUpdate,
  ExecutionRef,
} from './types.ts';

/** Everything the pipeline talks to, injected so the Lambda, the local hub and tests share the code. */
export interface PipelineDeps {
  readonly events: EventStore;
  readonly dedup: DedupStore;
  readonly blobs: BlobStore;
  readonly dispatcher: Dispatcher;
  readonly router: Router;
  readonly accountMode: AccountModeResolver;
  /** How long an open investigation absorbs repeats of the same finding. */
  readonly dedupWindowMs: number;
  /** Raw inputs larger than this go to the vault instead of the events item. @default 64 KiB */
  readonly maxInlineRawBytes?: number;
  /** Largest input accepted. @default 256 KiB (the EventBridge event limit) */
  readonly maxInputBytes?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** What happened to one event (one line of `socless local --json`). */
export interface EventOutcome {
  readonly eventId: string;
  readonly status: EventStatus;
  readonly playbooks: readonly string[];
  readonly executions: readonly ExecutionRef[];
  readonly investigationId?: string;
  readonly account?: string;
  readonly mode?: RemediationMode;
  readonly reason?: string;
  readonly field?: string;
  /** True when this delivery was already recorded (same event id): nothing was done again. */
  readonly redelivered?: boolean;
}

const TERMINAL: ReadonlySet<EventStatus> = new Set(['rejected', 'unrouted', 'duplicate', 'dispatched']);

/**
 * Runs one input (an EventBridge event as text or parsed JSON) through the pipeline:
 * normalize → persist (`received`) → route → de-duplicate → dispatch. Bad input is recorded as `rejected`
 * and returned, never thrown; only infrastructure failures (the store unavailable) throw, so a queue
 * retries them.
 */
export async function processInput(input: unknown, origin: string, deps: PipelineDeps): Promise<EventOutcome[]> {
  const maxBytes = deps.maxInputBytes ?? 256 * 1024;
  const normalized: NormalizeResult = normalizeEvent(input, { maxBytes });
  const now = deps.now ?? Date.now;
  if (!normalized.ok) {
    // Only rejected input is kept as the text it came in; valid events are stored per finding below.
    const text = typeof input === 'string' ? input : safeStringify(input);
    const id = `rejected-${createHash('sha256')
      .update(text ?? String(input))
      .digest('hex')
      .slice(0, 40)}`;
    const stamp = new Date(now()).toISOString();
    const raw = await keepRaw(id, text ?? String(input), deps);
    const record: EventRecord = {
      id,
      status: 'rejected',
      receivedAt: stamp,
      updatedAt: stamp,
      origin,
      reason: normalized.reason,
      ...(normalized.field ? { field: normalized.field } : {}),
      ...raw,
    };
    const put = await deps.events.putNew(record);
    const existing = put.created ? record : put.existing;
    return [outcomeOf(existing, !put.created)];
  }
  const outcomes: EventOutcome[] = [];
  for (const event of normalized.events) {
    outcomes.push(await receive(event, origin, deps));
  }
  return outcomes;
}

async function receive(event: SecurityEvent, origin: string, deps: PipelineDeps): Promise<EventOutcome> {
  const now = deps.now ?? Date.now;
  const stamp = new Date(now()).toISOString();
  const rawText = safeStringify(event.raw) ?? '';
  const record: EventRecord = {
    id: event.id,
    status: 'received',
    receivedAt: stamp,
    updatedAt: stamp,
    origin,
    source: event.source,
    kind: event.kind,
    account: event.account,
    region: event.region,
    severity: event.severity.label,
    severityScore: event.severity.score,
    title: event.title,
    dedupKey: event.dedupKey,
    ...(await keepRaw(event.id, rawText, deps)),
  };
  // Persist first: nothing else happens to an event that is not in the table.
  const put = await deps.events.putNew(record);
  if (!put.created && TERMINAL.has(put.existing.status)) return outcomeOf(put.existing, true);
  const current = put.created ? record : put.existing;
  return advance(event, current, deps);
}

/**
 * Moves a persisted event on from `received` or `pending`: route, de-duplicate, dispatch. Used by the
 * endpoint and by the sweeper; safe to run again for the same event.
 */
export async function advance(event: SecurityEvent, record: EventRecord, deps: PipelineDeps): Promise<EventOutcome> {
  const now = deps.now ?? Date.now;
  const playbooks = deps.router.route(event.raw);
  if (playbooks.length === 0) {
    await settle(deps, record, { status: 'unrouted', updatedAt: new Date(now()).toISOString() });
    return { eventId: event.id, status: 'unrouted', playbooks: [], executions: [], account: event.account };
  }
  const claim = await deps.dedup.claim(event.dedupKey, event.id, now(), deps.dedupWindowMs);
  if (!claim.claimed) {
    await settle(deps, record, {
      status: 'duplicate',
      investigationId: claim.investigationId,
      playbooks,
      updatedAt: new Date(now()).toISOString(),
    });
    return {
      eventId: event.id,
      status: 'duplicate',
      playbooks,
      executions: [],
      investigationId: claim.investigationId,
      account: event.account,
    };
  }
  const mode = await deps.accountMode(event.account);
  const already = new Map((record.executions ?? []).filter((e) => e.arn).map((e) => [e.playbook, e]));
  const executions: ExecutionRef[] = [];
  const failures: string[] = [];
  for (const playbook of playbooks) {
    const done = already.get(playbook);
    if (done) {
      executions.push(done);
      continue;
    }
    const name = executionName(event.id, playbook);
    const input = executionInputForEvent(event, {
      playbook,
      executionName: name,
      account: { id: event.account, mode },
    }) as unknown as Record<string, unknown>;
    try {
      const started = await deps.dispatcher.start({ playbook, name, input });
      executions.push({ playbook, name, arn: started.executionArn });
    } catch (err) {
      executions.push({ playbook, name });
      failures.push(`${playbook}: ${errorText(err)}`);
    }
  }
  const status: EventStatus = failures.length === 0 ? 'dispatched' : 'pending';
  await settle(deps, record, {
    status,
    investigationId: event.id,
    playbooks,
    executions,
    updatedAt: new Date(now()).toISOString(),
    ...(failures.length > 0
      ? { lastError: failures.join('; ').slice(0, 1000), dispatchAttempts: (record.dispatchAttempts ?? 0) + 1 }
      : {}),
  });
  return {
    eventId: event.id,
    status,
    playbooks,
    executions,
    investigationId: event.id,
    account: event.account,
    mode,
    ...(failures.length > 0 ? { reason: failures.join('; ') } : {}),
  };
}

/**
 * Records where an event ended up. A whole-item put is the cheaper write; it is taken only while the stored
 * record is still `received`/`pending` and untouched by a playbook, otherwise the fields are updated in place.
 */
async function settle(deps: PipelineDeps, record: EventRecord, fields: EventUpdate): Promise<void> {
  const replaced = await deps.events.replace({ ...record, ...fields } as EventRecord, ['received', 'pending']);
  if (!replaced) await deps.events.update(record.id, fields);
}

/** Reads a stored record's raw input back, from the item or the vault. */
export async function rawOf(record: EventRecord, blobs: BlobStore): Promise<string | undefined> {
  if (record.raw !== undefined) return record.raw;
  if (record.rawRef) return blobs.get(record.rawRef);
  return undefined;
}

async function keepRaw(id: string, text: string, deps: PipelineDeps): Promise<Pick<EventRecord, 'raw' | 'rawRef'>> {
  const limit = deps.maxInlineRawBytes ?? 64 * 1024;
  if (Buffer.byteLength(text, 'utf8') <= limit) return { raw: text };
  const key = `events/raw/${id.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
  return { rawRef: await deps.blobs.put(key, text) };
}

function outcomeOf(record: EventRecord, redelivered: boolean): EventOutcome {
  return {
    eventId: record.id,
    status: record.status,
    playbooks: record.playbooks ?? [],
    executions: record.executions ?? [],
    ...(record.investigationId ? { investigationId: record.investigationId } : {}),
    ...(record.account ? { account: record.account } : {}),
    ...(record.reason ? { reason: record.reason } : {}),
    ...(record.field ? { field: record.field } : {}),
    ...(redelivered ? { redelivered } : {}),
  };
}

function safeStringify(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
