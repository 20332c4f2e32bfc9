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
      // Measured before and after the pipeline run (the table grows by three items per event meanwhile) and
      // averaged, so both rates see the same table sizes.
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
      for (let i = 0; i < 200; i++) await processInput(body(1_000_000 + i), 'bench-warmup', hub.pipeline);
      const putsBefore = await rawPutRate('before');

      // The endpoint: one consumer, one event at a time (an endpoint Lambda's batch loop). Executions are
      // accepted but held until ingest ends, so the endpoint is timed apart from the playbooks: in AWS they
      // run in Step Functions, not in the endpoint's process. Then the held executions run to the end.
      const latencies: number[] = [];
      // The warm-up's executions are held with the rest and run at the end with them.
      const started = performance.now();
      for (let i = 0; i < events; i++) {
        const t = performance.now();
        const [outcome] = await processInput(body(i), 'bench', hub.pipeline);
        latencies.push(performance.now() - t);
        if (outcome?.status !== 'dispatched')
          throw new Error(`bench event ${i} ended ${outcome?.status}: ${outcome?.reason ?? ''}`);
      }
      const ingestSeconds = (performance.now() - started) / 1000;
      const putsAfter = await rawPutRate('after');
      const putsPerSecond = (putsBefore + putsAfter) / 2;
      release();
      const drainStart = performance.now();
      await hub.dispatcher.drain();
      const drainSeconds = (performance.now() - drainStart) / 1000;
      const totalSeconds = ingestSeconds + drainSeconds;
      const runs = [...hub.dispatcher.runs.values()];
      const failed = runs.filter((r) => r.result?.status !== 'SUCCEEDED').length;
      latencies.sort((a, b) => a - b);
      const figures = {
        events,
        rawPutsPerSecond: Math.round(putsPerSecond),
        rawPutsPerSecondBefore: Math.round(putsBefore),
        rawPutsPerSecondAfter: Math.round(putsAfter),
        pipelineEventsPerSecond: Math.round(events / ingestSeconds),
        ratioToRawPuts: Number((events / ingestSeconds / putsPerSecond).toFixed(2)),
        p50Ms: Number(percentile(latencies, 50).toFixed(1)),
        p99Ms: Number(percentile(latencies, 99).toFixed(1)),
        executions: runs.length,
        executionsFailed: failed,
        executionsPerSecond: Math.round(runs.length / drainSeconds),
        wallSeconds: Number(totalSeconds.toFixed(1)),
      };
      process.stdout.write(
        [
          `raw dynalite puts/s            ${figures.rawPutsPerSecond}  (${figures.rawPutsPerSecondBefore} before the run, ${figures.rawPutsPerSecondAfter} after)`,
          `pipeline events/s              ${figures.pipelineEventsPerSecond}  (${figures.ratioToRawPuts}x raw puts; target >= 0.3x)`,
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
