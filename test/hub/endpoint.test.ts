import { Logger } from '@aws-lambda-powertools/logger';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createDocumentClient,
  createEndpointHandler,
  createSecretReader,
  type EndpointDeps,
  endpointDepsFromEnv,
  METRICS_NAMESPACE,
  parseEnvelope,
  rejectedEventId,
  SIGNATURE_HEADER,
  signPayload,
  verifySignature,
} from '../../hub/functions/endpoint.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);

afterEach(() => {
  ddb.reset();
  secrets.reset();
});

const NOW = new Date('2024-05-01T12:00:00Z');
const SECRET = 'test-signing-secret-0123456789';

const guardDutyEvent = {
  version: '0',
  id: 'c8d2f3a1-0000-4000-8000-000000000001',
  'detail-type': 'GuardDuty Finding',
  source: 'aws.guardduty',
  account: '222222222222',
  time: '2024-05-01T11:59:00Z',
  region: 'eu-west-1',
  resources: [],
  detail: { severity: 8, type: 'UnauthorizedAccess:EC2/SSHBruteForce' },
};

function makeDeps(lines: string[] = []): EndpointDeps {
  return {
    documentClient: createDocumentClient(new DynamoDBClient({ region: 'us-east-1' })),
    tableName: 'events-table',
    now: () => NOW,
    readSigningSecret: async () => SECRET,
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics: (line) => lines.push(line),
  };
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
    resource: '/events',
    body,
    isBase64Encoded: false,
    headers,
    multiValueHeaders: {},
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {} as APIGatewayProxyEvent['requestContext'],
  };
}

function signed(body: string, at: Date = NOW, secret = SECRET): Record<string, string> {
  return { [SIGNATURE_HEADER]: signPayload(body, secret, Math.floor(at.getTime() / 1000)) };
}

const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

describe('parseEnvelope', () => {
  it('accepts an EventBridge envelope and keeps extra top-level keys such as replay-name', () => {
    const result = parseEnvelope(JSON.stringify({ ...guardDutyEvent, 'replay-name': 'r1' }));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.event['replay-name']).toBe('r1');
  });

  it('names every offending field as a JSON path', () => {
    const { 'detail-type': _omitted, ...rest } = guardDutyEvent;
    const result = parseEnvelope(JSON.stringify({ ...rest, account: '22' }));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toContain('$["detail-type"]');
      expect(result.reason).toContain('$.account: must be a 12-digit AWS account id');
    }
  });

  it('says when the body is not JSON at all', () => {
    const result = parseEnvelope('{not json');
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('body is not JSON') });
  });
});

describe('endpoint handler, SQS batches', () => {
  it('writes a valid event as received with a conditional put', async () => {
    ddb.on(PutCommand).resolves({});
    const handler = createEndpointHandler(makeDeps());

    const result = (await handler(sqsEvent(JSON.stringify(guardDutyEvent)))) as SQSBatchResponse;

    expect(result.batchItemFailures).toEqual([]);
    const put = ddb.commandCalls(PutCommand)[0]!.args[0].input;
    expect(put.TableName).toBe('events-table');
    expect(put.ConditionExpression).toBe('attribute_not_exists(id)');
    expect(put.Item).toMatchObject({
      id: guardDutyEvent.id,
      status: 'received',
      receivedAt: NOW.toISOString(),
      source: 'aws.guardduty',
      account: '222222222222',
      origin: 'sqs',
      event: guardDutyEvent,
    });
  });

  it('treats a redelivery of the same id as a duplicate, not a failure', async () => {
    ddb.on(PutCommand).rejects(conditionFailed());
    const lines: string[] = [];
    const handler = createEndpointHandler(makeDeps(lines));

    const result = (await handler(sqsEvent(JSON.stringify(guardDutyEvent)))) as SQSBatchResponse;

    expect(result.batchItemFailures).toEqual([]);
    expect(lines.map((l) => JSON.parse(l))).toContainEqual(expect.objectContaining({ EventsDuplicate: 1 }));
  });

  it('records invalid input as rejected with the reason instead of throwing', async () => {
    ddb.on(PutCommand).resolves({});
    const handler = createEndpointHandler(makeDeps());
    const body = JSON.stringify({ hello: 'world' });

    const result = (await handler(sqsEvent(body))) as SQSBatchResponse;

    expect(result.batchItemFailures).toEqual([]);
    const item = ddb.commandCalls(PutCommand)[0]!.args[0].input.Item!;
    expect(item).toMatchObject({ id: rejectedEventId(body), status: 'rejected', raw: body, origin: 'sqs' });
    expect(item.reason).toContain('$.source');
  });

  it('reports only the records DynamoDB could not store as batch item failures', async () => {
    const other = { ...guardDutyEvent, id: 'c8d2f3a1-0000-4000-8000-000000000002' };
    ddb.on(PutCommand).callsFake((input) => {
      if (input.Item.id === other.id)
        throw Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable' });
      return {};
    });
    const handler = createEndpointHandler(makeDeps());

    const result = (await handler(sqsEvent(JSON.stringify(guardDutyEvent), JSON.stringify(other)))) as SQSBatchResponse;

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'msg-2' }]);
  });

  it('records an event DynamoDB refuses as data (ValidationException) as rejected', async () => {
    ddb.on(PutCommand).callsFake((input) => {
      if (input.Item.status === 'received')
        throw Object.assign(new Error('Empty attribute name'), { name: 'ValidationException' });
      return {};
    });
    const handler = createEndpointHandler(makeDeps());

    const result = (await handler(sqsEvent(JSON.stringify(guardDutyEvent)))) as SQSBatchResponse;

    expect(result.batchItemFailures).toEqual([]);
    const rejected = ddb.commandCalls(PutCommand)[1]!.args[0].input.Item!;
    expect(rejected).toMatchObject({ status: 'rejected', reason: 'DynamoDB refused the event: Empty attribute name' });
  });

  it('publishes ingested counts per source and account as embedded metrics', async () => {
    ddb.on(PutCommand).resolves({});
    const lines: string[] = [];
    const handler = createEndpointHandler(makeDeps(lines));
    const second = { ...guardDutyEvent, id: 'c8d2f3a1-0000-4000-8000-000000000003' };

    await handler(sqsEvent(JSON.stringify(guardDutyEvent), JSON.stringify(second), 'garbage'));

    const metrics = lines.map((l) => JSON.parse(l));
    const ingested = metrics.find((m) => 'EventsIngested' in m);
    expect(ingested).toMatchObject({ Source: 'aws.guardduty', Account: '222222222222', EventsIngested: 2 });
    expect(ingested._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      Dimensions: [['Source'], ['Account']],
    });
    expect(metrics).toContainEqual(expect.objectContaining({ EventsRejected: 1 }));
  });
});

describe('endpoint handler, POST /events', () => {
  it('records a correctly signed event and answers 202', async () => {
    ddb.on(PutCommand).resolves({});
    const handler = createEndpointHandler(makeDeps());
    const body = JSON.stringify(guardDutyEvent);

    const result = (await handler(apiEvent(body, signed(body)))) as APIGatewayProxyResult;

    expect(result.statusCode).toBe(202);
    expect(JSON.parse(result.body)).toEqual({ id: guardDutyEvent.id, status: 'received' });
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({ origin: 'api', status: 'received' });
  });

  it('finds the signature header whatever its case', async () => {
    ddb.on(PutCommand).resolves({});
    const handler = createEndpointHandler(makeDeps());
    const body = JSON.stringify(guardDutyEvent);
    const header = signed(body)[SIGNATURE_HEADER]!;

    const result = (await handler(apiEvent(body, { 'X-Socless-Signature': header }))) as APIGatewayProxyResult;

    expect(result.statusCode).toBe(202);
  });

  it('refuses an unsigned request with 401 and stores nothing', async () => {
    const handler = createEndpointHandler(makeDeps());

    const result = (await handler(apiEvent(JSON.stringify(guardDutyEvent)))) as APIGatewayProxyResult;

    expect(result.statusCode).toBe(401);
    expect(JSON.parse(result.body).error).toBe(`missing ${SIGNATURE_HEADER} header`);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('refuses a signature older than the 5-minute replay window', async () => {
    const handler = createEndpointHandler(makeDeps());
    const body = JSON.stringify(guardDutyEvent);
    const sixMinutesAgo = new Date(NOW.getTime() - 6 * 60_000);

    const result = (await handler(apiEvent(body, signed(body, sixMinutesAgo)))) as APIGatewayProxyResult;

    expect(result.statusCode).toBe(401);
    expect(JSON.parse(result.body).error).toContain('360s away from now');
  });

  it('refuses a body that was changed after signing', async () => {
    const handler = createEndpointHandler(makeDeps());
    const body = JSON.stringify(guardDutyEvent);

    const result = (await handler(
      apiEvent(body.replace('SSHBruteForce', 'Nothing'), signed(body)),
    )) as APIGatewayProxyResult;

    expect(result.statusCode).toBe(401);
    expect(JSON.parse(result.body).error).toBe('signature does not match the body');
  });

  it('answers 400 for a signed but invalid envelope and records the rejection', async () => {
    ddb.on(PutCommand).resolves({});
    const handler = createEndpointHandler(makeDeps());
    const body = JSON.stringify({ ...guardDutyEvent, time: 'yesterday' });

    const result = (await handler(apiEvent(body, signed(body)))) as APIGatewayProxyResult;

    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body)).toMatchObject({ status: 'rejected', error: expect.stringContaining('$.time') });
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({ status: 'rejected', origin: 'api' });
  });

  it('answers 503 when the table cannot be written, so the sender retries', async () => {
    ddb
      .on(PutCommand)
      .rejects(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));
    const handler = createEndpointHandler(makeDeps());
    const body = JSON.stringify(guardDutyEvent);

    const result = (await handler(apiEvent(body, signed(body)))) as APIGatewayProxyResult;

    expect(result.statusCode).toBe(503);
  });
});

describe('verifySignature', () => {
  it('accepts any of several v1 signatures, so senders can rotate the secret', () => {
    const t = Math.floor(NOW.getTime() / 1000);
    const good = signPayload('{}', SECRET, t).split(',')[1];
    const old = signPayload('{}', 'old-secret', t).split(',')[1];

    expect(verifySignature(`t=${t},${old},${good}`, '{}', SECRET, NOW)).toEqual({ ok: true });
  });

  it('explains a malformed header', () => {
    const check = verifySignature('sha256=abc', '{}', SECRET, NOW);

    expect(check).toEqual({ ok: false, reason: expect.stringContaining('malformed') });
  });
});

describe('createSecretReader', () => {
  it('reads the secret once and serves it from memory until the TTL passes', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 's1' });
    let now = 0;
    const read = createSecretReader(new SecretsManagerClient({ region: 'us-east-1' }), 'arn:secret', 1000, () => now);

    expect(await read()).toBe('s1');
    expect(await read()).toBe('s1');
    now = 1001;
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 's2' });
    expect(await read()).toBe('s2');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });
});

describe('endpointDepsFromEnv', () => {
  it('names every missing environment variable at cold start', () => {
    expect(() => endpointDepsFromEnv({})).toThrow(
      'missing required environment variable(s): SOCLESS_EVENTS_TABLE, SOCLESS_SIGNING_SECRET_ARN',
    );
  });
});
