// biome-ignore-all lint/suspicious/noTemplateCurlyInString: SOCless resources and ASL placeholders are literal ${...} strings
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { withPlaceholderArns } from '../../shared/playbook/compile.ts';
import { buildExecutionInput, TASK_FAILURE_HANDLER_STATE } from '../../shared/playbook/index.ts';
import { compileOk, playbookWith, task } from '../fixtures/playbooks/catalog.ts';

/** Runs compiled ASL locally; `handlers` maps state names to the integration's behaviour. */
async function run(
  definition: Record<string, unknown>,
  handlers: Record<string, (input: Record<string, unknown>) => unknown>,
  details: Record<string, unknown> = {},
) {
  const input = buildExecutionInput({
    event: {
      id: 'evt-1',
      investigation_id: 'inv-1',
      event_type: 'guardduty',
      created_at: '2026-01-01T00:00:00Z',
      playbook: 'demo',
      details,
    },
    execution_id: 'exec-1',
    account: { id: '111122223333', mode: 'dry-run' },
  });
  const calls: Array<{ state: string; input: Record<string, unknown> }> = [];
  const taskResourceLocalHandlers = Object.fromEntries(
    Object.entries(handlers).map(([state, fn]) => [
      state,
      async (event: unknown) => {
        calls.push({ state, input: event as Record<string, unknown> });
        return fn(event as Record<string, unknown>) as never;
      },
    ]),
  );
  const machine = new StateMachine(withPlaceholderArns(definition) as never, {
    validationOptions: { checkPaths: false },
  });
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers,
      retryIntervalOverrides: Object.fromEntries(Object.keys(handlers).map((s) => [s, 0])),
    },
    context: {
      Execution: { Id: 'arn:aws:states:us-east-1:111122223333:execution:demo:exec-1', Input: input as never },
      Task: { Token: 'token-1' },
    },
  });
  return { result: execution.result as Promise<Record<string, Record<string, unknown>>>, calls };
}

const ENRICH = '${{self:custom.socless.EnrichAccount}}';

describe('compiled playbooks run on aws-local-stepfunctions', () => {
  const playbook = playbookWith({
    Enrich: task(ENRICH, 'Fan', {
      Parameters: { account: '{{context.artifacts.account.id}}', note: 'id {{context.artifacts.event.id}}' },
    }),
    Fan: {
      Type: 'Parallel',
      Branches: [
        {
          StartAt: 'Left',
          States: { Left: task('notify', undefined, { Parameters: { owner: '$.results.Enrich.owner' } }) },
        },
        { StartAt: 'Right', States: { Right: task('notify') } },
      ],
      Next: 'Each',
    },
    Each: {
      Type: 'Map',
      ItemsPath: '$.artifacts.event.details.resources',
      Iterator: {
        StartAt: 'Fix',
        States: { Fix: task('remediate', undefined, { Parameters: { resource: '{{context.item}}' } }) },
      },
      Next: 'Ask',
    },
    Ask: {
      Type: 'Interaction',
      Resource: '${{self:custom.slack.PromptForConfirmation}}',
      TimeoutSeconds: 600,
      Next: 'Check',
    },
    Check: {
      Type: 'Choice',
      Choices: [{ Variable: '$.results.Ask.answer', StringEquals: 'yes', Next: 'Done' }],
      Default: 'Close',
    },
    Close: task('set_investigation_status', 'Done'),
    Done: { Type: 'Succeed' },
  });

  it('passes resolved parameters, keeps every result under $.results and merges Parallel and Map outputs', async () => {
    const { playbook: compiled } = compileOk(playbook);
    const { result, calls } = await run(
      compiled.definition,
      {
        Enrich: () => ({ owner: 'alice' }),
        Left: (e) => ({ told: (e.parameters as Record<string, unknown>).owner }),
        Right: () => ({ told: 'channel' }),
        Fix: (e) => ({ fixed: (e.parameters as Record<string, unknown>).resource }),
        Ask: () => ({ answer: 'no' }),
        Close: () => ({ status: 'closed' }),
      },
      { resources: ['sg-1', 'sg-2'] },
    );
    const output = await result;
    expect(output.results).toMatchObject({
      Enrich: { owner: 'alice' },
      Left: { told: 'alice' },
      Right: { told: 'channel' },
      Each: { items: [{ Fix: { fixed: 'sg-1' } }, { Fix: { fixed: 'sg-2' } }] },
      Ask: { answer: 'no' },
      Close: { status: 'closed' },
    });
    const enrich = calls.find((c) => c.state === 'Enrich')?.input;
    expect(enrich).toMatchObject({
      _socless: { state: 'Enrich', playbook: 'demo', investigation_id: 'inv-1', templates: ['$.note'] },
      parameters: { account: '111122223333', note: 'id {{context.artifacts.event.id}}' },
      context: { artifacts: { execution_id: 'exec-1' } },
    });
    const fix = calls.find((c) => c.state === 'Fix')?.input;
    expect(fix).toMatchObject({ _socless: { investigation_id: 'inv-1' }, parameters: { resource: 'sg-1' } });
    const ask = calls.find((c) => c.state === 'Ask')?.input;
    expect(ask).toMatchObject({
      FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:socless-prompt_for_confirmation',
      Payload: { task_token: 'token-1', _socless: { state: 'Ask' } },
    });
    expect(calls.map((c) => c.state)).toContain('Close');
  });

  it('retries a transient Lambda error with the default retry', async () => {
    const { playbook: compiled } = compileOk(playbookWith({ Enrich: task(ENRICH) }));
    let attempts = 0;
    const { result } = await run(compiled.definition, {
      Enrich: () => {
        attempts++;
        if (attempts < 3) throw Object.assign(new Error('busy'), { name: 'Lambda.ServiceException' });
        return { ok: true };
      },
    });
    expect((await result).results).toEqual({ Enrich: { ok: true } });
    expect(attempts).toBe(3);
  });

  it('routes a task failure through the TaskFailureHandler and fails the execution', async () => {
    const { playbook: compiled } = compileOk(
      playbookWith(
        { Enrich: task(ENRICH, 'Done'), Done: { Type: 'Succeed' } },
        { Decorators: { TaskFailureHandler: task('notify') } },
      ),
    );
    const { result, calls } = await run(compiled.definition, {
      Enrich: () => {
        throw Object.assign(new Error('account not found'), { name: 'EnrichFailed' });
      },
      [TASK_FAILURE_HANDLER_STATE]: () => ({ notified: true }),
    });
    const failure = await result.then(
      () => undefined,
      (err: unknown) => err as { cause?: { name?: string } },
    );
    expect(failure?.cause?.name).toBe('Socless.TaskFailed');
    expect(calls.map((c) => c.state)).toEqual(['Enrich', TASK_FAILURE_HANDLER_STATE]);
    const handlerInput = calls[1]?.input as { _socless: Record<string, unknown> };
    expect(handlerInput._socless.state).toBe(TASK_FAILURE_HANDLER_STATE);
  });
});
