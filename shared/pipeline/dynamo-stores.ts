import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { TABLES } from '../tables.ts';
import type { DedupStore, EventRecord, EventStatus, EventStore, EventUpdate } from './types.ts';

function isConditionFailure(err: unknown): boolean {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}

/** The `events` table through DynamoDB (AWS or dynalite). */
export class DynamoEventStore implements EventStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putNew(record: EventRecord): Promise<{ created: true } | { created: false; existing: EventRecord }> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: record,
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': TABLES.events.partitionKey.name },
        }),
      );
      return { created: true };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const existing = await this.get(record.id);
      // Vanishing between the failed put and the read would mean someone deleted it: surface it.
      if (!existing) throw new Error(`event ${record.id} exists but could not be read back`);
      return { created: false, existing };
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
          Item: record,
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

  async get(id: string): Promise<EventRecord | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { id }, ConsistentRead: true }),
    );
    return out.Item as EventRecord | undefined;
  }

  async listByStatus(status: EventStatus, receivedBefore: string, limit: number): Promise<EventRecord[]> {
    const items: EventRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'status-index',
          KeyConditionExpression: '#s = :s AND #r < :before',
          ExpressionAttributeNames: { '#s': 'status', '#r': 'receivedAt' },
          ExpressionAttributeValues: { ':s': status, ':before': receivedBefore },
          Limit: limit - items.length,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...((out.Items ?? []) as EventRecord[]));
      startKey = out.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    return items;
  }
}

/**
 * The `dedup` table. Expiry is checked in the condition itself, so correctness never depends on DynamoDB's
 * TTL deletion (which is lazy in AWS and absent in dynalite).
 */
export class DynamoDedupStore implements DedupStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(
    dedupKey: string,
    investigationId: string,
    nowMs: number,
    windowMs: number,
  ): Promise<{ claimed: true } | { claimed: false; investigationId: string }> {
    const nowSec = Math.floor(nowMs / 1000);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            dedupKey,
            investigationId,
            status: 'open',
            openedAt: new Date(nowMs).toISOString(),
            expiresAt: nowSec + Math.ceil(windowMs / 1000),
          },
          ConditionExpression: 'attribute_not_exists(#k) OR #exp < :now OR #status = :closed OR #inv = :inv',
          ExpressionAttributeNames: {
            '#k': 'dedupKey',
            '#exp': 'expiresAt',
            '#status': 'status',
            '#inv': 'investigationId',
          },
          ExpressionAttributeValues: { ':now': nowSec, ':closed': 'closed', ':inv': investigationId },
        }),
      );
      return { claimed: true };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const out = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { dedupKey }, ConsistentRead: true }),
      );
      const open = out.Item?.investigationId;
      if (typeof open !== 'string') throw new Error(`dedup record ${dedupKey} exists but has no investigation id`);
      return { claimed: false, investigationId: open };
    }
  }
}
