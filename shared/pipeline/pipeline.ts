import { createHash } from 'node:crypto';
import type { RemediationMode } from '../config.ts';
import { SoclessError } from '../errors.ts';
import {
  type EventFlag,
  type NormalizeResult,
  normalizeEvent,
  type SecurityEvent,
  WEBHOOK_SOURCE_PREFIX,
} from '../events/index.ts';
import type { CloseRequest } from '../store/investigations.ts';
import { type AccountTrust, checkAccountTrust } from './account-trust.ts';
import { executionInputForEvent } from './execution-input.ts';
import { executionName } from './execution-name.ts';
import { isNotEvaluated, isOverSignal } from './lifecycle.ts';
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
import { dispatchTarget, EXPRESS_VARIANTS } from './workflow-variants.ts';

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
  /**
   * `config.trustedAggregators`: per source, the accounts whose events may name other org accounts.
   * @default none (an event speaks only for the account that sent it)
   */
  readonly trustedAggregators?: AccountTrust['trustedAggregators'];
  /**
   * Whether an account is in the org registry (the accounts table in AWS, the simulated org locally); asked only
   * for an account an aggregator's event names.
   * @default no account is (aggregated events are all refused)
   */
  readonly isOrgAccount?: AccountTrust['isOrgAccount'];
  /**
   * Whether the hub opened the spoke session a CloudTrail call names (the session ledger in the remediations
   * table); only a confirmed session makes an event `self`.
   * @default none is
   */
  readonly verifyHubSession?: AccountTrust['verifyHubSession'];
  /**
   * The hub's own account: the only one a playbook-created event (`socless.playbook.*`) may come from.
   * @default none (such events are refused)
   */
  readonly hubAccountId?: string;
  /**
   * Closes an investigation as a person would (`socless investigation close`): the Security Hub custom action
   * `accept-risk` closes with it. @default none (such requests are recorded `unrouted`, with the reason)
   */
  readonly closeInvestigation?: (id: string, request: CloseRequest) => Promise<unknown>;
  /**
   * The input comes from a queue that delivers it again until the endpoint has settled it (the SQS ingest queue,
   * with its dead-letter queue): the first write of an event is then unlisted (no index entry; see
   * EventStore.putNew) and a crash before it settles is re-driven by the queue. Otherwise (the API, the local hub)
   * it is written `received`, which the sweeper re-drives. @default false
   */
  readonly queued?: boolean;
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
  readonly flags?: readonly EventFlag[];
  /** True when this delivery was already recorded (same event id): nothing was done again. */
  readonly redelivered?: boolean;
  /** A new investigation that follows an earlier one of the same finding (a regression, or a new window). */
  readonly previousInvestigationId?: string;
  /** The earlier investigation was closed as gone (`remediated`, `resolved-by-source`): the problem came back. */
  readonly regression?: boolean;
}

const TERMINAL: ReadonlySet<EventStatus> = new Set([
  'rejected',
  'self',
  'unrouted',
  'duplicate',
  'dispatched',
  'escalated',
  'resolved',
]);

/**
 * Runs one input (an EventBridge event as text or parsed JSON) through the pipeline:
 * normalize → persist (`received`) → route → de-duplicate → dispatch. Bad input is recorded as `rejected`
 * and returned, never thrown; only infrastructure failures (the store unavailable) throw, so a queue
 * retries them.
 */
export async function processInput(input: unknown, origin: string, deps: PipelineDeps): Promise<EventOutcome[]> {
  const maxBytes = deps.maxInputBytes ?? 256 * 1024;
  const normalized: NormalizeResult = normalizeEvent(input, { maxBytes });
  if (!normalized.ok) return [await recordRejected(input, normalized, origin, deps)];
  const webhook = normalized.events.find((e) => e.origin?.source.startsWith(WEBHOOK_SOURCE_PREFIX));
  if (webhook) {
    // The API wraps verified webhooks itself; one arriving on the bus was put there by someone else.
    return [
      await recordRejected(
        input,
        {
          reason: `source ${webhook.origin?.source}: webhook events are accepted only through POST /events, signed by their sender`,
          field: 'source',
          flags: ['not-a-webhook'],
        },
        origin,
        deps,
      ),
    ];
  }
  return processEvents(normalized.events, origin, deps);
}

/**
 * Runs already normalized events (the API's verified webhooks) through the pipeline: persist, check who spoke,
 * route, de-duplicate, dispatch. `flags` are recorded on each event.
 */
export async function processEvents(
  events: readonly SecurityEvent[],
  origin: string,
  deps: PipelineDeps,
  flags: readonly EventFlag[] = [],
): Promise<EventOutcome[]> {
  const outcomes: EventOutcome[] = [];
  for (const event of events) {
    outcomes.push(await receive(event, origin, deps, flags));
  }
  return outcomes;
}

/**
 * Records input that was refused before it became an event, as `rejected` with the reason (id derived from the
 * input, so a redelivery finds the same record). Returns its outcome.
 */
export async function recordRejected(
  input: unknown,
  rejection: { readonly reason: string; readonly field?: string; readonly flags?: readonly EventFlag[] },
  origin: string,
  deps: PipelineDeps,
): Promise<EventOutcome> {
  const now = deps.now ?? Date.now;
  // Only rejected input is kept as the text it came in; valid events are stored per finding.
  const text =
    typeof input === 'string'
      ? input
      : input instanceof Uint8Array
        ? Buffer.from(input).toString('utf8')
        : safeStringify(input);
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
    reason: rejection.reason,
    ...(rejection.field ? { field: rejection.field } : {}),
    ...(rejection.flags && rejection.flags.length > 0 ? { flags: [...rejection.flags] } : {}),
    ...raw,
  };
  const put = await deps.events.putNew(record);
  const existing = put.created ? record : put.existing;
  return outcomeOf(existing, !put.created);
}

async function receive(
  event: SecurityEvent,
  origin: string,
  deps: PipelineDeps,
  extraFlags: readonly EventFlag[],
): Promise<EventOutcome> {
  const now = deps.now ?? Date.now;
  const stamp = new Date(now()).toISOString();
  const rawText = safeStringify(event.raw) ?? '';
  // Who spoke is settled before the event is stored, so a held-back event is one terminal write.
  const held = await checkAccountTrust(event, deps);
  const flags = [...new Set([...extraFlags, ...(held?.flags ?? [])])];
  const record: EventRecord = {
    id: event.id,
    status: held?.status ?? 'received',
    receivedAt: stamp,
    updatedAt: stamp,
    origin,
    source: event.source,
    kind: event.kind,
    // A refused claim is never recorded as the event's account: the account that sent it is.
    account: held?.account ?? event.account,
    region: event.region,
    severity: event.severity.label,
    severityScore: event.severity.score,
    title: event.title,
    dedupKey: event.dedupKey,
    ...(held ? { reason: held.reason } : {}),
    ...(flags.length > 0 ? { flags } : {}),
    ...(await keepRaw(event.id, rawText, deps)),
  };
  // Persist first: nothing else happens to an event that is not in the table.
  const put = await deps.events.putNew(record, { unlisted: deps.queued === true && !held });
  if (!put.created && TERMINAL.has(put.existing.status)) return outcomeOf(put.existing, true);
  if (held) return outcomeOf(record, false);
  if (put.created) writtenHere.add(record);
  // A redelivery of an event not settled yet goes on from what is stored (an unlisted record keeps only its input).
  return advance(event, put.created ? record : { ...record, ...put.existing }, deps, { trustChecked: true });
}

/**
 * Moves a persisted event on from `received` or `pending`: check who spoke, route, de-duplicate, dispatch. Used
 * by the endpoint and by the sweeper; safe to run again for the same event.
 */
export async function advance(
  event: SecurityEvent,
  record: EventRecord,
  deps: PipelineDeps,
  options: { readonly trustChecked?: boolean } = {},
): Promise<EventOutcome> {
  const now = deps.now ?? Date.now;
  if (!options.trustChecked) {
    // A re-drive checks again: an aggregator removed from config since must no longer speak for others.
    const held = await checkAccountTrust(event, deps);
    if (held) {
      const flags = [...new Set([...(record.flags ?? []), ...held.flags])];
      const fields: EventUpdate = {
        status: held.status,
        account: held.account,
        reason: held.reason,
        flags,
        updatedAt: new Date(now()).toISOString(),
      };
      await settle(deps, record, fields);
      return outcomeOf({ ...record, ...fields } as EventRecord, false);
    }
  }
  // An analyst sent the finding to a SOCless custom action: do what was asked, whatever the finding's state.
  if (event.origin?.customAction) return runCustomAction(event, event.origin.customAction, record, deps);
  // The source says the finding is over: close its investigation; nothing is routed (never remediated).
  if (isOverSignal(event.status, event.source)) return resolveBySource(event, record, deps);
  // The source could not evaluate the check: nothing to act on or page for, and nothing it says is over.
  if (isNotEvaluated(event.status, event.source)) {
    return settleUnrouted(deps, event, record, {
      reason: 'the source could not evaluate the check (NOT_AVAILABLE): nothing to act on, nothing closed',
    });
  }
  // Loop guard: a playbook-created event does not start a playbook again for a dedup key it already ran for.
  const chain = event.origin?.playbookRun?.chain ?? [];
  const playbooks = deps.router
    .route(event.raw)
    .filter((p) => !chain.some((link) => link.playbook === p && link.dedupKey === event.dedupKey));
  if (playbooks.length === 0) return settleUnrouted(deps, event, record);
  const decision = await deps.dedup.claim(
    { dedupKey: event.dedupKey, eventId: event.id, severity: event.severity.label },
    now(),
    deps.dedupWindowMs,
  );
  if (decision.kind === 'duplicate') {
    await settle(deps, record, {
      status: 'duplicate',
      investigationId: decision.investigationId,
      playbooks,
      updatedAt: new Date(now()).toISOString(),
    });
    return {
      eventId: event.id,
      status: 'duplicate',
      playbooks,
      executions: [],
      investigationId: decision.investigationId,
      account: event.account,
      ...flagsOf(record),
    };
  }
  const investigationId = decision.investigationId;
  const linked: { previousInvestigationId?: string; regression?: boolean } =
    decision.kind === 'new' && decision.previousInvestigationId
      ? {
          previousInvestigationId: decision.previousInvestigationId,
          ...(decision.regression ? { regression: true } : {}),
        }
      : {};
  const mode = await deps.accountMode(event.account);
  const already = new Map((record.executions ?? []).map((e) => [e.playbook, e]));
  const executions: ExecutionRef[] = [];
  const failures: string[] = [];
  for (const routed of playbooks) {
    // A re-drive keeps the playbook an earlier attempt started (its reply may have been lost), of either workflow,
    // even if the mode has changed since: one remediation workflow per finding.
    const twin = EXPRESS_VARIANTS[routed]?.playbook;
    const earlier = already.get(routed) ?? (twin ? already.get(twin) : undefined);
    if (earlier?.arn) {
      executions.push(earlier);
      continue;
    }
    // One execution per routed playbook: its Express twin where the mode never asks a person (workflow-variants.ts).
    const playbook = earlier?.playbook ?? dispatchTarget(routed, mode, event, deps.router.playbooks);
    const started = await startExecution(deps, event, playbook, mode, investigationId);
    executions.push(started.execution);
    if (started.failure) failures.push(started.failure);
  }
  const ran: EventStatus = decision.kind === 'escalated' ? 'escalated' : 'dispatched';
  const status: EventStatus = failures.length === 0 ? ran : 'pending';
  await settle(deps, record, {
    status,
    investigationId,
    playbooks,
    executions,
    updatedAt: new Date(now()).toISOString(),
    ...(linked.previousInvestigationId ? { previousInvestigationId: linked.previousInvestigationId } : {}),
    ...(failures.length > 0
      ? { lastError: failures.join('; ').slice(0, 1000), dispatchAttempts: (record.dispatchAttempts ?? 0) + 1 }
      : {}),
  });
  return {
    eventId: event.id,
    status,
    playbooks,
    executions,
    investigationId,
    account: event.account,
    mode,
    ...linked,
    ...(failures.length > 0 ? { reason: failures.join('; ') } : {}),
    ...flagsOf(record),
  };
}

/** The playbook a custom action's remediate and dry-run start (or its Express twin, for a dry-run). */
export const CUSTOM_ACTION_PLAYBOOK = 'remediate-finding';

/**
 * A finding sent to one of SOCless's Security Hub custom actions (the sender already checked: the hub or a trusted
 * Security Hub aggregator, and any other account it names in the org registry). The finding's investigation is
 * found or opened as for any occurrence (the claim is keyed by this event's id, so a redelivery or re-drive gets
 * the same answer), then:
 * - `accept-risk` closes it with resolution `accepted-risk`, by the action (`origin.customAction.by`);
 * - `remediate` starts remediate-finding (Standard: a fix that needs a named approval can still ask a person),
 *   which runs the remediation once as chosen by the action (shared/remediation/runner.ts);
 * - `dry-run` starts the flow that only plans (the Express twin where deployed).
 * The event record is terminal once settled, so a second delivery of the same event does nothing again, and the
 * remediation's write-ahead record (per investigation and remediation) keeps one apply per investigation.
 */
async function runCustomAction(
  event: SecurityEvent,
  action: NonNullable<NonNullable<SecurityEvent['origin']>['customAction']>,
  record: EventRecord,
  deps: PipelineDeps,
): Promise<EventOutcome> {
  const now = deps.now ?? Date.now;
  const base = { eventId: event.id, account: event.account, ...flagsOf(record) };
  const unrouted = (reason: string, investigationId?: string) =>
    settleUnrouted(deps, event, record, { reason, ...(investigationId ? { investigationId } : {}) });
  if (action.decision === 'accept-risk' && !deps.closeInvestigation) {
    return unrouted('accept-risk: this hub has no investigation store to close the investigation in');
  }
  if (action.decision !== 'accept-risk' && !deps.router.playbooks.includes(CUSTOM_ACTION_PLAYBOOK)) {
    return unrouted(`${action.decision}: playbook ${CUSTOM_ACTION_PLAYBOOK} is not deployed`);
  }
  const claimed = await deps.dedup.claim(
    { dedupKey: event.dedupKey, eventId: event.id, severity: event.severity.label },
    now(),
    deps.dedupWindowMs,
  );
  const investigationId = claimed.investigationId;
  if (action.decision === 'accept-risk') {
    const stamp = new Date(now()).toISOString();
    // The opening event of a new investigation must carry its id before the investigation can be closed.
    if (claimed.kind === 'new') await deps.events.update(record.id, { investigationId, updatedAt: stamp });
    try {
      await deps.closeInvestigation?.(investigationId, {
        resolution: 'accepted-risk',
        reason: `accepted as a risk from Security Hub (${action.actionArn})`,
        by: action.by,
        at: stamp,
      });
    } catch (err) {
      if (err instanceof SoclessError) return unrouted(`accept-risk: ${err.message}`, investigationId);
      throw err;
    }
    const reason = `closed as accepted-risk by ${action.by}`;
    await settle(deps, record, { status: 'resolved', investigationId, reason, updatedAt: stamp });
    return { ...base, status: 'resolved', playbooks: [], executions: [], investigationId, reason };
  }
  const mode = await deps.accountMode(event.account);
  const playbook =
    action.decision === 'dry-run'
      ? dispatchTarget(CUSTOM_ACTION_PLAYBOOK, 'dry-run', event, deps.router.playbooks)
      : CUSTOM_ACTION_PLAYBOOK;
  // A re-drive keeps the execution an earlier attempt started (its reply may have been lost).
  const earlier = (record.executions ?? []).find((e) => e.arn);
  const executions: ExecutionRef[] = [];
  let failure: string | undefined;
  if (earlier) {
    executions.push(earlier);
  } else {
    const started = await startExecution(deps, event, playbook, mode, investigationId);
    executions.push(started.execution);
    failure = started.failure;
  }
  const status: EventStatus = failure ? 'pending' : 'dispatched';
  const playbooks = [CUSTOM_ACTION_PLAYBOOK];
  await settle(deps, record, {
    status,
    investigationId,
    playbooks,
    executions,
    reason: `${action.decision} chosen by ${action.by}`,
    updatedAt: new Date(now()).toISOString(),
    ...(failure ? { lastError: failure.slice(0, 1000), dispatchAttempts: (record.dispatchAttempts ?? 0) + 1 } : {}),
  });
  return {
    ...base,
    status,
    playbooks,
    executions,
    investigationId,
    mode,
    reason: failure ?? `${action.decision} chosen by ${action.by}`,
  };
}

/**
 * Security Hub RESOLVED/SUPPRESSED/ARCHIVED/PASSED, GuardDuty archived, Config COMPLIANT and NOT_APPLICABLE,
 * Access Analyzer RESOLVED/ARCHIVED: the open investigation of the finding closes as `resolved-by-source` (`resolved`); with none
 * open the signal is recorded as `unrouted` with the reason. Never routed to a playbook.
 */
async function resolveBySource(event: SecurityEvent, record: EventRecord, deps: PipelineDeps): Promise<EventOutcome> {
  const now = deps.now ?? Date.now;
  const closed = await deps.dedup.resolve(event.dedupKey, event.id, now(), deps.dedupWindowMs);
  const stamp = new Date(now()).toISOString();
  if (!closed) {
    return settleUnrouted(deps, event, record, {
      reason: `the source reports the finding ${event.status}, and no investigation of it is open`,
    });
  }
  await deps.events.update(closed.investigationId, {
    investigationStatus: 'closed',
    resolution: 'resolved-by-source',
    closedBy: 'source',
    closedAt: stamp,
  });
  await settle(deps, record, { status: 'resolved', investigationId: closed.investigationId, updatedAt: stamp });
  return {
    eventId: event.id,
    status: 'resolved',
    playbooks: [],
    executions: [],
    investigationId: closed.investigationId,
    account: event.account,
    ...flagsOf(record),
  };
}

/**
 * Starts one playbook for an event under its deterministic execution name; a failed start is returned (the event
 * stays `pending` and the sweeper re-drives it), never thrown.
 */
async function startExecution(
  deps: PipelineDeps,
  event: SecurityEvent,
  playbook: string,
  mode: Awaited<ReturnType<PipelineDeps['accountMode']>>,
  investigationId: string,
): Promise<{ readonly execution: ExecutionRef; readonly failure?: string }> {
  const name = executionName(event.id, playbook);
  const input = executionInputForEvent(event, {
    playbook,
    executionName: name,
    account: { id: event.account, mode },
    investigationId,
  }) as unknown as Record<string, unknown>;
  try {
    const started = await deps.dispatcher.start({ playbook, name, input });
    return { execution: { playbook, name, arn: started.executionArn } };
  } catch (err) {
    return { execution: { playbook, name }, failure: `${playbook}: ${errorText(err)}` };
  }
}

/** Records an event as `unrouted` (with the reason, when there is one) and says so: nothing is started. */
async function settleUnrouted(
  deps: PipelineDeps,
  event: SecurityEvent,
  record: EventRecord,
  extra: { readonly reason?: string; readonly investigationId?: string } = {},
): Promise<EventOutcome> {
  await settle(deps, record, {
    status: 'unrouted',
    ...extra,
    updatedAt: new Date((deps.now ?? Date.now)()).toISOString(),
  });
  return {
    eventId: event.id,
    status: 'unrouted',
    playbooks: [],
    executions: [],
    account: event.account,
    ...extra,
    ...flagsOf(record),
  };
}

function flagsOf(record: EventRecord): { flags?: readonly EventFlag[] } {
  return record.flags && record.flags.length > 0 ? { flags: record.flags } : {};
}

/** Records whose first write this invocation made (the in-memory object, for as long as it is in use). */
const writtenHere = new WeakSet<EventRecord>();

/**
 * Records where an event ended up. A whole-item put is the cheaper write; it is taken only while the stored
 * record is still `received`/`pending` (or unlisted) and untouched by a playbook, otherwise the fields are updated
 * in place (with the event's own fields, which an unlisted record does not hold yet).
 */
async function settle(deps: PipelineDeps, record: EventRecord, fields: EventUpdate): Promise<void> {
  // A record this invocation wrote first: another delivery of the same event (which found it) reaches the same
  // decision, since the claim and the execution names are idempotent for it, and the fallback update would write
  // the same fields anyway; only a writer of its investigation status is checked for. A re-drive also checks the
  // status, so a record settled meanwhile is updated field by field.
  const statuses: readonly EventStatus[] | undefined = writtenHere.has(record) ? undefined : ['received', 'pending'];
  const replaced = await deps.events.replace({ ...record, ...fields } as EventRecord, statuses);
  if (!replaced) await deps.events.update(record.id, { ...ownFields(record), ...fields });
}

/** What the input says about an event (never changed by anyone else): an unlisted record does not hold it yet. */
function ownFields(record: EventRecord): EventUpdate {
  const { source, kind, account, region, severity, severityScore, title, dedupKey } = record;
  return { source, kind, account, region, severity, severityScore, title, dedupKey };
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
    ...(record.previousInvestigationId ? { previousInvestigationId: record.previousInvestigationId } : {}),
    ...flagsOf(record),
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
