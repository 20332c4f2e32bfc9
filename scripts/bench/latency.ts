/**
 * Latency benchmark: the budget from a change in a member account to the fix verified. Measures the endpoint's
 * own time on every sample event (several rounds) on the local hub, counts the automated path's states and
 * calls from its run, and models the warm path from the spoke bus (goal: p50 ≤ 3 s, p99 ≤ 10 s) with the hop
 * figures of scripts/bench/cost/latency.ts.
 */

import { modelPath, percentile, SOURCE_TO_BUS, warmPathHops } from './cost/latency.ts';
import { measureEventProfiles } from './cost/measure.ts';
import { ENDPOINT_BATCH_WINDOW_SECONDS } from './cost/settings.ts';
import type { Benchmark } from './index.ts';

export const LATENCY_GOAL = { p50Ms: 3000, p99Ms: 10_000, endpointP99Ms: 100 } as const;

const s = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

export const latencyBenchmark: Benchmark = {
  name: 'latency',
  description: 'detection-to-fix latency budget per hop; endpoint time measured locally, warm path modelled',
  async run({ quick }) {
    const out = process.stdout;
    const rounds = quick ? 3 : 11;
    const measured = await measureEventProfiles({ rounds });
    // The first round warms the process up (JIT, dynalite's first pages): the warm path is timed on the rest.
    const warm = measured.endpointMs.slice(measured.endpointMs.length / rounds);
    const endpointP50Ms = percentile(warm, 50);
    const endpointP99Ms = percentile(warm, 99);
    // The automated path as the shipped playbooks run it: an event that was remediated, its execution counted.
    const fixed = measured.profiles.find((p) => p.cls === 'remediated' && p.executions.length === 1);
    const run = fixed?.executions[0];
    const tasks = run ? Object.values(run.invocations).reduce((a, b) => a + b, 0) : 0;
    // Sessions and spoke calls as applying the fix counted them: a read, the fix call(s), a verify read.
    const apply = measured.apply;
    const counted = {
      endpointP50Ms,
      endpointP99Ms,
      otherTasks: Math.max(0, tasks - 1),
      transitions: run?.transitions ?? 0,
      sessions: apply?.sessions ?? 1,
      fixCalls: Math.max(1, (apply?.spokeCalls ?? 3) - 2),
    };
    const hops = warmPathHops({ ...counted, batchingWindowSeconds: ENDPOINT_BATCH_WINDOW_SECONDS });
    const model = modelPath(hops);
    // The default before this budget: a one-second batching window on the ingest queue.
    const withWindow = modelPath(warmPathHops({ ...counted, batchingWindowSeconds: 1 }));

    out.write('source → member default bus (documented, outside the goal):\n');
    for (const x of SOURCE_TO_BUS) out.write(`  ${x.source.padEnd(28)} ${x.figure}\n    ${x.ref}\n`);
    out.write(
      `\nspoke bus → fix verified, warm path (${run ? `${run.playbook}, ${run.transitions} states, ${tasks} Lambda tasks, ${counted.sessions} spoke session(s) and ${counted.fixCalls} fix call(s), counted from ${fixed?.file}${apply ? ' and the fix applied' : ''}` : 'no remediated sample'}):\n`,
    );
    const width = Math.max(...hops.map((h) => h.name.length)) + 2;
    for (const h of hops) {
      const n = h.count ?? 1;
      out.write(
        `  ${`${h.name}${n > 1 ? ` ×${n}` : ''}`.padEnd(width + 4)} p50 ${s(h.p50Ms).padStart(7)}  p99 ${s(h.p99Ms).padStart(7)}\n` +
          `      ${h.source}: ${h.ref}\n${h.lever ? `      lever: ${h.lever}\n` : ''}`,
      );
    }
    const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
    out.write(
      `\nmodelled warm path: p50 ${s(model.p50Ms)} (goal ≤ 3 s: ${verdict(model.p50Ms <= LATENCY_GOAL.p50Ms)}), ` +
        `p99 ${s(model.p99Ms)} (goal ≤ 10 s: ${verdict(model.p99Ms <= LATENCY_GOAL.p99Ms)}); ` +
        `with the former 1 s batching window: p50 ${s(withWindow.p50Ms)}, p99 ${s(withWindow.p99Ms)}\n` +
        `endpoint's own time, measured on ${warm.length} events after a warm-up round: p50 ${endpointP50Ms.toFixed(1)} ms, ` +
        `p99 ${endpointP99Ms.toFixed(1)} ms (goal p99 < 100 ms: ${verdict(endpointP99Ms < LATENCY_GOAL.endpointP99Ms)})\n`,
    );
    return {
      endpoint: { events: warm.length, p50Ms: endpointP50Ms, p99Ms: endpointP99Ms },
      path: run
        ? { playbook: run.playbook, transitions: run.transitions, tasks, fixCalls: fixed?.remediationCalls }
        : null,
      hops: hops.map((h) => ({ ...h })),
      modelled: { p50Ms: Math.round(model.p50Ms), p99Ms: Math.round(model.p99Ms) },
      modelledWithOneSecondWindow: { p50Ms: Math.round(withWindow.p50Ms), p99Ms: Math.round(withWindow.p99Ms) },
      goal: LATENCY_GOAL,
    };
  },
};
