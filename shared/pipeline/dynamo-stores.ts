import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { isRawItem, packRaw, readRawText, unpackRaw } from '../store/events.ts';
import { TABLES } from '../tables.ts';
import {
  decideOccurrence,
  type InvestigationState,
  type LifecycleDecision,
  type Occurrence,
  openedBy,
  resolvedBySource,
} from './lifecycle.ts';
import type { DedupStore, EventRecord, EventStatus, EventStore, EventUpdate } from './types.ts';

function isConditionFailure(err: unknown): boolean {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}

/**
 * The `events` table through DynamoDB (AWS or dynalite). An event is one item, written first with its raw input
 * (before anything else happens to it) and rewritten as it settles. DynamoDB bills every write at the whole
 * item's size per started KB, so the raw input is kept deflated (`rawZ`, binary) when that is smaller: a 2 KB
 * GuardDuty finding takes about 0.8 KB. A record written `unlisted` (input a queue delivers again until it is
 * settled) is stored without `status` and `account`, so its first write lands in no index; it reads back as
 * `received`. Older items (raw inline as text, or in an item of its own, `rawKey`) are read as they are.
 */
export class DynamoEventStore implements EventStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** `compressRaw: false` keeps the raw input as text (the cost bench's before). @default true */
    private readonly options: { readonly compressRaw?: boolean } = {},
  ) {}

  async putNew(
    record: EventRecord,
    options: { readonly unlisted?: boolean } = {},
  ): Promise<{ created: true } | { created: false; existing: EventRecord }> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.toItem(record, options.unlisted === true),
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': TABLES.events.partitionKey.name },
        }),
      );
      return { created: true };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const existing = await this.getStored(record.id);
      // Vanishing between the failed put and the read would mean someone deleted it: surface it.
      if (!existing) throw new Error(`event ${record.id} exists but could not be read back`);
      if (isRawItem(existing as unknown as Record<string, unknown>)) {
        throw new Error(`event id ${record.id} is taken by the raw input of another event; the event is not stored`);
      }
      return { created: false, existing };
    }
  }

  /**
   * The item as written: the raw input deflated when that is smaller. `unlisted`: only what the first write must
   * keep (the input and when and where it came from), none of the indexes' keys; the rest is derived from the input
   * again by whoever settles it.
   */
  private toItem(record: EventRecord, unlisted: boolean): Record<string, unknown> {
    const { raw, ...rest } = record;
    const item: Record<string, unknown> = unlisted ? unlistedFields(rest) : rest;
    if (raw === undefined) return item;
    return this.options.compressRaw === false ? { ...item, raw } : { ...item, ...this.pack(raw) };
  }

  /** Deflated once per input: the first write and the settling one store the same bytes. */
  private pack(raw: string): ReturnType<typeof packRaw> {
    const known = this.packed.get(raw);
    if (known) return known;
    const packed = packRaw(raw);
    if (this.packed.size >= PACKED_KEPT) this.packed.delete(this.packed.keys().next().value as string);
    this.packed.set(raw, packed);
    return packed;
  }
  private readonly packed = new Map<string, ReturnType<typeof packRaw>>();

  async update(id: string, fields: EventUpdate): Promise<void> {
    const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = entries.map(([k, v], i) => {
      names[`#f${i}`] = k;
      values[`:v${i}`] = v;
      return `#f${i} = :v${i}`;
    });
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { id },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async replace(record: EventRecord, statuses?: readonly EventStatus[]): Promise<boolean> {
    const values = Object.fromEntries((statuses ?? []).map((s, i) => [`:s${i}`, s]));
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.toItem(record, false),
          ...(statuses
            ? {
                // An unlisted record (no status yet) is one still being received.
                ConditionExpression: `attribute_exists(#id) AND (attribute_not_exists(#status) OR #status IN (${Object.keys(values).join(', ')})) AND attribute_not_exists(#inv)`,
                ExpressionAttributeNames: { '#id': 'id', '#status': 'status', '#inv': 'investigationStatus' },
                ExpressionAttributeValues: values,
              }
            : {
                ConditionExpression: 'attribute_not_exists(#inv)',
                ExpressionAttributeNames: { '#inv': 'investigationStatus' },
              }),
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  /** The record with its raw input (read from its raw item when it has one: one more read). */
  async get(id: string): Promise<EventRecord | undefined> {
    const record = await this.getStored(id);
    return record ? this.withRaw(record) : undefined;
  }

  /** The item as a record: the raw input as text, and `received` when it was written unlisted. */
  private async getStored(id: string): Promise<EventRecord | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { id }, ConsistentRead: true }),
    );
    return out.Item ? fromItem(out.Item) : undefined;
  }

  /** The record with its raw input inline (read from its raw item), e.g. for a re-drive that parses it again. */
  private async withRaw(record: EventRecord): Promise<EventRecord> {
    if (record.rawKey === undefined) return record;
    const raw = await readRawText(this.client, this.tableName, record as unknown as Record<string, unknown>);
    return raw === undefined ? record : { ...record, raw };
  }

  /**
   * The status-index copies only a few attributes (shared/tables.ts), so it yields the ids; each record is then
   * read whole by key (consistently: the sweeper acts on what it reads). The sweeper reads few records, rarely.
   */
  async listByStatus(status: EventStatus, receivedBefore: string, limit: number): Promise<EventRecord[]> {
    const items: EventRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'status-index',
          KeyConditionExpression: '#s = :s AND #r < :before',
          ExpressionAttributeNames: { '#s': 'status', '#r': 'receivedAt', '#id': 'id' },
          ExpressionAttributeValues: { ':s': status, ':before': receivedBefore },
          ProjectionExpression: '#id',
          Limit: limit - items.length,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const entry of out.Items ?? []) {
        const record = await this.getStored(String(entry.id));
        // The index is eventually consistent: an item moved on (or gone) since is not this status's any more.
        if (record && record.status === status) items.push(await this.withRaw(record));
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    return items;
  }
}

/** Inputs whose deflated form is kept for their settling write (an SQS batch is at most 10). */
const PACKED_KEPT = 32;

/** What an unlisted first write keeps of a record. */
function unlistedFields(record: Omit<EventRecord, 'raw'>): Record<string, unknown> {
  const { id, receivedAt, updatedAt, origin, flags, rawRef } = record;
  return {
    id,
    receivedAt,
    updatedAt,
    ...(origin !== undefined ? { origin } : {}),
    ...(flags !== undefined ? { flags } : {}),
    ...(rawRef !== undefined ? { rawRef } : {}),
  };
}

/** An events item as a record: `rawZ` inflated into `raw`, and no status read as `received`. */
function fromItem(item: Record<string, unknown>): EventRecord {
  const { rawZ, ...rest } = item;
  const raw = rawZ instanceof Uint8Array ? unpackRaw(rawZ) : undefined;
  return {
    ...rest,
    ...(rest.status === undefined && !isRawItem(item) ? { status: 'received' } : {}),
    ...(raw !== undefined ? { raw } : {}),
  } as EventRecord;
}

/**
 * The `dedup` table: one item per finding identity holding its current investigation (lifecycle.ts). A new
 * finding is one conditional put; a repeat reads the item and writes it back conditioned on its version, so two
 * endpoints deciding at once cannot both open or both escalate. Expiry is checked against the stored last run,
 * never left to DynamoDB's TTL deletion (lazy in AWS, absent in dynalite).
 */
export class DynamoDedupStore implements DedupStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(occurrence: Occurrence, nowMs: number, windowMs: number): Promise<LifecycleDecision> {
    // The common case, a finding seen for the first time: one write, of the fields `read` cannot default.
    if (await this.write(compact(openedBy(occurrence, nowMs, windowMs)), undefined)) {
      return { kind: 'new', investigationId: occurrence.eventId };
    }
    for (let attempt = 0; attempt < MAX_CONFLICTS; attempt++) {
      const state = await this.read(occurrence.dedupKey);
      if (!state) {
        if (await this.write(openedBy(occurrence, nowMs, windowMs), undefined)) {
          return { kind: 'new', investigationId: occurrence.eventId };
        }
        continue;
      }
      const step = decideOccurrence(state, occurrence, nowMs, windowMs);
      if (!step.next || (await this.write(step.next, state.version))) return step.decision;
    }
    throw new Error(`dedup record ${occurrence.dedupKey}: ${MAX_CONFLICTS} concurrent updates in a row; retry`);
  }

  async resolve(
    dedupKey: string,
    eventId: string,
    nowMs: number,
    windowMs: number,
  ): Promise<{ investigationId: string } | undefined> {
    for (let attempt = 0; attempt < MAX_CONFLICTS; attempt++) {
      const state = await this.read(dedupKey);
      if (!state) return undefined;
      const closed = resolvedBySource(state, eventId, nowMs, windowMs);
      if (!closed) return undefined;
      if (!closed.next || (await this.write(closed.next, state.version))) {
        return { investigationId: closed.investigationId };
      }
    }
    throw new Error(`dedup record ${dedupKey}: ${MAX_CONFLICTS} concurrent updates in a row; retry`);
  }

  /** The item, with records written before the lifecycle fields existed read as open investigations. */
  async read(dedupKey: string): Promise<InvestigationState | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { dedupKey }, ConsistentRead: true }),
    );
    const item = out.Item as (Partial<InvestigationState> & { dedupKey: string }) | undefined;
    if (!item) return undefined;
    if (typeof item.investigationId !== 'string') {
      throw new Error(`dedup record ${dedupKey} exists but has no investigation id`);
    }
    const openedAt = item.openedAt ?? new Date(0).toISOString();
    return {
      ...item,
      investigationId: item.investigationId,
      status: item.status === 'closed' ? 'closed' : 'open',
      openedAt,
      lastRunAt: item.lastRunAt ?? openedAt,
      lastRunEventId: item.lastRunEventId ?? item.investigationId,
      runSeverity: item.runSeverity ?? 'INFORMATIONAL',
      latestSeverity: item.latestSeverity ?? item.runSeverity ?? 'INFORMATIONAL',
      occurrences: item.occurrences ?? 1,
      lastSeen: item.lastSeen ?? openedAt,
      lastEventId: item.lastEventId ?? item.investigationId,
      version: item.version ?? 0,
      expiresAt: item.expiresAt ?? 0,
    };
  }

  /** Writes the whole item if it is absent (`version` undefined) or still at `version`; false when it moved on. */
  private async write(item: Partial<InvestigationState>, version: number | undefined): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ...(version === undefined
            ? { ConditionExpression: 'attribute_not_exists(#k)', ExpressionAttributeNames: { '#k': 'dedupKey' } }
            : version === 0
              ? {
                  ConditionExpression: 'attribute_exists(#k) AND attribute_not_exists(#v)',
                  ExpressionAttributeNames: { '#k': 'dedupKey', '#v': 'version' },
                }
              : {
                  ConditionExpression: '#v = :v',
                  ExpressionAttributeNames: { '#v': 'version' },
                  ExpressionAttributeValues: { ':v': version },
                }),
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }
}

/**
 * A just-opened investigation without the fields `read` derives (last run = opened, one occurrence, the latest
 * severity = the run's, the last event = the opener): the endpoint's hot path writes a small item.
 */
function compact(state: InvestigationState): Partial<InvestigationState> {
  const {
    lastRunAt: _lastRunAt,
    lastRunEventId: _lastRunEventId,
    latestSeverity: _latestSeverity,
    occurrences: _occurrences,
    lastSeen: _lastSeen,
    lastEventId: _lastEventId,
    ...kept
  } = state;
  return kept;
}

/** Concurrent writers one decision may lose to before it gives up (the queue then retries the event). */
const MAX_CONFLICTS = 8;
