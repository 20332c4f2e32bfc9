/**
 * A SOCless-style playbook (test/fixtures/socless/playbooks/core_tour) compiled and run on the local executor
 * with the real socless_core integration against dynalite: the data each state sees and returns has the SOCless
 * contract's shapes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTEGRATION_CATALOG } from '../../hub/integrations/index.ts';
import { soclessCore } from '../../hub/integrations/socless-core/integration.ts';
import type { IntegrationHandler } from '../../shared/integration-runtime/handler.ts';
import { toLambdaHandler } from '../../shared/integration-runtime/handler.ts';
import { INTEGRATION_ENV } from '../../shared/integrations/settings.ts';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { runLocalExecution } from '../../shared/local/executor.ts';
import { createLocalDeps } from '../../shared/local/local-deps.ts';
import { buildExecutionInput, compilePlaybook, loadPlaybookSource } from '../../shared/playbook/index.ts';
import { ResultsRepository } from '../../shared/store/results.ts';

const TOUR_DIR = fileURLToPath(new URL('../fixtures/socless/playbooks/core_tour/', import.meta.url));
const VARIABLES = { stage: 'test', values: { hold_seconds: { test: 5 } } };

let dynamo: LocalDynamo;
let server: Server;
let serviceUrl: string;
const requests: string[] = [];

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    res.setHeader('x-service', 'ok');
    res.end(JSON.stringify({ healthy: true }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serviceUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await dynamo.close();
});

function compileTour() {
  const result = compilePlaybook(loadPlaybookSource(TOUR_DIR), {
    integrations: INTEGRATION_CATALOG,
    variables: VARIABLES,
  });
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.path}: ${p.reason}`).join('\n'));
  return result;
}

async function runTour(executionName: string, details: Record<string, unknown>, seedEvent = true) {
  const compiled = compileTour();
  const eventId = `evt-${executionName}`;
  if (seedEvent) {
    const at = '2026-01-01T00:00:00.000Z';
    await dynamo.client.send(
      new PutCommand({
        TableName: 'events',
        Item: {
          id: eventId,
          status: 'dispatched',
          receivedAt: at,
          updatedAt: at,
          dedupKey: `dk-${executionName}`,
          investigationId: eventId,
          playbooks: ['core_tour'],
        },
      }),
    );
  }
  const base = createLocalDeps({ documentClient: dynamo.client });
  const deps = { ...base, env: { ...base.env, [INTEGRATION_ENV.httpAllowedHosts]: '127.0.0.1' } };
  const seen: Array<{ state: string; event: Record<string, unknown> }> = [];
  const core = toLambdaHandler(soclessCore, deps);
  const recording: IntegrationHandler = async (event, ctx) => {
    seen.push({
      state: (event as { _socless: { state: string } })._socless.state,
      event: event as Record<string, unknown>,
    });
    return core(event, ctx);
  };
  const input = buildExecutionInput({
    event: {
      id: eventId,
      investigation_id: eventId,
      event_type: 'suspicious_login',
      created_at: '2026-01-01T00:00:00Z',
      playbook: 'core_tour',
      details,
    },
    execution_id: executionName,
    account: { id: '111122223333', mode: 'notify' },
  });
  const result = await runLocalExecution(compiled.playbook.definition, input, {
    handlers: new Map([['socless_core', recording]]),
    stateMachineName: 'core_tour',
    executionName,
  });
  const saved = await new ResultsRepository(dynamo.client, 'results').listByExecution(result.executionArn);
  return { compiled, result, seen, saved, deps };
}

const DETAILS = {
  account: '111122223333',
  owner: 'alice',
  count: '12',
  padded: '007',
  tags: ['a', 1, true],
};

describe('a SOCless-style playbook on the local executor', () => {
  it('is detected as SOCless-style and keeps its display name apart from its folder id', () => {
    const compiled = compileTour();
    expect(compiled.compat).toBe('socless');
    expect(compiled.displayName).toBe('CoreTour');
    expect(compiled.playbook.name).toBe('core_tour');
    const states = compiled.playbook.definition.States as Record<string, Record<string, unknown>>;
    // apb_render_nonstring_value(${{self:custom.hold_seconds.${{self:provider.stage}}}}) → 5
    expect(states.Hold?.Seconds).toBe(5);
    // DisableDefaultRetry.tasks: no default retrier on Check_Service, one on the others.
    expect(states.Check_Service?.Retry).toBeUndefined();
    expect(states.Close_Investigation?.Retry).toHaveLength(1);
    // The Parallel is merged by its own ResultSelector, not a MergeParallelOutput Task.
    expect(Object.keys(states).filter((s) => s.startsWith('merge'))).toEqual([]);
  });

  it('runs every core operation with SOCless parameter resolution and result shapes', async () => {
    const { result, seen, saved } = await runTour('tour-1', { ...DETAILS, service_url: serviceUrl });
    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    expect(result.states).toEqual([
      'Remember_Owner',
      'Look_Up_Owner',
      'Owner_Known',
      'Summarize',
      'Fan_Out',
      'Count_Attempts',
      'Log_Findings',
      'Hold',
      'Check_Service',
      'Close_Investigation',
    ]);
    // Every state got SOCless data: the operation from the alias table and the author's strings to resolve.
    expect(seen.map((s) => (s.event._socless as { operation: string }).operation)).toEqual([
      'AddCustomMapping',
      'QueryCustomMapping',
      'CacheResults',
      'Counter',
      'SoclessLogFindings',
      'HTTPRequest',
      'SetInvestigationStatus',
    ]);
    const byState = Object.fromEntries(saved.map((r) => [r.state, r.result]));
    expect(byState.Look_Up_Owner).toEqual({ exists: true, mapping: { key: 'owner:111122223333', value: 'alice' } });
    expect(byState.Summarize).toEqual({
      cached: {
        owner: 'alice',
        line: 'Owner of 111122223333 is alice',
        count: 12,
        padded: '007',
        tags: ['a', '1', 'true'],
      },
    });
    expect(byState.Count_Attempts).toEqual({ previous_value: 10, current_value: 8 });
    expect(byState.Log_Findings).toMatchObject({ file_id: expect.stringMatching(/\.json$/) });
    expect((byState.Log_Findings as { full_path: string }).full_path).toMatch(
      /\/findings\/\d{4}\/\d{2}\/\d{2}\/core_tour\/.+\.json$/,
    );
    expect(byState.Check_Service).toMatchObject({
      status_code: 200,
      json: { healthy: true },
      headers: { 'x-service': 'ok' },
    });
    expect(requests.at(-1)).toBe('/health?owner=alice');
    expect(byState.Close_Investigation).toEqual({ result: 'success' });
    // The output: the latest result both flattened into results and under results.<State>.
    const output = result.output as { results: Record<string, unknown>; artifacts: Record<string, unknown> };
    expect(output.results).toEqual({ Close_Investigation: { result: 'success' }, result: 'success' });
    expect((output.artifacts.event as { id: string }).id).toBe('evt-tour-1');
    // SOCless's top-level execution_id is in the input and carried through every state.
    expect((result.output as { execution_id?: unknown }).execution_id).toBe('tour-1');
  });

  it('after a Parallel, merges the branch results as MergeParallelOutput would', async () => {
    const { result } = await runTour('tour-2', { ...DETAILS, service_url: serviceUrl });
    expect(result.status).toBe('SUCCEEDED');
    const compiled = compileTour();
    const fanOut = (compiled.playbook.definition.States as Record<string, Record<string, unknown>>).Fan_Out;
    expect(fanOut?.ResultSelector).toEqual({
      'execution_id.$': '$$.Execution.Name',
      'artifacts.$': '$[0].artifacts',
      'results.$': 'States.JsonMerge($[0].results, $[1].results, false)',
      'errors.$': 'States.JsonMerge($[0].errors, $[1].errors, false)',
    });
  });

  it('reports a failed status change as {result: "failure", message} without failing the state', async () => {
    const { result, saved } = await runTour('tour-3', { ...DETAILS, service_url: serviceUrl }, false);
    expect(result.status).toBe('SUCCEEDED');
    const close = saved.find((r) => r.state === 'Close_Investigation')?.result as Record<string, unknown>;
    expect(close.result).toBe('failure');
    expect(String(close.message)).toContain('evt-tour-3');
  });

  it('fails the state, naming it and the parameter, on a reference to nothing, and runs the failure handler', async () => {
    const { result, saved } = await runTour('tour-4', { account: '111122223333', count: '1', padded: '1', tags: [] });
    expect(result.states.slice(0, 2)).toEqual(['Remember_Owner', '_Handle_Task_Failure']);
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('Socless.TaskFailed');
    const failed = saved.find((r) => r.state === 'Remember_Owner' && r.status === 'failed');
    expect(failed?.error).toEqual({
      name: 'IntegrationParameterError',
      message:
        'state "Remember_Owner" (socless_core): parameter "value" refers to "$.artifacts.event.details.owner", but $.artifacts.event.details has no "owner"',
    });
    // The handler saw the error under $.errors.<State>, as SOCless's Catch puts it.
    const handled = saved.find((r) => r.state === '_Handle_Task_Failure')?.result as {
      cached: { failed_state: string };
    };
    expect(JSON.parse(handled.cached.failed_state)).toMatchObject({
      Remember_Owner: { Error: 'IntegrationParameterError' },
    });
  });
});
