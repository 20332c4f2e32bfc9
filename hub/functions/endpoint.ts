/**
 * Endpoint Lambda: the first thing that touches an event in the hub.
 *
 * Entry point: `handler` (bundled from this file by the hub stack's EndpointFunction). It accepts
 * - SQS batches from the ingest queue (events the SoclessBus rules matched), and
 * - API Gateway proxy requests to `POST /events` (webhooks signed with `x-socless-signature`).
 *
 * Each EventBridge envelope is validated and written to the `events` table (status `received`) with a
 * conditional put, so a redelivery of the same id changes nothing. Invalid input is written with status
 * `rejected` and a reason instead of being thrown (a throw would make the queue redeliver it forever); only
 * infrastructure failures (DynamoDB unavailable) become SQS partial-batch failures.
 *
 * The request-signing helpers at the bottom are shared with the interactions Lambda.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  Context,
  SQSBatchItemFailure,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { z } from 'zod';
import { jsonPath, SoclessError } from '../../shared/errors.ts';
import { TABLES } from '../../shared/tables.ts';

/** Environment variables the endpoint reads at cold start. */
export const ENDPOINT_ENV = {
  eventsTable: TABLES.events.envVar,
  signingSecretArn: 'SOCLESS_SIGNING_SECRET_ARN',
} as const;

/** CloudWatch namespace of the metrics the hub publishes itself (embedded metric format). */
export const METRICS_NAMESPACE = 'Socless';
/** Metric names in {@link METRICS_NAMESPACE}. */
export const METRIC_NAMES = {
  ingested: 'EventsIngested',
  duplicate: 'EventsDuplicate',
  rejected: 'EventsRejected',
} as const;

/** Largest event the endpoint stores; DynamoDB items top out at 400 KB and the record carries other fields. */
export const MAX_EVENT_BYTES = 350_000;
/** How much of a rejected payload is kept for the analyst (the reason says what was wrong). */
export const MAX_REJECTED_RAW_CHARS = 64_000;

/** An EventBridge event envelope. Extra top-level keys (e.g. `replay-name` on archive replays) are kept. */
export const EventEnvelopeSchema = z.looseObject({
  version: z.string().min(1),
  id: z.string().min(1).max(256),
  'detail-type': z.string().min(1).max(256),
  source: z.string().min(1).max(256),
  account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
  time: z.iso.datetime({ offset: true, message: 'must be an ISO-8601 timestamp such as 2024-05-01T12:00:00Z' }),
  region: z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'must be an AWS region name'),
  resources: z.array(z.string()),
  detail: z.record(z.string(), z.unknown()),
});
export type EventEnvelope = z.infer<typeof EventEnvelopeSchema>;

export type ParseResult =
  | { readonly ok: true; readonly event: EventEnvelope }
  | { readonly ok: false; readonly reason: string };

/** Parses and validates one envelope; the reason names each offending field as a JSON path. */
export function parseEnvelope(raw: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return { ok: false, reason: `body is not JSON (${(err as Error).message})` };
  }
  const result = EventEnvelopeSchema.safeParse(json);
  if (!result.success) {
    const reasons = result.error.issues.map((i) => `${jsonPath(i.path)}: ${i.message}`);
    return { ok: false, reason: `not an EventBridge event: ${reasons.join('; ')}` };
  }
  const bytes = Buffer.byteLength(JSON.stringify(result.data), 'utf8');
  if (bytes > MAX_EVENT_BYTES) {
    return { ok: false, reason: `event is ${bytes} bytes; the events table holds at most ${MAX_EVENT_BYTES}` };
  }
  return { ok: true, event: result.data };
}

/** Where an event came from. */
export type EventOrigin = 'sqs' | 'api';

/** What the events-table writer needs; tests pass a mocked document client and a fixed clock. */
export interface EventStore {
  readonly documentClient: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly now: () => Date;
}

export type RecordOutcome =
  | { readonly status: 'received'; readonly id: string; readonly event: EventEnvelope }
  | { readonly status: 'duplicate'; readonly id: string; readonly event: EventEnvelope }
  | { readonly status: 'rejected'; readonly id: string; readonly reason: string };

/**
 * Writes a valid event with status `received`. A conditional put makes it idempotent: when the id is already
 * stored the call returns `duplicate` and changes nothing. Other DynamoDB errors propagate (infrastructure).
 */
export async function putReceivedEvent(
  store: EventStore,
  event: EventEnvelope,
  origin: EventOrigin,
): Promise<'received' | 'duplicate'> {
  try {
    await store.documentClient.send(
      new PutCommand({
        TableName: store.tableName,
        Item: {
          id: event.id,
          status: 'received',
          receivedAt: store.now().toISOString(),
          origin,
          source: event.source,
          detailType: event['detail-type'],
          account: event.account,
          region: event.region,
          eventTime: event.time,
          event,
        },
        ConditionExpression: 'attribute_not_exists(id)',
      }),
    );
    return 'received';
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return 'duplicate';
    throw err;
  }
}

/**
 * Writes input that is not a valid event with status `rejected`, the reason and (a prefix of) the raw text.
 * Its id is a hash of the raw text, so the same bad message delivered twice is stored once.
 */
export async function putRejectedEvent(
  store: EventStore,
  raw: string,
  reason: string,
  origin: EventOrigin,
): Promise<string> {
  const id = rejectedEventId(raw);
  try {
    await store.documentClient.send(
      new PutCommand({
        TableName: store.tableName,
        Item: {
          id,
          status: 'rejected',
          receivedAt: store.now().toISOString(),
          origin,
          reason,
          raw: raw.slice(0, MAX_REJECTED_RAW_CHARS),
          rawBytes: Buffer.byteLength(raw, 'utf8'),
        },
        ConditionExpression: 'attribute_not_exists(id)',
      }),
    );
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException)) throw err;
  }
  return id;
}

/** Id of a rejected record: `rejected-` and the first 32 hex digits of the SHA-256 of the raw text. */
export function rejectedEventId(raw: string): string {
  return `rejected-${createHash('sha256').update(raw, 'utf8').digest('hex').slice(0, 32)}`;
}

/**
 * Validates one raw envelope and records it: `received`, `duplicate` or `rejected`. Throws only when the
 * table cannot be written (the caller retries); never for bad input.
 */
export async function recordEvent(store: EventStore, raw: string, origin: EventOrigin): Promise<RecordOutcome> {
  const parsed = parseEnvelope(raw);
  if (!parsed.ok) {
    return { status: 'rejected', id: await putRejectedEvent(store, raw, parsed.reason, origin), reason: parsed.reason };
  }
  try {
    const status = await putReceivedEvent(store, parsed.event, origin);
    return { status, id: parsed.event.id, event: parsed.event };
  } catch (err) {
    // DynamoDB refusing the item itself (e.g. an empty map key in `detail`) is a property of the data: retrying
    // cannot help, so it is recorded as a rejection rather than left to bounce through the queue.
    if (isDataValidationError(err)) {
      const reason = `DynamoDB refused the event: ${(err as Error).message}`;
      return { status: 'rejected', id: await putRejectedEvent(store, raw, reason, origin), reason };
    }
    throw err;
  }
}

function isDataValidationError(err: unknown): boolean {
  return err instanceof Error && err.name === 'ValidationException';
}

/** Publishes metrics; the default writes embedded-metric-format lines to stdout without Lambda's log prefix. */
export type MetricSink = (line: string) => void;

/** Emits the outcome counts of one batch as EMF: ingested per source and per account, duplicates, rejections. */
export function emitOutcomeMetrics(outcomes: readonly RecordOutcome[], sink: MetricSink, now: Date): void {
  const ingested = new Map<string, { source: string; account: string; count: number }>();
  let duplicate = 0;
  let rejected = 0;
  for (const o of outcomes) {
    if (o.status === 'received') {
      const key = `${o.event.source}\u0000${o.event.account}`;
      const entry = ingested.get(key) ?? { source: o.event.source, account: o.event.account, count: 0 };
      entry.count += 1;
      ingested.set(key, entry);
    } else if (o.status === 'duplicate') duplicate += 1;
    else rejected += 1;
  }
  const timestamp = now.getTime();
  for (const { source, account, count } of ingested.values()) {
    sink(
      JSON.stringify({
        _aws: {
          Timestamp: timestamp,
          CloudWatchMetrics: [
            {
              Namespace: METRICS_NAMESPACE,
              Dimensions: [['Source'], ['Account']],
              Metrics: [{ Name: METRIC_NAMES.ingested, Unit: 'Count' }],
            },
          ],
        },
        Source: source,
        Account: account,
        [METRIC_NAMES.ingested]: count,
      }),
    );
  }
  const totals: Array<[string, number]> = [
    [METRIC_NAMES.duplicate, duplicate],
    [METRIC_NAMES.rejected, rejected],
  ];
  for (const [name, value] of totals) {
    if (value === 0) continue;
    sink(
      JSON.stringify({
        _aws: {
          Timestamp: timestamp,
          CloudWatchMetrics: [
            { Namespace: METRICS_NAMESPACE, Dimensions: [[]], Metrics: [{ Name: name, Unit: 'Count' }] },
          ],
        },
        [name]: value,
      }),
    );
  }
}

/** Everything the endpoint handler uses; built once per container by {@link endpointDepsFromEnv}. */
export interface EndpointDeps extends EventStore {
  readonly readSigningSecret: () => Promise<string>;
  readonly logger: Logger;
  readonly metrics: MetricSink;
}

export type EndpointEvent = SQSEvent | APIGatewayProxyEvent;
export type EndpointResult = SQSBatchResponse | APIGatewayProxyResult;

/** Builds the endpoint handler around injected dependencies. */
export function createEndpointHandler(
  deps: EndpointDeps,
): (event: EndpointEvent, context?: Context) => Promise<EndpointResult> {
  return async (event, context) => {
    if (context) deps.logger.addContext(context);
    if (isSqsEvent(event)) return handleSqsBatch(deps, event);
    if (isApiGatewayEvent(event)) return handleApiRequest(deps, event);
    throw new SoclessError('endpoint: unsupported invocation: expected an SQS batch or an API Gateway proxy request');
  };
}

async function handleSqsBatch(deps: EndpointDeps, event: SQSEvent): Promise<SQSBatchResponse> {
  const failures: SQSBatchItemFailure[] = [];
  const outcomes: RecordOutcome[] = [];
  await Promise.all(
    event.Records.map(async (record) => {
      try {
        const outcome = await recordEvent(deps, record.body, 'sqs');
        outcomes.push(outcome);
        logOutcome(deps.logger, outcome, { messageId: record.messageId });
      } catch (err) {
        deps.logger.error('could not record the event; SQS will redeliver it', {
          messageId: record.messageId,
          error: err as Error,
        });
        failures.push({ itemIdentifier: record.messageId });
      }
    }),
  );
  emitOutcomeMetrics(outcomes, deps.metrics, deps.now());
  return { batchItemFailures: failures };
}

async function handleApiRequest(deps: EndpointDeps, event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  if (event.httpMethod !== 'POST')
    return jsonResponse(405, { error: `method ${event.httpMethod} not allowed; use POST` });
  const raw = requestBody(event);
  let secret: string;
  try {
    secret = await deps.readSigningSecret();
  } catch (err) {
    deps.logger.error('cannot read the signing secret', { error: err as Error });
    return jsonResponse(503, { error: 'the endpoint cannot verify signatures right now; retry later' });
  }
  const check = verifySignature(headerValue(event, SIGNATURE_HEADER), raw, secret, deps.now());
  if (!check.ok) {
    deps.logger.warn('rejected an unsigned or badly signed request', {
      reason: check.reason,
      sourceIp: event.requestContext?.identity?.sourceIp,
    });
    return jsonResponse(401, { error: check.reason });
  }
  let outcome: RecordOutcome;
  try {
    outcome = await recordEvent(deps, raw, 'api');
  } catch (err) {
    deps.logger.error('could not record the event', { error: err as Error });
    return jsonResponse(503, { error: 'the event could not be recorded; retry later' });
  }
  logOutcome(deps.logger, outcome, {});
  emitOutcomeMetrics([outcome], deps.metrics, deps.now());
  switch (outcome.status) {
    case 'received':
      return jsonResponse(202, { id: outcome.id, status: outcome.status });
    case 'duplicate':
      return jsonResponse(200, { id: outcome.id, status: outcome.status });
    case 'rejected':
      return jsonResponse(400, { id: outcome.id, status: outcome.status, error: outcome.reason });
  }
}

function logOutcome(logger: Logger, outcome: RecordOutcome, extra: Record<string, unknown>): void {
  if (outcome.status === 'rejected')
    logger.warn('event rejected', { ...extra, id: outcome.id, reason: outcome.reason });
  else
    logger.info(`event ${outcome.status}`, {
      ...extra,
      id: outcome.id,
      source: outcome.event.source,
      account: outcome.event.account,
    });
}

function isSqsEvent(event: EndpointEvent): event is SQSEvent {
  return Array.isArray((event as SQSEvent).Records);
}

function isApiGatewayEvent(event: EndpointEvent): event is APIGatewayProxyEvent {
  return typeof (event as APIGatewayProxyEvent).httpMethod === 'string';
}

/** Reads required environment variables; the error names every missing one. */
export function requireEnv<K extends string>(
  names: Readonly<Record<K, string>>,
  env: NodeJS.ProcessEnv,
): Record<K, string> {
  const missing = Object.values<string>(names).filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new SoclessError(`missing required environment variable(s): ${missing.join(', ')}`);
  }
  return Object.fromEntries(Object.entries<string>(names).map(([key, name]) => [key, env[name] as string])) as Record<
    K,
    string
  >;
}

/** One DynamoDB document client per container: JSON events carry no `undefined`, but strip it anyway. */
export function createDocumentClient(client: DynamoDBClient = new DynamoDBClient({})): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** Production dependencies, from the environment; throws at cold start when a variable is missing. */
export function endpointDepsFromEnv(env: NodeJS.ProcessEnv = process.env): EndpointDeps {
  const vars = requireEnv(ENDPOINT_ENV, env);
  return {
    documentClient: createDocumentClient(),
    tableName: vars.eventsTable,
    now: () => new Date(),
    readSigningSecret: createSecretReader(new SecretsManagerClient({}), vars.signingSecretArn),
    logger: new Logger({ serviceName: 'socless-endpoint' }),
    metrics: (line) => process.stdout.write(`${line}\n`),
  };
}

let endpointHandler: ReturnType<typeof createEndpointHandler> | undefined;

/** Lambda entry point of the endpoint function. */
export async function handler(event: EndpointEvent, context?: Context): Promise<EndpointResult> {
  endpointHandler ??= createEndpointHandler(endpointDepsFromEnv());
  return endpointHandler(event, context);
}

// ---------------------------------------------------------------------------------------------------------------
// Request signing, shared by the endpoint (`POST /events`) and the interactions function.
// Header: `x-socless-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.

/** Header that carries the request signature. */
export const SIGNATURE_HEADER = 'x-socless-signature';
/** A signature older or newer than this is refused, so a captured request cannot be replayed later. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export type SignatureCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** The header value a sender puts on a request (used by tests, the CLI and senders written in TypeScript). */
export function signPayload(rawBody: string, secret: string, timestampSeconds: number): string {
  return `t=${timestampSeconds},v1=${hmacHex(secret, timestampSeconds, rawBody)}`;
}

/**
 * Verifies a signature header against the raw body: well-formed, within the replay window, and an HMAC that
 * matches in constant time. Several `v1=` entries are allowed (a sender mid-rotation signs with both secrets).
 */
export function verifySignature(
  header: string | undefined,
  rawBody: string,
  secret: string,
  now: Date,
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): SignatureCheck {
  if (!header) return { ok: false, reason: `missing ${SIGNATURE_HEADER} header` };
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && value) signatures.push(value);
  }
  if (timestamp === undefined || signatures.length === 0) {
    return { ok: false, reason: `malformed ${SIGNATURE_HEADER} header: expected t=<unix seconds>,v1=<hex>` };
  }
  const skew = Math.abs(Math.floor(now.getTime() / 1000) - timestamp);
  if (skew > toleranceSeconds) {
    return { ok: false, reason: `signature timestamp is ${skew}s away from now (allowed: ${toleranceSeconds}s)` };
  }
  const expected = Buffer.from(hmacHex(secret, timestamp, rawBody), 'hex');
  const matches = signatures.some((candidate) => {
    if (!/^[0-9a-f]{64}$/i.test(candidate)) return false;
    return timingSafeEqual(Buffer.from(candidate, 'hex'), expected);
  });
  return matches ? { ok: true } : { ok: false, reason: 'signature does not match the body' };
}

function hmacHex(secret: string, timestampSeconds: number, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.${rawBody}`, 'utf8').digest('hex');
}

/**
 * Reads a secret string and caches it for `ttlMs`, so a rotated secret is picked up within minutes without a
 * Secrets Manager call per request.
 */
export function createSecretReader(
  client: SecretsManagerClient,
  secretId: string,
  ttlMs = 5 * 60_000,
  clock: () => number = Date.now,
): () => Promise<string> {
  let cached: { value: string; readAt: number } | undefined;
  return async () => {
    if (cached && clock() - cached.readAt < ttlMs) return cached.value;
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (!out.SecretString) throw new SoclessError(`secret ${secretId} has no SecretString`);
    cached = { value: out.SecretString, readAt: clock() };
    return cached.value;
  };
}

/** The raw request body as the sender signed it (API Gateway base64-encodes binary bodies). */
export function requestBody(event: APIGatewayProxyEvent): string {
  if (event.body == null) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** A header by name, case-insensitively (REST API proxy events keep the sender's spelling). */
export function headerValue(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/** A JSON API Gateway response. */
export function jsonResponse(statusCode: number, body: Record<string, unknown>): APIGatewayProxyResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
