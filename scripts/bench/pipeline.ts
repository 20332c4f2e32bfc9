import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { processInput } from '../../shared/pipeline/pipeline.ts';
import { LocalHub } from '../local/hub.ts';
import type { Benchmark } from './index.ts';

/** A 5-task playbook over the shipped integrations: what one event costs once it is dispatched. */
const FIVE_TASK_PLAYBOOK = {
  Playbook: 'bench-five-tasks',
  Comment: 'Benchmark: five integration tasks per event.',
  Triggers: [{ source: ['aws.guardduty'], 'detail-type': ['GuardDuty Finding'] }],
  StartAt: 'Enrich',
  States: {
    Enrich: {
      Type: 'Task',
      Resource: 'enrich_account',
      Parameters: { 'account_id.$': '$.artifacts.event.details.account' },
      Next: 'Count',
    },
    Count: {
      Type: 'Task',
      Resource: 'counter',
      Parameters: { key: 'bench:{{context.artifacts.event.details.account}}' },
      Next: 'Remember',
    },
    Remember: {
      Type: 'Task',
      Resource: 'custom_mapping',
      Parameters: {
        key: 'last-finding:{{context.artifacts.event.details.account}}',
        'value.$': '$.artifacts.event.details.kind',
      },
      Next: 'Notify',
    },
    Notify: {
      Type: 'Task',
      Resource: 'notify_email',
      Parameters: {
        subject: 'GuardDuty {{context.artifacts.event.details.kind}}',
        message: '{{context.artifacts.event.details.title}}',
      },
      Next: 'Close',
    },
    Close: { Type: 'Task', Resource: 'set_investigation_status', Parameters: { status: 'closed' }, End: true },
  },
};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

const fixture = fileURLToPath(new URL('../../test/fixtures/events/guardduty-ssh-bruteforce.json', import.meta.url));

export const pipelineBenchmark: Benchmark = {
  name: 'pipeline',
  description: 'events end-to-end through the local hub (5-task playbook) against the raw dynalite put rate',
  async run({ quick }) {
    const events = quick ? 500 : 5000;
    const dir = mkdtempSync(join(tmpdir(), 'socless-bench-'));
    mkdirSync(join(dir, 'bench-five-tasks'));
    writeFileSync(join(dir, 'bench-five-tasks', 'playbook.json'), JSON.stringify(FIVE_TASK_PLAYBOOK));
    const hub = await LocalHub.start({ playbooksDir: dir });
    try {
      const base = JSON.parse(readFileSync(fixture, 'utf8')) as Record<string, unknown>;
      const accounts = hub.accounts.filter((a) => a.status === 'ACTIVE').map((a) => a.accountId);
      const body = (i: number) => ({
        ...base,
        id: `bench-${i}`,
        account: accounts[i % accounts.length],
        detail: { ...(base.detail as object), id: `bench-finding-${i}`, accountId: accounts[i % accounts.length] },
      });

      // Raw store rate, same process, same dynalite, same table: items shaped like an events record (the
      // table's indexes are maintained on every write, so this is what one pipeline write costs at best).
      // Measured in each round below, just before that round's events (the table grows by three items per event),
      // so both rates see the same table sizes.
      const sample = JSON.stringify(body(0));
      const puts = quick ? 500 : 2000;
      const client = hub.integrationDeps.documentClient;
      const rawPutRate = async (tag: string): Promise<number> => {
        const putStart = performance.now();
        for (let i = 0; i < puts; i++) {
          const at = new Date().toISOString();
          await client.send(
            new PutCommand({
              TableName: 'events',
              Item: {
                id: `raw-put-${tag}-${i}`,
                status: 'bench-raw-put',
                receivedAt: at,
                updatedAt: at,
                account: accounts[i % accounts.length],
                investigationId: `raw-put-${tag}-${i}`,
                raw: sample,
              },
            }),
          );
        }
        return puts / ((performance.now() - putStart) / 1000);
      };
      // Warm up both paths (JIT, dynalite's first pages) before either is timed.
      await rawPutRate('warmup');
      const release = hub.dispatcher.hold();
      // As the endpoint's SQS batch loop runs it: the queue delivers an event again until it is settled.
      const endpoint = { ...hub.pipeline, queued: true };
      for (let i = 0; i < 200; i++) await processInput(body(1_000_000 + i), 'bench-warmup', endpoint);

      // Rounds that alternate the two measurements: raw puts, then a slice of pipeline events, again and again.
      // Each round's ratio compares the two rates under the same conditions (table size, GC, whatever else the
      // machine is doing at that moment); the figure is the median round, with the spread printed beside it.
      // The endpoint: one consumer, one event at a time (an endpoint Lambda's batch loop). Executions are
      // accepted but held until ingest ends, so the endpoint is timed apart from the playbooks: in AWS they
      // run in Step Functions, not in the endpoint's process. Then the held executions run to the end.
      const rounds = quick ? 3 : 5;
      const perRound = Math.ceil(events / rounds);
      const latencies: number[] = [];
      const roundRatios: number[] = [];
      const putRates: number[] = [];
      let ingestSeconds = 0;
      let sent = 0;
      for (let r = 0; r < rounds; r++) {
        const putRate = await rawPutRate(`round${r}`);
        putRates.push(putRate);
        const roundStart = performance.now();
        const roundEnd = Math.min(events, sent + perRound);
        for (; sent < roundEnd; sent++) {
          const t = performance.now();
          const [outcome] = await processInput(body(sent), 'bench', endpoint);
          latencies.push(performance.now() - t);
          if (outcome?.status !== 'dispatched')
            throw new Error(`bench event ${sent} ended ${outcome?.status}: ${outcome?.reason ?? ''}`);
        }
        const roundSeconds = (performance.now() - roundStart) / 1000;
        ingestSeconds += roundSeconds;
        roundRatios.push(perRound / roundSeconds / putRate);
      }
      const putsPerSecond = putRates.reduce((a, b) => a + b, 0) / putRates.length;
      release();
      const drainStart = performance.now();
      await hub.dispatcher.drain();
      const drainSeconds = (performance.now() - drainStart) / 1000;
      const totalSeconds = ingestSeconds + drainSeconds;
      const runs = [...hub.dispatcher.runs.values()];
      const failed = runs.filter((r) => r.result?.status !== 'SUCCEEDED').length;
      latencies.sort((a, b) => a - b);
      const sortedRatios = [...roundRatios].sort((a, b) => a - b);
      const figures = {
        events,
        rounds,
        rawPutsPerSecond: Math.round(putsPerSecond),
        rawPutsPerSecondMin: Math.round(Math.min(...putRates)),
        rawPutsPerSecondMax: Math.round(Math.max(...putRates)),
        pipelineEventsPerSecond: Math.round(events / ingestSeconds),
        ratioToRawPuts: Number(percentile(sortedRatios, 50).toFixed(2)),
        ratioMin: Number((sortedRatios[0] ?? 0).toFixed(2)),
        ratioMax: Number((sortedRatios[sortedRatios.length - 1] ?? 0).toFixed(2)),
        p50Ms: Number(percentile(latencies, 50).toFixed(1)),
        p99Ms: Number(percentile(latencies, 99).toFixed(1)),
        executions: runs.length,
        executionsFailed: failed,
        executionsPerSecond: Math.round(runs.length / drainSeconds),
        wallSeconds: Number(totalSeconds.toFixed(1)),
      };
      process.stdout.write(
        [
          `raw dynalite puts/s            ${figures.rawPutsPerSecond}  (mean of ${rounds} rounds, ${figures.rawPutsPerSecondMin}-${figures.rawPutsPerSecondMax})`,
          `pipeline events/s              ${figures.pipelineEventsPerSecond}  (median round ${figures.ratioToRawPuts}x raw puts, rounds ${figures.ratioMin}-${figures.ratioMax}x; target >= 0.3x)`,
          `latency p50 / p99              ${figures.p50Ms} ms / ${figures.p99Ms} ms  (target p99 < 100 ms)`,
          `executions (5 tasks each)      ${figures.executions} run, ${figures.executionsFailed} failed, ${figures.executionsPerSecond}/s on the local executor`,
          `wall time                      ${figures.wallSeconds} s for ${events} events`,
          '',
        ].join('\n'),
      );
      return figures;
    } finally {
      await hub.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
