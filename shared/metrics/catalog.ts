/**
 * The one metrics catalog: every metric the hub's code emits (embedded metric format, namespace `Socless`) and
 * every AWS-published metric the dashboards read, with where it comes from, its dimensions, unit and statistic;
 * and the panels the three dashboards show (the stack's CloudWatch dashboard, `hub/dashboards/grafana.json`,
 * `hub/dashboards/datadog.json`), all generated from {@link DASHBOARD_PANELS}.
 *
 * Cost: every distinct value combination of an emitted dimension set is one billed custom metric (for the hours it
 * receives data; see scripts/bench/cost). So a dimension is kept only where an alarm or a metric panel needs it,
 * and its values are fixed lists that do not grow with the deployment (modes, outcomes): {@link maxCustomMetrics}
 * is the same for 5 remediations or 500. The fine-grained breakdowns (per source, account, remediation id,
 * integration id) are properties of the same EMF lines instead: written to the log, not billed as metrics, and
 * drawn by the dashboards' Logs Insights panels ({@link LogPanel}).
 *
 * Executions per playbook and status, the dead-letter queues' depth and the Lambda errors are not emitted: AWS
 * publishes them (AWS/States per StateMachineArn, AWS/SQS per QueueName, AWS/Lambda per FunctionName) at no
 * custom-metric cost, and the catalog names them with their namespace and dimension.
 */
import { REMEDIATION_MODES } from '../config.ts';
import { EFFECTIVE_ACTIONS } from '../remediation/effective-actions.ts';

/** CloudWatch namespace of every metric the hub emits itself. */
export const SOCLESS_NAMESPACE = 'Socless';

/** The dimension value of anything outside a bounded list. */
export const OTHER_DIMENSION = 'other';

/** Outcomes a remediation run is counted under: how far it went (the runner's effective actions), or `failed` when it threw. */
export const REMEDIATION_METRIC_OUTCOMES = [...EFFECTIVE_ACTIONS, 'failed'] as const;
export type RemediationMetricOutcome = (typeof REMEDIATION_METRIC_OUTCOMES)[number];

/**
 * Which of the hub's log groups hold a metric's EMF lines (what a Logs Insights panel reads): the endpoint's, the
 * sweeper's, or the integrations' (the remediation runner writes from inside the integration that runs it).
 */
export type EmfLogGroups = 'endpoint' | 'sweeper' | 'integrations';

/** Who publishes a metric: the hub's code (EMF lines in its log groups) or an AWS service. */
export type MetricPublisher =
  | { readonly kind: 'emf'; readonly emittedBy: string; readonly logGroups: EmfLogGroups }
  /** `resourceType`: the CloudFormation type whose resources AWS publishes the metric for. */
  | { readonly kind: 'aws'; readonly resourceType: string };

export type MetricUnit = 'Count' | 'Milliseconds' | 'Seconds';
export type MetricStatistic = 'Sum' | 'Maximum' | 'Average';
/**
 * Percentiles a panel may draw of a timing metric: CloudWatch computes them from the raw values of the EMF lines
 * (one value a line, never negative), across every line of the metric.
 */
export type PercentileStatistic = 'p50' | 'p90' | 'p99';

/** One metric of the catalog. */
export interface CatalogMetric {
  readonly namespace: string;
  readonly name: string;
  /** Each dimension set is a separate series family; every distinct value combination is one metric. */
  readonly dimensionSets: ReadonlyArray<readonly string[]>;
  readonly unit: MetricUnit;
  /** The statistic the dashboards show. */
  readonly statistic: MetricStatistic;
  readonly publisher: MetricPublisher;
  readonly description: string;
  /**
   * EMF only: the fields every line carries besides its dimensions (the breakdowns Logs Insights reads; they
   * create no metric). The writer refuses a line without one of them or with any other.
   */
  readonly properties: readonly string[];
}

interface Emitter {
  readonly emittedBy: string;
  readonly logGroups: EmfLogGroups;
}

const emf = (
  name: string,
  dimensionSets: ReadonlyArray<readonly string[]>,
  emitter: Emitter,
  description: string,
  properties: readonly string[] = [],
  unit: MetricUnit = 'Count',
  statistic: MetricStatistic = 'Sum',
): CatalogMetric => ({
  namespace: SOCLESS_NAMESPACE,
  name,
  dimensionSets,
  unit,
  statistic,
  publisher: { kind: 'emf', ...emitter },
  description,
  properties,
});

const aws = (
  namespace: string,
  name: string,
  dimension: string,
  resourceType: string,
  description: string,
  statistic: MetricStatistic = 'Sum',
  unit: MetricUnit = 'Count',
): CatalogMetric => ({
  namespace,
  name,
  dimensionSets: [[dimension]],
  unit,
  statistic,
  publisher: { kind: 'aws', resourceType },
  description,
  properties: [],
});

const ENDPOINT: Emitter = {
  emittedBy: 'hub/functions/endpoint-metrics.ts (the endpoint, per batch)',
  logGroups: 'endpoint',
};
const RUNNER: Emitter = {
  emittedBy: 'shared/remediation/runner.ts (the remediate integration, per run)',
  logGroups: 'integrations',
};

/** Every metric, by a short key the panels use. */
export const METRICS = {
  eventsIngested: emf(
    'EventsIngested',
    [[]],
    ENDPOINT,
    'Events accepted (source and account as properties: known ones or `other`).',
    ['Source', 'Account'],
  ),
  eventsDuplicate: emf('EventsDuplicate', [[]], ENDPOINT, 'Events already seen within the dedup window.'),
  eventsRejected: emf('EventsRejected', [[]], ENDPOINT, 'Events refused: they did not parse or normalize.'),
  eventsUnrouted: emf('EventsUnrouted', [[]], ENDPOINT, 'Events no playbook trigger matched.'),
  eventsSelf: emf('EventsSelf', [[]], ENDPOINT, "The hub's own remediation calls, seen again and not acted on."),
  eventsPending: emf(
    'EventsPending',
    [[]],
    ENDPOINT,
    'Dispatch failures: StartExecution failed, the event is pending and the sweeper re-drives it.',
  ),
  integrationFailures: emf(
    'IntegrationFailures',
    [[]],
    {
      emittedBy: 'shared/integration-runtime/handler.ts (every integration Lambda)',
      logGroups: 'integrations',
    },
    'Integration states that failed (the integration id, error, playbook and state as properties).',
    ['Integration', 'error', 'playbook', 'state'],
  ),
  remediationOutcomes: emf(
    'RemediationOutcomes',
    [['Mode', 'Outcome']],
    RUNNER,
    'Remediation runs by mode and outcome (applied, planned, guarded, … or failed); the remediation id as a property.',
    ['Remediation'],
  ),
  eventToOutcome: emf(
    'EventToOutcome',
    [[]],
    RUNNER,
    "Time from the event (its `time`) to the remediation's outcome, across remediations (id, mode and outcome as properties).",
    ['Remediation', 'Mode', 'Outcome'],
    'Milliseconds',
    'Average',
  ),
  approvalsWaiting: emf(
    'ApprovalsWaiting',
    [[]],
    { emittedBy: 'hub/functions/sweeper.ts (every sweep)', logGroups: 'sweeper' },
    'Human interactions (approvals, prompts) still waiting for an answer.',
    [],
    'Count',
    'Maximum',
  ),
  killSwitchUnreadable: emf(
    'RemediationKillSwitchUnreadable',
    [[]],
    { emittedBy: 'shared/remediation/guard.ts (the remediate integration)', logGroups: 'integrations' },
    'The kill switch could not be read as on/off: every auto run is held to a dry-run.',
    ['problem'],
  ),
  executionsStarted: aws(
    'AWS/States',
    'ExecutionsStarted',
    'StateMachineArn',
    'AWS::StepFunctions::StateMachine',
    'Playbook executions started.',
  ),
  executionsSucceeded: aws(
    'AWS/States',
    'ExecutionsSucceeded',
    'StateMachineArn',
    'AWS::StepFunctions::StateMachine',
    'Playbook executions that succeeded.',
  ),
  executionsFailed: aws(
    'AWS/States',
    'ExecutionsFailed',
    'StateMachineArn',
    'AWS::StepFunctions::StateMachine',
    'Playbook executions that failed.',
  ),
  executionsTimedOut: aws(
    'AWS/States',
    'ExecutionsTimedOut',
    'StateMachineArn',
    'AWS::StepFunctions::StateMachine',
    'Playbook executions that timed out.',
  ),
  executionsAborted: aws(
    'AWS/States',
    'ExecutionsAborted',
    'StateMachineArn',
    'AWS::StepFunctions::StateMachine',
    'Playbook executions aborted (stopped by an operator).',
  ),
  dlqDepth: aws(
    'AWS/SQS',
    'ApproximateNumberOfMessagesVisible',
    'QueueName',
    'AWS::SQS::Queue',
    'Messages waiting in the dead-letter queues.',
    'Maximum',
  ),
  ingestQueueAge: aws(
    'AWS/SQS',
    'ApproximateAgeOfOldestMessage',
    'QueueName',
    'AWS::SQS::Queue',
    'Age of the oldest message in the ingest queue.',
    'Maximum',
    'Seconds',
  ),
  lambdaErrors: aws('AWS/Lambda', 'Errors', 'FunctionName', 'AWS::Lambda::Function', 'Hub Lambda invocation errors.'),
  lambdaThrottles: aws(
    'AWS/Lambda',
    'Throttles',
    'FunctionName',
    'AWS::Lambda::Function',
    'Hub Lambda invocations throttled.',
  ),
} as const satisfies Record<string, CatalogMetric>;

export type MetricKey = keyof typeof METRICS;

/** The catalog as a list. */
export const CATALOG: ReadonlyArray<CatalogMetric & { readonly key: MetricKey }> = Object.entries(METRICS).map(
  ([key, m]) => ({ ...m, key: key as MetricKey }),
);

/** Which deployed resources a per-resource AWS metric is drawn for (the stack knows them; exports filter). */
export type ResourceSet = 'playbooks' | 'deadLetterQueues' | 'ingestQueue' | 'functions';

/** One line (or family of lines) on a panel. */
export interface PanelSeries {
  readonly metric: MetricKey;
  /**
   * The dimension the panel draws one line per value of (one of the metric's dimension sets, or its dimension
   * for AWS metrics); none: a single line.
   */
  readonly by?: readonly string[];
  /** For an AWS metric: which of the stack's resources it is drawn for. */
  readonly resources?: ResourceSet;
  /** A timing metric drawn as this percentile instead of its catalog statistic. */
  readonly percentile?: PercentileStatistic;
}

/** The statistic a series is drawn with; throws, naming the metric, on a percentile of a count. */
export function seriesStatistic(series: PanelSeries): MetricStatistic | PercentileStatistic {
  const metric = METRICS[series.metric];
  if (!series.percentile) return metric.statistic;
  if (metric.unit === 'Count') throw new Error(`metrics catalog: ${metric.name} is a count, not drawn as a percentile`);
  return series.percentile;
}

/** One metric panel, the same on every dashboard. */
export interface MetricPanel {
  readonly id: string;
  readonly title: string;
  readonly kind: 'timeseries' | 'stat';
  readonly series: readonly PanelSeries[];
  /** Width on a 24-column grid. */
  readonly width: number;
}

/**
 * One Logs Insights panel over a metric's EMF lines, broken down by some of its properties (the breakdowns that
 * are not dimensions, so cost no custom metric). CloudWatch draws it as a log widget, Grafana as a CloudWatch
 * Logs query; Datadog cannot query CloudWatch Logs, so its dashboard carries the query text in a note.
 */
export interface LogPanel {
  readonly id: string;
  readonly title: string;
  readonly kind: 'logs';
  readonly metric: MetricKey;
  /** Fields of the metric's lines to group by: its catalog `properties` (or dimensions). */
  readonly by: readonly string[];
  /** `sum`: the metric's total per group, as `as`; `percentiles`: p50, p90 and p99 of its values per group. */
  readonly stat: 'sum' | 'percentiles';
  /** The name of the summed column (`sum` only). */
  readonly as?: string;
  readonly width: number;
}

export type DashboardPanel = MetricPanel | LogPanel;

/** The rows a Logs Insights panel returns at most. */
export const LOG_PANEL_LIMIT = 50;

/**
 * The Logs Insights query of a log panel, one command a line (joined with `\n| ` into the query). Throws, naming
 * the panel, when it groups by a field the metric's lines do not carry.
 */
export function logPanelQueryLines(panel: LogPanel): string[] {
  const metric = METRICS[panel.metric];
  if (metric.publisher.kind !== 'emf') throw new Error(`panel ${panel.id}: ${metric.name} has no EMF lines to query`);
  const fields = new Set([...metric.properties, ...metric.dimensionSets.flat()]);
  for (const p of panel.by) {
    if (!fields.has(p)) throw new Error(`panel ${panel.id}: ${metric.name} lines have no field ${p}`);
  }
  if (panel.by.length === 0) throw new Error(`panel ${panel.id}: a log panel groups by at least one property`);
  const by = panel.by.join(', ');
  const m = metric.name;
  if (panel.stat === 'sum') {
    const as = panel.as ?? 'total';
    return [
      `filter ispresent(${m})`,
      `stats sum(${m}) as ${as} by ${by}`,
      `sort ${as} desc`,
      `limit ${LOG_PANEL_LIMIT}`,
    ];
  }
  return [
    `filter ispresent(${m})`,
    `stats count(*) as runs, pct(${m}, 50) as p50, pct(${m}, 90) as p90, pct(${m}, 99) as p99 by ${by}`,
    'sort p90 desc',
    `limit ${LOG_PANEL_LIMIT}`,
  ];
}

/** The query as one text. */
export function logPanelQuery(panel: LogPanel): string {
  return logPanelQueryLines(panel).join('\n| ');
}

/** The panels, in order. Every emitted metric is on at least one (test/hub/dashboards.test.ts checks it). */
export const DASHBOARD_PANELS: readonly DashboardPanel[] = [
  {
    id: 'events-by-status',
    title: 'Events by status',
    kind: 'timeseries',
    series: [
      { metric: 'eventsIngested' },
      { metric: 'eventsDuplicate' },
      { metric: 'eventsRejected' },
      { metric: 'eventsUnrouted' },
      { metric: 'eventsSelf' },
      { metric: 'eventsPending' },
    ],
    width: 12,
  },
  {
    id: 'dispatch-failures',
    title: 'Dispatch failures (events pending; the sweeper re-drives them)',
    kind: 'stat',
    series: [{ metric: 'eventsPending' }],
    width: 6,
  },
  {
    id: 'approvals-waiting',
    title: 'Approvals waiting',
    kind: 'stat',
    series: [{ metric: 'approvalsWaiting' }],
    width: 6,
  },
  {
    id: 'kill-switch-unreadable',
    title: 'Kill switch unreadable',
    kind: 'stat',
    series: [{ metric: 'killSwitchUnreadable' }],
    width: 6,
  },
  {
    id: 'integration-failures',
    title: 'Integration failures',
    kind: 'stat',
    series: [{ metric: 'integrationFailures' }],
    width: 6,
  },
  {
    id: 'executions-by-status',
    title: 'Playbook executions by status',
    kind: 'timeseries',
    series: [
      { metric: 'executionsStarted', resources: 'playbooks' },
      { metric: 'executionsSucceeded', resources: 'playbooks' },
      { metric: 'executionsFailed', resources: 'playbooks' },
      { metric: 'executionsTimedOut', resources: 'playbooks' },
      { metric: 'executionsAborted', resources: 'playbooks' },
    ],
    width: 24,
  },
  {
    id: 'remediations-by-outcome',
    title: 'Remediation outcomes by mode',
    kind: 'timeseries',
    series: [{ metric: 'remediationOutcomes', by: ['Mode', 'Outcome'] }],
    width: 12,
  },
  {
    id: 'event-to-outcome',
    title: 'Time from event to remediation outcome (ms, p50/p90/p99 of all remediations)',
    kind: 'timeseries',
    series: [
      { metric: 'eventToOutcome', percentile: 'p50' },
      { metric: 'eventToOutcome', percentile: 'p90' },
      { metric: 'eventToOutcome', percentile: 'p99' },
    ],
    width: 12,
  },
  {
    id: 'dlq-depth',
    title: 'Dead-letter queue depth',
    kind: 'timeseries',
    series: [{ metric: 'dlqDepth', resources: 'deadLetterQueues' }],
    width: 12,
  },
  {
    id: 'ingest-queue-age',
    title: 'Ingest queue: age of oldest message (s)',
    kind: 'timeseries',
    series: [{ metric: 'ingestQueueAge', resources: 'ingestQueue' }],
    width: 8,
  },
  {
    id: 'lambda-errors',
    title: 'Lambda errors',
    kind: 'timeseries',
    series: [{ metric: 'lambdaErrors', resources: 'functions' }],
    width: 8,
  },
  {
    id: 'lambda-throttles',
    title: 'Lambda throttles',
    kind: 'timeseries',
    series: [{ metric: 'lambdaThrottles', resources: 'functions' }],
    width: 8,
  },
  // The breakdowns that are properties, not dimensions: Logs Insights over the EMF lines.
  {
    id: 'remediations-by-remediation-mode',
    title: 'Remediation runs by remediation and mode (Logs Insights)',
    kind: 'logs',
    metric: 'remediationOutcomes',
    by: ['Remediation', 'Mode', 'Outcome'],
    stat: 'sum',
    as: 'runs',
    width: 12,
  },
  {
    id: 'event-to-outcome-by-remediation',
    title: 'Time from event to outcome by remediation, ms (Logs Insights)',
    kind: 'logs',
    metric: 'eventToOutcome',
    by: ['Remediation'],
    stat: 'percentiles',
    width: 12,
  },
  {
    id: 'events-by-source',
    title: 'Events ingested by source (Logs Insights)',
    kind: 'logs',
    metric: 'eventsIngested',
    by: ['Source'],
    stat: 'sum',
    as: 'events',
    width: 8,
  },
  {
    id: 'events-by-account',
    title: 'Events ingested per account (Logs Insights)',
    kind: 'logs',
    metric: 'eventsIngested',
    by: ['Account'],
    stat: 'sum',
    as: 'events',
    width: 8,
  },
  {
    id: 'integration-failures-by-integration',
    title: 'Integration failures by integration (Logs Insights)',
    kind: 'logs',
    metric: 'integrationFailures',
    by: ['Integration'],
    stat: 'sum',
    as: 'failures',
    width: 8,
  },
];

/** The metric panels. */
export const METRIC_PANELS: readonly MetricPanel[] = DASHBOARD_PANELS.filter(
  (p): p is MetricPanel => p.kind !== 'logs',
);
/** The Logs Insights panels. */
export const LOG_PANELS: readonly LogPanel[] = DASHBOARD_PANELS.filter((p): p is LogPanel => p.kind === 'logs');

/**
 * Upper bounds of the deployment-sized value lists (for the cost model and the tests). No emitted dimension uses
 * them today (source, integration and remediation ids are properties); they price a dimension that would.
 */
export interface DimensionBounds {
  readonly sources: number;
  readonly integrations: number;
  readonly remediations: number;
}

/** How many values a dimension can take. */
export function dimensionCardinality(dimension: string, bounds: DimensionBounds): number {
  switch (dimension) {
    case 'Source':
      return bounds.sources + 1; // the known ones and `other`
    case 'Integration':
      return bounds.integrations;
    case 'Remediation':
      return bounds.remediations;
    case 'Mode':
      return REMEDIATION_MODES.length;
    case 'Outcome':
      return REMEDIATION_METRIC_OUTCOMES.length;
    default:
      throw new Error(`metrics catalog: dimension "${dimension}" has no bound; every emitted dimension needs one`);
  }
}

/**
 * The most custom metrics the hub's EMF lines can create: per metric and dimension set, the product of its
 * dimensions' cardinalities (a set with no dimension is one metric). AWS-published metrics cost nothing here.
 */
export function maxCustomMetrics(bounds: DimensionBounds, catalog: readonly CatalogMetric[] = CATALOG): number {
  let total = 0;
  for (const m of catalog) {
    if (m.publisher.kind !== 'emf') continue;
    for (const set of m.dimensionSets) total += set.reduce((n, d) => n * dimensionCardinality(d, bounds), 1);
  }
  return total;
}
