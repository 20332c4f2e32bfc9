/**
 * Generates the Grafana and Datadog dashboards (`hub/dashboards/grafana.json`, `hub/dashboards/datadog.json`)
 * from the metrics catalog's panels (shared/metrics/catalog.ts), the same panels the hub stack's CloudWatch
 * dashboard draws (hub/constructs/hub-monitoring.ts). The files are committed; `socless dashboards generate`
 * rewrites them and `--check` fails when they differ from what the catalog generates (a test does the same).
 *
 * Grafana: a dashboard JSON model on a CloudWatch data source chosen through the `datasource` variable, with
 * `region` (`default`: the data source's own region) and one multi-value variable per kind of AWS resource,
 * listed from CloudWatch (`dimension_values`) and narrowed by a regex to the hub's own resources.
 *
 * Datadog: a dashboard JSON (Dashboards → New Dashboard → Import dashboard JSON, or POST /api/v1/dashboard) over
 * the metrics Datadog's AWS integration collects from CloudWatch.
 * - AWS namespaces: `aws.<service>.<metric in snake_case>`, dimensions as lower-cased tags; e.g.
 *   `aws.states.executions_failed` tagged `statemachinearn` (Datadog's Step Functions integration metric list,
 *   docs.datadoghq.com/integrations/amazon_step_functions; the same names appear in public Datadog monitors).
 * - Custom namespaces (`Socless`): collected only with "Collect custom metrics" enabled on the AWS integration
 *   tile, and only the Average statistic unless Datadog support enables sum/min/max/sample count (Datadog's "AWS
 *   Integration and CloudWatch FAQ", docs.datadoghq.com/integrations/guide/aws-integration-and-cloudwatch-faq).
 *   The FAQ does not spell out the metric name of a custom namespace; this generator assumes the same rule as for
 *   AWS namespaces without the `aws.` prefix (`socless.events_ingested`, `socless.remediation_outcomes`). That
 *   assumption lives in {@link datadogMetricName} alone: check one name in Datadog's Metrics Summary after
 *   enabling custom metrics, and change that function if it differs.
 * - Datadog normalizes CloudWatch counts to per-second values; counts are queried with `.as_count()`.
 * - Percentiles of a custom metric are not collected: a panel's p50/p90/p99 series are its Average there.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type CatalogMetric,
  DASHBOARD_PANELS,
  type DashboardPanel,
  type EmfLogGroups,
  type LogPanel,
  logPanelQuery,
  METRIC_PANELS,
  METRICS,
  type MetricPanel,
  type MetricStatistic,
  type PanelSeries,
  type ResourceSet,
  seriesStatistic,
} from '../../shared/metrics/catalog.ts';
import { NAMES } from '../../shared/names.ts';
import { STATE_MACHINE_NAME_PREFIX } from '../constructs/playbook-state-machine.ts';

/** Where the generated files live. */
export const DASHBOARDS_DIR = fileURLToPath(new URL('.', import.meta.url));
export const GRAFANA_FILE = 'grafana.json';
export const DATADOG_FILE = 'datadog.json';

const TITLE = 'SOCless hub';
const PERIOD_SECONDS = 300;

/** Per kind of resource: the template variable, and the regex that keeps the hub's own resources. */
const RESOURCE_VARIABLES: Readonly<
  Record<ResourceSet, { readonly variable: string; readonly metric: CatalogMetric; readonly regex: string }>
> = {
  // State machines are named `socless-<playbook>`.
  playbooks: {
    variable: 'statemachine',
    metric: METRICS.executionsStarted,
    regex: `/:stateMachine:${STATE_MACHINE_NAME_PREFIX}/`,
  },
  // Queue and function names are generated from the stack name and the construct path (`…IngestDlqQueue…`).
  deadLetterQueues: { variable: 'dlq', metric: METRICS.dlqDepth, regex: `/^${NAMES.stacks.hub}-.*Dlq/` },
  ingestQueue: {
    variable: 'ingestqueue',
    metric: METRICS.ingestQueueAge,
    regex: `/^${NAMES.stacks.hub}-.*IngestQueue/`,
  },
  functions: { variable: 'function', metric: METRICS.lambdaErrors, regex: `/^${NAMES.stacks.hub}-/` },
};

/** The one dimension of a per-resource AWS metric. */
function resourceDimension(metric: CatalogMetric): string {
  const [dimension] = metric.dimensionSets[0] ?? [];
  if (!dimension || metric.publisher.kind !== 'aws') {
    throw new Error(`metrics catalog: ${metric.name} is drawn per resource but is not a per-resource AWS metric`);
  }
  return dimension;
}

/** Checks a panel's series against the catalog: `by` must be one of the metric's dimension sets. */
function checkSeries(panel: MetricPanel, series: PanelSeries): CatalogMetric {
  const metric = METRICS[series.metric];
  if (series.by && !metric.dimensionSets.some((set) => set.join(',') === series.by?.join(','))) {
    throw new Error(
      `panel ${panel.id}: ${metric.name} has no dimension set [${series.by.join(', ')}] (it has ${metric.dimensionSets.map((s) => `[${s.join(', ')}]`).join(' ')})`,
    );
  }
  if (!series.by && !series.resources && !metric.dimensionSets.some((set) => set.length === 0)) {
    throw new Error(`panel ${panel.id}: ${metric.name} has dimensions; draw it by one of its sets or per resource`);
  }
  return metric;
}

/** Rows of the 24-column grid, panel by panel. */
function layout(panels: readonly DashboardPanel[]): Array<{ panel: DashboardPanel; x: number; y: number }> {
  let x = 0;
  let y = 0;
  const out: Array<{ panel: DashboardPanel; x: number; y: number }> = [];
  for (const panel of panels) {
    if (x + panel.width > 24) {
      x = 0;
      y += 8;
    }
    out.push({ panel, x, y });
    x += panel.width;
  }
  return out;
}

// Grafana's variable syntax, not a JavaScript template.
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana interpolates `${datasource}` itself
const GRAFANA_DATASOURCE = { type: 'cloudwatch', uid: '${datasource}' } as const;

/** The Grafana dashboard JSON model. */
export function grafanaDashboard(): Record<string, unknown> {
  const panels = layout(DASHBOARD_PANELS).map(({ panel, x, y }, i) =>
    panel.kind === 'logs' ? grafanaLogPanel(panel, i + 1, x, y) : grafanaMetricPanel(panel, i + 1, x, y),
  );
  const resourceVariables = (Object.keys(RESOURCE_VARIABLES) as ResourceSet[])
    .filter((set) => METRIC_PANELS.some((p) => p.series.some((s) => s.resources === set)))
    .map((set) => {
      const { variable, metric, regex } = RESOURCE_VARIABLES[set];
      const query = `dimension_values($region,${metric.namespace},${metric.name},${resourceDimension(metric)})`;
      return {
        name: variable,
        type: 'query',
        datasource: GRAFANA_DATASOURCE,
        query,
        definition: query,
        regex,
        multi: true,
        includeAll: true,
        refresh: 2,
        current: { text: 'All', value: '$__all' },
      };
    });
  // The hub's log groups (generated names start with the stack name), for the Logs Insights panels: Grafana's
  // CloudWatch "LogGroups" variable query; each query keeps only the lines of its metric (`ispresent`).
  const logGroupVariable = {
    name: GRAFANA_LOG_GROUPS_VARIABLE,
    label: 'Hub log groups',
    type: 'query',
    datasource: GRAFANA_DATASOURCE,
    query: {
      refId: 'CloudWatchVariableQueryEditor-VariableQuery',
      queryType: 'logGroups',
      region: '$region',
      logGroupPrefix: `${NAMES.stacks.hub}-`,
    },
    multi: true,
    includeAll: true,
    refresh: 1,
    current: { text: 'All', value: '$__all' },
  };
  return {
    title: TITLE,
    uid: 'socless-hub',
    description: 'Generated from shared/metrics/catalog.ts by `socless dashboards generate`; do not edit by hand.',
    tags: ['socless'],
    editable: true,
    schemaVersion: 39,
    time: { from: 'now-24h', to: 'now' },
    refresh: '5m',
    templating: {
      list: [
        { name: 'datasource', label: 'CloudWatch', type: 'datasource', query: 'cloudwatch', current: {} },
        {
          name: 'region',
          label: 'Region',
          type: 'textbox',
          query: 'default',
          current: { text: 'default', value: 'default' },
        },
        ...resourceVariables,
        ...(DASHBOARD_PANELS.some((p) => p.kind === 'logs') ? [logGroupVariable] : []),
      ],
    },
    panels,
  };
}

/** The Grafana variable listing the hub's log groups. */
export const GRAFANA_LOG_GROUPS_VARIABLE = 'loggroups';

/** A Logs Insights panel: a CloudWatch Logs query on the hub's log groups, drawn as a table. */
function grafanaLogPanel(panel: LogPanel, id: number, x: number, y: number): Record<string, unknown> {
  const group = `$${GRAFANA_LOG_GROUPS_VARIABLE}`;
  return {
    id,
    type: 'table',
    title: panel.title,
    datasource: GRAFANA_DATASOURCE,
    gridPos: { x, y, w: panel.width, h: 8 },
    targets: [
      {
        refId: 'A',
        datasource: GRAFANA_DATASOURCE,
        queryMode: 'Logs',
        region: '$region',
        id: '',
        expression: logPanelQuery(panel),
        // A variable in place of a log group: Grafana's own form for it (name and ARN both the variable).
        logGroups: [{ arn: group, name: group }],
        statsGroups: [...panel.by],
      },
    ],
  };
}

function grafanaMetricPanel(panel: MetricPanel, id: number, x: number, y: number): Record<string, unknown> {
  return {
    id,
    type: panel.kind,
    title: panel.title,
    datasource: GRAFANA_DATASOURCE,
    gridPos: { x, y, w: panel.width, h: 8 },
    targets: panel.series.map((series, n) => {
      const metric = checkSeries(panel, series);
      const dimensions: Record<string, string> = {};
      let label = metric.name;
      if (series.resources) {
        const dimension = resourceDimension(metric);
        dimensions[dimension] = `$${RESOURCE_VARIABLES[series.resources].variable}`;
        label = `${metric.name} \${PROP('Dim.${dimension}')}`;
      } else if (series.by) {
        for (const d of series.by) dimensions[d] = '*';
        label = `${metric.name} ${series.by.map((d) => `\${PROP('Dim.${d}')}`).join(' ')}`;
      } else if (series.percentile) {
        label = `${metric.name} ${series.percentile}`;
      }
      return {
        refId: String.fromCharCode(65 + n),
        datasource: GRAFANA_DATASOURCE,
        queryMode: 'Metrics',
        metricQueryType: 0,
        metricEditorMode: 0,
        region: '$region',
        namespace: metric.namespace,
        metricName: metric.name,
        dimensions,
        // Exactly this dimension set, not another set of the same metric.
        matchExact: true,
        statistic: seriesStatistic(series),
        period: String(PERIOD_SECONDS),
        label,
        id: '',
        expression: '',
      };
    }),
    ...(panel.kind === 'stat' ? { options: { reduceOptions: { calcs: [statCalc(panel)] } } } : {}),
  };
}

/** A stat panel's reduction: the total of a count, the latest of a gauge, the mean otherwise. */
function statCalc(panel: MetricPanel): string {
  const [first] = panel.series;
  const statistic = first ? METRICS[first.metric].statistic : 'Sum';
  return statistic === 'Sum' ? 'sum' : statistic === 'Maximum' ? 'lastNotNull' : 'mean';
}

/** `ApproximateNumberOfMessagesVisible` → `approximate_number_of_messages_visible`. */
export function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** The name Datadog's AWS integration gives a CloudWatch metric (see the module comment for the sources). */
export function datadogMetricName(metric: Pick<CatalogMetric, 'namespace' | 'name'>): string {
  if (metric.namespace.startsWith('AWS/')) {
    return `aws.${metric.namespace.slice(4).toLowerCase()}.${snakeCase(metric.name)}`;
  }
  return `${metric.namespace.toLowerCase()}.${snakeCase(metric.name)}`;
}

/** A CloudWatch dimension as a Datadog tag key (tags are lower-cased). */
export function datadogTag(dimension: string): string {
  return dimension.toLowerCase();
}

const DATADOG_AGGREGATOR: Record<MetricStatistic, string> = { Sum: 'sum', Maximum: 'max', Average: 'avg' };

function datadogQuery(panel: MetricPanel, series: PanelSeries): string {
  const metric = checkSeries(panel, series);
  const filters = ['$region'];
  let by: string[] = [];
  if (series.resources) {
    const dimension = resourceDimension(metric);
    filters.push(`$${RESOURCE_VARIABLES[series.resources].variable}`);
    by = [datadogTag(dimension)];
  } else if (series.by) {
    by = series.by.map(datadogTag);
  }
  const grouped = by.length > 0 ? ` by {${by.join(',')}}` : '';
  const count = metric.unit === 'Count' && metric.statistic === 'Sum' ? '.as_count()' : '';
  return `${DATADOG_AGGREGATOR[metric.statistic]}:${datadogMetricName(metric)}{${filters.join(',')}}${grouped}${count}`;
}

/** The Datadog dashboard JSON. */
export function datadogDashboard(): Record<string, unknown> {
  const widgets = layout(DASHBOARD_PANELS).map(({ panel, x, y }) => {
    // Datadog's ordered layout is 12 columns wide: half the catalog's 24-column widths.
    const at = { x: x / 2, y: y / 2, width: panel.width / 2, height: 4 };
    if (panel.kind === 'logs') return { definition: datadogLogNote(panel), layout: at };
    // Datadog collects a custom metric's Average only, no percentiles: a metric's percentile series are one line.
    const distinct = [...new Set(panel.series.map((series) => datadogQuery(panel, series)))];
    const queries = distinct.map((query, n) => ({
      data_source: 'metrics',
      name: `q${n + 1}`,
      query,
      ...(panel.kind === 'stat' ? { aggregator: 'sum' } : {}),
    }));
    const formulas = queries.map((q) => ({ formula: q.name }));
    const definition =
      panel.kind === 'stat'
        ? {
            type: 'query_value',
            title: panel.title,
            precision: 0,
            requests: [{ response_format: 'scalar', queries, formulas }],
          }
        : {
            type: 'timeseries',
            title: panel.title,
            show_legend: true,
            requests: [{ response_format: 'timeseries', queries, formulas, display_type: 'line' }],
          };
    return { definition, layout: at };
  });
  const variables = [
    { name: 'region', prefix: 'region', available_values: [], default: '*' },
    ...(Object.keys(RESOURCE_VARIABLES) as ResourceSet[])
      .filter((set) => METRIC_PANELS.some((p) => p.series.some((s) => s.resources === set)))
      .map((set) => ({
        name: RESOURCE_VARIABLES[set].variable,
        prefix: datadogTag(resourceDimension(RESOURCE_VARIABLES[set].metric)),
        available_values: [],
        default: '*',
      })),
  ];
  return {
    title: TITLE,
    description: 'Generated from shared/metrics/catalog.ts by `socless dashboards generate`; do not edit by hand.',
    layout_type: 'ordered',
    reflow_type: 'fixed',
    template_variables: variables,
    widgets,
  };
}

/**
 * A Logs Insights panel in Datadog: Datadog's dashboards do not query CloudWatch Logs (its log widgets read logs
 * forwarded into Datadog), so a note carries the query to run in CloudWatch Logs Insights on the hub's log groups.
 */
function datadogLogNote(panel: LogPanel): Record<string, unknown> {
  const metric = METRICS[panel.metric];
  const groups = metric.publisher.kind === 'emf' ? LOG_GROUPS_TEXT[metric.publisher.logGroups] : '';
  return {
    type: 'note',
    content: `**${panel.title}**\n\nCloudWatch Logs Insights, on ${groups}:\n\n\`\`\`\n${logPanelQuery(panel)}\n\`\`\``,
    background_color: 'white',
    font_size: '14',
    text_align: 'left',
    show_tick: false,
    has_padding: true,
  };
}

const LOG_GROUPS_TEXT: Record<EmfLogGroups, string> = {
  endpoint: "the endpoint's log group",
  sweeper: "the sweeper's log group",
  integrations: "the integrations' log groups",
};

/** Every generated file: name → content. */
export function renderDashboards(): Record<string, string> {
  const text = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  return { [GRAFANA_FILE]: text(grafanaDashboard()), [DATADOG_FILE]: text(datadogDashboard()) };
}

/** Writes the files, or (check) lists those that differ from what the catalog generates. */
export function writeDashboards(options: { readonly dir?: string; readonly check?: boolean } = {}): {
  readonly written: string[];
  readonly stale: string[];
} {
  const dir = options.dir ?? DASHBOARDS_DIR;
  const written: string[] = [];
  const stale: string[] = [];
  for (const [name, content] of Object.entries(renderDashboards())) {
    const path = `${dir.replace(/\/$/, '')}/${name}`;
    let current: string | undefined;
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === content) continue;
    if (options.check) stale.push(path);
    else {
      writeFileSync(path, content);
      written.push(path);
    }
  }
  return { written, stale };
}
