import { Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  type IWidget,
  LogQueryVisualizationType,
  LogQueryWidget,
  MathExpression,
  Metric,
  SingleValueWidget,
  Stats,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  DASHBOARD_PANELS,
  type EmfLogGroups,
  logPanelQueryLines,
  METRICS,
  type PanelSeries,
  type ResourceSet,
  seriesStatistic,
} from '../../shared/metrics/catalog.ts';
import { KILL_SWITCH_METRIC_NAMESPACE, KILL_SWITCH_UNREADABLE_METRIC } from '../../shared/remediation/guard.ts';
import { METRIC_NAMES, METRICS_NAMESPACE } from '../functions/endpoint.ts';
import type { DeadLetterQueue } from './dead-letter-queue.ts';
import { IntegrationFunctions } from './integration-functions.ts';
import type { PlaybookStateMachine } from './playbook-state-machine.ts';
import type { SoclessFunction } from './socless-function.ts';

/** Properties of {@link HubMonitoring}. */
export interface HubMonitoringProps {
  /** Key of the alarm topic. */
  readonly key: IKey;
  /**
   * Address subscribed to the alarm topic.
   * @default - no subscription (the topic exists either way)
   */
  readonly alarmEmail?: string;
  /** The endpoint function: its errors and throttles alarm. */
  readonly endpoint: SoclessFunction;
  /**
   * The sweeper: it fails when an event cannot be re-driven, and that alarms.
   * @default no sweeper alarm
   */
  readonly sweeper?: SoclessFunction;
  /** Every hub function, for the errors and throttles graphs. */
  readonly functions: readonly SoclessFunction[];
  /** Every playbook: failed executions alarm per playbook. */
  readonly playbooks: readonly PlaybookStateMachine[];
  /** Every dead-letter queue: each one alarms as soon as it holds a message. */
  readonly deadLetterQueues: readonly DeadLetterQueue[];
  /** The ingest queue: its backlog age is graphed. */
  readonly ingestQueue: IQueue;
  /**
   * Name of the CloudWatch dashboard.
   * @default 'SOCless-hub'
   */
  readonly dashboardName?: string;
}

/**
 * The hub's dashboard and alarms. Alarms (any DLQ not empty, failed executions per playbook, endpoint errors
 * and throttles, an unreadable remediation kill switch) notify an encrypted SNS topic, e-mailed when an address is configured.
 */
export class HubMonitoring extends Construct {
  readonly alarmTopic: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: HubMonitoringProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: 'SOCless hub alarms',
      masterKey: props.key,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    const notify = new SnsAction(this.alarmTopic);
    const alarms: Alarm[] = [];
    const alarmOn = (alarmId: string, metric: IMetric, description: string): void => {
      const alarm = new Alarm(this, alarmId, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      alarm.addAlarmAction(notify);
      alarms.push(alarm);
    };

    for (const dlq of props.deadLetterQueues) {
      alarmOn(
        `DlqNotEmpty${relativeId(stack, dlq)}`,
        dlq.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: Stats.MAXIMUM }),
        `Dead-letter queue ${dlq.node.path} holds messages: ${dlq.description}. Inspect and re-drive them.`,
      );
    }
    for (const playbook of props.playbooks) {
      alarmOn(
        `ExecutionsFailed${relativeId(stack, playbook)}`,
        playbook.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: Stats.SUM }),
        `Playbook ${playbook.playbook.name}: an execution failed.`,
      );
    }
    alarmOn(
      'EndpointErrors',
      props.endpoint.function.metricErrors({ period: Duration.minutes(5), statistic: Stats.SUM }),
      'The endpoint Lambda failed: events may be waiting in the ingest queue or its DLQ.',
    );
    alarmOn(
      'EndpointThrottles',
      props.endpoint.function.metricThrottles({ period: Duration.minutes(5), statistic: Stats.SUM }),
      'The endpoint Lambda is throttled: ingestion is falling behind.',
    );
    if (props.sweeper) {
      alarmOn(
        'SweeperErrors',
        props.sweeper.function.metricErrors({ period: Duration.minutes(15), statistic: Stats.SUM }),
        'The sweeper could not re-drive every event left received or pending: see its log for the event ids.',
      );
    }
    alarmOn(
      'EventsPending',
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: METRIC_NAMES.pending,
        period: Duration.minutes(5),
        statistic: Stats.SUM,
      }),
      'StartExecution failed for an event; it is pending and the sweeper will re-drive it.',
    );
    alarmOn(
      'RemediationKillSwitchUnreadable',
      new Metric({
        namespace: KILL_SWITCH_METRIC_NAMESPACE,
        metricName: KILL_SWITCH_UNREADABLE_METRIC,
        period: Duration.minutes(5),
        statistic: Stats.SUM,
      }),
      'The remediation kill switch parameter is missing, unreadable or neither "on" nor "off": every automatic remediation is held to a dry-run until it reads "off" (or "on") again.',
    );
    this.alarms = alarms;

    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName ?? 'SOCless-hub' });
    // The panels come from the metrics catalog (shared/metrics/catalog.ts), like the Grafana and Datadog exports.
    const resources = (set: ResourceSet): Array<{ label: string; value: string }> => {
      switch (set) {
        case 'playbooks':
          return props.playbooks.map((p) => ({ label: p.playbook.name, value: p.stateMachine.stateMachineArn }));
        case 'deadLetterQueues':
          return props.deadLetterQueues.map((d) => ({ label: relativeId(stack, d), value: d.queue.queueName }));
        case 'ingestQueue':
          return [{ label: 'ingest', value: props.ingestQueue.queueName }];
        case 'functions':
          return props.functions.map((f) => ({ label: relativeId(stack, f), value: f.function.functionName }));
      }
    };
    const period = Duration.minutes(5);
    const metricsOf = (series: PanelSeries): IMetric[] => {
      const m = METRICS[series.metric];
      if (series.resources) {
        const [dimension] = m.dimensionSets[0] ?? [];
        if (!dimension) throw new Error(`metrics catalog: ${m.name} has no dimension to draw per resource`);
        return resources(series.resources).map(
          (r) =>
            new Metric({
              namespace: m.namespace,
              metricName: m.name,
              dimensionsMap: { [dimension]: r.value },
              statistic: m.statistic,
              period,
              label: `${r.label} ${m.name}`,
            }),
        );
      }
      if (series.by && series.by.length > 0) {
        return [
          new MathExpression({
            expression: `SEARCH('{${m.namespace},${series.by.join(',')}} MetricName="${m.name}"', '${m.statistic}', ${period.toSeconds()})`,
            label: `${m.name} by ${series.by.join(', ')}`,
            period,
          }),
        ];
      }
      const statistic = seriesStatistic(series);
      const label = series.percentile ? `${m.name} ${series.percentile}` : m.name;
      return [new Metric({ namespace: m.namespace, metricName: m.name, statistic, period, label })];
    };
    // The log groups holding a metric's EMF lines, for the Logs Insights panels.
    const integrations = props.functions.filter((f) => f.node.scope instanceof IntegrationFunctions);
    const logGroupsOf = (groups: EmfLogGroups): string[] => {
      switch (groups) {
        case 'endpoint':
          return [props.endpoint.logGroup.logGroupName];
        case 'sweeper':
          return props.sweeper ? [props.sweeper.logGroup.logGroupName] : [];
        case 'integrations':
          return integrations.map((f) => f.logGroup.logGroupName);
      }
    };
    const widgets: IWidget[] = [];
    for (const panel of DASHBOARD_PANELS) {
      if (panel.kind === 'logs') {
        const metric = METRICS[panel.metric];
        const logGroupNames = metric.publisher.kind === 'emf' ? logGroupsOf(metric.publisher.logGroups) : [];
        widgets.push(
          logGroupNames.length === 0
            ? new TextWidget({ markdown: `### ${panel.title}: nothing deployed`, width: panel.width, height: 2 })
            : new LogQueryWidget({
                title: panel.title,
                logGroupNames,
                queryLines: logPanelQueryLines(panel),
                view: LogQueryVisualizationType.TABLE,
                width: panel.width,
              }),
        );
        continue;
      }
      const metrics = panel.series.flatMap(metricsOf);
      if (metrics.length === 0) {
        widgets.push(
          new TextWidget({ markdown: `### ${panel.title}: nothing deployed`, width: panel.width, height: 2 }),
        );
      } else if (panel.kind === 'stat') {
        widgets.push(new SingleValueWidget({ title: panel.title, metrics, width: panel.width }));
      } else {
        widgets.push(new GraphWidget({ title: panel.title, left: metrics, width: panel.width }));
      }
    }
    this.dashboard.addWidgets(...widgets);
  }
}

/** `SoclessHub/Bus/IngestDlq` → `BusIngestDlq`: a readable, stable id for alarms and labels. */
function relativeId(stack: Stack, construct: Construct): string {
  return construct.node.scopes
    .slice(stack.node.scopes.length)
    .map((s) => s.node.id)
    .join('')
    .replace(/[^A-Za-z0-9]/g, '');
}
