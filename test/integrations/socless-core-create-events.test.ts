/**
 * SOCless CreateEvents (socless_core): parameters and result as the SOCless contract says, the events it puts
 * (source, account from the events table, dedup hash, loop-guard fields), its refusals, the EventBridge sink, and
 * how the endpoint reads such an event back.
 */
import { createHash } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { soclessCore } from '../../hub/integrations/socless-core/integration.ts';
import { normalizeEvent } from '../../shared/events/index.ts';
import {
  MAX_PLAYBOOK_EVENT_DEPTH,
  PLAYBOOK_EVENT_DETAIL_TYPE,
  type PlaybookEventDetail,
  type PlaybookEventEntry,
} from '../../shared/events/socless-create-events.ts';
import type { IntegrationDeps } from '../../shared/integration-runtime/deps.ts';
import { EventBridgeEventSink, envelopeEventSink } from '../../shared/integration-runtime/event-sink.ts';
import { toLambdaHandler } from '../../shared/integration-runtime/handler.ts';
import { checkAccountTrust } from '../../shared/pipeline/account-trust.ts';
import { executionName } from '../../shared/pipeline/execution-name.ts';
import { TABLES } from '../../shared/tables.ts';
import { type Harness, startHarness } from './harness.ts';

const HUB = '111111111111';
const ACCOUNT = '123456789012';
const PLAYBOOK = 'login_sweep';
let h: Harness;
let put: PlaybookEventEntry[][];
let n = 0;

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

async function store(item: Record<string, unknown>): Promise<void> {
  await h.dynamo.client.send(new PutCommand({ TableName: h.deps.env[TABLES.events.envVar] as string, Item: item }));
}

/** Stores the run's event (and its investigation) and invokes CreateEvents as that run's state would. */
async function run(
  parameters: Record<string, unknown>,
  options: {
    deps?: Partial<IntegrationDeps>;
    artifactEventId?: string;
    investigationId?: string;
    ownEvent?: Record<string, unknown>;
  } = {},
): Promise<Record<string, unknown>> {
  n += 1;
  const eventId = `evt-${n}`;
  await store({
    id: eventId,
    account: ACCOUNT,
    region: 'eu-west-1',
    status: 'dispatched',
    dedupKey: `generic:acme.idp:${eventId}`,
    ...options.ownEvent,
  });
  const deps: IntegrationDeps = { ...h.deps, eventSink: { put: async (e) => void put.push([...e]) }, ...options.deps };
  return toLambdaHandler(
    soclessCore,
    deps,
  )({
    _socless: {
      state: 'Create_Login_Events',
      playbook: PLAYBOOK,
      execution_id: `arn:aws:states:eu-west-1:${HUB}:execution:${PLAYBOOK}:${executionName(eventId, PLAYBOOK)}`,
      investigation_id: options.investigationId ?? eventId,
      compat: 'socless',
      operation: 'CreateEvents',
    },
    parameters,
    context: { artifacts: { event: { id: options.artifactEventId ?? eventId } }, results: {} },
  });
}

const BODY = {
  event_type: 'Suspicious_Login',
  playbook: 'FollowUpLogin',
  details: [
    { username: 'Bob', ip: '203.0.113.9', account: '999999999999' },
    { username: 'alice', ip: '198.51.100.7' },
  ],
  dedup_keys: ['username', 'ip'],
  add_to_details: { team: 'secops' },
  data_types: { ip: 'ip_address' },
};

const detailOf = (e: PlaybookEventEntry | undefined) => JSON.parse(e?.Detail ?? '{}') as PlaybookEventDetail;

describe('SOCless CreateEvents', () => {
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(() => {
    put = [];
  });

  it('returns {completed: true} and puts one socless.playbook event per detail, deduplicated on the SOCless hash', async () => {
    const out = await run(BODY);
    // SOCless's result, flattened and under the state as a SOCless-style Task's output is.
    expect(out).toEqual({ completed: true, Create_Login_Events: { completed: true } });
    expect(put).toHaveLength(1);
    const [bob, alice] = put[0] ?? [];
    expect(bob).toMatchObject({ Source: `socless.playbook.${PLAYBOOK}`, DetailType: PLAYBOOK_EVENT_DETAIL_TYPE });
    expect(detailOf(bob)).toMatchObject({
      type: 'Suspicious_Login',
      title: 'Suspicious_Login',
      dedupHash: md5('suspicious_login203.0.113.9bob'),
      soclessDetails: { username: 'Bob', ip: '203.0.113.9', team: 'secops' },
      soclessPlaybook: 'FollowUpLogin',
      soclessDataTypes: { ip: 'ip_address' },
      createdBy: { playbook: PLAYBOOK, investigationId: `evt-${n}`, depth: 1 },
    });
    expect(detailOf(alice).dedupHash).toBe(md5('suspicious_login198.51.100.7alice'));
  });

  it("puts the events in the investigation's account from the events table, never one the parameters name", async () => {
    // The run is for a later event of an investigation opened by an earlier one, in another account record.
    await store({ id: 'inv-opening', account: '222222222222', region: 'ap-south-1', status: 'dispatched' });
    await run(BODY, { investigationId: 'inv-opening', ownEvent: { investigationId: 'inv-opening' } });
    const detail = detailOf(put[0]?.[0]);
    expect(detail).toMatchObject({ account: '222222222222', region: 'ap-south-1' });
    // The details keep what they said; the event's account is the investigation's.
    expect(detail.soclessDetails.account).toBe('999999999999');
    // A top-level account parameter is not a SOCless parameter at all.
    await expect(run({ ...BODY, account: '999999999999' })).rejects.toThrow(/account/);
  });

  it('refuses a run that cannot be tied to its event or investigation', async () => {
    await expect(run(BODY, { artifactEventId: 'evt-rewritten' })).rejects.toThrow(
      /is not the run of event evt-rewritten/,
    );
    await expect(
      run(BODY, { investigationId: 'inv-other', ownEvent: { investigationId: 'inv-mine' } }),
    ).rejects.toThrow(/says investigation inv-other, but event evt-\d+ belongs to inv-mine/);
    await expect(run(BODY, { deps: { eventSink: undefined } })).rejects.toThrow(/SOCLESS_EVENT_BUS_ARN/);
    expect(put).toEqual([]);
  });

  it('refuses bad parameters naming the field', async () => {
    await expect(run({ ...BODY, details: [{ username: 'Bob', ip: 7 }] })).rejects.toThrow(/details\[0\]\.ip/);
    await expect(run({ ...BODY, event_type: '' })).rejects.toThrow(/event_type/);
    expect(put).toEqual([]);
  });

  it('carries the chain and refuses to go deeper than the loop guard allows', async () => {
    const envelope = (depth: number) =>
      JSON.stringify({
        source: 'socless.playbook.echo',
        detail: {
          createdBy: {
            playbook: 'echo',
            investigationId: 'i',
            execution: 'x',
            depth,
            chain: Array.from({ length: depth }, (_, i) => ({ playbook: 'echo', dedupKey: `k${i}` })),
          },
        },
      });
    await run(BODY, { ownEvent: { raw: envelope(1), dedupKey: 'socless:123456789012:abc' } });
    expect(detailOf(put[0]?.[0]).createdBy).toMatchObject({
      depth: 2,
      chain: [
        { playbook: 'echo', dedupKey: 'k0' },
        { playbook: PLAYBOOK, dedupKey: 'socless:123456789012:abc' },
      ],
    });
    await expect(run(BODY, { ownEvent: { raw: envelope(MAX_PLAYBOOK_EVENT_DEPTH) } })).rejects.toThrow(/loop guard/);
    expect(put).toHaveLength(1);
  });

  it('is read back by the endpoint as a custom event that may not remediate, accepted only from the hub account', async () => {
    await run(BODY);
    const envelopes: Record<string, unknown>[] = [];
    await envelopeEventSink({
      hubAccountId: HUB,
      region: 'eu-west-1',
      newId: () => `e-${envelopes.length}`,
      submit: async (e) => void envelopes.push(e),
    }).put(put[0] ?? []);
    const normalized = normalizeEvent(envelopes[0]);
    if (!normalized.ok) throw new Error(normalized.reason);
    const [event] = normalized.events;
    expect(event?.origin).toMatchObject({ kind: 'custom', account: HUB, mayRemediate: false });
    expect(event?.account).toBe(ACCOUNT);
    const events = { get: async (id: string) => (id === `evt-${n}` ? { account: ACCOUNT } : undefined) };
    expect(await checkAccountTrust(event!, { hubAccountId: HUB, events })).toBeUndefined();
    expect(await checkAccountTrust(event!, { events })).toMatchObject({ status: 'rejected' });
    expect(await checkAccountTrust(event!, { hubAccountId: '999999999999', events })).toMatchObject({
      status: 'rejected',
    });
    const elsewhere = { get: async () => ({ account: '222222222222' }) };
    expect(await checkAccountTrust(event!, { hubAccountId: HUB, events: elsewhere })).toMatchObject({
      status: 'rejected',
      reason: expect.stringContaining('is in account 222222222222'),
    });
  });
});

describe('EventBridgeEventSink', () => {
  const eb = mockClient(EventBridgeClient);
  beforeEach(() => eb.reset());
  const entry = (i: number): PlaybookEventEntry => ({
    Source: 'socless.playbook.p',
    DetailType: PLAYBOOK_EVENT_DETAIL_TYPE,
    Detail: JSON.stringify({ i }),
  });

  it('puts at most 10 entries per request on the hub bus and retries only the failed ones', async () => {
    const bus = 'arn:aws:events:us-east-1:111111111111:event-bus/SoclessBus';
    eb.on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException' }] })
      .resolves({ FailedEntryCount: 0, Entries: [] });
    await new EventBridgeEventSink(new EventBridgeClient({}), bus).put(Array.from({ length: 12 }, (_, i) => entry(i)));
    const calls = eb.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries ?? []);
    expect(calls.map((c) => c.length)).toEqual([10, 1, 2]);
    expect(calls[1]?.[0]?.Detail).toBe(JSON.stringify({ i: 1 }));
    expect(calls.flat().every((e) => e.EventBusName === bus)).toBe(true);
  });

  it('fails when entries keep failing', async () => {
    eb.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'x' }],
    });
    await expect(new EventBridgeEventSink(new EventBridgeClient({}), 'bus').put([entry(0)])).rejects.toThrow(
      /1 of 1 events could not be put on bus \(InternalFailure: x\)/,
    );
  });
});
