/**
 * The one metrics catalog: every metric the hub's code emits (embedded metric format, namespace `Socless`) and
 * every AWS-published metric the dashboards read, with where it comes from, its dimensions, unit and statistic;
 * and the panels the three dashboards show (the stack's CloudWatch dashboard, `hub/dashboards/grafana.json`,
 * `hub/dashboards/datadog.json`), all generated from {@link DASHBOARD_PANELS}.
 *
 * Cost: every distinct value combination of an emitted dimension set is one billed custom metric (for the hours it
 * receives data; see scripts/bench/cost). So every dimension value is bounded and fixed at deploy time: sources
 * are the known ones or `other`, remediation ids and integration ids come from the registry, modes are four,
 * outcomes a fixed list. The account is never a dimension (one custom metric per account would be the largest
 * line of the bill at 1,000 accounts); it is a property of the endpoint's lines, counted with Logs Insights.
 *
 * Executions per playbook and status, the dead-letter queues' depth and the Lambda errors are not emitted: AWS
 * publishes them (AWS/States per StateMachineArn, AWS/SQS per QueueName, AWS/Lambda per FunctionName) at no
 * custom-metric cost, and the catalog names them with their namespace and dimension.
 */
import { REMEDIATION_MODES } from '../config.ts';
import type { EffectiveAction } from '../remediation/types.ts';

/** CloudWatch namespace of every metric the hub emits itself. */
export const SOCLESS_NAMESPACE = 'Socless';

/** The dimension value of anything outside a bounded list. */
export const OTHER_DIMENSION = 'other';

/**
 * Outcomes a remediation run is counted under: how far it went (the runner's effective actions, spelled out here
 * so the endpoint's bundle does not pull the remediation kit in), or `failed` when it threw.
 */
export const REMEDIATION_METRIC_OUTCOMES = [
  'ignored',
  'notified',
  'planned',
  'applied',
  'guarded',
  'not-applicable',
  'compliant',
  'failed',
] as const;
export type RemediationMetricOutcome = (typeof REMEDIATION_METRIC_OUTCOMES)[number];
// Both ways: a new effective action that is not listed here, or a listed one that no longer exists, fails tsc.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const outcomesCoverActions: Exact<Exclude<RemediationMetricOutcome, 'failed'>, EffectiveAction> = true;
void outcomesCoverActions;

/** Who publishes a metric: the hub's code (EMF lines in its log groups) or an AWS service. */
export type MetricPublisher =
  | { readonly kind: 'emf'; readonly emittedBy: string }
  /** `resourceType`: the CloudFormation type whose resources AWS publishes the metric for. */
  | { readonly kind: 'aws'; readonly resourceType: string };

export type MetricUnit = 'Count' | 'Milliseconds' | 'Seconds';
export type MetricStatistic = 'Sum' | 'Maximum' | 'Average';

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
}

const emf = (
  name: string,
  dimensionSets: ReadonlyArray<readonly string[]>,
  emittedBy: string,
  description: string,
  unit: MetricUnit = 'Count',
  statistic: MetricStatistic = 'Sum',
): CatalogMetric => ({
  namespace: SOCLESS_NAMESPACE,
  name,
  dimensionSets,
  unit,
  statistic,
  publisher: { kind: 'emf', emittedBy },
  description,
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
});

const ENDPOINT = 'hub/functions/endpoint-metrics.ts (the endpoint, per batch)';
const RUNNER = 'shared/remediation/runner.ts (the remediate integration, per run)';

/** Every metric, by a short key the panels use. */
export const METRICS = {
  eventsIngested: emf('EventsIngested', [['Source']], ENDPOINT, 'Events accepted, by source (account as a property).'),
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
    [['Integration']],
    'shared/integration-runtime/handler.ts (every integration Lambda)',
    'Integration states that failed, by integration id.',
  ),
  remediationOutcomes: emf(
    'RemediationOutcomes',
    [
      ['Remediation', 'Mode'],
      ['Mode', 'Outcome'],
    ],
    RUNNER,
    'Remediation runs by remediation and mode, and by mode and outcome (applied, planned, guarded, … or failed).',
  ),
  eventToOutcome: emf(
    'EventToOutcome',
    [['Remediation']],
    RUNNER,
    "Time from the event (its `time`) to the remediation's outcome.",
    'Milliseconds',
    'Average',
  ),
  approvalsWaiting: emf(
    'ApprovalsWaiting',
    [[]],
    'hub/functions/sweeper.ts (every sweep)',
    'Human interactions (approvals, prompts) still waiting for an answer.',
    'Count',
    'Maximum',
  ),
  killSwitchUnreadable: emf(
    'RemediationKillSwitchUnreadable',
    [[]],
    'shared/remediation/guard.ts (the remediate integration)',
    'The kill switch could not be read as on/off: every auto run is held to a dry-run.',
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
}

/** One panel, the same on every dashboard. */
export interface DashboardPanel {
  readonly id: string;
  readonly title: string;
  readonly kind: 'timeseries' | 'stat';
  readonly series: readonly PanelSeries[];
  /** Width on a 24-column grid. */
  readonly width: number;
}

/** The panels, in order. Every emitted metric is on at least one (test/hub/dashboards.test.ts checks it). */
export const DASHBOARD_PANELS: readonly DashboardPanel[] = [
  {
    id: 'events-by-source',
    title: 'Events ingested by source',
    kind: 'timeseries',
    series: [{ metric: 'eventsIngested', by: ['Source'] }],
    width: 12,
  },
  {
    id: 'events-by-status',
    title: 'Events by status',
    kind: 'timeseries',
    series: [
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
    title: 'Integration failures by integration',
    kind: 'timeseries',
    series: [{ metric: 'integrationFailures', by: ['Integration'] }],
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
    id: 'remediations-by-remediation-mode',
    title: 'Remediation runs by remediation and mode',
    kind: 'timeseries',
    series: [{ metric: 'remediationOutcomes', by: ['Remediation', 'Mode'] }],
    width: 12,
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
    title: 'Time from event to remediation outcome (ms)',
    kind: 'timeseries',
    series: [{ metric: 'eventToOutcome', by: ['Remediation'] }],
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
];

/** Upper bounds of each emitted dimension's values at deploy time (for the cost model and the tests). */
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
export function maxCustomMetrics(bounds: DimensionBounds): number {
  let total = 0;
  for (const m of CATALOG) {
    if (m.publisher.kind !== 'emf') continue;
    for (const set of m.dimensionSets) total += set.reduce((n, d) => n * dimensionCardinality(d, bounds), 1);
  }
  return total;
}
