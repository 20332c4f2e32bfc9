/**
 * The three dashboards against the code: every panel (the hub stack's CloudWatch dashboard, the committed Grafana
 * and Datadog JSON) names a metric that some code path emits (run with a capturing sink, test/metrics/emitters.ts)
 * or that AWS publishes for a resource the stack creates; every emitted metric appears on a panel of each; every
 * Logs Insights panel reads an emitted metric's lines grouped by fields those lines carry, and every breakdown
 * that is a property rather than a dimension is on such a panel; and the committed JSON is what the catalog
 * generates.
 */
import { readFileSync } from 'node:fs';
import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  DASHBOARDS_DIR,
  DATADOG_FILE,
  GRAFANA_FILE,
  renderDashboards,
  writeDashboards,
} from '../../hub/dashboards/generate.ts';
import { CATALOG, DASHBOARD_PANELS } from '../../shared/metrics/catalog.ts';
import { type EmittedSeries, runEmitters } from '../metrics/emitters.ts';
import { type SynthesizedHub, synthHub } from './synth-hub.ts';

/** One metric a panel reads: namespace, name, and the dimension names it selects on. */
interface PanelRef {
  readonly dashboard: string;
  readonly panel: string;
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: readonly string[];
  /** CloudWatch only: the CloudFormation resources the dimension values point at. */
  readonly resources?: readonly string[];
  /** A Logs Insights panel: the fields its query groups the metric's lines by (none for a metric panel). */
  readonly logsBy?: readonly string[];
}

/** Breakdowns that are EMF properties, not dimensions: each must be on a Logs Insights panel of every dashboard. */
const PROPERTY_BREAKDOWNS = ['Source', 'Account', 'Remediation', 'Integration'];

/**
 * A Logs Insights query over EMF lines, read independently of the generator: the metric it keeps
 * (`filter ispresent(M)`), that its stats read M, and the fields it groups by.
 */
function logQueryRef(dashboard: string, panel: string, query: string): PanelRef {
  const kept = /^filter ispresent\((\w+)\)$/m.exec(query)?.[1];
  const stats = /^\| stats (.+) by ([\w, ]+)$/m.exec(query);
  expect(kept, `${dashboard} "${panel}": ${query}`).toBeDefined();
  expect(stats, `${dashboard} "${panel}": ${query}`).not.toBeNull();
  expect(stats?.[1], `${dashboard} "${panel}": the stats read ${kept}`).toMatch(new RegExp(`\\(${kept}[,)]`));
  return {
    dashboard,
    panel,
    namespace: 'Socless',
    name: kept as string,
    dimensions: [],
    logsBy: (stats?.[2] ?? '').split(',').map((f) => f.trim()),
  };
}

const refKey = (r: { namespace: string; name: string; dimensions: readonly string[] }) =>
  `${r.namespace}/${r.name}[${[...r.dimensions].sort().join(',')}]`;

// ---- CloudWatch: the synthesized DashboardBody --------------------------------------------------------------

/** The body with every token (Ref, GetAtt) written as `TOKEN[<logical id>]`, parsed. */
function dashboardBody(hub: SynthesizedHub): { widgets: Array<{ type: string; properties: Record<string, unknown> }> } {
  const dashboards = Object.values(hub.template.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const body = dashboards[0]?.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] };
  const text = body['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const p = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
      return `TOKEN[${p.Ref ?? p['Fn::GetAtt']?.[0]}]`;
    })
    .join('');
  return JSON.parse(text);
}

function cloudWatchRefs(hub: SynthesizedHub): PanelRef[] {
  const refs: PanelRef[] = [];
  for (const widget of dashboardBody(hub).widgets) {
    const title = String(widget.properties.title ?? widget.properties.markdown ?? '');
    if (widget.type === 'log') {
      // Logs Insights over EMF lines: `SOURCE '<group>' | … | <query>`, on log groups of the stack.
      const query = String(widget.properties.query);
      const sourced = /^((?:SOURCE 'TOKEN\[\w+\]' \| )+)([\s\S]+)$/.exec(query);
      expect(sourced, `${title}: ${query}`).not.toBeNull();
      const rest = sourced?.[2] ?? '';
      refs.push(logQueryRef('cloudwatch', title, rest));
      continue;
    }
    if (widget.type !== 'metric') continue;
    for (const entry of widget.properties.metrics as unknown[][]) {
      const first = entry[0];
      if (typeof first === 'object' && first !== null && 'expression' in first) {
        const search = /^SEARCH\('\{([^}]*)\} MetricName="(\w+)"', '(\w+)', \d+\)$/.exec(
          String((first as { expression: string }).expression),
        );
        expect(search, `${title}: ${JSON.stringify(first)}`).not.toBeNull();
        const [namespace, ...dimensions] = (search?.[1] ?? '').split(',');
        refs.push({
          dashboard: 'cloudwatch',
          panel: title,
          namespace: namespace as string,
          name: search?.[2] as string,
          dimensions,
        });
        continue;
      }
      const strings = entry.filter((e): e is string => typeof e === 'string');
      const [namespace, name, ...pairs] = strings;
      const dimensions: string[] = [];
      const resources: string[] = [];
      for (let i = 0; i < pairs.length; i += 2) {
        dimensions.push(pairs[i] as string);
        resources.push(/^TOKEN\[(\w+)\]$/.exec(pairs[i + 1] ?? '')?.[1] ?? `literal:${pairs[i + 1]}`);
      }
      refs.push({
        dashboard: 'cloudwatch',
        panel: title,
        namespace: namespace as string,
        name: name as string,
        dimensions,
        resources,
      });
    }
  }
  return refs;
}

// ---- Grafana: a dashboard JSON model on a CloudWatch data source --------------------------------------------

const GrafanaLogsTarget = z.object({
  refId: z.string(),
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's own variable syntax
  datasource: z.object({ type: z.literal('cloudwatch'), uid: z.literal('${datasource}') }),
  queryMode: z.literal('Logs'),
  region: z.literal('$region'),
  expression: z.string().min(1),
  logGroups: z.array(z.object({ arn: z.string(), name: z.string() })).min(1),
});
const GrafanaTarget = z.object({
  refId: z.string(),
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's own variable syntax
  datasource: z.object({ type: z.literal('cloudwatch'), uid: z.literal('${datasource}') }),
  queryMode: z.literal('Metrics'),
  region: z.literal('$region'),
  namespace: z.string().min(1),
  metricName: z.string().min(1),
  dimensions: z.record(z.string(), z.string()),
  matchExact: z.boolean(),
  statistic: z.enum(['Sum', 'Maximum', 'Average', 'p50', 'p90', 'p99']),
  period: z.string().regex(/^\d+$/),
});
const GrafanaDashboard = z.object({
  title: z.string(),
  uid: z.string(),
  schemaVersion: z.number(),
  templating: z.object({
    list: z.array(
      z
        .object({ name: z.string(), type: z.string(), query: z.union([z.string(), z.looseObject({})]).optional() })
        .loose(),
    ),
  }),
  panels: z
    .array(
      z.object({
        id: z.number(),
        type: z.enum(['timeseries', 'stat', 'table']),
        title: z.string(),
        datasource: z.object({ type: z.literal('cloudwatch'), uid: z.string() }),
        gridPos: z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() }),
        targets: z.array(z.union([GrafanaTarget, GrafanaLogsTarget])).min(1),
      }),
    )
    .min(1),
});

function grafanaRefs(json: unknown): PanelRef[] {
  const dashboard = GrafanaDashboard.parse(json);
  const variables = new Set(dashboard.templating.list.map((v) => v.name));
  expect(variables.has('datasource') && variables.has('region')).toBe(true);
  return dashboard.panels.flatMap((panel) =>
    panel.targets.map((t) => {
      if (t.queryMode === 'Logs') {
        // The log groups are the dashboard's log-group variable.
        for (const g of t.logGroups)
          expect(variables.has(g.name.replace(/^\$/, '')), `${panel.title}: ${g.name}`).toBe(true);
        return logQueryRef('grafana', panel.title, t.expression);
      }
      for (const value of Object.values(t.dimensions)) {
        // A dimension value is a wildcard or one of the dashboard's variables.
        if (value !== '*') expect(variables.has(value.replace(/^\$/, '')), `${panel.title}: ${value}`).toBe(true);
      }
      return {
        dashboard: 'grafana',
        panel: panel.title,
        namespace: t.namespace,
        name: t.metricName,
        dimensions: Object.keys(t.dimensions),
      };
    }),
  );
}

// ---- Datadog: dashboard JSON over the AWS integration's metric names ----------------------------------------

const DatadogQuery = z.object({ data_source: z.literal('metrics'), name: z.string(), query: z.string() });
const DatadogDashboard = z.object({
  title: z.string(),
  layout_type: z.literal('ordered'),
  template_variables: z.array(z.object({ name: z.string(), prefix: z.string(), default: z.string() })),
  widgets: z
    .array(
      z.object({
        definition: z.union([
          z.object({
            type: z.enum(['timeseries', 'query_value']),
            title: z.string(),
            requests: z.array(
              z.object({
                queries: z.array(DatadogQuery).min(1),
                formulas: z.array(z.object({ formula: z.string() })),
              }),
            ),
          }),
          // Datadog cannot query CloudWatch Logs: a note with the Logs Insights query.
          z.object({ type: z.literal('note'), content: z.string() }),
        ]),
        layout: z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() }),
      }),
    )
    .min(1),
});

/** Datadog's names, written out here independently of the generator (see hub/dashboards/generate.ts for sources). */
function catalogByDatadogName(): Map<string, (typeof CATALOG)[number]> {
  const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  return new Map(
    CATALOG.map((m) => [
      m.namespace.startsWith('AWS/')
        ? `aws.${m.namespace.slice(4).toLowerCase()}.${snake(m.name)}`
        : `${m.namespace.toLowerCase()}.${snake(m.name)}`,
      m,
    ]),
  );
}

function datadogRefs(json: unknown): PanelRef[] {
  const dashboard = DatadogDashboard.parse(json);
  const byName = catalogByDatadogName();
  const variables = new Set(dashboard.template_variables.map((v) => `$${v.name}`));
  const refs: PanelRef[] = [];
  for (const widget of dashboard.widgets) {
    if (widget.definition.type === 'note') {
      const note = /^\*\*(.+)\*\*\n[\s\S]*Logs Insights[\s\S]*\n```\n([\s\S]+)\n```$/.exec(widget.definition.content);
      expect(note, widget.definition.content).not.toBeNull();
      refs.push(logQueryRef('datadog', note?.[1] ?? '', note?.[2] ?? ''));
      continue;
    }
    for (const request of widget.definition.requests) {
      for (const q of request.queries) {
        const parsed = /^(sum|max|avg):([a-z0-9_.]+)\{([^}]*)\}(?: by \{([^}]*)\})?(\.as_count\(\))?$/.exec(q.query);
        expect(parsed, `${widget.definition.title}: ${q.query}`).not.toBeNull();
        const [, , name, filters, by] = parsed as RegExpExecArray;
        for (const f of (filters ?? '').split(',')) expect(variables.has(f), `${q.query}: filter ${f}`).toBe(true);
        const metric = byName.get(name as string);
        expect(metric, `${widget.definition.title}: ${name} is no catalog metric`).toBeDefined();
        // Tags are lower-cased dimensions: map them back to the metric's dimension names.
        const tags = by ? by.split(',') : [];
        const dims = metric?.dimensionSets.flat() ?? [];
        const dimensions = tags.map((t) => dims.find((d) => d.toLowerCase() === t) ?? `unknown:${t}`);
        refs.push({
          dashboard: 'datadog',
          panel: widget.definition.title,
          namespace: metric?.namespace ?? '',
          name: metric?.name ?? name ?? '',
          dimensions,
        });
      }
    }
  }
  return refs;
}

// ---- the tests ---------------------------------------------------------------------------------------------

describe('dashboards from the metrics catalog', () => {
  let hub: SynthesizedHub;
  let emitted: EmittedSeries[];
  let dashboards: Record<string, PanelRef[]>;
  const read = (file: string) => JSON.parse(readFileSync(`${DASHBOARDS_DIR}/${file}`, 'utf8')) as unknown;

  beforeAll(async () => {
    hub = synthHub();
    emitted = await runEmitters();
    dashboards = {
      cloudwatch: cloudWatchRefs(hub),
      grafana: grafanaRefs(read(GRAFANA_FILE)),
      datadog: datadogRefs(read(DATADOG_FILE)),
    };
  }, 120_000);

  it('reads the Datadog names the AWS integration gives CloudWatch metrics', () => {
    const names = [...catalogByDatadogName().keys()];
    expect(names).toContain('aws.states.executions_failed');
    expect(names).toContain('aws.sqs.approximate_number_of_messages_visible');
    expect(names).toContain('socless.events_ingested');
  });

  it('names on every panel of every dashboard a metric the code emits or AWS publishes for a stack resource', () => {
    const emittedKeys = new Set(emitted.map((s) => refKey(s)));
    const resources = hub.template.toJSON().Resources as Record<string, { Type: string }>;
    const types = new Set(Object.values(resources).map((r) => r.Type));
    for (const [dashboard, refs] of Object.entries(dashboards)) {
      expect(refs.length, dashboard).toBeGreaterThan(0);
      for (const ref of refs) {
        const where = `${dashboard} "${ref.panel}": ${refKey(ref)}`;
        const metric = CATALOG.find((m) => m.namespace === ref.namespace && m.name === ref.name);
        expect(metric, `${where} is not in the catalog`).toBeDefined();
        if (metric?.publisher.kind === 'emf' && ref.logsBy) {
          // A Logs Insights panel: the metric's lines are written, and every one carries the fields it groups by.
          const lines = emitted.filter((s) => s.name === ref.name);
          expect(lines.length, `${where}: no ${ref.name} line is emitted`).toBeGreaterThan(0);
          for (const line of lines) {
            for (const field of ref.logsBy) {
              expect(field in line.properties || field in line.values, `${where}: a line has no ${field}`).toBe(true);
            }
          }
        } else if (metric?.publisher.kind === 'emf') {
          expect(emittedKeys.has(refKey(ref)), `${where} is not emitted`).toBe(true);
        } else if (metric?.publisher.kind === 'aws') {
          expect(types.has(metric.publisher.resourceType), `${where}: no ${metric.publisher.resourceType}`).toBe(true);
          expect(ref.dimensions, where).toEqual(metric.dimensionSets[0]);
          for (const id of ref.resources ?? []) {
            expect(resources[id]?.Type, `${where} points at ${id}`).toBe(metric.publisher.resourceType);
          }
        }
      }
    }
  });

  it('shows every emitted metric, under each dimension set, and every AWS metric of the catalog on each dashboard', () => {
    const wanted = new Set([
      ...emitted.map((s) => refKey(s)),
      ...CATALOG.filter((m) => m.publisher.kind === 'aws').map((m) =>
        refKey({ namespace: m.namespace, name: m.name, dimensions: m.dimensionSets[0] ?? [] }),
      ),
    ]);
    for (const [dashboard, refs] of Object.entries(dashboards)) {
      // Metric panels only: a log panel over a metric's lines does not graph the metric.
      const shown = new Set(refs.filter((r) => !r.logsBy).map(refKey));
      const missing = [...wanted].filter((k) => !shown.has(k));
      expect(missing, dashboard).toEqual([]);
    }
  });

  it('shows every breakdown the emitted lines carry as a property on a Logs Insights panel of each dashboard', () => {
    const wanted = new Set(
      emitted.flatMap((s) => PROPERTY_BREAKDOWNS.filter((p) => p in s.properties).map((p) => `${s.name} by ${p}`)),
    );
    // What this test relies on: the per-remediation, per-source, per-account and per-integration breakdowns.
    expect(wanted).toEqual(
      new Set([
        'EventsIngested by Source',
        'EventsIngested by Account',
        'RemediationOutcomes by Remediation',
        'EventToOutcome by Remediation',
        'IntegrationFailures by Integration',
      ]),
    );
    for (const [dashboard, refs] of Object.entries(dashboards)) {
      const shown = new Set(refs.flatMap((r) => (r.logsBy ?? []).map((p) => `${r.name} by ${p}`)));
      expect(
        [...wanted].filter((k) => !shown.has(k)),
        dashboard,
      ).toEqual([]);
    }
  });

  it('draws the same panels on the three dashboards', () => {
    const titles = DASHBOARD_PANELS.map((p) => p.title);
    for (const [dashboard, refs] of Object.entries(dashboards)) {
      const panels = new Set(refs.map((r) => r.panel));
      for (const title of titles) expect(panels.has(title), `${dashboard}: ${title}`).toBe(true);
    }
  });

  it('draws executions per playbook state machine and depth per dead-letter queue in the stack dashboard', () => {
    const refs = dashboards.cloudwatch ?? [];
    const failed = refs.filter((r) => r.name === 'ExecutionsFailed').flatMap((r) => r.resources ?? []);
    expect(new Set(failed).size).toBe(2);
    const dlqs = refs.filter((r) => r.name === 'ApproximateNumberOfMessagesVisible').flatMap((r) => r.resources ?? []);
    expect(dlqs.length).toBe(Object.values(hub.template.findResources('AWS::SQS::Queue')).length - 1);
  });

  it('lets the sweeper count the approvals waiting: Scan on message_responses only, and no other function scans', () => {
    // biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation JSON
    const resources = hub.template.toJSON().Resources as Record<string, { Type: string; Properties: any }>;
    const logicalId = (c: IConstruct) => hub.stack.getLogicalId(c.node.defaultChild as CfnElement);
    const sweeperRole = logicalId(hub.stack.endpoint.sweeper.role);
    const responses = logicalId(hub.stack.tables.tables.message_responses);
    const scans: Array<{ roles: unknown; resource: unknown }> = [];
    for (const r of Object.values(resources)) {
      if (r.Type !== 'AWS::IAM::Policy') continue;
      for (const st of r.Properties.PolicyDocument.Statement as Array<{
        Action: string | string[];
        Resource: unknown;
      }>) {
        const actions = Array.isArray(st.Action) ? st.Action : [st.Action];
        if (actions.some((a) => a === 'dynamodb:Scan' || a === 'dynamodb:*')) {
          scans.push({ roles: r.Properties.Roles, resource: st.Resource });
        }
      }
    }
    expect(scans).toEqual([{ roles: [{ Ref: sweeperRole }], resource: { 'Fn::GetAtt': [responses, 'Arn'] } }]);
    const env = resources[logicalId(hub.stack.endpoint.sweeper.function)]?.Properties.Environment.Variables;
    expect(env?.SOCLESS_MESSAGE_RESPONSES_TABLE).toEqual({ Ref: responses });
  });

  it('commits exactly what the catalog generates (socless dashboards generate)', () => {
    const generated = renderDashboards();
    for (const file of [GRAFANA_FILE, DATADOG_FILE]) {
      expect(readFileSync(`${DASHBOARDS_DIR}/${file}`, 'utf8'), `${file}: run socless dashboards generate`).toBe(
        generated[file],
      );
    }
    expect(writeDashboards({ check: true }).stale).toEqual([]);
  });
});
