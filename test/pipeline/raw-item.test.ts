import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOpeningEvent } from '../../scripts/console/event-records.ts';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { DynamoEventStore } from '../../shared/pipeline/dynamo-stores.ts';
import { processInput } from '../../shared/pipeline/pipeline.ts';
import { sweep } from '../../shared/pipeline/sweeper.ts';
import type { EventRecord } from '../../shared/pipeline/types.ts';
import { rawItemId, readRawText } from '../../shared/store/events.ts';
import { fixture, pipelineDeps } from './harness.ts';

// The events record is rewritten as the event settles, and DynamoDB bills every write at the whole item's size:
// the raw input is kept in an item of its own (`raw#<id>`), written once and before the record.
let dynamo: LocalDynamo;
/** Writes to the events table in order: `<command> <id>`. */
const writes: string[] = [];
beforeAll(async () => {
  dynamo = await startLocalDynamo();
  dynamo.client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String((context as { commandName?: string }).commandName ?? '');
      const input = args.input as { TableName?: string; Item?: { id?: string }; Key?: { id?: string } };
      if (input.TableName === 'events' && !/^(Get|Query|Scan)/.test(command)) {
        writes.push(`${command.replace(/Command$/, '')} ${input.Item?.id ?? input.Key?.id}`);
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

const record = (id: string, status: EventRecord['status'], raw: string): EventRecord => ({
  id,
  status,
  receivedAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  origin: 'test',
  raw,
});

describe('the raw event in an item of its own', () => {
  it('is written first and once; the record refers to it and is settled without it', async () => {
    writes.length = 0;
    const deps = pipelineDeps(dynamo);
    const event = { ...fixture('guardduty-ssh-bruteforce.json'), id: 'raw-once' };
    const [outcome] = await processInput(event, 'test', deps);
    expect(outcome?.status).toBe('dispatched');
    const id = outcome?.eventId ?? '';
    expect(writes[0]).toBe(`PutItem ${rawItemId(id)}`);
    expect(writes.filter((w) => w.endsWith(` ${rawItemId(id)}`))).toHaveLength(1);
    expect(writes.filter((w) => w.endsWith(` ${id}`)).length).toBeGreaterThanOrEqual(2);

    const stored = await get(id);
    expect(stored?.status).toBe('dispatched');
    expect(stored?.raw).toBeUndefined();
    expect(stored?.rawKey).toBe(rawItemId(id));
    const rawItem = await get(rawItemId(id));
    expect(rawItem?.rawOf).toBe(id);
    expect(JSON.parse(String(rawItem?.raw)).id).toBe('raw-once');
    // No index key: the raw item lands in no index (and no investigation scan).
    expect(Object.keys(rawItem ?? {}).sort()).toEqual(['id', 'raw', 'rawOf']);
  });

  it('is what the sweeper re-drives from when the start failed', async () => {
    let t = Date.parse('2026-01-01T00:00:00Z');
    const deps = pipelineDeps(dynamo, { now: () => t });
    deps.dispatcher.failNext = () => true;
    const event = { ...fixture('config-noncompliant.json'), id: 'raw-redrive' };
    const [outcome] = await processInput(event, 'test', deps);
    expect(outcome?.status).toBe('pending');
    expect((await get(outcome?.eventId ?? ''))?.raw).toBeUndefined();
    deps.dispatcher.failNext = () => false;
    t += 10 * 60_000;
    const report = await sweep(deps, { olderThanMs: 5 * 60_000 });
    expect(report.stuck).toEqual([]);
    expect(report.redriven.map((o) => [o.eventId, o.status])).toEqual([[outcome?.eventId, 'dispatched']]);
  });

  it("is read back for the console and CreateEvents, and only from the event's own raw item", async () => {
    const id = (
      await processInput({ ...fixture('guardduty-ssh-bruteforce.json'), id: 'raw-read' }, 'test', pipelineDeps(dynamo))
    )[0]?.eventId as string;
    const opening = await readOpeningEvent(dynamo.client, 'events', id, undefined);
    expect((opening.raw as { id?: string }).id).toBe('raw-read');
    expect((opening.normalized as Record<string, unknown>).rawKey).toBeUndefined();
    // A record pointing at another event's raw item reads nothing.
    const stranger = { id: 'someone-else', rawKey: rawItemId(id) };
    expect(await readRawText(dynamo.client, 'events', stranger)).toBeUndefined();
  });

  it("never overwrites an event whose id is another's raw-item id, and refuses an event whose id a raw item holds", async () => {
    const store = new DynamoEventStore(dynamo.client, 'events');
    // An event with id `raw#a` first: event `a` keeps its raw input inline, and `raw#a` is left as it was.
    await store.putNew(record(rawItemId('a'), 'received', '{"first":true}'));
    await store.putNew(record('a', 'received', '{"a":true}'));
    const first = await get(rawItemId('a'));
    expect(first).toMatchObject({ status: 'received', rawKey: rawItemId(rawItemId('a')) });
    expect(first?.rawOf).toBeUndefined();
    expect(await get('a')).toMatchObject({ raw: '{"a":true}' });
    expect((await get('a'))?.rawKey).toBeUndefined();
    // Event `b` first: an event with id `raw#b` is refused, naming the id.
    await store.putNew(record('b', 'received', '{"b":true}'));
    await expect(store.putNew(record(rawItemId('b'), 'received', '{}'))).rejects.toThrow(/event id raw#b is taken/);
    expect((await get(rawItemId('b')))?.rawOf).toBe('b');
  });

  it('stays inline in a record written once (held back or rejected), and when the store is told so', async () => {
    const store = new DynamoEventStore(dynamo.client, 'events');
    await store.putNew(record('held', 'rejected', '{"h":1}'));
    expect(await get(rawItemId('held'))).toBeUndefined();
    expect((await get('held'))?.raw).toBe('{"h":1}');
    await new DynamoEventStore(dynamo.client, 'events', { rawItems: false }).putNew(
      record('inline', 'received', '{"i":1}'),
    );
    expect(await get(rawItemId('inline'))).toBeUndefined();
    // Settling a record read back (its raw input read from the raw item) rewrites the record alone.
    await store.putNew(record('settle', 'received', '{"s":1}'));
    const back = (await store.get('settle')) as EventRecord;
    expect(back.raw).toBe('{"s":1}');
    expect(await store.replace({ ...back, status: 'dispatched' }, ['received'])).toBe(true);
    expect(await get('settle')).toMatchObject({ status: 'dispatched', rawKey: rawItemId('settle') });
    expect((await get('settle'))?.raw).toBeUndefined();
    expect((await get(rawItemId('settle')))?.raw).toBe('{"s":1}');
  });
});
