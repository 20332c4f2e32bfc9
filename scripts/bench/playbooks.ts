/**
 * Playbook benchmark: compile time, local executions per second of a 10-state playbook, and per shipped
 * playbook the state transitions of its test paths next to what Twilio's SOCless renderer would use, with
 * the modelled Step Functions cost per million runs.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { INTEGRATION_CATALOG, INTEGRATIONS } from '../../hub/integrations/index.ts';
import { toLambdaHandler } from '../../shared/integration-runtime/handler.ts';
import { startLocalDynamo } from '../../shared/local/dynalite.ts';
import { runLocalExecution } from '../../shared/local/executor.ts';
import { createLocalDeps } from '../../shared/local/local-deps.ts';
import { runPlaybookTests } from '../../shared/local/playbook-tests.ts';
import { compileAllPlaybooks, compilePlaybook } from '../../shared/playbook/compile.ts';
import { buildExecutionInput } from '../../shared/playbook/input.ts';
import { loadPlaybookSources, parsePlaybookText } from '../../shared/playbook/loader.ts';
import { soclessRendererStateOverhead } from '../../shared/playbook/socless-overhead.ts';
import { AccountsRepository } from '../../shared/store/accounts.ts';
import type { Benchmark } from './index.ts';

/** Step Functions Standard: $0.025 per 1,000 state transitions. */
const STANDARD_PER_TRANSITION = 0.025 / 1000;
/** Step Functions Express: $1.00 per 1M requests and $0.00001667 per GB-second, billed at 64 MB minimum. */
const EXPRESS_PER_REQUEST = 1 / 1_000_000;
const EXPRESS_PER_GB_SECOND = 0.00001667;
const EXPRESS_GB = 64 / 1024;
/** Assumed AWS wall time of one Lambda Task (invoke + a DynamoDB/SNS call), and of any other state. */
const ASSUMED_TASK_MS = 150;
const ASSUMED_OTHER_STATE_MS = 5;

/** A SOCless resource reference, `${{self:custom.socless.<name>}}`. */
const socless = (name: string): string => `\${{self:custom.socless.${name}}}`;

/** A synthetic 10-state playbook (7 Lambda tasks, a Choice, a Pass, a Wait) for the throughput figure. */
const SYNTHETIC = {
  Playbook: 'bench-ten-states',
  Comment: 'synthetic: benchmark only, not shipped',
  StartAt: 'Enrich',
  States: {
    Enrich: {
      Type: 'Task',
      Resource: socless('EnrichAccount'),
      Parameters: { 'account_id.$': '$.artifacts.account.id' },
      Next: 'Route',
    },
    Route: {
      Type: 'Choice',
      Choices: [{ Variable: '$.results.Enrich.found', BooleanEquals: true, Next: 'Count' }],
      Default: 'Count',
    },
    Count: {
      Type: 'Task',
      Resource: socless('Counter'),
      Parameters: { key: 'bench:{{context.artifacts.account.id}}' },
      Next: 'Remember',
    },
    Remember: {
      Type: 'Task',
      Resource: socless('AddCustomMapping'),
      Parameters: { key: 'bench:last', 'value.$': '$.artifacts.event.id' },
      Next: 'Recall',
    },
    Recall: {
      Type: 'Task',
      Resource: socless('QueryCustomMapping'),
      Parameters: { key: 'bench:last' },
      Next: 'Label',
    },
    Label: { Type: 'Pass', Result: { label: 'bench' }, ResultPath: '$.results.Label', Next: 'Pause' },
    Pause: { Type: 'Wait', Seconds: 1, Next: 'Read_Count' },
    Read_Count: {
      Type: 'Task',
      Resource: socless('Counter'),
      Parameters: { key: 'bench:{{context.artifacts.account.id}}', action: 'get' },
      Next: 'Notify',
    },
    Notify: {
      Type: 'Task',
      Resource: socless('NotifyEmail'),
      Parameters: {
        subject: 'bench {{context.artifacts.event.id}}',
        message: 'count {{context.results.Read_Count.current_value}}',
      },
      Next: 'Close',
    },
    Close: {
      Type: 'Task',
      Resource: socless('SetInvestigationStatus'),
      Parameters: { status: 'closed' },
      End: true,
    },
  },
};

function usd(n: number): string {
  return n >= 100 ? `$${n.toFixed(0)}` : `$${n.toFixed(2)}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
}

/** Modelled cost of 1M runs with `transitions` transitions, `tasks` Lambda tasks and `others` other states. */
function costPerMillion(transitions: number, tasks: number, others: number) {
  const seconds = (tasks * ASSUMED_TASK_MS + others * ASSUMED_OTHER_STATE_MS) / 1000;
  return {
    standard: transitions * STANDARD_PER_TRANSITION * 1_000_000,
    express: (EXPRESS_PER_REQUEST + seconds * EXPRESS_GB * EXPRESS_PER_GB_SECOND) * 1_000_000,
    assumedSeconds: seconds,
  };
}

export const playbooksBenchmark: Benchmark = {
  name: 'playbooks',
  description: 'compile time, local executions/s of a 10-state playbook, transitions and cost vs the SOCless renderer',
  async run({ quick }) {
    const out: Record<string, unknown> = {};

    // 1. Compile time of every shipped playbook.
    const compileRounds = quick ? 5 : 50;
    let t = performance.now();
    let compiled = 0;
    for (let i = 0; i < compileRounds; i++)
      compiled = compileAllPlaybooks(undefined, { integrations: INTEGRATION_CATALOG }).playbooks.length;
    const compileMs = (performance.now() - t) / compileRounds;
    out.compile = { playbooks: compiled, msPerCompileAll: Number(compileMs.toFixed(2)), rounds: compileRounds };
    process.stdout.write(`compile: ${compiled} playbook(s) in ${compileMs.toFixed(2)} ms (mean of ${compileRounds})\n`);

    // 2. Local executions per second of the 10-state playbook (in-process integrations, zero retry/wait).
    const source = parsePlaybookText('bench-ten-states', '(bench)', '(bench)/playbook.json', JSON.stringify(SYNTHETIC));
    const result = compilePlaybook(source, { integrations: INTEGRATION_CATALOG });
    if (!result.ok)
      throw new Error(`synthetic playbook does not compile: ${result.problems.map((p) => p.reason).join('; ')}`);
    const dynamo = await startLocalDynamo();
    try {
      const deps = createLocalDeps({ documentClient: dynamo.client });
      await new AccountsRepository(dynamo.client, 'accounts').put({
        accountId: '111122223333',
        name: 'bench',
        mode: 'notify',
      });
      await dynamo.client.send(
        new PutCommand({
          TableName: 'events',
          Item: { id: 'bench-event', status: 'dispatched', receivedAt: new Date().toISOString() },
        }),
      );
      const handlers = new Map([...INTEGRATIONS.values()].map((i) => [i.id, toLambdaHandler(i, deps)]));
      const input = buildExecutionInput({
        event: {
          id: 'bench-event',
          investigation_id: 'bench-event',
          event_type: 'bench',
          created_at: new Date().toISOString(),
          playbook: 'bench-ten-states',
          details: {},
        },
        execution_id: 'bench',
        account: { id: '111122223333', mode: 'notify' },
      });
      const runs = quick ? 20 : 200;
      let transitions = 0;
      await runLocalExecution(result.playbook.definition, input, { handlers }); // warm-up
      t = performance.now();
      for (let i = 0; i < runs; i++) {
        const r = await runLocalExecution(result.playbook.definition, input, { handlers });
        if (r.status !== 'SUCCEEDED') throw new Error(`bench run failed: ${r.error}: ${r.cause}`);
        transitions = r.transitions;
      }
      const seconds = (performance.now() - t) / 1000;
      out.localExecution = {
        runs,
        states: 10,
        transitionsPerRun: transitions,
        runsPerSecond: Number((runs / seconds).toFixed(1)),
        msPerRun: Number(((seconds * 1000) / runs).toFixed(2)),
      };
      process.stdout.write(
        `local executor: ${(runs / seconds).toFixed(1)} runs/s of a 10-state playbook (${((seconds * 1000) / runs).toFixed(1)} ms/run, ${runs} runs, 7 tasks in-process against dynalite)\n`,
      );
    } finally {
      await dynamo.close();
    }

    // 3. Transitions per run on each shipped playbook's test paths, ours vs the SOCless renderer's, and cost.
    const sources = new Map(loadPlaybookSources().map((s) => [s.name, s]));
    const cases = await runPlaybookTests({ integrations: INTEGRATIONS.values(), catalog: INTEGRATION_CATALOG });
    const rows = [
      [
        'playbook',
        'test path',
        'ours',
        'SOCless',
        'Standard/1M ours',
        'Standard/1M SOCless',
        'Express/1M ours',
        'Express/1M SOCless',
      ],
    ];
    const perCase: unknown[] = [];
    for (const c of cases) {
      if (!c.execution) continue;
      const src = sources.get(c.playbook);
      const overhead = soclessRendererStateOverhead(src?.json, { visited: c.execution.states });
      const ours = c.execution.transitions;
      const theirs = ours + overhead.extraTransitions;
      const def = (name: string) => {
        const all = JSON.stringify(src?.json ?? {});
        return all.includes(`"${name}":{"Type":"Task"`) || name === '_Handle_Task_Failure';
      };
      const tasks = c.execution.states.filter(def).length;
      const others = ours - tasks;
      const mine = costPerMillion(ours, tasks, others);
      const soc = costPerMillion(
        theirs,
        tasks + overhead.extraLambdaInvocations,
        others + overhead.extraTransitions - overhead.extraLambdaInvocations,
      );
      rows.push([
        c.playbook,
        c.file.split('/').at(-1)?.replace('.json', '') ?? c.file,
        String(ours),
        String(theirs),
        usd(mine.standard),
        usd(soc.standard),
        usd(mine.express),
        usd(soc.express),
      ]);
      perCase.push({
        playbook: c.playbook,
        case: c.file,
        transitions: ours,
        soclessTransitions: theirs,
        overhead,
        costPerMillion: { ours: mine, socless: soc },
      });
    }
    out.transitions = perCase;
    out.assumptions = {
      standardPerTransitionUsd: STANDARD_PER_TRANSITION,
      expressPerRequestUsd: EXPRESS_PER_REQUEST,
      expressPerGbSecondUsd: EXPRESS_PER_GB_SECOND,
      expressBilledGb: EXPRESS_GB,
      assumedTaskMs: ASSUMED_TASK_MS,
      assumedOtherStateMs: ASSUMED_OTHER_STATE_MS,
    };
    process.stdout.write(`\n${table(rows)}\n`);
    process.stdout.write(
      `\nStandard: $0.025 per 1,000 transitions. Express: $1.00 per 1M requests + $0.00001667/GB-s at 64 MB, with an assumed ${ASSUMED_TASK_MS} ms per Lambda task and ${ASSUMED_OTHER_STATE_MS} ms per other state (local timings are not AWS timings). Step Functions only: the all-in bill (Lambda, DynamoDB, logs, metrics, NAT...) is \`npm run bench -- cost\`.\n`,
    );
    return out;
  },
};
