/**
 * Cost benchmark: the all-in monthly bill at 10k, 1M and 10M events a month, per component, from operation
 * counts measured by running every sample event through the local hub (scripts/bench/cost/measure.ts) and the
 * price table (scripts/bench/cost/prices.ts). Prints the mix, the bill, the automated path's cost per million
 * events against the goal (≤ $10 excluding NAT hours), and the before/after of the defaults changed for cost.
 */

import { DynamoEventStore } from '../../shared/pipeline/dynamo-stores.ts';
import type { PipelineDeps } from '../../shared/pipeline/pipeline.ts';
import { EXPRESS_VARIANTS } from '../../shared/pipeline/workflow-variants.ts';
import { TABLES } from '../../shared/tables.ts';
import { type ClassProfile, classProfiles, type EventClass, measureEventProfiles, withApply } from './cost/measure.ts';
import { type CostEstimate, type CostSettings, estimateCost, type Mix } from './cost/model.ts';
import { PRICES } from './cost/prices.ts';
import { STATE_MACHINE_LOGGING_ALL, stackCostSettings } from './cost/settings.ts';
import type { Benchmark } from './index.ts';

/**
 * Share of each class in the events reaching the hub bus. Security Hub re-sends a finding on every update and
 * GuardDuty repeats aggregated findings, so repeats are the largest share; forwarded sources without a playbook
 * (compliant Config evaluations, archived findings, Access Analyzer) come next; a tenth is fixed automatically
 * and a few ask a person.
 */
export const REALISTIC_MIX: Mix = { duplicate: 0.4, unrouted: 0.3, notified: 0.18, remediated: 0.1, asked: 0.02 };
/** Every event fixed automatically: the path the $10 per million goal is about. */
export const AUTOMATED_MIX: Mix = { remediated: 1 };
export const VOLUMES = [10_000, 1_000_000, 10_000_000] as const;
export const GOAL_PER_MILLION = 10;
const ORG_ACCOUNTS = 1000;

const usd = (n: number) => (n >= 1000 ? `$${Math.round(n).toLocaleString('en-US')}` : `$${n.toFixed(2)}`);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '))
    .join('\n');
}

function billTable(estimates: readonly CostEstimate[]): string {
  const first = estimates[0];
  if (!first) return '';
  const rows = [['component', ...estimates.map((e) => `${e.eventsPerMonth.toLocaleString('en-US')}/month`)]];
  for (const [i, line] of first.lines.entries()) {
    rows.push([`${line.component}${line.fixed ? ' (fixed)' : ''}`, ...estimates.map((e) => usd(e.lines[i]?.usd ?? 0))]);
  }
  rows.push(['total', ...estimates.map((e) => usd(e.total))]);
  rows.push(['per 1M events excl. NAT hours', ...estimates.map((e) => usd(e.perMillionExNatHours))]);
  return table(rows);
}

export const costBenchmark: Benchmark = {
  name: 'cost',
  description: 'all-in monthly cost at 10k, 1M and 10M events from operations counted on the local hub',
  async run({ quick }) {
    const out = process.stdout;
    const measured = await measureEventProfiles({ rounds: quick ? 1 : 3 });
    const profiles = withApply(classProfiles(measured.profiles), measured.apply);
    // The before of the events-record decision, counted the same way: the record written `received` (in the
    // status index) before anything else, then settled; its raw input as text.
    const inline = await measureEventProfiles({
      queued: false,
      configure: (hub) => {
        (hub.pipeline as { events: PipelineDeps['events'] }).events = new DynamoEventStore(
          hub.integrationDeps.documentClient,
          TABLES.events.name,
          { compressRaw: false },
        );
      },
    });
    const inlineProfiles = withApply(classProfiles(inline.profiles), inline.apply);
    const taskTimes = measured.profiles.flatMap((p) =>
      p.executions.map(
        (e) =>
          e.localMs /
          Math.max(
            1,
            Object.values(e.invocations).reduce((a, b) => a + b, 0),
          ),
      ),
    );
    const times = {
      endpointMsPerEvent: median(measured.endpointMs),
      taskMs: Math.max(1, Math.round(median(taskTimes))),
      sweepMs: Math.max(1, Math.round(measured.sweepMs)),
    };
    const settings = stackCostSettings(measured.playbooks, times, measured.metricSeries, {
      orgAccounts: ORG_ACCOUNTS,
      sweepMetricBytes: measured.sweepMetricBytes,
    });

    out.write(
      `measured: ${measured.profiles.length} events (${[...profiles.values()].map((p) => `${p.cls} ${p.samples}`).join(', ')}); ` +
        `endpoint ${times.endpointMsPerEvent.toFixed(1)} ms/event (median), task ${times.taskMs} ms (median local), sweep ${times.sweepMs} ms\n`,
    );
    out.write(`per event of each class (counted):\n${classTable(profiles)}\n`);
    const apply = measured.apply;
    out.write(
      apply
        ? `remediated includes the fix applied in auto mode (${apply.outcome}): ${apply.sessions} spoke sessions, ${apply.spokeCalls} spoke calls, ` +
            `remediations table ${Object.entries(apply.dynamo)
              .filter(([k]) => k.startsWith('remediations/'))
              .map(([k, v]) => `${k.slice('remediations/'.length)} ×${v.calls}`)
              .join(', ')}; its CloudTrail echo ${apply.echoStatus} (${Object.entries(apply.echoDynamo)
              .map(([k, v]) => `${k} ×${v.calls}`)
              .join(', ')})\n`
        : 'remediated: no fix applied (the apply sample did not run): remediations table operations not counted\n',
    );
    out.write(
      `mix: ${Object.entries(REALISTIC_MIX)
        .map(([k, v]) => `${k} ${Math.round((v ?? 0) * 100)}%`)
        .join(', ')}; ${ORG_ACCOUNTS} accounts\n\n`,
    );

    const realistic = VOLUMES.map((n) => estimateCost(profiles, REALISTIC_MIX, n, settings));
    out.write(`${billTable(realistic)}\n\n`);
    // Every metric the code emitted in the run, with its measured value combinations and the catalog's bound.
    out.write(
      `custom metrics at 1M: ${realistic[1]?.lines.find((l) => l.component === 'CloudWatch custom metrics')?.detail}\n\n`,
    );
    const automated = estimateCost(profiles, AUTOMATED_MIX, 1_000_000, settings);
    const at1M = (mix: Mix, s: CostSettings, p: ReadonlyMap<EventClass, ClassProfile> = profiles) =>
      estimateCost(p, mix, 1_000_000, s);
    // The defaults before this model: Step Functions logs at ALL with data, and an Account metric dimension.
    const withAccountDimension: CostSettings = {
      ...settings,
      metricSeries: [...settings.metricSeries, { metric: 'EventsIngested', dimensions: ['Account'] }],
    };
    const expressTwins = Object.values(EXPRESS_VARIANTS).map((v) => v.playbook);
    const decisions: {
      decision: string;
      component: string;
      before: CostSettings;
      beforeProfiles?: ReadonlyMap<EventClass, ClassProfile>;
    }[] = [
      {
        decision:
          'events record: written `received` (indexed) first, raw as text → first write unlisted (no index entry; the SQS queue re-drives a crash), raw deflated',
        component: 'DynamoDB on-demand',
        before: settings,
        beforeProfiles: inlineProfiles,
      },
      {
        decision: `Step Functions logging ALL+data → ${settings.logging.standard.level} (Standard and Express)`,
        component: 'CloudWatch Logs ingestion',
        before: { ...settings, logging: STATE_MACHINE_LOGGING_ALL },
      },
      {
        decision: 'EMF Account dimension → Account property (per-account counts from Logs Insights)',
        component: 'CloudWatch custom metrics',
        before: withAccountDimension,
      },
      {
        decision: `remediate-finding Standard → Express twin (${expressTwins.join(', ')}) for off, dry-run and auto accounts; Standard only where a person is asked`,
        component: 'Step Functions Standard',
        before: {
          ...settings,
          workflowOverride: Object.fromEntries(expressTwins.map((p) => [p, 'standard' as const])),
        },
      },
      {
        decision: 'events status-index and account-index: whole-item copies → INCLUDE of what their readers read',
        component: 'DynamoDB on-demand',
        before: { ...settings, wholeItemIndexes: true },
      },
      {
        decision: `X-Ray on every function, state machine and the API → config.tracing ${settings.tracing.stateMachines ? 'active' : 'off'}`,
        component: 'X-Ray traces',
        before: { ...settings, tracing: { lambdas: true, stateMachines: true } },
      },
    ];
    out.write('changed defaults (1M events a month):\n');
    const changed: Record<string, unknown>[] = [];
    for (const d of decisions) {
      const before = {
        realistic: at1M(REALISTIC_MIX, d.before, d.beforeProfiles),
        automated: at1M(AUTOMATED_MIX, d.before, d.beforeProfiles),
      };
      const after = { realistic: realistic[1], automated };
      out.write(
        `  ${d.decision}: ${d.component} ${usd(line(before.realistic, d.component))} → ${usd(line(after.realistic, d.component))} (realistic mix); ` +
          `automated path ${usd(before.automated.perMillionExNatHours)} → ${usd(after.automated.perMillionExNatHours)} per million\n`,
      );
      changed.push({
        decision: d.decision,
        component: d.component,
        realisticBefore: line(before.realistic, d.component),
        realisticAfter: line(after.realistic, d.component),
        automatedPerMillionBefore: before.automated.perMillionExNatHours,
        automatedPerMillionAfter: after.automated.perMillionExNatHours,
      });
    }
    const automated10M = estimateCost(profiles, AUTOMATED_MIX, 10_000_000, settings);
    const largest = (e: CostEstimate) =>
      [...e.lines]
        .filter((l) => l.component !== 'NAT hours')
        .sort((a, b) => b.usd - a.usd)
        .slice(0, 3)
        .map((l) => `${l.component} ${usd(l.usd)}`)
        .join(', ');
    const met = (e: CostEstimate) => (e.perMillionExNatHours <= GOAL_PER_MILLION ? 'met' : 'NOT met');
    out.write(
      `automated path (every event remediated), per million events excl. NAT hours (goal ≤ ${usd(GOAL_PER_MILLION)}): ` +
        `${usd(automated.perMillionExNatHours)} at 1M/month (${met(automated)}; largest: ${largest(automated)}), ` +
        `${usd(automated10M.perMillionExNatHours)} at 10M/month (${met(automated10M)})\n`,
    );
    // What is left above the goal, and what the next steps would give (what-ifs, not defaults).
    const api = (e: CostEstimate) => (line(e, 'API Gateway + WAF') / e.eventsPerMonth) * 1e6;
    out.write(
      `  left at 1M: ${largest(automated)}; at 10M: ${largest(automated10M)}; the API (webhooks, interaction answers) ` +
        `is a fixed month's web ACL: ${usd(api(automated))} of each million at 1M, ${usd(api(automated10M))} at 10M\n`,
    );
    out.write(
      `prices: US East list prices read ${PRICES.dynamoWru.read}, each with its source in scripts/bench/cost/prices.ts (\`seen\` marks the figures read on the page)\n`,
    );

    return {
      measuredEvents: measured.profiles.length,
      apply: measured.apply ?? null,
      times,
      classes: Object.fromEntries([...profiles].map(([k, p]) => [k, classSummary(p)])),
      mix: REALISTIC_MIX,
      realistic: realistic.map(summary),
      automated: summary(automated),
      automated10M: summary(automated10M),
      changedDefaults: changed,
      goalPerMillion: GOAL_PER_MILLION,
      goalMet: automated.perMillionExNatHours <= GOAL_PER_MILLION,
    };
  },
};

function line(e: CostEstimate | undefined, component: string): number {
  return e?.lines.find((l) => l.component === component)?.usd ?? 0;
}

function summary(e: CostEstimate) {
  return {
    eventsPerMonth: e.eventsPerMonth,
    total: Number(e.total.toFixed(2)),
    perMillionExNatHours: Number(e.perMillionExNatHours.toFixed(2)),
    lines: Object.fromEntries(e.lines.map((l) => [l.component, Number(l.usd.toFixed(2))])),
  };
}

function classSummary(p: ClassProfile) {
  const sum = (d: ClassProfile['dynamoEndpoint']) =>
    Object.values(d).reduce((s, v) => ({ calls: s.calls + v.calls, wru: s.wru + v.wru, rru: s.rru + v.rru }), {
      calls: 0,
      wru: 0,
      rru: 0,
    });
  const ex = p.executions.reduce((s, e) => s + e.weight, 0);
  const invocations = p.executions.reduce(
    (s, e) => s + e.weight * Object.values(e.invocations).reduce((a, b) => a + b, 0),
    0,
  );
  const transitions = p.executions.reduce((s, e) => s + e.weight * e.transitions, 0);
  return {
    samples: p.samples,
    endpointDynamo: sum(p.dynamoEndpoint),
    playbookDynamo: sum(p.dynamoPlaybooks),
    dynamoByOperation: { endpoint: p.dynamoEndpoint, playbooks: p.dynamoPlaybooks },
    executions: ex,
    lambdaInvocations: invocations,
    transitions,
    notifications: p.notifications,
    vaultPuts: p.vaultPuts,
  };
}

function classTable(profiles: ReadonlyMap<EventClass, ClassProfile>): string {
  const rows = [['class', 'samples', 'DDB calls', 'WRU', 'RRU', 'executions', 'transitions', 'Lambda tasks', 'SNS']];
  for (const p of profiles.values()) {
    const s = classSummary(p);
    rows.push([
      p.cls,
      String(p.samples),
      (s.endpointDynamo.calls + s.playbookDynamo.calls).toFixed(1),
      (s.endpointDynamo.wru + s.playbookDynamo.wru).toFixed(1),
      (s.endpointDynamo.rru + s.playbookDynamo.rru).toFixed(1),
      s.executions.toFixed(2),
      s.transitions.toFixed(1),
      s.lambdaInvocations.toFixed(1),
      s.notifications.toFixed(2),
    ]);
  }
  return table(rows);
}
