import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { DynamoEventStore } from '../../shared/pipeline/dynamo-stores.ts';
import type { EventRecord } from '../../shared/pipeline/types.ts';

// The events table's status-index and account-index copy only what their readers read (shared/tables.ts): the
// raw event is never copied, and each reader still finds what it needs (dynalite keeps only projected attributes).
const RAW = JSON.stringify({ detail: { findings: [{ Description: 'x'.repeat(3000) }] } });
const record = (id: string, status: EventRecord['status'], receivedAt: string): EventRecord => ({
  id,
  status,
  receivedAt,
  updatedAt: receivedAt,
  origin: 'test',
  source: 'aws.securityhub',
  kind: 'S3.2',
  account: '111122223333',
  region: 'eu-west-1',
  severity: 'HIGH',
  severityScore: 70,
  title: 'S3 general purpose buckets should block public read access',
  dedupKey: `k-${id}`,
  investigationId: `inv-${id}`,
  executions: [{ playbook: 'remediate-finding', name: `n-${id}`, arn: `arn:aws:states:eu-west-1:1:execution:x:${id}` }],
  raw: RAW,
});

let dynamo: LocalDynamo;
let store: DynamoEventStore;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
  store = new DynamoEventStore(dynamo.client, 'events');
  await store.putNew(record('e-pending', 'pending', '2026-01-01T00:00:00Z'));
  await store.putNew(record('e-received', 'received', '2026-01-01T00:01:00Z'));
  await store.putNew(record('e-dispatched', 'dispatched', '2026-01-01T00:02:00Z'));
});
afterAll(async () => {
  await dynamo.close();
});

const query = async (index: string, key: string, value: string, projection?: string) =>
  (
    await dynamo.client.send(
      new QueryCommand({
        TableName: 'events',
        IndexName: index,
        KeyConditionExpression: '#k = :v',
        ExpressionAttributeNames: { '#k': key },
        ExpressionAttributeValues: { ':v': value },
        ...(projection ? { ProjectionExpression: projection } : {}),
      }),
    )
  ).Items ?? [];

describe('events table indexes', () => {
  it('copy no raw event into either index', async () => {
    for (const [index, key, value] of [
      ['status-index', 'status', 'pending'],
      ['account-index', 'account', '111122223333'],
    ] as const) {
      const items = await query(index, key, value);
      expect(items.length).toBeGreaterThan(0);
      for (const item of items) expect(item.raw).toBeUndefined();
    }
  });

  it('give the sweeper whole records (raw input included) through the status-index', async () => {
    const pending = await store.listByStatus('pending', '9999', 10);
    expect(pending.map((r) => r.id)).toEqual(['e-pending']);
    expect(pending[0]?.raw).toBe(RAW);
    expect(pending[0]?.dedupKey).toBe('k-e-pending');
    expect((await store.listByStatus('received', '2026-01-01T00:00:30Z', 10)).map((r) => r.id)).toEqual([]);
  });

  it("keep what the org CLI's replay and last-event reads and the console's changed-since read", async () => {
    const [replay] = await query('status-index', 'status', 'dispatched');
    expect(replay?.executions).toEqual(record('e-dispatched', 'dispatched', '').executions);
    const [last] = await query('status-index', 'status', 'received', 'id, account, receivedAt, #k, kind, title');
    expect(last).toMatchObject({ id: 'e-received', account: '111122223333', kind: 'S3.2', title: expect.any(String) });
    const [changed] = await query('status-index', 'status', 'pending', 'id, investigationId');
    expect(changed).toEqual({ id: 'e-pending', investigationId: 'inv-e-pending' });
    const byAccount = await query('account-index', 'account', '111122223333');
    expect(byAccount.map((i) => [i.status, i.kind, typeof i.title, i.receivedAt]).sort()).toEqual([
      ['dispatched', 'S3.2', 'string', '2026-01-01T00:02:00Z'],
      ['pending', 'S3.2', 'string', '2026-01-01T00:00:00Z'],
      ['received', 'S3.2', 'string', '2026-01-01T00:01:00Z'],
    ]);
  });
});
