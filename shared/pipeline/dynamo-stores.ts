import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { isRawItem, rawItemId, readRawText } from '../store/events.ts';
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

/** A record as stored: without `raw` when its raw input is its own item (`rawKey`). */
function stored(record: EventRecord): EventRecord {
  if (record.rawKey === undefined || record.raw === undefined) return record;
  const { raw: _raw, ...rest } = record;
  return rest;
}

/**
 * The `events` table through DynamoDB (AWS or dynalite). An event that will be rewritten as it settles (stored
 * `received`) keeps its raw input in an item of its own, written once and first (nothing else happens to an
 * event whose input is not stored); the record, rewritten on each step, stays small. DynamoDB bills each write at
 * the item's whole size: a 3 KB event inline costs 3 units per write. Two puts in this order, rather than one
 * TransactWriteItems, since a transaction bills twice the units of its writes.
 */
export class DynamoEventStore implements EventStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** `rawItems: false` keeps the raw input inline in every record (the cost bench's before). @default true */
    private readonly options: { readonly rawItems?: boolean } = {},
  ) {}

  async putNew(
    record: EventRecord,
  ): Promise<{ created: true; stored?: EventRecord } | { created: false; existing: EventRecord }> {
    const separate = (this.options.rawItems ?? true) && record.status === 'received' && record.raw !== undefined;
    const item = separate ? await this.putRaw(record) : record;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: stored(item),
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': TABLES.events.partitionKey.name },
        }),
      );
      return item === record ? { created: true } : { created: true, stored: stored(item) };
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
   * Writes the raw input as its own item and returns the record referring to it; or the record as it is (raw
   * inline) when that id holds an event record (an event whose id is another's raw-item id): never overwritten.
   * A redelivery writes the same item again.
   */
  private async putRaw(record: EventRecord): Promise<EventRecord> {
    const rawKey = rawItemId(record.id);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { id: rawKey, rawOf: record.id, raw: record.raw },
          ConditionExpression: 'attribute_not_exists(#id) OR #rawOf = :of',
          ExpressionAttributeNames: { '#id': TABLES.events.partitionKey.name, '#rawOf': 'rawOf' },
          ExpressionAttributeValues: { ':of': record.id },
        }),
      );
      return { ...record, rawKey };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      return record;
    }
  }

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

  async replace(record: EventRecord, statuses: readonly EventStatus[]): Promise<boolean> {
    const values = Object.fromEntries(statuses.map((s, i) => [`:s${i}`, s]));
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: stored(record),
          ConditionExpression: `attribute_exists(#id) AND #status IN (${Object.keys(values).join(', ')}) AND attribute_not_exists(#inv)`,
          ExpressionAttributeNames: { '#id': 'id', '#status': 'status', '#inv': 'investigationStatus' },
          ExpressionAttributeValues: values,
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

  /** The item as stored (a raw item's input not read). */
  private async getStored(id: string): Promise<EventRecord | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { id }, ConsistentRead: true }),
    );
    return out.Item as EventRecord | undefined;
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
