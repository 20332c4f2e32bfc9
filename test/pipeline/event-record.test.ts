import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOpeningEvent } from '../../scripts/console/event-records.ts';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { DynamoEventStore } from '../../shared/pipeline/dynamo-stores.ts';
import { processInput } from '../../shared/pipeline/pipeline.ts';
import { sweep } from '../../shared/pipeline/sweeper.ts';
import type { DedupStore } from '../../shared/pipeline/types.ts';
import { EventsStatusRepository, rawItemId, readRawText } from '../../shared/store/events.ts';
import { fixture, pipelineDeps } from './harness.ts';

// An event is one item of the events table, written before anything else happens to it and rewritten as it
// settles; DynamoDB bills every write at the whole item's size, so the raw input is kept deflated, and input the
// SQS queue delivers again until it settles is first written unlisted (no index entry).
let dynamo: LocalDynamo;
/** Writes to the events table in order: `<command> <id> <attribute names>`. */
const writes: string[] = [];
beforeAll(async () => {
  dynamo = await startLocalDynamo();
  dynamo.client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String((context as { commandName?: string }).commandName ?? '');
      const input = args.input as { TableName?: string; Item?: Record<string, unknown>; Key?: { id?: unknown } };
      if (input.TableName === 'events' && !/^(Get|Query|Scan)/.test(command)) {
        const id = (input.Item?.id ?? input.Key?.id) as { S?: string } | string | undefined;
        const name = typeof id === 'string' ? id : id?.S;
        writes.push(
          `${command.replace(/Command$/, '')} ${name} ${Object.keys(input.Item ?? {})
            .sort()
            .join(',')}`,
        );
      }
      return next(args);
    },
    { step: 'initialize', name: 'events-write-order' },
  );
});
afterAll(async () => {
  await dynamo.close();
});

const get = async (id: string) =>
  (await dynamo.client.send(new GetCommand({ TableName: 'events', Key: { id } }))).Item as
    | Record<string, unknown>
    | undefined;

const INDEX_KEYS = ['status', 'account', 'investigationId'];

/** A GuardDuty finding of its own (its finding id is the event id), so no test's event is another's duplicate. */
const guardDuty = (id: string) => {
  const base = fixture('guardduty-ssh-bruteforce.json');
  return { ...base, id, detail: { ...(base.detail as object), id: `finding-${id}` } };
};

/** A dedup store that fails once for the named events, as an endpoint that dies at the claim. */
function crashingAtClaim(inner: DedupStore, ids: Set<string>): DedupStore {
  return {
    claim: async (occurrence, now, window) => {
      if (ids.delete(occurrence.eventId)) throw new Error('Task timed out after 30.00 seconds');
      return inner.claim(occurrence, now, window);
    },
    resolve: (...args) => inner.resolve(...args),
  };
}

describe('the events record', () => {
  it('from the queue: written first unlisted (no index key), its raw input deflated, then settled in one put', async () => {
    writes.length = 0;
    const deps = pipelineDeps(dynamo, { queued: true });
    const event = guardDuty('queued-once');
    const [outcome] = await processInput(event, 'sqs:m-1', deps);
    expect(outcome?.status).toBe('dispatched');
    expect(writes).toHaveLength(2);
    const [first, settled] = writes.map((w) => w.split(' '));
    expect(first?.[0]).toBe('PutItem');
    expect(first?.[1]).toBe('queued-once');
    const firstAttributes = (first?.[2] ?? '').split(',');
    for (const key of INDEX_KEYS) expect(firstAttributes, key).not.toContain(key);
    expect(firstAttributes).toContain('rawZ');
    expect(settled?.slice(0, 2)).toEqual(['PutItem', 'queued-once']);
    const stored = await get('queued-once');
    expect(stored).toMatchObject({ status: 'dispatched', account: '210987654321', investigationId: 'queued-once' });
    expect(stored?.raw).toBeUndefined();
    // Deflated: smaller than the text, and read back equal to what came in.
    const packed = stored?.rawZ as Uint8Array;
    expect(packed).toBeInstanceOf(Uint8Array);
    expect(packed.length).toBeLessThan(JSON.stringify(event).length * 0.6);
    expect(JSON.parse(String(await readRawText(dynamo.client, 'events', stored ?? {})))).toEqual(event);
    const opening = await readOpeningEvent(dynamo.client, 'events', 'queued-once', undefined);
    expect(opening.raw).toEqual(event);
    expect((opening.normalized as Record<string, unknown>).rawZ).toBeUndefined();
  });

  it('from the queue: a crash before it settles is in no listing, and the redelivery settles it with every field', async () => {
    let t = Date.parse('2026-01-01T00:00:00Z');
    const base = pipelineDeps(dynamo, { queued: true, now: () => t });
    const deps = { ...base, dedup: crashingAtClaim(base.dedup, new Set(['queued-crash'])) };
    const event = guardDuty('queued-crash');
    await expect(processInput(event, 'sqs:m-2', deps)).rejects.toThrow(/timed out/);
    const unsettled = await get('queued-crash');
    expect(Object.keys(unsettled ?? {}).filter((k) => INDEX_KEYS.includes(k))).toEqual([]);
    expect((await deps.events.get('queued-crash'))?.status).toBe('received');
    t += 10 * 60_000;
    // The sweeper does not see it (the queue re-drives it) ...
    expect((await sweep(deps, { olderThanMs: 5 * 60_000 })).redriven.map((o) => o.eventId)).not.toContain(
      'queued-crash',
    );
    // ... and the queue's redelivery finishes it: one execution, and the record holds what the input says.
    const [again] = await processInput(event, 'sqs:m-2', deps);
    expect(again?.status).toBe('dispatched');
    expect(
      [...deps.dispatcher.starts.entries()].filter(([n]) => n.includes(again?.executions[0]?.name ?? '?')),
    ).toEqual([[again?.executions[0]?.name, 1]]);
    expect(await get('queued-crash')).toMatchObject({
      status: 'dispatched',
      source: 'guardduty',
      account: '210987654321',
      kind: expect.any(String),
      title: expect.any(String),
      dedupKey: expect.any(String),
    });
  });

  it('not from a queue: written `received` first, so the sweeper re-drives a crash', async () => {
    let t = Date.parse('2026-02-01T00:00:00Z');
    const base = pipelineDeps(dynamo, { now: () => t });
    const deps = { ...base, dedup: crashingAtClaim(base.dedup, new Set(['api-crash'])) };
    const event = { ...fixture('config-noncompliant.json'), id: 'api-crash' };
    await expect(processInput(event, 'api:webhook:x', deps)).rejects.toThrow(/timed out/);
    expect(await get('api-crash')).toMatchObject({ status: 'received', account: expect.any(String) });
    t += 10 * 60_000;
    const report = await sweep(base, { olderThanMs: 5 * 60_000 });
    expect(report.redriven.map((o) => [o.eventId, o.status])).toContainEqual(['api-crash', 'dispatched']);
  });

  it('keeps what a playbook wrote before the endpoint settled, and still gets every field of the event', async () => {
    const deps = pipelineDeps(dynamo, { queued: true });
    const status = new EventsStatusRepository(dynamo.client, 'events');
    const start = deps.dispatcher.start.bind(deps.dispatcher);
    // A playbook that closes its investigation before StartExecution has even returned to the endpoint.
    deps.dispatcher.start = async (request) => {
      const out = await start(request);
      expect(await status.setInvestigationStatus('raced', 'closed', '2026-01-01T00:00:01Z')).toBeDefined();
      return out;
    };
    const [outcome] = await processInput(guardDuty('raced'), 'sqs:m-3', deps);
    expect(outcome?.status).toBe('dispatched');
    expect(await get('raced')).toMatchObject({
      status: 'dispatched',
      investigationStatus: 'closed',
      investigationId: 'raced',
      source: 'guardduty',
      account: '210987654321',
    });
  });

  it('reads records written before: raw text inline, and raw input in an item of its own (only its own)', async () => {
    const store = new DynamoEventStore(dynamo.client, 'events');
    const stamp = '2025-01-01T00:00:00Z';
    await dynamo.client.send(
      new PutCommand({
        TableName: 'events',
        Item: { id: 'old-inline', status: 'unrouted', receivedAt: stamp, updatedAt: stamp, raw: '{"old":1}' },
      }),
    );
    await dynamo.client.send(
      new PutCommand({
        TableName: 'events',
        Item: {
          id: 'old-item',
          status: 'unrouted',
          receivedAt: stamp,
          updatedAt: stamp,
          rawKey: rawItemId('old-item'),
        },
      }),
    );
    await dynamo.client.send(
      new PutCommand({ TableName: 'events', Item: { id: rawItemId('old-item'), rawOf: 'old-item', raw: '{"old":2}' } }),
    );
    expect((await store.get('old-inline'))?.raw).toBe('{"old":1}');
    expect((await store.get('old-item'))?.raw).toBe('{"old":2}');
    expect((await readOpeningEvent(dynamo.client, 'events', 'old-item', undefined)).raw).toEqual({ old: 2 });
    // A record pointing at another event's raw item reads nothing.
    expect(
      await readRawText(dynamo.client, 'events', { id: 'stranger', rawKey: rawItemId('old-item') }),
    ).toBeUndefined();
    // An event whose id a raw item holds is refused, naming the id.
    await expect(
      store.putNew({ id: rawItemId('old-item'), status: 'received', receivedAt: stamp, updatedAt: stamp }),
    ).rejects.toThrow(/event id raw#old-item is taken/);
  });

  it('keeps a short raw input as text, and all of it as text when told so', async () => {
    const stamp = '2026-01-01T00:00:00Z';
    const long = JSON.stringify({ detail: 'x'.repeat(4000) });
    await new DynamoEventStore(dynamo.client, 'events').putNew({
      id: 'short',
      status: 'rejected',
      receivedAt: stamp,
      updatedAt: stamp,
      raw: '{"h":1}',
    });
    expect((await get('short'))?.raw).toBe('{"h":1}');
    await new DynamoEventStore(dynamo.client, 'events', { compressRaw: false }).putNew({
      id: 'text',
      status: 'rejected',
      receivedAt: stamp,
      updatedAt: stamp,
      raw: long,
    });
    expect((await get('text'))?.raw).toBe(long);
    await new DynamoEventStore(dynamo.client, 'events').putNew({
      id: 'packed',
      status: 'rejected',
      receivedAt: stamp,
      updatedAt: stamp,
      raw: long,
    });
    expect((await get('packed'))?.raw).toBeUndefined();
    expect((await new DynamoEventStore(dynamo.client, 'events').get('packed'))?.raw).toBe(long);
  });
});
