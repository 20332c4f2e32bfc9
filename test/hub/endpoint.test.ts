import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bundledRoutes,
  createEndpointHandler,
  type EndpointDeps,
  emitOutcomeMetrics,
  endpointDepsFromEnv,
  knownMetricSources,
  METRICS_NAMESPACE,
  NOT_AUTHENTICATED,
} from '../../hub/functions/endpoint.ts';
import { SIGNATURE_HEADER, signPayload } from '../../hub/functions/http.ts';
import { createSweeperHandler } from '../../hub/functions/sweeper.ts';
import type { WebhookSenderConfig } from '../../shared/config.ts';
import { WEBHOOK_SENDER_HEADER } from '../../shared/events/webhook.ts';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { createRouter } from '../../shared/pipeline/router.ts';
import type { EventStore } from '../../shared/pipeline/types.ts';
import { fixture, pipelineDeps, TRIGGERS } from '../pipeline/harness.ts';

const NOW = new Date();
const SECRET = 'test-signing-secret-0123456789';
const OTHER_SECRET = 'other-sender-secret-987654321';
/** Accounts of the org registry in these tests. */
const ORG = new Set(['111111111111', '123456789012', '210987654321']);
const SENDERS: WebhookSenderConfig[] = [
  { name: 'phish-inbox', sources: [], accounts: ['123456789012'], mayRemediate: false, severityMayReachAuto: false },
  { name: 'scanner', sources: [], accounts: ['210987654321'], mayRemediate: true, severityMayReachAuto: true },
];
const SECRETS: Record<string, string> = { 'phish-inbox': SECRET, scanner: OTHER_SECRET };

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});

let seq = 0;
function guardDuty(): Record<string, unknown> {
  const event = fixture('guardduty-ssh-bruteforce.json');
  seq++;
  return {
    ...event,
    id: `endpoint-${seq}`,
    detail: { ...(event.detail as object), id: `endpoint-f-${seq}`, severity: 8 },
  };
}

const WEBHOOK_ROUTE = {
  name: 'phishing-report',
  triggers: [{ source: [{ prefix: 'socless.webhook.' }], 'detail-type': ['phishing-report'] }],
};
const ANY_WEBHOOK_ROUTE = { name: 'any-webhook', triggers: [{ source: [{ prefix: 'socless.webhook.' }] }] };

function makeDeps(lines: string[] = [], overrides: Partial<EndpointDeps['pipeline']> = {}) {
  const routes = [...TRIGGERS, WEBHOOK_ROUTE, ANY_WEBHOOK_ROUTE];
  const pipeline = pipelineDeps(dynamo, {
    router: createRouter(routes),
    isOrgAccount: async (id) => ORG.has(id),
    ...overrides,
  });
  const deps: EndpointDeps = {
    pipeline,
    webhooks: {
      senders: SENDERS,
      readSecret: async (name) => SECRETS[name] as string,
      autoMinSeverity: 'HIGH',
    },
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics: (line) => lines.push(line),
    metricSources: knownMetricSources(routes, SENDERS),
    now: () => NOW,
    region: 'us-east-1',
    hubAccountId: '111111111111',
  };
  return { deps, pipeline };
}

function sqsEvent(...bodies: string[]): SQSEvent {
  return {
    Records: bodies.map((body, i) => ({
      messageId: `msg-${i + 1}`,
      receiptHandle: `rh-${i + 1}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '1714564740000',
        SenderId: 'AIDA',
        ApproximateFirstReceiveTimestamp: '1714564740000',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:111111111111:ingest',
      awsRegion: 'us-east-1',
    })),
  };
}

function apiEvent(body: string, headers: Record<string, string> = {}): APIGatewayProxyEvent {
  return {
    httpMethod: 'POST',
    path: '/events',
    body,
    headers,
    isBase64Encoded: false,
    multiValueHeaders: {},
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    resource: '/events',
    requestContext: {} as APIGatewayProxyEvent['requestContext'],
  };
}

function signed(body: string, sender = 'phish-inbox', secret = SECRETS[sender] as string): APIGatewayProxyEvent {
  return apiEvent(body, {
    [WEBHOOK_SENDER_HEADER]: sender,
    [SIGNATURE_HEADER]: signPayload(body, secret, Math.floor(NOW.getTime() / 1000)),
  });
}

let payloadSeq = 0;
function payload(extra: Record<string, unknown> = {}): Record<string, unknown> {
  payloadSeq++;
  return { id: `wh-${Date.now()}-${payloadSeq}`, type: 'phishing-report', title: 'Reported: invoice.html', ...extra };
}

async function rejectedWithRaw(pipeline: EndpointDeps['pipeline'], raw: string) {
  return (await pipeline.events.listByStatus('rejected', '9999', 1000)).find((r) => r.raw === raw);
}

describe('endpoint handler (SQS)', () => {
  it('runs each queued event through the pipeline and publishes ingest metrics per source and account', async () => {
    const lines: string[] = [];
    const { deps, pipeline } = makeDeps(lines);
    const event = guardDuty();
    const result = (await createEndpointHandler(deps)(sqsEvent(JSON.stringify(event)))) as SQSBatchResponse;
    expect(result.batchItemFailures).toEqual([]);
    expect((await pipeline.events.get(event.id as string))?.status).toBe('dispatched');
    const metric = JSON.parse(lines[0] as string);
    expect(metric._aws.CloudWatchMetrics[0].Namespace).toBe(METRICS_NAMESPACE);
    expect(metric).toMatchObject({ Source: 'aws.guardduty', Account: event.account, EventsIngested: 1 });
  });

  it('records malformed bodies as rejected instead of failing the message', async () => {
    const { deps, pipeline } = makeDeps();
    const result = (await createEndpointHandler(deps)(sqsEvent('{"not":"an event"'))) as SQSBatchResponse;
    expect(result.batchItemFailures).toEqual([]);
    const rejected = await pipeline.events.listByStatus('rejected', '9999', 100);
    expect(rejected.some((r) => r.raw === '{"not":"an event"')).toBe(true);
  });

  it('reports only the message whose store write failed, so SQS redelivers just that one', async () => {
    const { deps, pipeline } = makeDeps();
    const flaky: EventStore = {
      ...pipeline.events,
      putNew: async (record) => {
        if (record.id === 'endpoint-broken')
          throw Object.assign(new Error('throughput exceeded'), { name: 'ProvisionedThroughputExceededException' });
        return pipeline.events.putNew(record);
      },
      update: (id, f) => pipeline.events.update(id, f),
      replace: (r, s) => pipeline.events.replace(r, s),
      get: (id) => pipeline.events.get(id),
      listByStatus: (...a) => pipeline.events.listByStatus(...a),
    };
    const broken = { ...guardDuty(), id: 'endpoint-broken' };
    const result = (await createEndpointHandler({ ...deps, pipeline: { ...deps.pipeline, events: flaky } })(
      sqsEvent(JSON.stringify(guardDuty()), JSON.stringify(broken)),
    )) as SQSBatchResponse;
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'msg-2' }]);
  });

  it('writes an event first unlisted, and a crash before it settles is a batch item failure that SQS redelivers', async () => {
    // The queue delivers the message again until the endpoint returns (then its dead-letter queue keeps it).
    const { deps, pipeline } = makeDeps();
    const firstWrites: Array<boolean | undefined> = [];
    let crash = true;
    const events: EventStore = {
      putNew: (record, options) => {
        firstWrites.push(options?.unlisted);
        return pipeline.events.putNew(record, options);
      },
      update: (id, f) => pipeline.events.update(id, f),
      replace: async (r, s) => {
        if (crash) {
          crash = false;
          throw new Error('Runtime exited with error: signal: killed');
        }
        return pipeline.events.replace(r, s);
      },
      get: (id) => pipeline.events.get(id),
      listByStatus: (...a) => pipeline.events.listByStatus(...a),
    };
    const handler = createEndpointHandler({ ...deps, pipeline: { ...deps.pipeline, events } });
    const event = guardDuty();
    const id = event.id as string;
    expect(await handler(sqsEvent(JSON.stringify(event)))).toEqual({
      batchItemFailures: [{ itemIdentifier: 'msg-1' }],
    });
    expect(firstWrites).toEqual([true]);
    expect((await pipeline.events.get(id))?.status).toBe('received');
    // The redelivery settles it; starting again under the same deterministic names starts nothing new.
    expect(await handler(sqsEvent(JSON.stringify(event)))).toEqual({ batchItemFailures: [] });
    const record = await pipeline.events.get(id);
    expect(record?.status).toBe('dispatched');
    expect(record?.executions?.length).toBeGreaterThan(0);
    expect(new Set(pipeline.dispatcher.starts.keys())).toEqual(new Set(record?.executions?.map((e) => e.name)));
  });
});

describe('endpoint handler (POST /events)', () => {
  it('refuses an unsigned request with 401 and stores nothing', async () => {
    const { deps, pipeline } = makeDeps();
    const body = JSON.stringify(payload());
    const result = (await createEndpointHandler(deps)(
      apiEvent(body, { [WEBHOOK_SENDER_HEADER]: 'phish-inbox' }),
    )) as APIGatewayProxyResult;
    expect(result.statusCode).toBe(401);
    expect(JSON.parse(result.body).error).toMatch(/missing x-socless-signature/);
    expect(await rejectedWithRaw(pipeline, body)).toBeUndefined();
  });

  it('refuses a request that names no sender', async () => {
    const { deps } = makeDeps();
    const body = JSON.stringify(payload());
    const header = signPayload(body, SECRET, Math.floor(NOW.getTime() / 1000));
    const result = (await createEndpointHandler(deps)(
      apiEvent(body, { [SIGNATURE_HEADER]: header }),
    )) as APIGatewayProxyResult;
    expect(result.statusCode).toBe(401);
    expect(JSON.parse(result.body).error).toMatch(/missing x-socless-sender/);
  });

  it('refuses an unknown sender with 401, saying no more than for a bad signature', async () => {
    const { deps } = makeDeps();
    const body = JSON.stringify(payload());
    const unknown = (await createEndpointHandler(deps)(signed(body, 'nobody', SECRET))) as APIGatewayProxyResult;
    const badSignature = (await createEndpointHandler(deps)(
      signed(body, 'phish-inbox', 'another-secret-0000000000'),
    )) as APIGatewayProxyResult;
    expect(unknown.statusCode).toBe(401);
    expect(badSignature.statusCode).toBe(401);
    expect(JSON.parse(unknown.body)).toEqual({ error: NOT_AUTHENTICATED });
    expect(unknown.body).toBe(badSignature.body);
  });

  it("refuses sender A signing with sender B's secret, and stores nothing", async () => {
    const { deps, pipeline } = makeDeps();
    const body = JSON.stringify(payload({ account: '123456789012' }));
    const result = (await createEndpointHandler(deps)(
      signed(body, 'phish-inbox', OTHER_SECRET),
    )) as APIGatewayProxyResult;
    expect(result.statusCode).toBe(401);
    expect(pipeline.dispatcher.starts.size).toBe(0);
    expect(await rejectedWithRaw(pipeline, body)).toBeUndefined();
  });

  it('refuses a signed GuardDuty finding for a victim account: 400, recorded rejected, never dispatched', async () => {
    const { deps, pipeline } = makeDeps();
    const forged: Record<string, unknown> = {
      ...guardDuty(),
      account: '999999999999',
      detail: { ...(guardDuty().detail as object), accountId: '999999999999', severity: 9.5 },
    };
    const body = JSON.stringify(forged);
    const result = (await createEndpointHandler(deps)(signed(body))) as APIGatewayProxyResult;
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body).error).toMatch(/never EventBridge events/);
    expect(await pipeline.events.get(forged.id as string)).toBeUndefined();
    expect(await rejectedWithRaw(pipeline, body)).toMatchObject({
      status: 'rejected',
      flags: ['not-a-webhook'],
      origin: 'api:webhook:phish-inbox',
    });
    expect(pipeline.dispatcher.starts.size).toBe(0);
  });

  it('refuses a signed payload asking for an aws.* source with a clear error', async () => {
    const { deps, pipeline } = makeDeps();
    const body = JSON.stringify(payload({ source: 'aws.guardduty', account: '123456789012' }));
    const result = (await createEndpointHandler(deps)(signed(body))) as APIGatewayProxyResult;
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body).error).toMatch(/aws.guardduty.*AWS source/);
    expect((await rejectedWithRaw(pipeline, body))?.status).toBe('rejected');
  });

  it("refuses a webhook naming an account outside its sender's scope: 403, recorded, never dispatched", async () => {
    const { deps, pipeline } = makeDeps();
    const body = JSON.stringify(payload({ account: '210987654321', severity: 'HIGH' }));
    const result = (await createEndpointHandler(deps)(signed(body))) as APIGatewayProxyResult;
    expect(result.statusCode).toBe(403);
    expect(JSON.parse(result.body).error).toMatch(/names account 210987654321, which sender phish-inbox may not/);
    expect(await rejectedWithRaw(pipeline, body)).toMatchObject({ flags: ['webhook-scope'] });
    expect(pipeline.dispatcher.starts.size).toBe(0);
  });

  it("wraps a signed webhook into an event from socless.webhook.<sender>, in the sender's account, routed by pattern", async () => {
    const { deps, pipeline } = makeDeps();
    const p = payload({ account: '123456789012', severity: 'LOW' });
    const result = (await createEndpointHandler(deps)(signed(JSON.stringify(p)))) as APIGatewayProxyResult;
    expect(result.statusCode).toBe(202);
    const [outcome] = JSON.parse(result.body).events;
    const id = `webhook-phish-inbox-${p.id}`;
    expect(outcome).toMatchObject({ id, status: 'dispatched', playbooks: ['phishing-report', 'any-webhook'] });
    const stored = await pipeline.events.get(id);
    expect(stored).toMatchObject({ account: '123456789012', origin: 'api:webhook:phish-inbox' });
    expect(JSON.parse(stored?.raw ?? '{}')).toMatchObject({
      source: 'socless.webhook.phish-inbox',
      account: '123456789012',
    });
  });

  it('marks the execution input so remediation runs only when the sender may remediate', async () => {
    const { deps, pipeline } = makeDeps();
    const handler = createEndpointHandler(deps);
    const informOnly = payload({ account: '123456789012' });
    const fixer = payload({ account: '210987654321', type: 'scan-finding' });
    await handler(signed(JSON.stringify(informOnly)));
    await handler(signed(JSON.stringify(fixer), 'scanner'));
    const inputs = [...pipeline.dispatcher.inputs.values()] as Array<{
      artifacts: { account: { id: string }; event: { details: { origin?: Record<string, unknown> } } };
    }>;
    const of = (account: string) => inputs.find((i) => i.artifacts.account.id === account)?.artifacts.event.details;
    expect(of('123456789012')?.origin).toMatchObject({ kind: 'webhook', sender: 'phish-inbox', mayRemediate: false });
    expect(of('210987654321')?.origin).toMatchObject({ kind: 'webhook', sender: 'scanner', mayRemediate: true });
  });

  it('caps a CRITICAL webhook below autoMinSeverity when the scope does not let it reach auto', async () => {
    const { deps, pipeline } = makeDeps();
    const p = payload({ account: '123456789012', severity: 'CRITICAL' });
    const result = (await createEndpointHandler(deps)(signed(JSON.stringify(p)))) as APIGatewayProxyResult;
    expect(result.statusCode).toBe(202);
    expect(JSON.parse(result.body).events[0].flags).toEqual(['severity-capped']);
    const stored = await pipeline.events.get(`webhook-phish-inbox-${p.id}`);
    expect(stored).toMatchObject({ severity: 'MEDIUM', severityScore: 69, flags: ['severity-capped'] });
  });

  it('answers 400 with the reason for a signed body that is not a valid payload, and keeps it', async () => {
    const { deps, pipeline } = makeDeps();
    const result = (await createEndpointHandler(deps)(signed('{"id":'))) as APIGatewayProxyResult;
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body).events[0].status).toBe('rejected');
    expect((await rejectedWithRaw(pipeline, '{"id":'))?.status).toBe('rejected');
  });
});

describe('endpoint handler (SQS): webhook sources on the bus', () => {
  it('refuses a socless.webhook.* event put on the bus: only the API may speak as a sender', async () => {
    const { deps, pipeline } = makeDeps();
    const event = {
      version: '0',
      id: `bus-webhook-${Date.now()}`,
      'detail-type': 'phishing-report',
      source: 'socless.webhook.scanner',
      account: '210987654321',
      time: NOW.toISOString(),
      region: 'us-east-1',
      resources: [],
      detail: { id: 'x', type: 'phishing-report', title: 't', account: '210987654321' },
    };
    await createEndpointHandler(deps)(sqsEvent(JSON.stringify(event)));
    expect(await rejectedWithRaw(pipeline, JSON.stringify(event))).toMatchObject({ flags: ['not-a-webhook'] });
    expect(pipeline.dispatcher.starts.size).toBe(0);
  });
});

describe('endpoint metrics', () => {
  it('bounds the Source and Account dimensions: unknown values become "other"', () => {
    const lines: string[] = [];
    const outcome = { eventId: 'e', playbooks: [], executions: [] };
    emitOutcomeMetrics(
      [
        { ...outcome, status: 'unrouted', source: 'attacker.chosen.source', account: '999999999999' },
        { ...outcome, status: 'dispatched', source: 'aws.guardduty', account: '210987654321' },
      ],
      (line) => lines.push(line),
      NOW,
      { sources: knownMetricSources([]), accounts: new Set(['210987654321']) },
    );
    const ingested = lines.map((l) => JSON.parse(l)).filter((m) => m.EventsIngested !== undefined);
    expect(ingested).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Source: 'other', Account: 'other', EventsIngested: 1 }),
        expect.objectContaining({ Source: 'aws.guardduty', Account: '210987654321', EventsIngested: 1 }),
      ]),
    );
  });

  it('gives EventsIngested no dimension: source and account are properties, not a metric per value', () => {
    const lines: string[] = [];
    emitOutcomeMetrics(
      [
        {
          eventId: 'e',
          playbooks: [],
          executions: [],
          status: 'dispatched',
          source: 'aws.guardduty',
          account: '210987654321',
        },
      ],
      (line) => lines.push(line),
      NOW,
      { sources: knownMetricSources([]), accounts: new Set(['210987654321']) },
    );
    const ingested = lines.map((l) => JSON.parse(l)).find((m) => m.EventsIngested !== undefined);
    expect(ingested._aws.CloudWatchMetrics[0].Dimensions).toEqual([[]]);
    expect(ingested.Source).toBe('aws.guardduty');
    expect(ingested.Account).toBe('210987654321');
  });

  it('publishes an SQS event from an account outside the registry under Account "other"', async () => {
    const lines: string[] = [];
    const { deps } = makeDeps(lines, { isOrgAccount: async () => false });
    await createEndpointHandler(deps)(sqsEvent(JSON.stringify(guardDuty())));
    expect(JSON.parse(lines[0] as string)).toMatchObject({ Source: 'aws.guardduty', Account: 'other' });
  });
});

describe('endpoint and sweeper configuration', () => {
  it('names every missing environment variable at cold start', () => {
    expect(() => endpointDepsFromEnv({})).toThrow(
      /SOCLESS_EVENTS_TABLE, SOCLESS_DEDUP_TABLE, SOCLESS_ACCOUNTS_TABLE, SOCLESS_REMEDIATIONS_TABLE, SOCLESS_VAULT_BUCKET, SOCLESS_WEBHOOK_SENDERS, SOCLESS_AUTO_MIN_SEVERITY, SOCLESS_TRUSTED_AGGREGATORS/,
    );
  });

  it('refuses to run without the routing table compiled into the bundle', () => {
    expect(() => bundledRoutes()).toThrow(/no routing table/);
  });

  it('sweeps pending events and fails the invocation only when one cannot be re-driven', async () => {
    const { pipeline } = makeDeps();
    const sweeper = createSweeperHandler(
      { ...pipeline, now: () => Date.now() + 3_600_000 },
      60_000,
      new Logger({ logLevel: 'SILENT' }),
    );
    const report = await sweeper();
    expect(report.stuck).toEqual([]);
  });
});
