/**
 * SOCless's create-events body on `POST /events`: `{event_type, playbook, details: dict | [dict], created_at?,
 * data_types?, event_meta?, dedup_keys?, add_to_details?}`, turned into webhook payloads, so it goes through
 * the same signed, scoped intake as every webhook (the sender's sources and accounts, severity cap, no AWS
 * events). The dedup key is SOCless's hash: md5 of `event_type` lower-cased followed by the sorted, lower-cased
 * values of `details[k]` for each k in `dedup_keys`.
 *
 * A body of several details makes one payload (one event, one execution) per detail, each meeting the sender's
 * scope on its own; one that cannot become an event refuses the request, naming `details[i]`.
 *
 * The SOCless details travel as `soclessDetails` in the stored detail; a SOCless-style playbook reads them at
 * `artifacts.event.details.<key>` (see buildExecutionInput). `playbook` is kept as `soclessPlaybook`: it does not
 * route by itself (a sender must not pick any playbook); a playbook opts in with a Trigger on its sender's source
 * and `detail.soclessPlaybook`.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { EventBridgeEnvelope } from './envelope.ts';
import { genericSeverity } from './generic.ts';
import { type EventNormalizer, isoTime, parseSource } from './normalizer.ts';
import type { NormalizeResult } from './types.ts';

const Detail = z.record(z.string(), z.unknown());

export const SoclessCreateEventsSchema = z
  .object({
    event_type: z.string().min(1).max(256),
    playbook: z.string().min(1).max(256).optional(),
    details: z.union([Detail, z.array(Detail).min(1).max(100)]),
    created_at: z.string().optional(),
    data_types: z.record(z.string(), z.unknown()).optional(),
    event_meta: z.record(z.string(), z.unknown()).optional(),
    dedup_keys: z.array(z.string().min(1)).max(20).optional(),
    add_to_details: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type SoclessCreateEventsBody = z.output<typeof SoclessCreateEventsSchema>;

/** Whether a webhook body is SOCless's create-events body rather than a webhook payload. */
export function isSoclessCreateEventsBody(body: Record<string, unknown>): boolean {
  return 'event_type' in body && 'details' in body && !('type' in body) && !('title' in body);
}

/** SOCless's dedup hash of one detail; throws naming the key when a dedup value is not a string. */
export function soclessDedupHash(eventType: string, details: Record<string, unknown>, dedupKeys: readonly string[]) {
  const values = dedupKeys.map((k) => {
    const v = details[k];
    if (typeof v !== 'string') {
      throw new SoclessCreateEventsError(
        `details.${k}: a dedup key's value must be a string, got ${JSON.stringify(v)}`,
        `details.${k}`,
      );
    }
    return v.toLowerCase();
  });
  return createHash('md5')
    .update(`${eventType.toLowerCase()}${values.sort().join('')}`)
    .digest('hex');
}

/** A create-events body that cannot become events; `field` names the offending field. */
export class SoclessCreateEventsError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'SoclessCreateEventsError';
  }
}

/**
 * One webhook payload per detail. `requestId` (unique per request, e.g. a hash of the signed bytes) makes the
 * ids, so a retried request is the same events. Throws SoclessCreateEventsError naming the field.
 */
export function soclessCreateEventsPayloads(body: unknown, requestId: string): Array<Record<string, unknown>> {
  const parsed = SoclessCreateEventsSchema.safeParse(body);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    const field = issue?.path.join('.') || '(body)';
    throw new SoclessCreateEventsError(`create-events body: ${field}: ${issue?.message ?? 'is invalid'}`, field);
  }
  const b = parsed.data;
  const details = Array.isArray(b.details) ? b.details : [b.details];
  const dedupHash = (merged: Record<string, unknown>, keys: readonly string[], i: number): string => {
    try {
      return soclessDedupHash(b.event_type, merged, keys);
    } catch (err) {
      // Several details: say which one.
      if (!(err instanceof SoclessCreateEventsError) || !Array.isArray(b.details)) throw err;
      const field = err.field.replace(/^details/, `details[${i}]`);
      throw new SoclessCreateEventsError(err.message.replace(err.field, field), field);
    }
  };
  return details.map((detail, i) => {
    const merged = { ...detail, ...(b.add_to_details ?? {}) };
    const title = typeof merged.title === 'string' && merged.title.length > 0 ? merged.title : b.event_type;
    return {
      id: `${requestId}-${i}`,
      type: b.event_type,
      title: title.slice(0, 1024),
      ...(b.dedup_keys && b.dedup_keys.length > 0 ? { dedupKey: dedupHash(merged, b.dedup_keys, i) } : {}),
      soclessDetails: merged,
      ...(b.playbook !== undefined ? { soclessPlaybook: b.playbook } : {}),
      ...(b.data_types !== undefined ? { soclessDataTypes: b.data_types } : {}),
      ...(b.event_meta !== undefined ? { soclessEventMeta: b.event_meta } : {}),
    };
  });
}

/**
 * Events a playbook creates (SOCless's CreateEvents integration). They take the same road as every event: an
 * EventBridge event on the hub's bus (a PutEvents by socless_core in AWS, the local hub's submit locally), stored
 * before anything else, deduplicated, routed. What makes them trustworthy is settled here and in the pipeline:
 * - the source is `socless.playbook.<playbook>` and the envelope account must be the hub's own (the pipeline's
 *   account check refuses one from anywhere else: a spoke cannot claim a playbook made its event);
 * - the event's account is the creating investigation's, read from the events table by the integration, and the
 *   pipeline reads it again by `createdBy.investigationId` before routing (a claim that differs is refused);
 * - it never remediates (`mayRemediate` false, as for every custom source);
 * - `createdBy.depth` counts the playbook hops from a real event (at most {@link MAX_PLAYBOOK_EVENT_DEPTH}) and
 *   `createdBy.chain` lists each creating run's playbook and its event's dedup key: the pipeline does not start
 *   a playbook again for a dedup key it already ran for in the chain, so a playbook cannot fork-bomb the hub.
 */
export const PLAYBOOK_EVENT_SOURCE_PREFIX = 'socless.playbook.';
/** The `detail-type` of a playbook-created event. */
export const PLAYBOOK_EVENT_DETAIL_TYPE = 'SOCless CreateEvents';
/** How many playbook hops an event may be away from the event that started the first playbook. */
export const MAX_PLAYBOOK_EVENT_DEPTH = 3;

const ChainLink = z.object({ playbook: z.string().min(1).max(256), dedupKey: z.string().min(1).max(1024) }).strict();

/** The `detail` of a playbook-created event, as socless_core writes it. */
export const PlaybookEventDetailSchema = z
  .object({
    type: z.string().min(1).max(256),
    title: z.string().max(1024),
    account: z.string().regex(/^\d{12}$/, 'must be a 12-digit account id'),
    region: z.string().max(64),
    /** SOCless's dedup hash (md5 of the event type and the dedup values). */
    dedupHash: z.string().regex(/^[0-9a-f]{32}$/, 'must be an md5 hex digest'),
    soclessDetails: z.record(z.string(), z.unknown()),
    soclessPlaybook: z.string().min(1).max(256).optional(),
    soclessDataTypes: z.record(z.string(), z.unknown()).optional(),
    soclessEventMeta: z.record(z.string(), z.unknown()).optional(),
    createdBy: z
      .object({
        playbook: z.string().min(1).max(256),
        investigationId: z.string().min(1).max(256),
        execution: z.string().min(1).max(2048),
        depth: z.number().int().min(1).max(MAX_PLAYBOOK_EVENT_DEPTH),
        chain: z.array(ChainLink).min(1).max(MAX_PLAYBOOK_EVENT_DEPTH),
      })
      .strict(),
  })
  .strict();
export type PlaybookEventDetail = z.output<typeof PlaybookEventDetailSchema>;

/** The pipeline's dedup key of a playbook-created event: SOCless's hash, within the investigation's account. */
export function playbookEventDedupKey(account: string, dedupHash: string): string {
  return `socless:${account}:${dedupHash}`;
}

/** What a playbook run knows about the event it runs for, to stamp on the events it creates. */
export interface PlaybookEventParent {
  /** The creating playbook (its folder id). */
  readonly playbook: string;
  /** The Step Functions execution id of the creating run. */
  readonly execution: string;
  readonly investigationId: string;
  /** The investigation's account and region, read from the events table. */
  readonly account: string;
  readonly region: string;
  /** The dedup key of the event the run is for. */
  readonly dedupKey: string;
  /** That event's own `createdBy` when a playbook created it too. */
  readonly createdBy?: PlaybookEventDetail['createdBy'];
}

/** One PutEvents entry (the same fields the local hub wraps into an envelope). */
export interface PlaybookEventEntry {
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  readonly Time?: Date;
}

/** PutEvents' limit on one entry (and one request). */
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;

/**
 * The entries of a CreateEvents call: one per detail, each a `socless.playbook.<playbook>` event in the
 * investigation's account, deduplicated on SOCless's hash. Throws SoclessCreateEventsError naming the field: a bad
 * body, a dedup value that is not a string, an entry over the PutEvents size, or a chain that would go deeper than
 * {@link MAX_PLAYBOOK_EVENT_DEPTH} (the loop guard).
 */
export function playbookEventEntries(body: unknown, parent: PlaybookEventParent): PlaybookEventEntry[] {
  const parsed = SoclessCreateEventsSchema.safeParse(body);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    const field = issue?.path.join('.') || '(parameters)';
    throw new SoclessCreateEventsError(`${field}: ${issue?.message ?? 'is invalid'}`, field);
  }
  const b = parsed.data;
  const depth = (parent.createdBy?.depth ?? 0) + 1;
  if (depth > MAX_PLAYBOOK_EVENT_DEPTH) {
    throw new SoclessCreateEventsError(
      `the event this run is for was created ${depth - 1} playbook hops from a real event; a playbook-created event may be at most ${MAX_PLAYBOOK_EVENT_DEPTH} hops away (loop guard)`,
      '(depth)',
    );
  }
  const chain = [...(parent.createdBy?.chain ?? []), { playbook: parent.playbook, dedupKey: parent.dedupKey }];
  const details = Array.isArray(b.details) ? b.details : [b.details];
  return details.map((detail, i) => {
    const at = Array.isArray(b.details) ? `details[${i}]` : 'details';
    const merged = { ...detail, ...(b.add_to_details ?? {}) };
    let dedupHash: string;
    try {
      dedupHash = soclessDedupHash(b.event_type, merged, b.dedup_keys ?? []);
    } catch (err) {
      if (!(err instanceof SoclessCreateEventsError)) throw err;
      const field = err.field.replace(/^details/, at);
      throw new SoclessCreateEventsError(err.message.replace(err.field, field), field);
    }
    const title = typeof merged.title === 'string' && merged.title.length > 0 ? merged.title : b.event_type;
    const out: PlaybookEventDetail = {
      type: b.event_type,
      title: title.slice(0, 1024),
      account: parent.account,
      region: parent.region,
      dedupHash,
      soclessDetails: merged,
      ...(b.playbook !== undefined ? { soclessPlaybook: b.playbook } : {}),
      ...(b.data_types !== undefined ? { soclessDataTypes: b.data_types } : {}),
      ...(b.event_meta !== undefined ? { soclessEventMeta: b.event_meta } : {}),
      createdBy: {
        playbook: parent.playbook,
        investigationId: parent.investigationId,
        execution: parent.execution,
        depth,
        chain,
      },
    };
    const entry: PlaybookEventEntry = {
      Source: `${PLAYBOOK_EVENT_SOURCE_PREFIX}${parent.playbook}`,
      DetailType: PLAYBOOK_EVENT_DETAIL_TYPE,
      Detail: JSON.stringify(out),
    };
    // Room for the envelope EventBridge adds around the detail.
    if (Buffer.byteLength(entry.Detail, 'utf8') > PUT_EVENTS_MAX_BYTES - 4096) {
      throw new SoclessCreateEventsError(`${at}: the event would be larger than EventBridge accepts (256 KB)`, at);
    }
    return entry;
  });
}

/**
 * Reads a playbook-created event back (at the endpoint, and when the sweeper re-drives it). Owns every
 * `detail-type` of `socless.playbook.*`, so no such event reaches the generic normalizer. Whether the hub sent it
 * and the account is the investigation's is the pipeline's account check (it needs the events table).
 */
export function normalizePlaybookEvent(envelope: EventBridgeEnvelope, raw: unknown): NormalizeResult {
  if (envelope['detail-type'] !== PLAYBOOK_EVENT_DETAIL_TYPE) {
    return {
      ok: false,
      reason: `detail-type: a ${PLAYBOOK_EVENT_SOURCE_PREFIX}* event must be "${PLAYBOOK_EVENT_DETAIL_TYPE}", got "${envelope['detail-type']}"`,
      field: 'detail-type',
    };
  }
  const parsed = parseSource(PlaybookEventDetailSchema, envelope.detail, 'playbook-created event');
  if (!parsed.ok) return { ...parsed, ...(parsed.field ? { field: `detail.${parsed.field}` } : {}) };
  const d = parsed.data;
  const playbook = envelope.source.slice(PLAYBOOK_EVENT_SOURCE_PREFIX.length);
  if (d.createdBy.playbook !== playbook) {
    return {
      ok: false,
      reason: `detail.createdBy.playbook: "${d.createdBy.playbook}" is not the playbook of the source ${envelope.source}`,
      field: 'detail.createdBy.playbook',
    };
  }
  if (d.createdBy.chain.length !== d.createdBy.depth) {
    return {
      ok: false,
      reason: `detail.createdBy.chain: ${d.createdBy.chain.length} links for depth ${d.createdBy.depth}`,
      field: 'detail.createdBy.chain',
    };
  }
  return {
    ok: true,
    events: [
      {
        id: envelope.id,
        source: 'generic',
        kind: d.type,
        account: d.account,
        region: d.region,
        time: isoTime(envelope.time) ?? envelope.time,
        severity: genericSeverity(d.soclessDetails),
        title: d.title,
        resources: [],
        dedupKey: playbookEventDedupKey(d.account, d.dedupHash),
        status: 'active',
        origin: {
          kind: 'custom',
          source: envelope.source,
          account: envelope.account,
          accountField: 'detail.account',
          // Created by a playbook: it informs other playbooks, it never fixes anything.
          mayRemediate: false,
          playbookRun: {
            playbook: d.createdBy.playbook,
            investigationId: d.createdBy.investigationId,
            depth: d.createdBy.depth,
            chain: d.createdBy.chain,
          },
        },
        raw,
      },
    ],
  };
}

/** Playbook-created events (`socless.playbook.<playbook>`, any detail-type: a foreign one is rejected). */
export const playbookEventNormalizer: EventNormalizer = {
  id: 'generic',
  source: `${PLAYBOOK_EVENT_SOURCE_PREFIX}*`,
  detailTypes: [],
  normalize: normalizePlaybookEvent,
};
