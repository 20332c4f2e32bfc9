/**
 * SOCless-style playbooks: state transitions per run of the fixture playbooks written in SOCless style (run on
 * the local executor with the real socless_core integration; the Slack one with per-state mocks), next to what
 * Twilio's SOCless renderer would use on the same path (its setup states and a MergeParallelOutput Task per
 * Parallel; see shared/playbook/socless-overhead.ts).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { INTEGRATION_CATALOG } from '../../hub/integrations/index.ts';
import { soclessCore } from '../../hub/integrations/socless-core/integration.ts';
import { toLambdaHandler } from '../../shared/integration-runtime/handler.ts';
import { INTEGRATION_ENV } from '../../shared/integrations/settings.ts';
import { startLocalDynamo } from '../../shared/local/dynalite.ts';
import { runLocalExecution } from '../../shared/local/executor.ts';
import { createLocalDeps } from '../../shared/local/local-deps.ts';
import { compilePlaybook } from '../../shared/playbook/compile.ts';
import { buildExecutionInput } from '../../shared/playbook/input.ts';
import { loadPlaybookSource } from '../../shared/playbook/loader.ts';
import { soclessRendererStateOverhead } from '../../shared/playbook/socless-overhead.ts';
import type { Benchmark } from './index.ts';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/socless/playbooks/', import.meta.url));

function inputFor(playbook: string, run: string, details: Record<string, unknown>) {
  return buildExecutionInput({
    event: {
      id: `evt-${run}`,
      investigation_id: `evt-${run}`,
      event_type: 'bench',
      created_at: '2026-01-01T00:00:00Z',
      playbook,
      details,
    },
    execution_id: run,
    account: { id: '111122223333', mode: 'notify' },
  });
}

export const soclessCompatBenchmark: Benchmark = {
  name: 'socless',
  description: 'transitions per run of SOCless-style fixture playbooks vs the SOCless renderer on the same path',
  async run() {
    const dynamo = await startLocalDynamo();
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{"healthy":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
    const rows: Array<Record<string, unknown>> = [];
    try {
      const local = createLocalDeps({ documentClient: dynamo.client });
      const deps = { ...local, env: { ...local.env, [INTEGRATION_ENV.httpAllowedHosts]: '127.0.0.1' } };
      const handlers = new Map([['socless_core', toLambdaHandler(soclessCore, deps)]]);
      const cases: Array<{
        playbook: string;
        path: string;
        details: Record<string, unknown>;
        mocks?: Record<string, unknown>;
        seed?: boolean;
      }> = [
        {
          playbook: 'core_tour',
          path: 'owner known, every core integration',
          details: { account: '111122223333', owner: 'alice', count: '3', padded: '007', tags: [], service_url: url },
          seed: true,
        },
        {
          playbook: 'core_tour',
          path: 'bad reference, failure handler',
          details: { account: '111122223333', count: '3', padded: '007', tags: [] },
        },
        ...(['true', 'false'] as const).map((answer) => ({
          playbook: 'slack_tour',
          path: `analyst answers ${answer === 'true' ? 'yes' : 'no'} (Slack mocked)`,
          details: { analyst: 'alice', ticket: 'SEC-1', title: 't' },
          mocks: {
            Find_Analyst: { result: 'true', id: 'U0ALICE01', name: 'Alice', username: 'alice', profile: {} },
            Open_War_Room: { ok: true, created_channel_id: 'C0WAR', channel_name: 'inc-sec-1', added_users: [] },
            Set_Topic: { ok: true, topic: 't' },
            Invite_Analyst: { ok: true, user_ids: ['U0ALICE01'] },
            Check_Member: { ok: true },
            Post_Alert: { response: {}, slack_id: 'C0WAR' },
            Upload_Event: { response: {}, slack_id: 'C0WAR' },
            Ask_Analyst: { actions: { value: answer } },
            Stand_Down: { response: {}, slack_id: 'C0WAR' },
            Escalate: { response: {}, slack_id: 'C0SEC' },
          },
        })),
      ];
      let n = 0;
      for (const c of cases) {
        const source = loadPlaybookSource(`${FIXTURES}${c.playbook}`);
        const compiled = compilePlaybook(source, {
          integrations: INTEGRATION_CATALOG,
          variables: { stage: 'bench', values: { hold_seconds: { bench: 1 } } },
        });
        if (!compiled.ok) throw new Error(`${c.playbook} does not compile: ${compiled.problems[0]?.reason}`);
        const run = `bench-${++n}`;
        if (c.seed) {
          await dynamo.client.send(
            new PutCommand({
              TableName: 'events',
              Item: {
                id: `evt-${run}`,
                status: 'dispatched',
                receivedAt: '2026-01-01T00:00:00Z',
                investigationId: `evt-${run}`,
              },
            }),
          );
        }
        const result = await runLocalExecution(compiled.playbook.definition, inputFor(c.playbook, run, c.details), {
          handlers,
          executionName: run,
          ...(c.mocks ? { mocks: c.mocks } : {}),
        });
        const overhead = soclessRendererStateOverhead(source.json, { visited: result.states });
        const legacy = soclessRendererStateOverhead(source.json, { visited: result.states, legacyHelperStates: true });
        rows.push({
          playbook: c.playbook,
          path: c.path,
          status: result.status,
          transitions: result.transitions,
          soclessRenderer: result.transitions + overhead.extraTransitions,
          soclessRendererV1: result.transitions + legacy.extraTransitions,
          extraLambdaInvocations: overhead.extraLambdaInvocations,
          breakdown: overhead.breakdown,
        });
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await dynamo.close();
    }
    for (const r of rows) {
      const ours = r.transitions as number;
      const theirs = r.soclessRenderer as number;
      process.stdout.write(
        `${r.playbook} (${r.path}): ${r.status}, ${ours} transitions; SOCless renderer ${theirs} (${(theirs / ours).toFixed(2)}x, v1 with helper states ${r.soclessRendererV1}), +${r.extraLambdaInvocations} Lambda invocation(s)\n`,
      );
    }
    return { runs: rows };
  },
};
