import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SoclessError } from '../../shared/errors.ts';
import { defineIntegration } from '../../shared/integration-runtime/define.ts';
import { type IntegrationHandler, toLambdaHandler } from '../../shared/integration-runtime/handler.ts';
import { INTERACTION_REJECTED_ERROR, LocalCallbackStore } from '../../shared/local/callback-store.ts';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { runLocalExecution } from '../../shared/local/executor.ts';
import { createLocalDeps } from '../../shared/local/local-deps.ts';
import { ResultsRepository } from '../../shared/store/results.ts';

class FlakyError extends SoclessError {}
class BrokenError extends SoclessError {}

/** Hand-written ASL in the compiled shape of the playbook contract. */
function invocation(state: string, parameters: Record<string, unknown>) {
  return {
    _socless: {
      state,
      playbook: 'exec-test',
      'execution_id.$': '$$.Execution.Id',
      'investigation_id.$': '$.artifacts.investigation_id',
    },
    parameters,
  };
}

function task(state: string, id: string, parameters: Record<string, unknown>, rest: Record<string, unknown>) {
  return {
    Type: 'Task',
    Resource: `\${fn_${id}}`,
    Parameters: invocation(state, parameters),
    ResultPath: `$.results.${state}`,
    ...rest,
  };
}

const input = {
  artifacts: { investigation_id: 'inv-1', event: { id: 'inv-1', details: { severity: 8 } } },
  results: {},
  errors: {},
};

describe('runLocalExecution', () => {
  let dynamo: LocalDynamo;
  let handlers: Map<string, IntegrationHandler>;
  const calls: Record<string, unknown>[] = [];
  let flakyFailures = 0;

  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    const deps = createLocalDeps({ documentClient: dynamo.client });
    const echo = defineIntegration({
      id: 'echo',
      references: ['test.Echo'],
      description: 'returns its parameters',
      parameters: z.object({ text: z.string(), n: z.number().optional() }),
      deployment: { tables: [] },
      async run(params, ctx) {
        calls.push({ ...params, state: ctx.state, token: ctx.taskToken });
        return { echoed: params.text, n: params.n ?? null, execution: ctx.executionId };
      },
    });
    const flaky = defineIntegration({
      id: 'flaky',
      references: ['test.Flaky'],
      description: 'fails a set number of times',
      parameters: z.object({}),
      deployment: { tables: [] },
      async run() {
        if (flakyFailures > 0) {
          flakyFailures -= 1;
          throw new FlakyError('try again');
        }
        return { ok: true };
      },
    });
    const broken = defineIntegration({
      id: 'broken',
      references: ['test.Broken'],
      description: 'always fails',
      parameters: z.object({}),
      deployment: { tables: [] },
      async run(): Promise<Record<string, unknown>> {
        throw new BrokenError('the service said no');
      },
    });
    handlers = new Map([echo, flaky, broken].map((i) => [i.id, toLambdaHandler(i, deps)]));
  });
  afterAll(async () => {
    await dynamo.close();
  });
  afterEach(() => {
    calls.length = 0;
    flakyFailures = 0;
  });

  it('runs a Task through the in-process integration and records the states entered', async () => {
    const definition = {
      StartAt: 'Say',
      States: { Say: task('Say', 'echo', { text: 'hi', 'n.$': '$.artifacts.event.details.severity' }, { End: true }) },
    };
    const result = await runLocalExecution(definition, input, { handlers, executionName: 'run-1' });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.states).toEqual(['Say']);
    expect(result.transitions).toBe(1);
    expect((result.output as { results: Record<string, unknown> }).results.Say).toEqual({
      echoed: 'hi',
      n: 8,
      execution: 'arn:aws:states:us-east-1:000000000000:execution:local:run-1',
    });
    const saved = await new ResultsRepository(dynamo.client, 'results').listByExecution(result.executionArn);
    expect(saved.map((r) => [r.state, r.status])).toEqual([['Say', 'succeeded']]);
  });

  it('follows a Choice on a task result', async () => {
    const definition = {
      StartAt: 'Say',
      States: {
        Say: task('Say', 'echo', { text: 'high' }, { Next: 'Route' }),
        Route: {
          Type: 'Choice',
          Choices: [{ Variable: '$.results.Say.echoed', StringEquals: 'high', Next: 'High' }],
          Default: 'Low',
        },
        High: { Type: 'Pass', End: true },
        Low: { Type: 'Pass', End: true },
      },
    };
    const result = await runLocalExecution(definition, input, { handlers });
    expect(result.states).toEqual(['Say', 'Route', 'High']);
  });

  it('retries on the error name the integration raised, without real waiting', async () => {
    flakyFailures = 2;
    const definition = {
      StartAt: 'Flaky',
      States: {
        Flaky: task(
          'Flaky',
          'flaky',
          {},
          { End: true, Retry: [{ ErrorEquals: ['FlakyError'], IntervalSeconds: 30, MaxAttempts: 3 }] },
        ),
      },
    };
    const result = await runLocalExecution(definition, input, { handlers });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.durationMs).toBeLessThan(5_000);
    expect(flakyFailures).toBe(0);
  });

  it('routes a typed integration error to a Catch with the Lambda-style cause', async () => {
    const definition = {
      StartAt: 'Break',
      States: {
        Break: task(
          'Break',
          'broken',
          {},
          { Next: 'Done', Catch: [{ ErrorEquals: ['BrokenError'], ResultPath: '$.errors.Break', Next: 'Handle' }] },
        ),
        Handle: { Type: 'Pass', End: true },
        Done: { Type: 'Pass', End: true },
      },
    };
    const result = await runLocalExecution(definition, input, { handlers });
    expect(result.states).toEqual(['Break', 'Handle']);
    const caught = (result.output as { errors: { Break: { Error: string; Cause: string } } }).errors.Break;
    expect(caught.Error).toBe('BrokenError');
    expect(JSON.parse(caught.Cause)).toEqual({ errorType: 'BrokenError', errorMessage: 'the service said no' });
  });

  it('reports a Fail state as FAILED with its error and cause', async () => {
    const definition = {
      StartAt: 'Stop',
      States: { Stop: { Type: 'Fail', Error: 'Custom.Stop', Cause: 'stopped on purpose' } },
    };
    const result = await runLocalExecution(definition, input, { handlers });
    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'Custom.Stop',
      cause: 'stopped on purpose',
      states: ['Stop'],
    });
  });

  it('replaces a state with a mocked result or a mocked error', async () => {
    const definition = {
      StartAt: 'One',
      States: {
        One: task('One', 'echo', { text: 'x' }, { Next: 'Two' }),
        Two: task('Two', 'echo', { text: 'y' }, { End: true }),
      },
    };
    const ok = await runLocalExecution(definition, input, { handlers, mocks: { One: { mocked: true } } });
    expect((ok.output as { results: Record<string, unknown> }).results.One).toEqual({ mocked: true });
    expect(calls.map((c) => c.state)).toEqual(['Two']);
    const failed = await runLocalExecution(definition, input, {
      handlers,
      mocks: { Two: { error: 'Boom', cause: 'mocked' } },
    });
    expect(failed).toMatchObject({ status: 'FAILED', error: 'Boom', cause: 'mocked', states: ['One', 'Two'] });
  });

  it('runs Tasks inside Parallel branches', async () => {
    const definition = {
      StartAt: 'Fan',
      States: {
        Fan: {
          Type: 'Parallel',
          End: true,
          Branches: [
            { StartAt: 'A', States: { A: task('A', 'echo', { text: 'a' }, { End: true, ResultPath: '$.a' }) } },
            { StartAt: 'B', States: { B: task('B', 'echo', { text: 'b' }, { End: true, ResultPath: '$.b' }) } },
          ],
        },
      },
    };
    const result = await runLocalExecution(definition, input, { handlers });
    expect(result.status).toBe('SUCCEEDED');
    expect([...result.states].sort()).toEqual(['A', 'B', 'Fan']);
    expect(calls.map((c) => c.text).sort()).toEqual(['a', 'b']);
  });

  it('fails a Task whose resource has no local implementation instead of calling AWS', async () => {
    const definition = {
      StartAt: 'Publish',
      States: {
        Publish: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sns:publish',
          Parameters: { TopicArn: 'x', Message: 'y' },
          End: true,
        },
      },
    };
    const result = await runLocalExecution(definition, input, { handlers });
    expect(result).toMatchObject({ status: 'FAILED', error: 'Local.UnsupportedResource' });
  });

  describe('Interactions', () => {
    const definition = {
      StartAt: 'Ask',
      States: {
        Ask: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: {
            FunctionName: `\${fn_echo}`,
            Payload: { ...invocation('Ask', { text: 'approve?' }), 'task_token.$': '$$.Task.Token' },
          },
          ResultPath: '$.results.Ask',
          Catch: [{ ErrorEquals: [INTERACTION_REJECTED_ERROR], ResultPath: '$.errors.Ask', Next: 'Rejected' }],
          Next: 'Approved',
        },
        Approved: { Type: 'Pass', End: true },
        Rejected: { Type: 'Pass', End: true },
      },
    };

    it('waits for an answer and continues with the approval as the state result', async () => {
      const callbacks = new LocalCallbackStore();
      callbacks.onPending((p) => queueMicrotask(() => callbacks.answer(p.id, 'approve', 'alice')));
      const result = await runLocalExecution(definition, input, { handlers, callbacks });
      expect(result.states).toEqual(['Ask', 'Approved']);
      expect((result.output as { results: { Ask: unknown } }).results.Ask).toMatchObject({
        decision: 'approve',
        responder: 'alice',
      });
      expect(calls[0]?.token).toMatch(/^local-token-/);
      expect(callbacks.pending()).toEqual([]);
    });

    it('lists the pending interaction with the integration parameters until it is answered', async () => {
      const callbacks = new LocalCallbackStore();
      const running = runLocalExecution(definition, input, { handlers, callbacks });
      const pending = await new Promise<ReturnType<LocalCallbackStore['pending']>>((resolve) => {
        callbacks.onPending(() => resolve(callbacks.pending()));
      });
      expect(pending).toHaveLength(1);
      expect(pending[0]).toMatchObject({ state: 'Ask', integration: 'echo', parameters: { text: 'approve?' } });
      callbacks.answer(pending[0]?.taskToken as string, 'reject', 'bob');
      const result = await running;
      expect(result.states).toEqual(['Ask', 'Rejected']);
      expect((result.output as { errors: { Ask: { Error: string } } }).errors.Ask.Error).toBe(
        INTERACTION_REJECTED_ERROR,
      );
    });

    it('applies the timeout decision when nobody answers', async () => {
      const callbacks = new LocalCallbackStore({ timeoutDecision: { decision: 'timeout', afterMs: 1 } });
      const result = await runLocalExecution(definition, input, { handlers, callbacks });
      expect(result).toMatchObject({ status: 'FAILED', error: 'States.Timeout', states: ['Ask'] });
    });

    it('is aborted through the signal while it waits', async () => {
      const callbacks = new LocalCallbackStore();
      const controller = new AbortController();
      callbacks.onPending(() => controller.abort());
      const result = await runLocalExecution(definition, input, { handlers, callbacks, signal: controller.signal });
      expect(result.status).toBe('ABORTED');
    });
  });
});
