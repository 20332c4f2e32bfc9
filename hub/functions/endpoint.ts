/**
 * Endpoint Lambda: the first thing that touches an event in the hub.
 *
 * Entry point `handler`, fed by
 * - SQS batches from the ingest queue (events the SoclessBus rules matched), and
 * - API Gateway `POST /events`: webhooks signed with `x-socless-signature` (shared/events/webhook.ts). The body
 *   is an EventBridge event, or a webhook payload (`{id, type, title, severity?, ...}`) that is wrapped into one
 *   (source `socless.webhook`) so it is stored, routed and re-driven like any other event.
 *
 * Each event runs through the shared pipeline (shared/pipeline): normalize, persist first, route, de-duplicate,
 * dispatch. Bad input is recorded as `rejected` with a reason, never thrown (a throw would make the queue
 * redeliver it forever); only infrastructure failures become SQS partial-batch failures.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  Context,
  SQSBatchItemFailure,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { REMEDIATION_MODES, type RemediationMode } from '../../shared/config.ts';
import { SoclessError } from '../../shared/errors.ts';
import { WebhookPayloadSchema } from '../../shared/events/webhook.ts';
import { S3VaultStore } from '../../shared/integration-runtime/vault.ts';
import { cachedAccountMode } from '../../shared/pipeline/account-mode.ts';
import { StepFunctionsDispatcher } from '../../shared/pipeline/adapters.ts';
import { DynamoDedupStore, DynamoEventStore } from '../../shared/pipeline/dynamo-stores.ts';
import { type EventOutcome, type PipelineDeps, processInput } from '../../shared/pipeline/pipeline.ts';
import { createRouter } from '../../shared/pipeline/router.ts';
import { AccountsRepository } from '../../shared/store/accounts.ts';
import { TABLES } from '../../shared/tables.ts';
import {
  createDocumentClient,
  createSecretReader,
  jsonResponse,
  requireEnv,
  SecretsManagerClient,
  verifiedBody,
} from './http.ts';

/** Environment variables the endpoint reads at cold start. */
export const ENDPOINT_ENV = {
  eventsTable: TABLES.events.envVar,
  dedupTable: TABLES.dedup.envVar,
  accountsTable: TABLES.accounts.envVar,
  vaultBucket: 'SOCLESS_VAULT_BUCKET',
  signingSecretArn: 'SOCLESS_SIGNING_SECRET_ARN',
  /** `arn:<partition>:states:<region>:<account>:stateMachine:socless-`: a playbook's state machine is this + its name. */
  stateMachinePrefix: 'SOCLESS_STATE_MACHINE_PREFIX',
  dedupWindowMinutes: 'SOCLESS_DEDUP_WINDOW_MINUTES',
  /** The org default remediation mode, for accounts the registry does not know yet. */
  defaultMode: 'SOCLESS_DEFAULT_REMEDIATION_MODE',
} as const;

/** Routing table compiled into the bundle at synth time (esbuild `define`): playbook names and triggers. */
export const ROUTES_DEFINE = '__SOCLESS_ROUTES__';
declare const __SOCLESS_ROUTES__: string | undefined;

export interface Route {
  readonly name: string;
  readonly triggers: ReadonlyArray<Record<string, unknown>>;
}

/** CloudWatch namespace of the metrics the hub publishes itself (embedded metric format). */
export const METRICS_NAMESPACE = 'Socless';
/** Metric names in {@link METRICS_NAMESPACE}. */
export const METRIC_NAMES = {
  ingested: 'EventsIngested',
  duplicate: 'EventsDuplicate',
  rejected: 'EventsRejected',
  unrouted: 'EventsUnrouted',
  pending: 'EventsPending',
} as const;

/** Publishes metrics; the default writes embedded-metric-format lines to stdout. */
export type MetricSink = (line: string) => void;

/** Emits the outcome counts of one batch as EMF: ingested per source and per account, and each other status. */
export function emitOutcomeMetrics(
  outcomes: ReadonlyArray<EventOutcome & { source?: string }>,
  sink: MetricSink,
  now: Date,
): void {
  const ingested = new Map<string, { source: string; account: string; count: number }>();
  const totals = new Map<string, number>();
  for (const o of outcomes) {
    if (o.status === 'rejected') {
      totals.set(METRIC_NAMES.rejected, (totals.get(METRIC_NAMES.rejected) ?? 0) + 1);
      continue;
    }
    const source = o.source ?? 'unknown';
    const account = o.account ?? 'unknown';
    const key = `${source}\u0000${account}`;
    const entry = ingested.get(key) ?? { source, account, count: 0 };
    entry.count += 1;
    ingested.set(key, entry);
    const name =
      o.status === 'duplicate'
        ? METRIC_NAMES.duplicate
        : o.status === 'unrouted'
          ? METRIC_NAMES.unrouted
          : o.status === 'pending'
            ? METRIC_NAMES.pending
            : undefined;
    if (name) totals.set(name, (totals.get(name) ?? 0) + 1);
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
  for (const [name, value] of totals) {
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
export interface EndpointDeps {
  readonly pipeline: PipelineDeps;
  readonly readSigningSecret: () => Promise<string>;
  readonly logger: Logger;
  readonly metrics: MetricSink;
  readonly now: () => Date;
  /** The hub's region and account, stamped on webhook payloads wrapped into EventBridge events. */
  readonly region: string;
  readonly hubAccountId: string;
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

type SourcedOutcome = EventOutcome & { source?: string };

async function run(deps: EndpointDeps, body: unknown, origin: string): Promise<SourcedOutcome[]> {
  const outcomes = await processInput(body, origin, deps.pipeline);
  const source = typeof body === 'object' && body !== null ? (body as { source?: unknown }).source : undefined;
  return outcomes.map((o) => ({ ...o, ...(typeof source === 'string' ? { source } : {}) }));
}

async function handleSqsBatch(deps: EndpointDeps, event: SQSEvent): Promise<SQSBatchResponse> {
  const failures: SQSBatchItemFailure[] = [];
  const outcomes: SourcedOutcome[] = [];
  await Promise.all(
    event.Records.map(async (record) => {
      try {
        const result = await run(deps, parseOrText(record.body), `sqs:${record.messageId}`);
        outcomes.push(...result);
        for (const o of result) logOutcome(deps.logger, o, { messageId: record.messageId });
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
  const verified = await verifiedBody(event, deps, deps.now());
  if (!verified.ok) return verified.response;
  const raw = verified.raw;
  let outcomes: SourcedOutcome[];
  try {
    outcomes = await run(deps, asEventBridgeEvent(parseOrText(raw), deps), 'api');
  } catch (err) {
    deps.logger.error('could not record the event', { error: err as Error });
    return jsonResponse(503, { error: 'the event could not be recorded; retry later' });
  }
  for (const o of outcomes) logOutcome(deps.logger, o, {});
  emitOutcomeMetrics(outcomes, deps.metrics, deps.now());
  const rejected = outcomes.find((o) => o.status === 'rejected');
  const body = {
    events: outcomes.map((o) => ({
      id: o.eventId,
      status: o.status,
      playbooks: o.playbooks,
      ...(o.reason ? { reason: o.reason } : {}),
    })),
  };
  return jsonResponse(rejected ? 400 : 202, rejected ? { ...body, error: rejected.reason ?? 'rejected' } : body);
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // The pipeline rejects it with the parser's reason and keeps the text.
    return text;
  }
}

/**
 * A webhook payload (no `detail-type`) becomes an EventBridge event from source `socless.webhook`, so playbook
 * triggers match it like any event and the sweeper can re-drive it without the sender's signature.
 */
export function asEventBridgeEvent(
  body: unknown,
  deps: Pick<EndpointDeps, 'region' | 'hubAccountId' | 'now'>,
): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || 'detail-type' in body) return body;
  const parsed = WebhookPayloadSchema.safeParse(body);
  if (!parsed.success) return body;
  const p = parsed.data as { id: string; type: string; time?: string; account?: string; resources?: unknown };
  return {
    version: '0',
    id: `webhook-${p.id}`,
    'detail-type': p.type,
    source: 'socless.webhook',
    account: typeof p.account === 'string' && /^\d{12}$/.test(p.account) ? p.account : deps.hubAccountId,
    time: p.time ?? deps.now().toISOString(),
    region: deps.region,
    resources: [],
    detail: body,
  };
}

function logOutcome(logger: Logger, outcome: SourcedOutcome, extra: Record<string, unknown>): void {
  const fields = {
    ...extra,
    id: outcome.eventId,
    status: outcome.status,
    playbooks: outcome.playbooks,
    account: outcome.account,
  };
  if (outcome.status === 'rejected') logger.warn('event rejected', { ...fields, reason: outcome.reason });
  else if (outcome.status === 'pending')
    logger.warn('dispatch failed; the sweeper will re-drive', { ...fields, reason: outcome.reason });
  else logger.info(`event ${outcome.status}`, fields);
}

function isSqsEvent(event: EndpointEvent): event is SQSEvent {
  return Array.isArray((event as SQSEvent).Records);
}

function isApiGatewayEvent(event: EndpointEvent): event is APIGatewayProxyEvent {
  return typeof (event as APIGatewayProxyEvent).httpMethod === 'string';
}

/** The routing table: compiled into the bundle by the hub stack. */
export function bundledRoutes(): Route[] {
  const text = typeof __SOCLESS_ROUTES__ === 'string' ? __SOCLESS_ROUTES__ : undefined;
  if (!text)
    throw new SoclessError(`the endpoint bundle has no routing table (${ROUTES_DEFINE} was not defined at build time)`);
  return JSON.parse(text) as Route[];
}

/** The pipeline as the endpoint and the sweeper run it in AWS. */
export function pipelineFromEnv(env: NodeJS.ProcessEnv, routes: readonly Route[]): PipelineDeps {
  const vars = requireEnv(
    {
      eventsTable: ENDPOINT_ENV.eventsTable,
      dedupTable: ENDPOINT_ENV.dedupTable,
      accountsTable: ENDPOINT_ENV.accountsTable,
      vaultBucket: ENDPOINT_ENV.vaultBucket,
      stateMachinePrefix: ENDPOINT_ENV.stateMachinePrefix,
      dedupWindowMinutes: ENDPOINT_ENV.dedupWindowMinutes,
      defaultMode: ENDPOINT_ENV.defaultMode,
    },
    env,
  );
  const window = Number(vars.dedupWindowMinutes);
  if (!Number.isFinite(window) || window <= 0) {
    throw new SoclessError(
      `${ENDPOINT_ENV.dedupWindowMinutes} must be a positive number of minutes, got "${vars.dedupWindowMinutes}"`,
    );
  }
  if (!(REMEDIATION_MODES as readonly string[]).includes(vars.defaultMode)) {
    throw new SoclessError(
      `${ENDPOINT_ENV.defaultMode} must be one of ${REMEDIATION_MODES.join(', ')}, got "${vars.defaultMode}"`,
    );
  }
  const documents = createDocumentClient();
  const accounts = new AccountsRepository(documents, vars.accountsTable);
  const defaultMode = vars.defaultMode as RemediationMode;
  return {
    events: new DynamoEventStore(documents, vars.eventsTable),
    dedup: new DynamoDedupStore(documents, vars.dedupTable),
    blobs: new S3VaultStore(new S3Client({}), vars.vaultBucket),
    dispatcher: new StepFunctionsDispatcher(
      new SFNClient({}),
      Object.fromEntries(routes.map((r) => [r.name, `${vars.stateMachinePrefix}${r.name}`])),
    ),
    router: createRouter(routes),
    accountMode: cachedAccountMode(async (id) => (await accounts.get(id))?.mode ?? defaultMode, 5 * 60_000),
    dedupWindowMs: window * 60_000,
  };
}

/** Production dependencies, from the environment; throws at cold start naming any missing variable. */
export function endpointDepsFromEnv(env: NodeJS.ProcessEnv = process.env): EndpointDeps {
  const { signingSecretArn } = requireEnv(ENDPOINT_ENV, env);
  const pipeline = pipelineFromEnv(env, bundledRoutes());
  const prefix = env[ENDPOINT_ENV.stateMachinePrefix] as string;
  const [, , , region = '', account = ''] = prefix.split(':');
  return {
    pipeline,
    readSigningSecret: createSecretReader(new SecretsManagerClient({}), signingSecretArn),
    logger: new Logger({ serviceName: 'socless-endpoint' }),
    metrics: (line) => process.stdout.write(`${line}\n`),
    now: () => new Date(),
    region,
    hubAccountId: account,
  };
}

let endpointHandler: ReturnType<typeof createEndpointHandler> | undefined;

/** Lambda entry point of the endpoint function. */
export async function handler(event: EndpointEvent, context?: Context): Promise<EndpointResult> {
  endpointHandler ??= createEndpointHandler(endpointDepsFromEnv());
  return endpointHandler(event, context);
}
