/**
 * The all-in monthly cost model: per-event operation counts measured by running the pipeline and playbooks
 * locally (see measure.ts), a traffic mix, the stack's configured settings, and the price table (prices.ts).
 * Pure: no I/O, so tests drive it with hand-made profiles and check that changed operations change the bill.
 *
 * Where a quantity is not counted from the code (a per-log-event envelope size, the idle SQS polling of a
 * Lambda event source, data-key reuse periods), the constant says so and names where it comes from.
 */
import type { WorkflowType } from '../../../shared/deploy-model.ts';
import type { StateMachineLogging } from '../../../shared/state-machine-logging.ts';
import type { DynamoCounts } from './counters.ts';
import type { ClassProfile, EventClass, MetricSeries } from './measure.ts';
import { PRICES } from './prices.ts';

const HOURS = 730;
const SECONDS = HOURS * 3600;

/**
 * Step Functions history events per entered state by type (what a log level of ALL writes), from the
 * execution history event types: a Lambda Task is Entered, Scheduled, Started, Succeeded, Exited; the others
 * are Entered and Exited. Plus ExecutionStarted and ExecutionSucceeded/Failed per execution.
 */
const LOG_EVENTS_PER_STATE: Record<string, number> = { Task: 5, Interaction: 5, Parallel: 2, Map: 2 };
const LOG_EVENTS_PER_EXECUTION = 2;
/** Fixed part of one Step Functions log event without data (ids, type, timestamps, ARNs). */
const SFN_LOG_EVENT_ENVELOPE_BYTES = 350;
/** START, END and REPORT lines of one Lambda invocation (platform log format). */
const LAMBDA_PLATFORM_LOG_BYTES = 330;
/** A Lambda SQS event source long-polls with 5 pollers while the queue is idle (20 s waits): requests a month. */
const SQS_IDLE_POLLS_PER_MONTH = 5 * (SECONDS / 20);
/** KMS data-key reuse: DynamoDB, SQS (300 s default) and CloudWatch Logs ask KMS about once per 5 minutes per user. */
const KMS_REQUESTS_PER_KEY_USER_MONTH = SECONDS / 300;
/** Request plus response of one AWS API call through the NAT gateway (headers, JSON body). */
const NAT_BYTES_PER_CALL = 4 * 1024;

/** The stack settings the bill depends on. */
export interface CostSettings {
  readonly logging: Readonly<Record<WorkflowType, StateMachineLogging>>;
  /** Memory of each integration's function; others use `defaultMemoryMb`. */
  readonly memoryMb: Readonly<Record<string, number>>;
  readonly defaultMemoryMb: number;
  readonly endpointMemoryMb: number;
  readonly endpointBatchSize: number;
  readonly endpointBatchWindowSeconds: number;
  /** The endpoint's measured time per event (ms). */
  readonly endpointMsPerEvent: number;
  /** Lambda Task time per invocation used for GB-s and Express duration (ms). */
  readonly taskMs: number;
  readonly sweepEveryMinutes: number;
  readonly sweepMs: number;
  readonly orgAccounts: number;
  readonly natGateways: number;
  readonly wafRules: number;
  /** Months a vault object stays (storage builds up to this many months of writes). */
  readonly vaultRetentionMonths: number;
  /** KMS key users that cache data keys (tables, queues, log groups, buckets). */
  readonly kmsKeyUsers: number;
  /** X-Ray active tracing on the endpoint (Lambda) and on the state machines. */
  readonly tracing: { readonly lambdas: boolean; readonly stateMachines: boolean };
  /** Before/after: price writes as if every INCLUDE index copied whole items (the earlier projection). */
  readonly wholeItemIndexes?: boolean;
  /** What-if: run these playbooks as another workflow type. @default none */
  readonly workflowOverride?: Readonly<Record<string, WorkflowType>>;
  /**
   * Every emitted metric and dimension set (endpoint, integrations, remediation runner, sweeper), with the
   * distinct value combinations measured from their metric lines.
   */
  readonly metricSeries: readonly MetricSeries[];
  /** Bytes of the EMF lines one sweep writes. @default 0 */
  readonly sweepMetricBytes?: number;
  /**
   * The most custom metrics the catalog allows (shared/metrics/catalog.ts `maxCustomMetrics` with the
   * deployment's sources, integrations and remediations); the measured series must stay within it.
   */
  readonly maxCustomMetrics?: number;
}

/** Share of each class in the events reaching the hub bus; shares sum to 1. */
export type Mix = Readonly<Partial<Record<EventClass, number>>>;

export interface CostLine {
  readonly component: string;
  readonly usd: number;
  /** What was counted and how it was priced. */
  readonly detail: string;
  /** Fixed monthly cost that does not scale with events (shown, and NAT hours kept out of the goal). */
  readonly fixed?: boolean;
}

export interface CostEstimate {
  readonly eventsPerMonth: number;
  readonly lines: readonly CostLine[];
  readonly total: number;
  /** Total without NAT hours. */
  readonly totalExNatHours: number;
  readonly perMillionExNatHours: number;
}

const sumDynamo = (d: DynamoCounts, wholeItemIndexes = false) =>
  Object.values(d).reduce(
    (s, v) => ({ wru: s.wru + (wholeItemIndexes ? (v.wruWholeIndexes ?? v.wru) : v.wru), rru: s.rru + v.rru }),
    { wru: 0, rru: 0 },
  );

/** Expected distinct (value, hour) cells when `n` data points fall uniformly on `values` × 730 hours. */
function seriesHours(values: number, n: number): number {
  const cells = values * HOURS;
  return cells * (1 - Math.exp(-n / cells));
}

/** Traces X-Ray records under the default rule (first request each second, then 5%), for `n` requests a month. */
export function sampledTraces(n: number): number {
  const lambda = n / SECONDS;
  const first = 1 - Math.exp(-lambda);
  return SECONDS * (first + 0.05 * Math.max(0, lambda - first));
}

/** Per-event quantities of the mix (weighted over classes). */
export function perEvent(profiles: ReadonlyMap<EventClass, ClassProfile>, mix: Mix, settings: CostSettings) {
  let wru = 0;
  let rru = 0;
  let endpointWru = 0;
  let endpointRru = 0;
  let vaultPuts = 0;
  let vaultGets = 0;
  let vaultBytes = 0;
  let publishes = 0;
  let metricBytes = 0;
  /** Data points per event by series key; undefined when no profile counted them (hand-made profiles). */
  let metricPoints: Record<string, number> | undefined;
  let eventChunks = 0;
  let remediationCalls = 0;
  let executionInputBytes = 0;
  const sfn = { express: 0, expressGbSeconds: 0, standardTransitions: 0, standardExecutions: 0, executions: 0 };
  let invocations = 0;
  let lambdaGbSeconds = 0;
  let sfnLogBytes = 0;
  let asks = 0;
  for (const [cls, share] of Object.entries(mix) as [EventClass, number][]) {
    const p = profiles.get(cls);
    if (!p || !share) continue;
    const e = sumDynamo(p.dynamoEndpoint, settings.wholeItemIndexes);
    const b = sumDynamo(p.dynamoPlaybooks, settings.wholeItemIndexes);
    endpointWru += share * e.wru;
    endpointRru += share * e.rru;
    wru += share * (e.wru + b.wru);
    rru += share * (e.rru + b.rru);
    vaultPuts += share * p.vaultPuts;
    vaultGets += share * p.vaultGets;
    vaultBytes += share * p.vaultBytes;
    publishes += share * p.notifications;
    metricBytes += share * p.metricLogBytes;
    if (p.metricPoints) {
      metricPoints ??= {};
      for (const [k, v] of Object.entries(p.metricPoints)) metricPoints[k] = (metricPoints[k] ?? 0) + share * v;
    }
    eventChunks += share * Math.max(1, Math.ceil(p.eventBytes / 65536));
    remediationCalls += share * p.remediationCalls;
    if (cls === 'asked') asks += share;
    for (const x of p.executions) {
      const w = share * x.weight;
      sfn.executions += w;
      executionInputBytes += w * x.inputBytes;
      let tasks = 0;
      for (const [id, n] of Object.entries(x.invocations)) {
        tasks += n;
        invocations += w * n;
        const gb = (settings.memoryMb[id] ?? settings.defaultMemoryMb) / 1024;
        lambdaGbSeconds += w * n * gb * (Math.max(1, Math.ceil(settings.taskMs)) / 1000);
      }
      const workflow = settings.workflowOverride?.[x.playbook] ?? x.workflow;
      if (workflow === 'express') {
        sfn.express += w;
        // Billed in 100 ms steps at 64 MB minimum.
        const seconds = Math.ceil((tasks * settings.taskMs + (x.transitions - tasks) * 1) / 100) / 10;
        sfn.expressGbSeconds += w * seconds * (64 / 1024);
      } else {
        sfn.standardExecutions += w;
        sfn.standardTransitions += w * x.transitions;
      }
      const logging = settings.logging[workflow];
      const logged = logging.level === 'ALL' || (logging.level === 'ERROR' && x.status !== 'SUCCEEDED');
      if (logged) {
        const events =
          LOG_EVENTS_PER_EXECUTION +
          Object.entries(x.statesByType).reduce((s, [type, n]) => s + n * (LOG_EVENTS_PER_STATE[type] ?? 2), 0);
        // Each event with data carries the state's input or output: the document grows from input to output.
        const data = logging.includeExecutionData ? (x.inputBytes + x.outputBytes) / 2 : 0;
        sfnLogBytes += w * events * (SFN_LOG_EVENT_ENVELOPE_BYTES + data);
      }
    }
  }
  return {
    wru,
    rru,
    endpointWru,
    endpointRru,
    vaultPuts,
    vaultGets,
    vaultBytes,
    publishes,
    metricBytes,
    metricPoints,
    eventChunks,
    remediationCalls,
    executionInputBytes,
    sfn,
    invocations,
    lambdaGbSeconds,
    sfnLogBytes,
    asks,
  };
}

/** The monthly bill for `eventsPerMonth` events reaching the hub bus. */
export function estimateCost(
  profiles: ReadonlyMap<EventClass, ClassProfile>,
  mix: Mix,
  eventsPerMonth: number,
  settings: CostSettings,
): CostEstimate {
  const n = eventsPerMonth;
  const e = perEvent(profiles, mix, settings);
  const lines: CostLine[] = [];
  const add = (component: string, usd: number, detail: string, fixed?: boolean) =>
    lines.push({ component, usd, detail, ...(fixed ? { fixed } : {}) });
  const fmt = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(2));

  add(
    'EventBridge cross-account',
    n * e.eventChunks * (PRICES.eventBusCustomEvent.usd + PRICES.eventBusCrossAccountDelivery.usd),
    `${fmt(n * e.eventChunks)} events spoke bus → hub bus (custom-event rate + cross-account delivery)`,
  );

  // Batches fill up to the batch size within the batching window; at low rates each event is its own batch.
  const rate = n / SECONDS;
  const batch = Math.min(settings.endpointBatchSize, Math.max(1, rate * settings.endpointBatchWindowSeconds));
  const endpointInvocations = n / batch;
  const sqsRequests = n + (2 * n) / batch + SQS_IDLE_POLLS_PER_MONTH;
  add(
    'SQS ingest queue',
    sqsRequests * PRICES.sqsRequest.usd,
    `${fmt(n)} sends + receive/delete per batch of ${batch.toFixed(1)} + ${fmt(SQS_IDLE_POLLS_PER_MONTH)} idle long polls`,
  );

  const endpointGbS =
    endpointInvocations * (settings.endpointMemoryMb / 1024) * (Math.ceil(batch * settings.endpointMsPerEvent) / 1000);
  const sweeps = (HOURS * 60) / settings.sweepEveryMinutes;
  const sweepGbS = sweeps * (settings.endpointMemoryMb / 1024) * (settings.sweepMs / 1000);
  add(
    'Endpoint + sweeper Lambda',
    (endpointInvocations + sweeps) * PRICES.lambdaRequest.usd + (endpointGbS + sweepGbS) * PRICES.lambdaArmGbSecond.usd,
    `${fmt(endpointInvocations)} endpoint invocations (${settings.endpointMsPerEvent.toFixed(1)} ms/event measured, ${settings.endpointMemoryMb} MB arm64) + ${fmt(sweeps)} sweeps`,
  );

  add(
    'Integration Lambdas',
    n * e.invocations * PRICES.lambdaRequest.usd + n * e.lambdaGbSeconds * PRICES.lambdaArmGbSecond.usd,
    `${fmt(n * e.invocations)} invocations, ${fmt(n * e.lambdaGbSeconds)} GB-s (${settings.taskMs} ms each, arm64)`,
  );

  add(
    'Step Functions Express',
    n * e.sfn.express * PRICES.sfnExpressRequest.usd + n * e.sfn.expressGbSeconds * PRICES.sfnExpressGbSecond.usd,
    `${fmt(n * e.sfn.express)} executions, ${fmt(n * e.sfn.expressGbSeconds)} GB-s`,
  );
  add(
    'Step Functions Standard',
    n * e.sfn.standardTransitions * PRICES.sfnStandardTransition.usd,
    `${fmt(n * e.sfn.standardExecutions)} executions, ${fmt(n * e.sfn.standardTransitions)} transitions`,
  );

  add(
    'DynamoDB on-demand',
    n * e.wru * PRICES.dynamoWru.usd + n * e.rru * PRICES.dynamoRru.usd,
    `${e.wru.toFixed(2)} WRU + ${e.rru.toFixed(2)} RRU per event (endpoint ${e.endpointWru.toFixed(2)} WRU / ${e.endpointRru.toFixed(2)} RRU), counted`,
  );

  const stored = n * e.vaultBytes * settings.vaultRetentionMonths;
  add(
    'S3 vault',
    n * e.vaultPuts * PRICES.s3Put.usd +
      n * e.vaultGets * PRICES.s3Get.usd +
      (stored / 1024 ** 3) * PRICES.s3GbMonth.usd,
    `${e.vaultPuts.toFixed(2)} PUT + ${e.vaultGets.toFixed(2)} GET per event; ${fmt(stored / 1024 ** 3)} GB stored after ${settings.vaultRetentionMonths} months`,
  );

  add('SNS notifications', n * e.publishes * PRICES.snsPublish.usd, `${e.publishes.toFixed(2)} publishes per event`);

  const lambdaLogBytes = (endpointInvocations + sweeps + n * e.invocations) * LAMBDA_PLATFORM_LOG_BYTES;
  // EMF lines are log events: the endpoint's, the integrations' and the runner's per event, the sweeper's per run.
  const metricLogBytes = n * e.metricBytes + sweeps * (settings.sweepMetricBytes ?? 0);
  const logGb = (n * e.sfnLogBytes + metricLogBytes + lambdaLogBytes) / 1024 ** 3;
  add(
    'CloudWatch Logs ingestion',
    logGb * PRICES.logsIngestGb.usd,
    `${fmt(logGb)} GB: Step Functions ${fmt((n * e.sfnLogBytes) / 1024 ** 3)} GB (${settings.logging.express.level}/${settings.logging.standard.level}), EMF metric lines ${fmt(metricLogBytes / 1024 ** 3)} GB, Lambda platform lines`,
  );

  // Every distinct value combination of a metric's dimension set is one custom metric, billed for the hours it
  // receives data (EMF needs no PutMetricData: its cost is the log bytes above). The combinations are those the
  // run emitted; a what-if series without a count takes one per known source for Source, one per org account for
  // Account. Data points: the sweeper's gauge once per sweep, the others as counted per event of the mix.
  const sources = Math.max(1, profilesSources(profiles));
  const cardinality = (s: MetricSeries) =>
    s.values ??
    s.dimensions.reduce((c, d) => c * (d === 'Source' ? sources : d === 'Account' ? settings.orgAccounts : 1), 1);
  const measuredMetrics = settings.metricSeries.reduce((c, s) => c + (s.values ?? 0), 0);
  if (settings.maxCustomMetrics !== undefined && measuredMetrics > settings.maxCustomMetrics) {
    throw new Error(
      `cost model: ${measuredMetrics} custom metrics emitted, more than the catalog's bound of ${settings.maxCustomMetrics} (shared/metrics/catalog.ts)`,
    );
  }
  // A what-if series (no measured values) gets a point per event.
  const points = (s: MetricSeries) =>
    s.perSweep
      ? sweeps
      : e.metricPoints && s.values !== undefined
        ? n * (e.metricPoints[`${s.metric}|${s.dimensions.join(',')}`] ?? 0)
        : n;
  const hours = settings.metricSeries.reduce((h, s) => h + seriesHours(cardinality(s), points(s)), 0);
  const bound = settings.maxCustomMetrics;
  add(
    'CloudWatch custom metrics',
    (hours / HOURS) * PRICES.customMetricMonth.usd,
    `${fmt(hours)} metric-hours of ${settings.metricSeries.reduce((c, s) => c + cardinality(s), 0)} metrics` +
      `${bound !== undefined ? ` (catalog bound ${bound}: at most $${(bound * PRICES.customMetricMonth.usd).toFixed(2)} a month)` : ''}: ` +
      settings.metricSeries
        .map((s) => `${s.metric}[${s.dimensions.join(',') || '-'}]×${cardinality(s)}${s.perSweep ? ' per sweep' : ''}`)
        .join(', '),
  );

  const kmsRequests = settings.kmsKeyUsers * KMS_REQUESTS_PER_KEY_USER_MONTH;
  add(
    'KMS',
    PRICES.kmsKeyMonth.usd + kmsRequests * PRICES.kmsRequest.usd,
    `1 key + ${fmt(kmsRequests)} requests (${settings.kmsKeyUsers} key users, data keys reused 5 min); the key rotates yearly: ` +
      'its first two rotations add $1 a month each (AWS KMS pricing since April 2024), $3 a month from the third year',
    true,
  );

  const natCalls = n * (e.sfn.executions + e.publishes + 2 * e.remediationCalls);
  const natGb = (n * e.executionInputBytes + natCalls * NAT_BYTES_PER_CALL) / 1024 ** 3;
  add(
    'NAT data',
    natGb * PRICES.natGb.usd,
    `${fmt(natGb)} GB: StartExecution, SNS, STS + spoke calls (DynamoDB and S3 use gateway endpoints)`,
  );
  add(
    'NAT hours',
    settings.natGateways * HOURS * PRICES.natHour.usd,
    `${settings.natGateways} gateway(s) × ${HOURS} h`,
    true,
  );

  const apiRequests = n * e.asks;
  add(
    'API Gateway + WAF',
    apiRequests * (PRICES.apiGatewayRestRequest.usd + PRICES.wafRequest.usd) +
      PRICES.wafWebAclMonth.usd +
      settings.wafRules * PRICES.wafRuleMonth.usd,
    `${fmt(apiRequests)} human answers; web ACL + ${settings.wafRules} rules`,
    true,
  );

  // A state machine's trace carries its Lambda tasks' segments; the endpoint's invocations are traces of their own.
  const traces =
    (settings.tracing.lambdas ? sampledTraces(endpointInvocations) : 0) +
    (settings.tracing.stateMachines ? sampledTraces(n * e.sfn.executions) : 0);
  add('X-Ray traces', traces * PRICES.xrayTrace.usd, `${fmt(traces)} traces (default sampling)`);

  const total = lines.reduce((s, l) => s + l.usd, 0);
  const natHours = lines.find((l) => l.component === 'NAT hours')?.usd ?? 0;
  return {
    eventsPerMonth: n,
    lines,
    total,
    totalExNatHours: total - natHours,
    perMillionExNatHours: ((total - natHours) / n) * 1e6,
  };
}

function profilesSources(profiles: ReadonlyMap<EventClass, ClassProfile>): number {
  return new Set([...profiles.values()].flatMap((p) => p.sources)).size;
}
