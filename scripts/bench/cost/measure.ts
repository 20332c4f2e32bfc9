/**
 * Runs every sample event (each shipped playbook's `events/` and the test fixtures) through the local hub — the
 * endpoint's pipeline, then the compiled playbooks on the local executor with the real integrations on
 * dynalite — and records, per event, what it did: DynamoDB commands and request units (endpoint and playbook
 * apart), vault reads and writes, notifications, executions with their workflow type, transitions and Lambda
 * tasks, the bytes of execution input and output, and the endpoint's own time. Each event is then sent again
 * under a new envelope id, which the pipeline answers as a duplicate (or as a new event: both are recorded as
 * what they are). The cost model prices these profiles; nothing per event is typed in by hand.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { emitOutcomeMetrics, knownMetricSources } from '../../../hub/functions/endpoint-metrics.ts';
import { createSweeperHandler } from '../../../hub/functions/sweeper.ts';
import type { CompiledPlaybook, WorkflowType } from '../../../shared/deploy-model.ts';
import { SoclessError } from '../../../shared/errors.ts';
import { countWaitingApprovals } from '../../../shared/metrics/approvals-waiting.ts';
import { processInput } from '../../../shared/pipeline/pipeline.ts';
import { EXPRESS_VARIANTS } from '../../../shared/pipeline/workflow-variants.ts';
import { TABLES } from '../../../shared/tables.ts';
import { LocalHub } from '../../local/hub.ts';
import { addDynamo, countDynamo, countVault, type DynamoCounts } from './counters.ts';
import { APPLY_SAMPLE, type ApplyProfile, measureApply } from './remediation.ts';

/** What one event class costs in operations, per event. */
export type EventClass = 'unrouted' | 'duplicate' | 'notified' | 'remediated' | 'asked' | 'rejected';

export const EVENT_CLASSES: readonly EventClass[] = [
  'unrouted',
  'duplicate',
  'notified',
  'remediated',
  'asked',
  'rejected',
];

/** One execution as the cost model needs it. */
export interface ExecutionProfile {
  readonly playbook: string;
  readonly workflow: WorkflowType;
  readonly status: string;
  readonly transitions: number;
  /** Lambda task invocations by integration id (an Interaction counts: its Lambda is invoked once). */
  readonly invocations: Readonly<Record<string, number>>;
  /** Entered states by type (Task, Choice, Pass, ...): Step Functions logs a fixed set of events per type. */
  readonly statesByType: Readonly<Record<string, number>>;
  /** Tasks that waited for a person (`lambda:invoke.waitForTaskToken`). */
  readonly callbacks: number;
  readonly inputBytes: number;
  readonly outputBytes: number;
  /** Wall time on the local executor (dynalite in process). */
  readonly localMs: number;
}

/** Everything one sample event did. */
export interface EventProfile {
  readonly file: string;
  readonly cls: EventClass;
  readonly status: string;
  readonly source: string;
  readonly bytes: number;
  /** DynamoDB operations of the endpoint (pipeline) and of the playbooks. */
  readonly dynamo: { readonly endpoint: DynamoCounts; readonly playbooks: DynamoCounts };
  readonly vault: { readonly puts: number; readonly gets: number; readonly bytesPut: number };
  readonly notifications: number;
  readonly executions: readonly ExecutionProfile[];
  /** Calls the remediation makes in the spoke (its plan's actions), when one ran. */
  readonly remediationCalls: number;
  /**
   * Bytes of CloudWatch embedded-metric lines written for this event: the endpoint's, and those of the
   * integrations and the remediation runner during its executions (CloudWatch Logs ingestion; EMF makes no
   * PutMetricData call).
   */
  readonly metricLogBytes: number;
  /** Data points written for this event, by {@link seriesKey} (metric and dimension names). */
  readonly metricPoints: Readonly<Record<string, number>>;
  readonly endpointMs: number;
}

/** Every state of a definition by name, Parallel branches and Map iterators included. */
export function statesOf(definition: Record<string, unknown>): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  const visit = (def: unknown) => {
    const states = (def as { States?: Record<string, Record<string, unknown>> } | undefined)?.States ?? {};
    for (const [name, state] of Object.entries(states)) {
      out.set(name, state);
      for (const branch of (state.Branches as unknown[] | undefined) ?? []) visit(branch);
      visit(state.Iterator ?? state.ItemProcessor);
    }
  };
  visit(definition);
  return out;
}

const PLACEHOLDER = /\$\{fn_([^}]+)\}/;

function profileExecution(
  playbook: CompiledPlaybook,
  result: { status: string; states: readonly string[]; transitions: number; durationMs: number; output?: unknown },
  inputBytes: number,
): ExecutionProfile {
  const states = statesOf(playbook.definition);
  const invocations: Record<string, number> = {};
  const statesByType: Record<string, number> = {};
  let callbacks = 0;
  for (const name of result.states) {
    const state = states.get(name);
    const type = String(state?.Type ?? 'Unknown');
    statesByType[type] = (statesByType[type] ?? 0) + 1;
    // A plain Task names its function as the Resource; a callback Task in Parameters.FunctionName.
    const fn = `${String(state?.Resource ?? '')} ${JSON.stringify((state?.Parameters as Record<string, unknown> | undefined)?.FunctionName ?? '')}`;
    const id = PLACEHOLDER.exec(fn)?.[1];
    if (type === 'Task' && id) invocations[id] = (invocations[id] ?? 0) + 1;
    if (String(state?.Resource ?? '').endsWith('.waitForTaskToken')) callbacks++;
  }
  return {
    playbook: playbook.name,
    workflow: playbook.workflow,
    status: result.status,
    transitions: result.transitions,
    invocations,
    statesByType,
    callbacks,
    inputBytes,
    outputBytes: Buffer.byteLength(JSON.stringify(result.output ?? null)),
    localMs: result.durationMs,
  };
}

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** The sample events: every playbook's `events/*.json`, then the event fixtures. */
export function sampleEventFiles(playbooksDir = join(REPO, 'playbooks')): string[] {
  const files: string[] = [];
  for (const dir of readdirSync(playbooksDir, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    const events = join(playbooksDir, dir.name, 'events');
    try {
      for (const f of readdirSync(events)) if (f.endsWith('.json')) files.push(join(events, f));
    } catch {
      // a playbook without sample events
    }
  }
  const fixtures = join(REPO, 'test/fixtures/events');
  for (const f of readdirSync(fixtures)) if (f.endsWith('.json')) files.push(join(fixtures, f));
  return files.sort();
}

function classify(status: string, executions: readonly ExecutionProfile[], remediationCalls: number): EventClass {
  if (status === 'duplicate') return 'duplicate';
  if (status === 'rejected') return 'rejected';
  if (executions.length === 0) return 'unrouted';
  if (executions.some((e) => e.callbacks > 0)) return 'asked';
  return remediationCalls > 0 ? 'remediated' : 'notified';
}

/** The plan's actions of the first remediation a run returned (the remediate integration's result). */
function remediationCallsOf(outputs: readonly unknown[]): number {
  let calls = 0;
  const visit = (v: unknown, depth: number) => {
    if (calls > 0 || depth > 6 || typeof v !== 'object' || v === null) return;
    const r = (v as { remediation?: { actions?: unknown[]; intent?: string; effectiveAction?: string } }).remediation;
    if (r && typeof r === 'object' && r.effectiveAction !== 'not-applicable') {
      // A plan made without reading the account names its intent: a read and a fix at least.
      calls = Array.isArray(r.actions) && r.actions.length > 0 ? r.actions.length : r.intent ? 1 : 0;
      return;
    }
    for (const child of Object.values(v)) visit(child, depth + 1);
  };
  for (const o of outputs) visit(o, 0);
  return calls;
}

/** Runs the samples; `rounds` repeats each (with fresh ids) for steadier endpoint timings. */
export async function measureEventProfiles(
  options: {
    rounds?: number;
    files?: string[];
    /** Changes the local hub before the run (tests: the counts follow what the code does). */
    configure?: (hub: LocalHub) => void;
    /** Events come from the queue (the endpoint's SQS path): see PipelineDeps.queued. @default true */
    queued?: boolean;
  } = {},
): Promise<{
  profiles: EventProfile[];
  endpointMs: number[];
  playbooks: CompiledPlaybook[];
  /** One sweep of the events table after the run (what the scheduled sweeper does every few minutes). */
  sweepMs: number;
  /**
   * Every metric the run emitted (endpoint, integrations, remediation runner, sweeper), per dimension set, with
   * the distinct value combinations seen (each one a billed custom metric).
   */
  metricSeries: MetricSeries[];
  /** Bytes of the EMF lines one sweep writes (the sweeper's ApprovalsWaiting gauge). */
  sweepMetricBytes: number;
  /** What applying a fix adds (when {@link APPLY_SAMPLE} was among the files and ran its remediation). */
  apply?: ApplyProfile;
}> {
  const rounds = options.rounds ?? 1;
  // Every EMF line the integrations and the remediation runner write (stdout in AWS) lands here.
  const captured: string[] = [];
  const hub = await LocalHub.start({ interactionTimeoutMs: 0, metrics: (line) => captured.push(line) });
  options.configure?.(hub);
  const sources = knownMetricSources(hub.playbooks, hub.config.webhooks);
  const dynamo = countDynamo(hub.integrationDeps.documentClient);
  const vault = countVault(hub.integrationDeps.vault);
  const inputs = new Map<string, number>();
  let applyInput: Record<string, unknown> | undefined;
  let current = '';
  const start = hub.dispatcher.start.bind(hub.dispatcher);
  hub.dispatcher.start = async (request) => {
    inputs.set(request.name, Buffer.byteLength(JSON.stringify(request.input)));
    // The remediation flow of either workflow (the Express twin runs it for off, dry-run and auto accounts).
    const remediation = ['remediate-finding', EXPRESS_VARIANTS['remediate-finding']?.playbook];
    if (current === APPLY_SAMPLE && remediation.includes(request.playbook)) applyInput ??= request.input;
    return start(request);
  };
  const snapshot = () => JSON.parse(JSON.stringify(dynamo.counts)) as DynamoCounts;
  const diff = (after: DynamoCounts, before: DynamoCounts): DynamoCounts => {
    const out: DynamoCounts = {};
    for (const [k, v] of Object.entries(after)) {
      const b = before[k] ?? { calls: 0, wru: 0, rru: 0 };
      if (v.calls > b.calls) {
        out[k] = {
          calls: v.calls - b.calls,
          wru: v.wru - b.wru,
          rru: v.rru - b.rru,
          wruWholeIndexes: (v.wruWholeIndexes ?? v.wru) - (b.wruWholeIndexes ?? b.wru),
        };
      }
    }
    return out;
  };
  let apply: ApplyProfile | undefined;
  const playbooks = new Map(hub.playbooks.map((p) => [p.name, p]));
  const profiles: EventProfile[] = [];
  const endpointMs: number[] = [];
  let sweepMs = 0;
  let sweepMetricBytes = 0;
  /** Distinct value combinations per metric and dimension set. */
  const combos = new Map<string, { metric: string; dimensions: readonly string[]; values: Set<string> }>();
  const sweepSeries = new Set<string>();
  const record = (line: string, perSweep = false): { key: string }[] => {
    const points = metricPointsOf(line);
    for (const p of points) {
      const key = seriesKey(p.metric, p.dimensions);
      const c = combos.get(key) ?? { metric: p.metric, dimensions: p.dimensions, values: new Set<string>() };
      c.values.add(p.values.join('\u0000'));
      combos.set(key, c);
      if (perSweep) sweepSeries.add(key);
    }
    return points.map((p) => ({ key: seriesKey(p.metric, p.dimensions) }));
  };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const file of options.files ?? sampleEventFiles()) {
        current = file;
        const text = readFileSync(file, 'utf8');
        const parsed = JSON.parse(text) as unknown;
        const events = Array.isArray(parsed) ? parsed : [parsed];
        for (const [i, event] of events.entries()) {
          const base = event as Record<string, unknown>;
          // Ids unique per file and round: two sample files with one envelope id would read as a redelivery.
          const id = `${file.split('/').slice(-3).join('/')}-r${round}-${i}`;
          // Events reach the hub seconds after they happen: the samples' fixed dates would keep the runner from
          // writing EventToOutcome (it skips events older than a week), a metric it writes in AWS.
          if (typeof base.time === 'string') base.time = new Date().toISOString();
          // The event as it first arrives, then the same finding again under a new envelope id.
          for (const copy of [
            { ...base, id },
            { ...base, id: `${id}-again` },
          ]) {
            const p = await profileOne(copy, `${file.split('/').slice(-3).join('/')}`);
            if (p) {
              profiles.push(p);
              endpointMs.push(p.endpointMs);
            }
          }
        }
      }
    }
    current = '';
    // What the playbook's Remediate state passes: `$.artifacts.event.details`.
    const event = (applyInput?.artifacts as { event?: { details?: Record<string, unknown> } } | undefined)?.event
      ?.details;
    if (event) apply = await measureApply(hub, event, snapshot, diff);
    for (const line of captured.splice(0)) record(line);
    // One run of the sweeper Lambda's handler: the approvals gauge, then the re-drive of what is left.
    const responses = String(hub.integrationDeps.env[TABLES.message_responses.envVar] ?? '');
    const sweeper = createSweeperHandler(hub.pipeline, 0, new Logger({ logLevel: 'SILENT' }), {
      count: (now) => countWaitingApprovals(hub.integrationDeps.documentClient, responses, now),
      metrics: (line) => {
        sweepMetricBytes += Buffer.byteLength(line) + 1;
        record(line, true);
      },
    });
    const t = performance.now();
    try {
      await sweeper();
    } catch (err) {
      // Events that cannot be re-driven fail the invocation (its alarm); the sweep's work is still what it cost.
      if (!(err instanceof SoclessError)) throw err;
    }
    sweepMs = performance.now() - t;
  } finally {
    dynamo.detach();
    vault.detach();
    await hub.close();
  }
  return {
    profiles,
    endpointMs,
    playbooks: [...hub.playbooks],
    sweepMs,
    metricSeries: [...combos.entries()].map(([key, c]) => ({
      metric: c.metric,
      dimensions: c.dimensions,
      values: c.values.size,
      ...(sweepSeries.has(key) ? { perSweep: true } : {}),
    })),
    sweepMetricBytes,
    ...(apply ? { apply } : {}),
  };

  async function profileOne(event: Record<string, unknown>, file: string): Promise<EventProfile | undefined> {
    const v0 = { ...vault.counts };
    const n0 = hub.integrationDeps.notifier.sent.length;
    captured.splice(0);
    const d0 = snapshot();
    const release = hub.dispatcher.hold();
    const t = performance.now();
    // As the endpoint runs it in AWS: fed by the SQS ingest queue, which delivers an event again until it settles.
    const outcomes = await processInput(event, 'cost-bench', { ...hub.pipeline, queued: options.queued ?? true });
    const ms = performance.now() - t;
    const d1 = snapshot();
    release();
    await hub.dispatcher.drain();
    const d2 = snapshot();
    const outcome = outcomes[0];
    if (!outcome) return undefined;
    const executions: ExecutionProfile[] = [];
    const outputs: unknown[] = [];
    for (const o of outcomes) {
      for (const e of o.executions) {
        const run = hub.dispatcher.runs.get(e.name);
        const playbook = playbooks.get(e.playbook);
        if (!run?.result || !playbook) continue;
        executions.push(profileExecution(playbook, run.result, inputs.get(e.name) ?? 0));
        outputs.push(run.result.output);
      }
    }
    const remediationCalls = remediationCallsOf(outputs);
    let metricLogBytes = 0;
    const metricPoints: Record<string, number> = {};
    const count = (line: string) => {
      metricLogBytes += Buffer.byteLength(line) + 1;
      for (const { key } of record(line)) metricPoints[key] = (metricPoints[key] ?? 0) + 1;
    };
    // What the integrations and the remediation runner wrote while the executions ran.
    for (const line of captured.splice(0)) count(line);
    // The endpoint's lines for this event (one event per batch: the low-volume case, the most lines per event).
    emitOutcomeMetrics(
      outcomes.map((o) => ({ ...o, source: String(event.source ?? '') })),
      count,
      new Date(),
      {
        sources,
        accounts: new Set([String(event.account ?? '')]),
      },
    );
    return {
      file,
      cls: classify(outcome.status, executions, remediationCalls),
      status: outcome.status,
      source: String(event.source ?? ''),
      bytes: Buffer.byteLength(JSON.stringify(event)),
      dynamo: { endpoint: diff(d1, d0), playbooks: diff(d2, d1) },
      vault: {
        puts: vault.counts.puts - v0.puts,
        gets: vault.counts.gets - v0.gets,
        bytesPut: vault.counts.bytesPut - v0.bytesPut,
      },
      notifications: hub.integrationDeps.notifier.sent.length - n0,
      executions,
      remediationCalls,
      metricLogBytes,
      metricPoints,
      endpointMs: ms,
    };
  }
}

/** One metric under one dimension set (each distinct value combination is a billed custom metric). */
export interface MetricSeries {
  readonly metric: string;
  readonly dimensions: readonly string[];
  /**
   * Distinct value combinations of the dimensions that were emitted (each one custom metric). When absent, the
   * model takes one per known source for `Source`, one per org account for `Account` (what-ifs).
   */
  readonly values?: number;
  /** Written by the sweeper on every run (a gauge), not per event. */
  readonly perSweep?: boolean;
}

/** The key of a metric under one dimension set, as {@link EventProfile.metricPoints} uses it. */
export function seriesKey(metric: string, dimensions: readonly string[]): string {
  return `${metric}|${dimensions.join(',')}`;
}

/**
 * The data points an embedded-metric-format line writes: one per metric and dimension set, with the values of
 * that set's dimensions (read from the line's top-level fields, as CloudWatch does).
 */
export function metricPointsOf(line: string): { metric: string; dimensions: string[]; values: string[] }[] {
  const emf = JSON.parse(line) as Record<string, unknown> & {
    _aws?: { CloudWatchMetrics?: { Dimensions?: string[][]; Metrics?: { Name: string }[] }[] };
  };
  return (emf._aws?.CloudWatchMetrics ?? []).flatMap((d) =>
    (d.Metrics ?? []).flatMap((m) =>
      (d.Dimensions ?? [[]]).map((dims) => ({
        metric: m.Name,
        dimensions: dims,
        values: dims.map((name) => String(emf[name] ?? '')),
      })),
    ),
  );
}

/** Per class: the mean of its profiles' operations (what one event of that class does). */
export interface ClassProfile {
  readonly cls: EventClass;
  readonly samples: number;
  readonly files: readonly string[];
  readonly sources: readonly string[];
  readonly dynamoEndpoint: DynamoCounts;
  readonly dynamoPlaybooks: DynamoCounts;
  readonly vaultPuts: number;
  readonly vaultGets: number;
  readonly vaultBytes: number;
  readonly notifications: number;
  /** Executions per event of the class: each weighted by 1 / samples. */
  readonly executions: readonly (ExecutionProfile & { readonly weight: number })[];
  readonly remediationCalls: number;
  readonly metricLogBytes: number;
  /** Data points per event of the class, by {@link seriesKey}. */
  readonly metricPoints?: Readonly<Record<string, number>>;
  readonly eventBytes: number;
}

/** Averages the profiles of each class (executions are kept as a list weighted by 1/samples). */
export function classProfiles(profiles: readonly EventProfile[]): Map<EventClass, ClassProfile> {
  const out = new Map<EventClass, ClassProfile>();
  for (const cls of EVENT_CLASSES) {
    const of = profiles.filter((p) => p.cls === cls);
    if (of.length === 0) continue;
    const n = of.length;
    const scale = (d: DynamoCounts): DynamoCounts =>
      Object.fromEntries(
        Object.entries(d).map(([k, v]) => [
          k,
          { calls: v.calls / n, wru: v.wru / n, rru: v.rru / n, wruWholeIndexes: (v.wruWholeIndexes ?? v.wru) / n },
        ]),
      );
    const sum = (f: (p: EventProfile) => number) => of.reduce((s, p) => s + f(p), 0) / n;
    out.set(cls, {
      cls,
      samples: n,
      files: [...new Set(of.map((p) => p.file))],
      sources: [...new Set(of.map((p) => p.source))],
      dynamoEndpoint: scale(of.reduce((acc, p) => addDynamo(acc, p.dynamo.endpoint), {} as DynamoCounts)),
      dynamoPlaybooks: scale(of.reduce((acc, p) => addDynamo(acc, p.dynamo.playbooks), {} as DynamoCounts)),
      vaultPuts: sum((p) => p.vault.puts),
      vaultGets: sum((p) => p.vault.gets),
      vaultBytes: sum((p) => p.vault.bytesPut),
      notifications: sum((p) => p.notifications),
      executions: of.flatMap((p) => p.executions.map((e) => ({ ...e, weight: 1 / n }))),
      remediationCalls: sum((p) => p.remediationCalls),
      metricLogBytes: sum((p) => p.metricLogBytes),
      metricPoints: Object.fromEntries(
        [...new Set(of.flatMap((p) => Object.keys(p.metricPoints)))].map((k) => [
          k,
          sum((p) => p.metricPoints[k] ?? 0),
        ]),
      ),
      eventBytes: sum((p) => p.bytes),
    });
  }
  return out;
}

/**
 * The remediated class as it runs in AWS: the local run's profile plus what applying adds — the remediate task's
 * `remediations` table operations (guard counters, write-ahead record, session ledger) and the endpoint's work
 * for the fix call's own CloudTrail event (recorded, then known as the hub's by a ledger read) — and the spoke
 * calls and sessions counted when applying. The task's other operations are already in the local profile.
 */
export function withApply(
  profiles: ReadonlyMap<EventClass, ClassProfile>,
  apply: ApplyProfile | undefined,
): Map<EventClass, ClassProfile> {
  const out = new Map(profiles);
  const fixed = profiles.get('remediated');
  if (!fixed || !apply) return out;
  const remediations = Object.fromEntries(Object.entries(apply.dynamo).filter(([k]) => k.startsWith('remediations/')));
  out.set('remediated', {
    ...fixed,
    dynamoPlaybooks: addDynamo(addDynamo({}, fixed.dynamoPlaybooks), remediations),
    dynamoEndpoint: addDynamo(addDynamo({}, fixed.dynamoEndpoint), apply.echoDynamo),
    remediationCalls: apply.spokeCalls + apply.sessions,
  });
  return out;
}
