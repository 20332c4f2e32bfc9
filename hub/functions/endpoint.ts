/**
 * Endpoint Lambda: the first thing that touches an event in the hub.
 *
 * Entry point `handler`, fed by
 * - SQS batches from the ingest queue (events the SoclessBus rules matched), and
 * - API Gateway `POST /events`: webhooks of configured senders (`X-Socless-Sender`), each signed with its own
 *   secret (`x-socless-signature`, shared/events/webhook.ts). The body is a webhook payload only, never an
 *   EventBridge event; it is wrapped into one (source `socless.webhook.<sender>…`) within the sender's scope so it
 *   is stored, routed and re-driven like any other event.
 *
 * Each event runs through the shared pipeline (shared/pipeline): normalize, check who spoke for the account,
 * persist first, route, de-duplicate, dispatch. Bad input is recorded as `rejected` with a reason, never thrown
 * (a throw would make the queue redeliver it forever); only infrastructure failures become SQS partial-batch
 * failures.
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
import { z } from 'zod';
import {
  REMEDIATION_MODES,
  type RemediationMode,
  SEVERITY_LABELS,
  type SeverityLabel,
  SoclessConfigSchema,
  type WebhookSenderConfig,
} from '../../shared/config.ts';
import { SoclessError } from '../../shared/errors.ts';
import { createSecretFetcher } from '../../shared/events/secrets.ts';
import {
  normalizeWebhookEvent,
  WEBHOOK_SENDER_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  webhookHeader,
} from '../../shared/events/webhook.ts';
import { S3VaultStore } from '../../shared/integration-runtime/vault.ts';
import { cachedAccountMode } from '../../shared/pipeline/account-mode.ts';
import { cachedOrgAccount } from '../../shared/pipeline/account-trust.ts';
import { StepFunctionsDispatcher } from '../../shared/pipeline/adapters.ts';
import { DynamoDedupStore, DynamoEventStore } from '../../shared/pipeline/dynamo-stores.ts';
import {
  type EventOutcome,
  type PipelineDeps,
  processEvents,
  processInput,
  recordRejected,
} from '../../shared/pipeline/pipeline.ts';
import { createRouter } from '../../shared/pipeline/router.ts';
import { HubSessionLedger } from '../../shared/remediation/session-ledger.ts';
import { AccountsRepository } from '../../shared/store/accounts.ts';
import { InvestigationsRepository } from '../../shared/store/investigations.ts';
import { TABLES } from '../../shared/tables.ts';
import { emitOutcomeMetrics, knownMetricSources, type MetricSink, registeredAccounts } from './endpoint-metrics.ts';
import { createDocumentClient, jsonResponse, requestBody, requireEnv, SecretsManagerClient } from './http.ts';

export {
  emitOutcomeMetrics,
  knownMetricSources,
  METRIC_NAMES,
  METRICS_NAMESPACE,
  type MetricSink,
  OTHER_DIMENSION,
} from './endpoint-metrics.ts';

/** Environment variables the endpoint reads at cold start. */
export const ENDPOINT_ENV = {
  eventsTable: TABLES.events.envVar,
  dedupTable: TABLES.dedup.envVar,
  accountsTable: TABLES.accounts.envVar,
  /** The remediations table: the endpoint reads only its session ledger items (`session#…` keys). */
  remediationsTable: TABLES.remediations.envVar,
  vaultBucket: 'SOCLESS_VAULT_BUCKET',
  /** JSON: the configured webhook senders, each with the ARN of its own signing secret (`secretArn`). */
  webhookSenders: 'SOCLESS_WEBHOOK_SENDERS',
  /** `config.remediation.autoMinSeverity`: webhook severities stay below it unless their scope allows. */
  autoMinSeverity: 'SOCLESS_AUTO_MIN_SEVERITY',
  /** JSON: `config.trustedAggregators` (per source, the accounts that may speak for other org accounts). */
  trustedAggregators: 'SOCLESS_TRUSTED_AGGREGATORS',
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

/** Everything the endpoint handler uses; built once per container by {@link endpointDepsFromEnv}. */
export interface EndpointDeps {
  readonly pipeline: PipelineDeps;
  /** The webhook senders of `POST /events` and how to read each one's secret. */
  readonly webhooks: WebhookDeps;
  readonly logger: Logger;
  readonly metrics: MetricSink;
  /** Sources the `Source` metric dimension may name (others are `other`). @default none */
  readonly metricSources?: ReadonlySet<string>;
  readonly now: () => Date;
  /** The hub's region and account, stamped on webhook payloads wrapped into EventBridge events. */
  readonly region: string;
  readonly hubAccountId: string;
}

/** What the webhook route needs. */
export interface WebhookDeps {
  readonly senders: readonly WebhookSenderConfig[];
  /** Reads one sender's signing secret (cached). */
  readonly readSecret: (sender: string) => Promise<string>;
  /** `config.remediation.autoMinSeverity`. */
  readonly autoMinSeverity: SeverityLabel;
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

/** One SQS message: the queue delivers it again until this returns (a throw is a batch item failure). */
async function run(deps: EndpointDeps, body: unknown, origin: string): Promise<SourcedOutcome[]> {
  const outcomes = await processInput(body, origin, { ...deps.pipeline, queued: true });
  const source = typeof body === 'object' && body !== null ? (body as { source?: unknown }).source : undefined;
  return outcomes.map((o) => ({ ...o, ...(typeof source === 'string' ? { source } : {}) }));
}

async function emitMetrics(deps: EndpointDeps, outcomes: readonly SourcedOutcome[]): Promise<void> {
  const accounts = await registeredAccounts(outcomes, deps.pipeline.isOrgAccount);
  emitOutcomeMetrics(outcomes, deps.metrics, deps.now(), { sources: deps.metricSources ?? new Set(), accounts });
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
  await emitMetrics(deps, outcomes);
  return { batchItemFailures: failures };
}

/** The one answer to an unknown sender and to a signature that does not match: it tells a prober nothing. */
export const NOT_AUTHENTICATED = 'the request is not signed by a known sender';

async function handleApiRequest(deps: EndpointDeps, event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  if (event.httpMethod !== 'POST')
    return jsonResponse(405, { error: `method ${event.httpMethod} not allowed; use POST` });
  const raw = requestBody(event);
  const request = { headers: event.headers ?? {}, body: raw };
  const refuse = (reason: string) => {
    // Unauthenticated requests change nothing and are not stored.
    deps.logger.warn('refused an unauthenticated request', {
      reason,
      sourceIp: event.requestContext?.identity?.sourceIp,
    });
    return jsonResponse(401, { error: reason });
  };
  const name = webhookHeader(request, WEBHOOK_SENDER_HEADER);
  if (!name) return refuse(`missing ${WEBHOOK_SENDER_HEADER} header`);
  if (!webhookHeader(request, WEBHOOK_SIGNATURE_HEADER)) return refuse(`missing ${WEBHOOK_SIGNATURE_HEADER} header`);
  const sender = deps.webhooks.senders.find((s) => s.name === name);
  if (!sender) return refuse(NOT_AUTHENTICATED);
  let secret: string;
  try {
    secret = await deps.webhooks.readSecret(sender.name);
  } catch (err) {
    deps.logger.error('cannot read the signing secret', { sender: sender.name, error: err as Error });
    return jsonResponse(503, { error: 'cannot verify signatures right now; retry later' });
  }
  const intake = normalizeWebhookEvent(request, {
    sender,
    secret,
    autoMinSeverity: deps.webhooks.autoMinSeverity,
    hubAccountId: deps.hubAccountId,
    region: deps.region,
    now: deps.now().getTime(),
    ...(deps.pipeline.maxInputBytes !== undefined ? { maxBytes: deps.pipeline.maxInputBytes } : {}),
  });
  if (!intake.ok && !intake.authenticated) {
    return refuse(/does not match/.test(intake.reason) ? NOT_AUTHENTICATED : intake.reason);
  }
  const origin = `api:webhook:${sender.name}`;
  let outcomes: SourcedOutcome[];
  let status: number | undefined;
  try {
    if (intake.ok) {
      // One event per item (a SOCless create-events body makes one per detail), each with its own flags.
      outcomes = [];
      for (const item of intake.items) {
        const source = item.envelope.source as string;
        const done = await processEvents(item.events, origin, deps.pipeline, item.flags);
        outcomes.push(...done.map((o) => ({ ...o, source })));
      }
    } else {
      status = intake.status;
      const rejection = {
        reason: intake.reason,
        flags: intake.flags,
        ...(intake.field ? { field: intake.field } : {}),
      };
      outcomes = [await recordRejected(raw, rejection, origin, deps.pipeline)];
    }
  } catch (err) {
    deps.logger.error('could not record the event', { error: err as Error });
    return jsonResponse(503, { error: 'the event could not be recorded; retry later' });
  }
  for (const o of outcomes) logOutcome(deps.logger, o, { sender: sender.name });
  await emitMetrics(deps, outcomes);
  const rejected = outcomes.find((o) => o.status === 'rejected');
  const body = {
    events: outcomes.map((o) => ({
      id: o.eventId,
      status: o.status,
      playbooks: o.playbooks,
      ...(o.reason ? { reason: o.reason } : {}),
      ...(o.flags ? { flags: o.flags } : {}),
    })),
  };
  if (!rejected) return jsonResponse(202, body);
  return jsonResponse(status ?? 400, { ...body, error: rejected.reason ?? 'rejected' });
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // The pipeline rejects it with the parser's reason and keeps the text.
    return text;
  }
}

function logOutcome(logger: Logger, outcome: SourcedOutcome, extra: Record<string, unknown>): void {
  const fields = {
    ...extra,
    id: outcome.eventId,
    status: outcome.status,
    playbooks: outcome.playbooks,
    account: outcome.account,
  };
  if (outcome.status === 'rejected')
    logger.warn('event rejected', { ...fields, reason: outcome.reason, flags: outcome.flags });
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
      remediationsTable: ENDPOINT_ENV.remediationsTable,
      vaultBucket: ENDPOINT_ENV.vaultBucket,
      stateMachinePrefix: ENDPOINT_ENV.stateMachinePrefix,
      dedupWindowMinutes: ENDPOINT_ENV.dedupWindowMinutes,
      defaultMode: ENDPOINT_ENV.defaultMode,
      trustedAggregators: ENDPOINT_ENV.trustedAggregators,
    },
    env,
  );
  const trustedAggregators = jsonEnv(
    SoclessConfigSchema.shape.trustedAggregators,
    ENDPOINT_ENV.trustedAggregators,
    vars.trustedAggregators,
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
  const ledger = new HubSessionLedger(documents, vars.remediationsTable);
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
    trustedAggregators,
    isOrgAccount: cachedOrgAccount(async (id) => (await accounts.get(id)) !== undefined, 5 * 60_000),
    verifyHubSession: (claim) => ledger.verify(claim),
    // The state machines are the hub's: their ARN prefix names the hub account.
    hubAccountId: vars.stateMachinePrefix.split(':')[4] ?? '',
    // A Security Hub custom action `accept-risk` closes the investigation as `socless investigation close` would.
    closeInvestigation: (id, request) =>
      new InvestigationsRepository(documents, vars.eventsTable, vars.dedupTable).close(id, request),
  };
}

/** One entry of {@link ENDPOINT_ENV.webhookSenders}: a sender's scope and the ARN of its own secret. */
export const WebhookSenderEnvSchema = SoclessConfigSchema.shape.webhooks.unwrap().element.extend({
  secretArn: z.string().startsWith('arn:'),
});
export type WebhookSenderEnv = z.infer<typeof WebhookSenderEnvSchema>;

function jsonEnv<T extends z.ZodType>(schema: T, name: string, text: string): z.output<T> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SoclessError(`${name} is not valid JSON (${(err as Error).message})`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SoclessError(`${name}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is invalid'}`);
  }
  return parsed.data;
}

/** Production dependencies, from the environment; throws at cold start naming any missing variable. */
export function endpointDepsFromEnv(env: NodeJS.ProcessEnv = process.env): EndpointDeps {
  const vars = requireEnv(ENDPOINT_ENV, env);
  if (!(SEVERITY_LABELS as readonly string[]).includes(vars.autoMinSeverity)) {
    throw new SoclessError(
      `${ENDPOINT_ENV.autoMinSeverity} must be one of ${SEVERITY_LABELS.join(', ')}, got "${vars.autoMinSeverity}"`,
    );
  }
  const senders = jsonEnv(z.array(WebhookSenderEnvSchema), ENDPOINT_ENV.webhookSenders, vars.webhookSenders);
  const routes = bundledRoutes();
  const pipeline = pipelineFromEnv(env, routes);
  const [, , , region = '', account = ''] = vars.stateMachinePrefix.split(':');
  const fetchSecret = createSecretFetcher(new SecretsManagerClient({}), { ttlMs: 5 * 60_000 });
  const secretArns = new Map(senders.map((s) => [s.name, s.secretArn]));
  return {
    pipeline,
    webhooks: {
      senders: senders.map(({ secretArn: _arn, ...scope }) => scope),
      readSecret: (name) => {
        const arn = secretArns.get(name);
        if (!arn) return Promise.reject(new SoclessError(`no signing secret for webhook sender ${name}`));
        return fetchSecret(arn);
      },
      autoMinSeverity: vars.autoMinSeverity as SeverityLabel,
    },
    logger: new Logger({ serviceName: 'socless-endpoint' }),
    metrics: (line) => process.stdout.write(`${line}\n`),
    metricSources: knownMetricSources(routes, senders),
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
