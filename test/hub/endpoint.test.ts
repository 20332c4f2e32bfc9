import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  asEventBridgeEvent,
  bundledRoutes,
  createEndpointHandler,
  type EndpointDeps,
  endpointDepsFromEnv,
  METRICS_NAMESPACE,
} from '../../hub/functions/endpoint.ts';
import { SIGNATURE_HEADER, signPayload } from '../../hub/functions/http.ts';
import { createSweeperHandler } from '../../hub/functions/sweeper.ts';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { createRouter } from '../../shared/pipeline/router.ts';
import type { EventStore } from '../../shared/pipeline/types.ts';
import { fixture, pipelineDeps, TRIGGERS } from '../pipeline/harness.ts';

const NOW = new Date();
const SECRET = 'test-signing-secret-0123456789';

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

function makeDeps(lines: string[] = [], overrides: Partial<EndpointDeps['pipeline']> = {}) {
  const webhookRoute = {
    name: 'phishing-report',
    triggers: [{ source: ['socless.webhook'], 'detail-type': ['phishing-report'] }],
  };
  const pipeline = pipelineDeps(dynamo, { router: createRouter([...TRIGGERS, webhookRoute]), ...overrides });
  const deps: EndpointDeps = {
    pipeline,
    readSigningSecret: async () => SECRET,
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics: (line) => lines.push(line),
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

function signed(body: string): APIGatewayProxyEvent {
  return apiEvent(body, { [SIGNATURE_HEADER]: signPayload(body, SECRET, Math.floor(NOW.getTime() / 1000)) });
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
});

describe('endpoint handler (POST /events)', () => {
  it('refuses an unsigned request with 401 and stores nothing', async () => {
    const { deps, pipeline } = makeDeps();
    const event = guardDuty();
    const result = (await createEndpointHandler(deps)(apiEvent(JSON.stringify(event)))) as APIGatewayProxyResult;
    expect(result.statusCode).toBe(401);
    expect(JSON.parse(result.body).error).toMatch(/missing x-socless-signature/);
    expect(await pipeline.events.get(event.id as string)).toBeUndefined();
  });

  it('refuses a request signed with another secret', async () => {
    const { deps } = makeDeps();
    const body = JSON.stringify(guardDuty());
    const header = signPayload(body, 'another-secret-0000000000', Math.floor(NOW.getTime() / 1000));
    const result = (await createEndpointHandler(deps)(
      apiEvent(body, { [SIGNATURE_HEADER]: header }),
    )) as APIGatewayProxyResult;
    expect(result.statusCode).toBe(401);
  });

  it('accepts a signed EventBridge event and reports what happened to it', async () => {
    const { deps } = makeDeps();
    const event = guardDuty();
    const result = (await createEndpointHandler(deps)(signed(JSON.stringify(event)))) as APIGatewayProxyResult;
    expect(result.statusCode).toBe(202);
    expect(JSON.parse(result.body).events).toEqual([
      { id: event.id, status: 'dispatched', playbooks: ['guardduty-triage', 'high-severity-any'] },
    ]);
  });

  it('wraps a signed webhook payload into an event from socless.webhook and routes it by pattern', async () => {
    const { deps, pipeline } = makeDeps();
    const payload = {
      id: `phish-${Date.now()}`,
      type: 'phishing-report',
      title: 'Reported: invoice.html',
      severity: 'HIGH',
    };
    const result = (await createEndpointHandler(deps)(signed(JSON.stringify(payload)))) as APIGatewayProxyResult;
    expect(result.statusCode).toBe(202);
    const [outcome] = JSON.parse(result.body).events;
    expect(outcome).toMatchObject({
      id: `webhook-${payload.id}`,
      status: 'dispatched',
      playbooks: ['phishing-report'],
    });
    const stored = await pipeline.events.get(`webhook-${payload.id}`);
    expect(JSON.parse(stored?.raw ?? '{}')).toMatchObject({ source: 'socless.webhook', account: '111111111111' });
  });

  it('answers 400 with the reason for a signed body that is not a valid event, and keeps it', async () => {
    const { deps } = makeDeps();
    const result = (await createEndpointHandler(deps)(signed('{"id":'))) as APIGatewayProxyResult;
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body).events[0].status).toBe('rejected');
  });

  it('leaves an EventBridge event unchanged when wrapping webhooks', () => {
    const event = guardDuty();
    expect(asEventBridgeEvent(event, { region: 'us-east-1', hubAccountId: '111111111111', now: () => NOW })).toBe(
      event,
    );
  });
});

describe('endpoint and sweeper configuration', () => {
  it('names every missing environment variable at cold start', () => {
    expect(() => endpointDepsFromEnv({})).toThrow(
      /SOCLESS_EVENTS_TABLE, SOCLESS_DEDUP_TABLE, SOCLESS_ACCOUNTS_TABLE, SOCLESS_VAULT_BUCKET, SOCLESS_SIGNING_SECRET_ARN/,
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
