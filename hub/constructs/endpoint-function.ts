import { fileURLToPath } from 'node:url';
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { RemediationMode, SeverityLabel, SoclessConfig, WebhookSenderConfig } from '../../shared/config.ts';
import type { CompiledPlaybook } from '../../shared/deploy-model.ts';
import { webhookSecretName } from '../../shared/events/webhook.ts';
import { SESSION_LEDGER_KEY_PREFIX } from '../../shared/remediation/session-ledger.ts';
import { ENDPOINT_ENV, ROUTES_DEFINE, type Route, type WebhookSenderEnv } from '../functions/endpoint.ts';
import { SWEEPER_ENV } from '../functions/sweeper.ts';
import type { HubTables } from './hub-tables.ts';
import { STATE_MACHINE_NAME_PREFIX } from './playbook-state-machine.ts';
import { SigningSecret } from './signing-secret.ts';
import { SoclessFunction, type SoclessFunctionDefaults } from './socless-function.ts';

/**
 * How the endpoint takes events off the ingest queue. No batching window: with one, a quiet queue held every
 * event for the whole window (a second, the largest hop of the detection-to-fix path we control; `npm run bench
 * -- latency`); the extra invocations at high volume cost cents (`npm run bench -- cost`).
 */
export const ENDPOINT_QUEUE_BATCH = { size: 10, windowSeconds: 0 } as const;

/** Properties of {@link EndpointFunction}. */
export interface EndpointFunctionProps extends SoclessFunctionDefaults {
  /** events and dedup (rw) and accounts (r). */
  readonly tables: HubTables;
  /** Large raw events go to the vault. */
  readonly vault: IBucket;
  /** The ingest queue the SoclessBus rules feed. */
  readonly ingestQueue: IQueue;
  /** Playbooks whose triggers route events; their state machines are the only ones the endpoint may start. */
  readonly playbooks: readonly Pick<CompiledPlaybook, 'name' | 'triggers'>[];
  /** How long an open investigation absorbs repeats of its finding. */
  readonly dedupWindowMinutes: number;
  /** Mode of accounts the registry does not know yet. */
  readonly defaultMode: RemediationMode;
  /**
   * Webhook senders of `POST /events` (config `webhooks`): each gets its own secret `socless/webhook/<name>`,
   * readable by the endpoint only.
   * @default none (POST /events refuses every request)
   */
  readonly webhooks?: readonly WebhookSenderConfig[];
  /**
   * Per source, the accounts whose events may name other org accounts (config `trustedAggregators`).
   * @default none
   */
  readonly trustedAggregators?: SoclessConfig['trustedAggregators'];
  /**
   * Webhook severities stay below this unless the sender's scope allows (config `remediation.autoMinSeverity`).
   * @default 'HIGH'
   */
  readonly autoMinSeverity?: SeverityLabel;
  /**
   * Warm instances on the latency-critical path (config `endpointProvisionedConcurrency`).
   * @default 0
   */
  readonly provisionedConcurrency?: number;
  /**
   * How often the sweeper re-drives events left `received` or `pending`, and how old they must be.
   * @default 5 minutes
   */
  readonly sweepEvery?: Duration;
}

/**
 * The endpoint Lambda (hub/functions/endpoint.ts) and its sweeper (hub/functions/sweeper.ts). The endpoint
 * consumes the ingest queue (partial batch failures on) and serves `POST /events`; both run the same pipeline
 * with the playbooks' routing table compiled into their bundles.
 */
export class EndpointFunction extends Construct {
  readonly handler: SoclessFunction;
  readonly sweeper: SoclessFunction;
  /** One secret per webhook sender, by sender name; a sender signs `POST /events` with its own. */
  readonly webhookSecrets: ReadonlyMap<string, SigningSecret>;

  constructor(scope: Construct, id: string, props: EndpointFunctionProps) {
    super(scope, id);
    const routes: Route[] = props.playbooks.map((p) => ({ name: p.name, triggers: p.triggers }));
    const define = { [ROUTES_DEFINE]: JSON.stringify(JSON.stringify(routes)) };
    const sweepEvery = props.sweepEvery ?? Duration.minutes(5);
    this.webhookSecrets = new Map(
      (props.webhooks ?? []).map((sender) => [
        sender.name,
        new SigningSecret(this, `WebhookSecret-${sender.name}`, {
          key: props.key,
          usedBy: `webhook sender ${sender.name} of POST /events`,
          secretName: webhookSecretName(sender.name),
        }),
      ]),
    );
    this.handler = new SoclessFunction(this, 'Endpoint', {
      key: props.key,
      network: props.network,
      entry: fileURLToPath(new URL('../functions/endpoint.ts', import.meta.url)),
      description: 'Parses, records, de-duplicates and routes security events, then starts their playbooks',
      timeout: Duration.seconds(30),
      provisionedConcurrency: props.provisionedConcurrency,
      define,
    });
    this.sweeper = new SoclessFunction(this, 'Sweeper', {
      key: props.key,
      network: props.network,
      entry: fileURLToPath(new URL('../functions/sweeper.ts', import.meta.url)),
      description: 'Re-drives events the endpoint persisted but could not dispatch',
      timeout: Duration.minutes(5),
      // One sweep at a time: two would only race for the same records.
      reservedConcurrentExecutions: 1,
      define,
      environment: { [SWEEPER_ENV.olderThanMinutes]: String(sweepEvery.toMinutes()) },
    });
    for (const fn of [this.handler, this.sweeper]) this.bindPipeline(fn, props);
    // The sweeper reports the approvals still waiting (ApprovalsWaiting): a counting scan of message_responses,
    // which has no status index. Reads only; Scan on that one table.
    const responses = props.tables.tables.message_responses;
    this.sweeper.bindTable(responses, 'r');
    this.sweeper.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['dynamodb:Scan'], resources: [responses.tableArn] }),
    );
    this.bindWebhooks(props);
    this.handler.invokeTarget.addEventSource(
      new SqsEventSource(props.ingestQueue, {
        batchSize: ENDPOINT_QUEUE_BATCH.size,
        maxBatchingWindow: Duration.seconds(ENDPOINT_QUEUE_BATCH.windowSeconds),
        reportBatchItemFailures: true,
      }),
    );
    new Rule(this, 'SweepSchedule', {
      description: 'Re-drive events left received or pending',
      schedule: Schedule.rate(sweepEvery),
      targets: [new LambdaFunction(this.sweeper.invokeTarget, { retryAttempts: 2 })],
    });
  }

  /** The senders' scopes and secret ARNs in the environment; read access to exactly those secrets. */
  private bindWebhooks(props: EndpointFunctionProps): void {
    const senders: WebhookSenderEnv[] = (props.webhooks ?? []).map((sender) => {
      const secret = this.webhookSecrets.get(sender.name)?.secret;
      if (!secret) throw new Error(`EndpointFunction: no secret for webhook sender ${sender.name}`);
      secret.grantRead(this.handler.role);
      return { ...sender, secretArn: secret.secretArn };
    });
    const fn = this.handler.function;
    fn.addEnvironment(ENDPOINT_ENV.webhookSenders, Stack.of(this).toJsonString(senders));
    fn.addEnvironment(ENDPOINT_ENV.autoMinSeverity, props.autoMinSeverity ?? 'HIGH');
  }

  private bindPipeline(fn: SoclessFunction, props: EndpointFunctionProps): void {
    const stack = Stack.of(this);
    fn.bindTable(props.tables.tables.events, 'rw');
    fn.bindTable(props.tables.tables.dedup, 'rw');
    fn.bindTable(props.tables.tables.accounts, 'r');
    // The session ledger only: an event is the hub's own (`self`) when its spoke session is recorded there.
    fn.bindTableItemReads(props.tables.tables.remediations, SESSION_LEDGER_KEY_PREFIX);
    fn.bindVault(props.vault, 'rw');
    const prefix = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: STATE_MACHINE_NAME_PREFIX,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    fn.function.addEnvironment(ENDPOINT_ENV.stateMachinePrefix, prefix);
    fn.function.addEnvironment(ENDPOINT_ENV.dedupWindowMinutes, String(props.dedupWindowMinutes));
    fn.function.addEnvironment(ENDPOINT_ENV.defaultMode, props.defaultMode);
    fn.function.addEnvironment(
      ENDPOINT_ENV.trustedAggregators,
      JSON.stringify(props.trustedAggregators ?? { guardduty: [], securityhub: [], 'access-analyzer': [], config: [] }),
    );
    if (props.playbooks.length > 0) {
      fn.addToRolePolicy(
        new PolicyStatement({
          actions: ['states:StartExecution'],
          resources: props.playbooks.map((p) => `${prefix}${p.name}`),
        }),
      );
    }
  }
}
