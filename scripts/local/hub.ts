import '../../shared/polyfills.ts';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import pLimit, { type LimitFunction } from 'p-limit';
import { createEndpointHandler, knownMetricSources } from '../../hub/functions/endpoint.ts';
import {
  answerInteraction,
  createInteractionsHandler,
  type Delivery,
  type InteractionsDeps,
  slackDepsFromEnv,
  type TaskResponder,
} from '../../hub/functions/interactions.ts';
import { INTEGRATION_CATALOG, INTEGRATIONS } from '../../hub/integrations/index.ts';
import {
  EXTERNAL_ID_ENV,
  EXTERNAL_ID_SECRET_ENV,
  HUB_REMEDIATION_ROLE_ENV,
  remediationEnvironment,
} from '../../hub/integrations/remediate/integration.ts';
import {
  CONFIG_CONTEXT_KEY,
  configuredMode,
  loadConfigFile,
  parseConfig,
  type SoclessConfig,
} from '../../shared/config.ts';
import type { CompiledPlaybook } from '../../shared/deploy-model.ts';
import { formatProblem, SoclessError } from '../../shared/errors.ts';
import { webhookSecretName } from '../../shared/events/webhook.ts';
import { envelopeEventSink } from '../../shared/integration-runtime/event-sink.ts';
import { toLambdaHandler } from '../../shared/integration-runtime/handler.ts';
import { StaticSecretResolver } from '../../shared/integration-runtime/secrets.ts';
import {
  INTEGRATION_ENV,
  integrationEnvironment,
  interactionsSlackEnvironment,
  SLACK_BOT_TOKEN_SECRET_NAME,
  SLACK_SIGNING_SECRET_NAME,
} from '../../shared/integrations/settings.ts';
import {
  LocalCallbackStore,
  type PendingInteraction,
  UnknownInteractionError,
} from '../../shared/local/callback-store.ts';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { type LocalExecutionResult, type LocalStateEvent, runLocalExecution } from '../../shared/local/executor.ts';
import { createLocalDeps, type LocalIntegrationDeps } from '../../shared/local/local-deps.ts';
import type { MetricSink } from '../../shared/metrics/emf.ts';
import { hubRemediationRoleArn } from '../../shared/names.ts';
import { cachedAccountMode } from '../../shared/pipeline/account-mode.ts';
import { UnknownPlaybookError } from '../../shared/pipeline/adapters.ts';
import { DynamoDedupStore, DynamoEventStore } from '../../shared/pipeline/dynamo-stores.ts';
import { type EventOutcome, type PipelineDeps, processInput } from '../../shared/pipeline/pipeline.ts';
import { createRouter } from '../../shared/pipeline/router.ts';
import { type SweepReport, sweep } from '../../shared/pipeline/sweeper.ts';
import type { Dispatcher, EventRecord, EventStatus, EventUpdate } from '../../shared/pipeline/types.ts';
import { compileAllPlaybooks } from '../../shared/playbook/index.ts';
import { HubSessionLedger } from '../../shared/remediation/session-ledger.ts';
import { AccountsRepository } from '../../shared/store/accounts.ts';
import { isRawItem } from '../../shared/store/events.ts';
import { type CloseRequest, InvestigationsRepository } from '../../shared/store/investigations.ts';
import { TABLES } from '../../shared/tables.ts';
import { loadOrgFile, type SimulatedAccount, simulatedAccounts } from './org.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_ORG_FILE = join(REPO_ROOT, 'scripts/local/sample-org.json');
export const DEFAULT_PLAYBOOKS_DIR = join(REPO_ROOT, 'playbooks');

/** The configuration the CDK app uses (cdk.json context), so the local hub behaves like the deployed one. */
export function loadRepoConfig(file?: string): SoclessConfig {
  if (file) return loadConfigFile(file);
  const cdkJson = join(REPO_ROOT, 'cdk.json');
  const context = (JSON.parse(readFileSync(cdkJson, 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
  return parseConfig(context[CONFIG_CONTEXT_KEY], `${cdkJson} context "${CONFIG_CONTEXT_KEY}"`);
}

/** One execution the local hub ran, as `--json` and `/investigations` show it. */
export interface LocalExecution {
  readonly playbook: string;
  readonly name: string;
  readonly arn: string;
  readonly result?: LocalExecutionResult;
  /** The Interaction the execution is parked on, waiting for a person. */
  readonly waitingOn?: { readonly id: string; readonly state: string };
}

/** What happened to one event, with the executions it started (finished by the time this is returned). */
export interface LocalOutcome extends EventOutcome {
  readonly runs: readonly LocalExecution[];
}

/** One execution the dispatcher accepted, with its state events as they happen (its execution history). */
export interface LocalRun {
  readonly playbook: string;
  readonly arn: string;
  readonly name: string;
  readonly input: Record<string, unknown>;
  /** The investigation the run belongs to (`event.investigation_id` of its input). */
  readonly investigationId?: string;
  readonly startedAt: string;
  /** State events in order: entered (with input), exited (with output), failed, retried, caught. */
  readonly history: LocalStateEvent[];
  done: Promise<LocalExecutionResult>;
  result?: LocalExecutionResult;
  stoppedAt?: string;
}

/**
 * Runs playbooks in-process on the local executor; one execution per name, like Step Functions Standard.
 * At most `concurrency` executions run at a time, so a flood of events queues work instead of starting
 * thousands of executions at once.
 */
export class LocalDispatcher implements Dispatcher {
  readonly runs = new Map<string, LocalRun>();
  private readonly listeners = new Set<(run: LocalRun) => void>();
  private readonly limit: LimitFunction;
  private gate: Promise<void> = Promise.resolve();

  constructor(
    private readonly playbooks: ReadonlyMap<string, CompiledPlaybook>,
    private readonly handlers: ReadonlyMap<string, ReturnType<typeof toLambdaHandler>>,
    private readonly callbacks: LocalCallbackStore,
    private readonly region: string,
    concurrency = 16,
  ) {
    this.limit = pLimit(concurrency);
  }

  async start(request: { playbook: string; name: string; input: Record<string, unknown> }) {
    const existing = this.runs.get(request.name);
    if (existing) return { executionArn: existing.arn };
    const playbook = this.playbooks.get(request.playbook);
    if (!playbook) throw new UnknownPlaybookError(request.playbook);
    const arn = `arn:aws:states:${this.region}:000000000000:execution:${request.playbook}:${request.name}`;
    const event = (request.input.artifacts as { event?: { investigation_id?: unknown } } | undefined)?.event;
    const history: LocalStateEvent[] = [];
    const run: LocalRun = {
      playbook: request.playbook,
      arn,
      name: request.name,
      input: request.input,
      ...(typeof event?.investigation_id === 'string' ? { investigationId: event.investigation_id } : {}),
      startedAt: new Date().toISOString(),
      history,
      done: this.limit(async () => {
        await this.gate;
        return runLocalExecution(playbook.definition, request.input, {
          handlers: this.handlers,
          callbacks: this.callbacks,
          region: this.region,
          stateMachineName: request.playbook,
          executionName: request.name,
          onStateEvent: (e) => history.push(e),
        });
      }),
    };
    run.done = run.done.then((result) => {
      run.result = result;
      run.stoppedAt = new Date().toISOString();
      this.notify(run);
      return result;
    });
    this.runs.set(request.name, run);
    this.notify(run);
    return { executionArn: arn };
  }

  /** Calls `listener` when an execution starts and when it ends; returns the function that stops it. */
  onRun(listener: (run: LocalRun) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(run: LocalRun): void {
    for (const listener of this.listeners) listener(run);
  }

  /**
   * Holds executions back until the returned function is called: they are accepted (StartExecution
   * succeeds) but run later. The pipeline benchmark uses it to time the endpoint apart from the playbooks.
   */
  hold(): () => void {
    let release!: () => void;
    this.gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    return release;
  }

  /** Resolves when every execution started so far has finished. */
  async drain(): Promise<void> {
    await Promise.all([...this.runs.values()].map((r) => r.done));
  }
}

/** The environment the stack would give the integrations and the interactions function's Slack provider. */
function localInteractionEnvironment(config: SoclessConfig): {
  integrations: Record<string, string>;
  slack: Record<string, string>;
} {
  const slack: Record<string, string> = config.slack
    ? {
        ...interactionsSlackEnvironment(config),
        [INTEGRATION_ENV.slackBotTokenSecret]: SLACK_BOT_TOKEN_SECRET_NAME,
        [INTEGRATION_ENV.slackSigningSecret]: SLACK_SIGNING_SECRET_NAME,
      }
    : {};
  // One process runs every integration: their settings are merged (the names do not clash).
  const merged = Object.assign({}, ...Object.values(integrationEnvironment(config))) as Record<string, string>;
  return {
    integrations: {
      ...merged,
      ...(config.slack ? { [INTEGRATION_ENV.slackBotTokenSecret]: SLACK_BOT_TOKEN_SECRET_NAME } : {}),
    },
    slack,
  };
}

/** The deployed interactions handler, on dynalite, resuming local executions, with secrets from the local map. */
function localInteractionsHandler(
  dynamo: LocalDynamo,
  callbacks: LocalCallbackStore,
  secretValues: Readonly<Record<string, string>>,
  slackEnv: Readonly<Record<string, string>>,
  deps: LocalIntegrationDeps,
): LocalInteractionsHandler {
  const resolver = new StaticSecretResolver(secretValues);
  const readLocalSecret = (name: string) => async () => String(await resolver.resolve({ kind: 'secret', id: name }));
  const slack = slackDepsFromEnv(slackEnv, readLocalSecret);
  // Responders with their own secrets: `--secrets` entries named socless/interactions/responders/<name>.
  const prefix = `secret:${LOCAL_RESPONDER_SECRET_PREFIX}`;
  const responderSecrets = Object.fromEntries(
    Object.keys(secretValues)
      .filter((key) => key.startsWith(prefix) && key.length > prefix.length)
      .map((key) => [key.slice(prefix.length), readLocalSecret(key.slice('secret:'.length))]),
  );
  return createInteractionsHandler({
    documentClient: dynamo.client,
    tasks: localTaskResponder(callbacks),
    tableName: 'message_responses',
    readSigningSecret: readLocalSecret(LOCAL_WEBHOOK_SECRET_NAME),
    sharedSecretResponder: LOCAL_WEBHOOK_RESPONDER,
    ...(Object.keys(responderSecrets).length > 0 ? { responderSecrets } : {}),
    ...(slack ? { slack } : {}),
    now: deps.now ?? (() => new Date()),
    logger: deps.logger,
  });
}

/** Investigations whose record may have changed (an event recorded, an execution started or ended, a close). */
export type LocalHubChangeListener = (investigationIds: readonly string[]) => void;

/** The events table as the pipeline writes it, telling the hub which investigation each write touched. */
class NotifyingEventStore extends DynamoEventStore {
  constructor(
    client: LocalDynamo['client'],
    tableName: string,
    private readonly changed: (ids: readonly string[]) => void,
  ) {
    super(client, tableName);
  }
  override async putNew(record: EventRecord, options?: { readonly unlisted?: boolean }) {
    const out = await super.putNew(record, options);
    this.changed([record.investigationId ?? record.id]);
    return out;
  }
  override async update(id: string, fields: EventUpdate) {
    await super.update(id, fields);
    this.changed(fields.investigationId && fields.investigationId !== id ? [id, fields.investigationId] : [id]);
  }
  override async replace(record: EventRecord, statuses?: readonly EventStatus[]) {
    const written = await super.replace(record, statuses);
    if (written) this.changed([record.investigationId ?? record.id]);
    return written;
  }
}

/** The investigations repository of the local hub: a close is reported to its change listeners. */
class NotifyingInvestigations extends InvestigationsRepository {
  constructor(
    client: LocalDynamo['client'],
    private readonly changed: (ids: readonly string[]) => void,
  ) {
    super(client, 'events', 'dedup');
  }
  override async close(id: string, request: CloseRequest) {
    const closed = await super.close(id, request);
    this.changed([id]);
    return closed;
  }
}

export interface LocalHubOptions {
  /** Keep DynamoDB and the vault in this folder; in memory when absent. */
  readonly dataDir?: string;
  /** @default scripts/local/sample-org.json */
  readonly orgFile?: string;
  /** @default the repository's playbooks/ */
  readonly playbooksDir?: string;
  /** @default the cdk.json configuration */
  readonly config?: SoclessConfig;
  /**
   * Remediate through real spoke sessions (STS AssumeRole via the hub remediation role, with the external id)
   * using the credentials of the environment. Without it, plans are built from the finding and nothing is applied.
   * @default false
   */
  readonly aws?: boolean;
  /** How long to wait for executions that are still running when `submit` returns (ms). @default 30000 */
  readonly executionWaitMs?: number;
  /**
   * Secret values by name, as Secrets Manager would hold them (e.g. `socless/slack/bot-token`,
   * `socless/slack/signing-secret`, `socless/interactions/signing-secret` for the webhook provider).
   */
  readonly secrets?: Readonly<Record<string, string>>;
  /**
   * When an Interaction nobody answered fails with `States.Timeout` (the playbook's timeout path then applies
   * the configured default decision), in ms, or `'never'` to wait for an answer. A hub without an HTTP server
   * has nobody to answer, so the default is at once; `socless local` serving HTTP passes `'never'`.
   * @default 0
   */
  readonly interactionTimeoutMs?: number | 'never';
  /**
   * Where the endpoint's, the integrations' and the remediation runner's embedded-metric lines go (stdout in
   * AWS). @default dropped
   */
  readonly metrics?: MetricSink;
}

/** Secret the local webhook provider verifies `x-socless-signature` with (the stack's SigningSecret in AWS). */
export const LOCAL_WEBHOOK_SECRET_NAME = 'socless/interactions/signing-secret';
/** The responder the local shared webhook secret answers as (what is recorded, whatever the body says). */
export const LOCAL_WEBHOOK_RESPONDER = 'local-webhook';
/** Prefix of per-responder webhook secrets in `--secrets` (`<prefix><name>`). */
export const LOCAL_RESPONDER_SECRET_PREFIX = 'socless/interactions/responders/';

/** The local hub's answers to `POST /interactions/{provider}`: the real interactions handler. */
export type LocalInteractionsHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** Resumes local executions the way SendTaskSuccess / SendTaskFailure resume them in AWS. */
export function localTaskResponder(callbacks: LocalCallbackStore): TaskResponder {
  const gone = (err: unknown): never => {
    if (err instanceof UnknownInteractionError) {
      throw Object.assign(new Error(err.message), { name: 'TaskDoesNotExist' });
    }
    throw err;
  };
  return {
    async succeed(taskToken, output) {
      try {
        callbacks.succeed(taskToken, JSON.parse(output));
      } catch (err) {
        gone(err);
      }
    },
    async fail(taskToken, error, cause) {
      try {
        callbacks.fail(taskToken, error, cause);
      } catch (err) {
        gone(err);
      }
    },
  };
}

/**
 * The whole hub on one machine: dynalite for the tables, the same pipeline, compiled playbooks and
 * integration modules as in AWS, a simulated org for the accounts registry.
 */
export class LocalHub {
  /** Interactions wait for a person (no local timeout): `submit` then stops waiting for a parked execution. */
  private interactionsWait = false;
  /** The deployed endpoint's `POST /events` (signed webhooks of configured senders), set by `start`. */
  private webhookHandler: LocalInteractionsHandler = async () => ({ statusCode: 503, body: '{}' });
  private readonly changeListeners = new Set<LocalHubChangeListener>();
  /** Started with `aws: true`: remediations are applied through real spoke sessions (and can be undone). */
  appliesRemediations = false;

  private constructor(
    readonly config: SoclessConfig,
    readonly accounts: readonly SimulatedAccount[],
    readonly playbooks: readonly CompiledPlaybook[],
    readonly callbacks: LocalCallbackStore,
    readonly integrationDeps: LocalIntegrationDeps,
    private readonly dynamo: LocalDynamo,
    readonly dispatcher: LocalDispatcher,
    readonly pipeline: PipelineDeps,
    private readonly executionWaitMs: number,
    /** The interactions function, wired to dynalite and the local callback store. */
    readonly interactions: LocalInteractionsHandler,
  ) {}

  static async start(options: LocalHubOptions = {}): Promise<LocalHub> {
    const config = options.config ?? loadRepoConfig();
    const org = loadOrgFile(options.orgFile ?? DEFAULT_ORG_FILE);
    const compiled = compileAllPlaybooks(options.playbooksDir ?? DEFAULT_PLAYBOOKS_DIR, {
      integrations: INTEGRATION_CATALOG,
    });
    if (compiled.problems.length > 0) {
      throw new SoclessError(
        `playbooks do not compile:\n${compiled.problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`,
      );
    }
    if (options.dataDir) mkdirSync(join(options.dataDir, 'dynamodb'), { recursive: true });
    const dynamo = await startLocalDynamo(options.dataDir ? { path: join(options.dataDir, 'dynamodb') } : {});
    try {
      const accounts = simulatedAccounts(org, config);
      const registry = new AccountsRepository(dynamo.client, 'accounts');
      for (const a of accounts) await registry.put(a);
      const secretValues = Object.fromEntries(
        Object.entries(options.secrets ?? {}).map(([name, value]) => [`secret:${name}`, value]),
      );
      const createdDeps = createLocalDeps({
        documentClient: dynamo.client,
        ...(options.dataDir ? { vaultDir: join(options.dataDir, 'vault') } : {}),
        secrets: secretValues,
      });
      // Slack, Jira and HTTP settings as the hub stack puts them in the integrations' environment.
      const interactionEnv = localInteractionEnvironment(config);
      const localDeps: LocalIntegrationDeps = {
        ...createdDeps,
        ...(options.metrics ? { metrics: options.metrics } : {}),
        // The remediate integration's limits and settings from config, as the hub stack sets them on its Lambda.
        env: { ...remediationEnvironment(config.remediation), ...createdDeps.env, ...interactionEnv.integrations },
        // SOCless CreateEvents: the events a playbook creates go through this hub's pipeline, as PutEvents to the
        // hub bus does in AWS (`pipeline` is assigned below, before any playbook runs).
        eventSink: envelopeEventSink({
          hubAccountId: config.hubAccountId,
          region: config.homeRegion,
          submit: (envelope) => processInput(envelope, 'local:create-events', pipeline),
          newId: randomUUID,
        }),
      };
      // With --aws the remediate integration finds the external id and hub role as a Lambda would, and opens
      // real spoke sessions; everything else stays local.
      const integrationDeps: LocalIntegrationDeps = options.aws
        ? {
            ...localDeps,
            env: {
              ...localDeps.env,
              // The operator's credentials read the hub's external id secret, unless config names the value.
              ...(config.externalId
                ? { [EXTERNAL_ID_ENV]: config.externalId }
                : { [EXTERNAL_ID_SECRET_ENV]: config.externalIdSecretName }),
              [HUB_REMEDIATION_ROLE_ENV]: hubRemediationRoleArn(config.hubAccountId),
            },
          }
        : localDeps;
      const handlers = new Map([...INTEGRATIONS.values()].map((i) => [i.id, toLambdaHandler(i, integrationDeps)]));
      const timeoutMs = options.interactionTimeoutMs ?? 0;
      const callbacks = new LocalCallbackStore(
        timeoutMs === 'never' ? {} : { timeoutDecision: { decision: 'timeout', afterMs: timeoutMs } },
      );
      const interactions = localInteractionsHandler(dynamo, callbacks, secretValues, interactionEnv.slack, createdDeps);
      const dispatcher = new LocalDispatcher(
        new Map(compiled.playbooks.map((p) => [p.name, p])),
        handlers,
        callbacks,
        config.homeRegion,
      );
      const ledger = new HubSessionLedger(dynamo.client, TABLES.remediations.name);
      // The hub is built below; until then nothing is written, so the late-bound listener call is safe.
      let changed: (ids: readonly string[]) => void = () => {};
      const pipeline: PipelineDeps = {
        events: new NotifyingEventStore(dynamo.client, 'events', (ids) => changed(ids)),
        dedup: new DynamoDedupStore(dynamo.client, 'dedup'),
        blobs: integrationDeps.vault,
        dispatcher,
        router: createRouter(compiled.playbooks),
        accountMode: cachedAccountMode(
          async (accountId) => (await registry.get(accountId))?.mode ?? configuredMode(config, accountId, []),
          60_000,
        ),
        dedupWindowMs: config.dedupWindowMinutes * 60_000,
        // Who may speak for other accounts: the configured aggregators, for accounts of the simulated org.
        trustedAggregators: config.trustedAggregators,
        isOrgAccount: async (accountId) => accounts.some((a) => a.accountId === accountId),
        // As in AWS: a spoke role's call is the hub's own only when the session ledger has its session.
        verifyHubSession: (claim) => ledger.verify(claim),
        hubAccountId: config.hubAccountId,
        // A Security Hub custom action `accept-risk` closes the investigation, reported like any close.
        closeInvestigation: (id, request) =>
          new NotifyingInvestigations(dynamo.client, (ids) => changed(ids)).close(id, request),
      };
      // POST /events as in AWS: the endpoint handler, each sender verified with its own secret from the local map.
      const webhookSecrets = new StaticSecretResolver(secretValues);
      const endpoint = createEndpointHandler({
        pipeline,
        webhooks: {
          senders: config.webhooks,
          readSecret: async (name) =>
            String(await webhookSecrets.resolve({ kind: 'secret', id: webhookSecretName(name) })),
          autoMinSeverity: config.remediation.autoMinSeverity,
        },
        logger: createdDeps.logger,
        metrics: options.metrics ?? (() => {}),
        metricSources: knownMetricSources(compiled.playbooks, config.webhooks),
        now: createdDeps.now ?? (() => new Date()),
        region: config.homeRegion,
        hubAccountId: config.hubAccountId,
      });
      const hub = new LocalHub(
        config,
        accounts,
        compiled.playbooks,
        callbacks,
        integrationDeps,
        dynamo,
        dispatcher,
        pipeline,
        options.executionWaitMs ?? 30_000,
        interactions,
      );
      hub.interactionsWait = timeoutMs === 'never';
      hub.appliesRemediations = options.aws === true;
      changed = (ids) => hub.emitChange(ids);
      dispatcher.onRun((run) => {
        if (run.investigationId) hub.emitChange([run.investigationId]);
      });
      hub.webhookHandler = async (event) => (await endpoint(event)) as APIGatewayProxyResult;
      return hub;
    } catch (err) {
      await dynamo.close();
      throw err;
    }
  }

  /** Runs one input through the pipeline and waits (bounded) for the executions it started. */
  async submit(input: unknown, origin: string): Promise<LocalOutcome[]> {
    const outcomes = await processInput(input, origin, this.pipeline);
    return Promise.all(outcomes.map((o) => this.withRuns(o)));
  }

  /** Re-drives events left `received` or `pending` (what the scheduled sweeper does in AWS). */
  async sweep(olderThanMs = 5 * 60_000): Promise<SweepReport> {
    return sweep(this.pipeline, { olderThanMs });
  }

  pendingInteractions(): PendingInteraction[] {
    return this.callbacks.pending();
  }

  /**
   * The local operator's answer (the server checked its per-run token; `operator` is `local:<user>`). When the
   * Interaction recorded a request in `message_responses`, the answer goes through the interactions function's
   * own path — the same claim, allow-list and `plan_hash` as a deployed answer; otherwise straight to the
   * waiting state. Throws UnknownInteractionError when nothing waits under `id`.
   */
  async answer(
    id: string,
    decision: 'approve' | 'reject',
    operator: string,
    extra: { readonly reason?: string; readonly note?: string } = {},
  ): Promise<Pick<Delivery, 'statusCode' | 'body'>> {
    const pending = this.callbacks.pending().find((p) => p.id === id || p.taskToken === id);
    if (!pending) throw new UnknownInteractionError(id);
    const out = await this.dynamo.client.send(
      new ScanCommand({
        TableName: 'message_responses',
        FilterExpression: 'taskToken = :t',
        ExpressionAttributeValues: { ':t': pending.taskToken },
      }),
    );
    const messageId = out.Items?.[0]?.messageId;
    if (typeof messageId === 'string') {
      const deps: InteractionsDeps = {
        documentClient: this.dynamo.client,
        tasks: localTaskResponder(this.callbacks),
        tableName: 'message_responses',
        readSigningSecret: async () => {
          throw new Error('the local operator answers without a signing secret');
        },
        now: this.integrationDeps.now ?? (() => new Date()),
        logger: this.integrationDeps.logger,
      };
      const delivery = await answerInteraction(
        deps,
        { messageId, decision, responder: operator, ...extra },
        { provider: 'local', id: operator },
      );
      return { statusCode: delivery.statusCode, body: { id, ...delivery.body } };
    }
    this.callbacks.answer(pending.id, decision, operator, extra.note ? { responder_note: extra.note } : {});
    return { statusCode: 200, body: { id, decision, responder: operator } };
  }

  /**
   * Answers `POST /interactions/{provider}` (`webhook`, `socless`, `slack`) with the deployed handler: the same
   * signature checks, the same `message_responses` claim, and the local executions resumed.
   */
  async respond(
    provider: string,
    request: { body: string; headers: Readonly<Record<string, string | undefined>> },
  ): Promise<APIGatewayProxyResult> {
    return this.interactions({
      httpMethod: 'POST',
      path: `/interactions/${provider}`,
      resource: '/interactions/{provider}',
      body: request.body,
      isBase64Encoded: false,
      headers: { ...request.headers },
      multiValueHeaders: {},
      pathParameters: { provider },
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      stageVariables: null,
      requestContext: {} as APIGatewayProxyEvent['requestContext'],
    });
  }

  /**
   * Answers a signed webhook (`POST /events` with `X-Socless-Sender`) with the deployed endpoint handler: the
   * sender's own secret (`socless/webhook/<name>` in `secrets`), its scope, and the same pipeline.
   */
  async postWebhook(request: {
    body: string;
    headers: Readonly<Record<string, string | undefined>>;
  }): Promise<APIGatewayProxyResult> {
    return this.webhookHandler({
      httpMethod: 'POST',
      path: '/events',
      resource: '/events',
      body: request.body,
      isBase64Encoded: false,
      headers: { ...request.headers },
      multiValueHeaders: {},
      pathParameters: null,
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      stageVariables: null,
      requestContext: {} as APIGatewayProxyEvent['requestContext'],
    });
  }

  /** Every event recorded so far, newest first, with the executions and the states they visited. */
  async investigations(): Promise<Array<EventRecord & { runs: LocalExecution[] }>> {
    const items: EventRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.dynamo.client.send(new ScanCommand({ TableName: 'events', ExclusiveStartKey: start }));
      // Raw-input items (`raw#<id>`) are not events.
      items.push(
        ...((out.Items ?? []) as EventRecord[]).filter((i) => !isRawItem(i as unknown as Record<string, unknown>)),
      );
      start = out.LastEvaluatedKey;
    } while (start);
    items.sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));
    return items.map(({ raw: _raw, rawZ: _rawZ, ...record }: EventRecord & { rawZ?: unknown }) => ({
      ...record,
      runs: this.runsOf(record.executions ?? []),
    }));
  }

  /** Investigations (opening event, linked events, lifecycle) in this hub's tables; a close is reported to onChange. */
  investigationRecords(): InvestigationsRepository {
    return new NotifyingInvestigations(this.dynamo.client, (ids) => this.emitChange(ids));
  }

  /** The document client of this hub's tables (dynalite). */
  get documentClient(): LocalDynamo['client'] {
    return this.dynamo.client;
  }

  /**
   * Calls `listener` with the investigations an event write, an execution start or end, or a close touched
   * (ids of events that are not investigations may be among them). Returns the function that stops it.
   */
  onChange(listener: LocalHubChangeListener): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private emitChange(ids: readonly string[]): void {
    for (const listener of this.changeListeners) {
      try {
        listener(ids);
      } catch {
        // A listener's failure is its own: the hub's work goes on.
      }
    }
  }

  account(accountId: string): SimulatedAccount | undefined {
    return this.accounts.find((a) => a.accountId === accountId);
  }

  async close(): Promise<void> {
    for (const p of this.callbacks.pending()) this.callbacks.cancel(p.id);
    await this.dynamo.close();
  }

  private runsOf(executions: readonly { playbook: string; name: string }[]): LocalExecution[] {
    return executions.map((e) => {
      const run = this.dispatcher.runs.get(e.name);
      const waiting = run && !run.result ? this.callbacks.pending().find((p) => p.executionId === run.arn) : undefined;
      return {
        playbook: e.playbook,
        name: e.name,
        arn: run?.arn ?? '',
        ...(run?.result ? { result: run.result } : {}),
        ...(waiting ? { waitingOn: { id: waiting.id, state: waiting.state } } : {}),
      };
    });
  }

  private async withRuns(outcome: EventOutcome): Promise<LocalOutcome> {
    const waits = outcome.executions.map(async (e) => {
      const run = this.dispatcher.runs.get(e.name);
      if (!run) return;
      let timer: NodeJS.Timeout | undefined;
      let stopListening: (() => void) | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.executionWaitMs);
      });
      // An execution parked on a human answer will not finish by itself: stop waiting for it.
      const parked = new Promise<void>((resolve) => {
        if (!this.interactionsWait) return;
        stopListening = this.callbacks.onPending((p) => {
          if (p.executionId === run.arn) resolve();
        });
      });
      await Promise.race([run.done.then(() => undefined), timeout, parked]);
      clearTimeout(timer);
      stopListening?.();
    });
    await Promise.all(waits);
    return { ...outcome, runs: this.runsOf(outcome.executions) };
  }
}
