// biome-ignore-all lint/suspicious/noTemplateCurlyInString: SOCless resources and ASL placeholders are literal ${...} strings
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY,
  memberPath,
  mergeRetry,
  TASK_FAILURE_END_STATE,
  TASK_FAILURE_HANDLER_STATE,
  WAIT_FOR_TASK_TOKEN_RESOURCE,
} from '../../shared/playbook/index.ts';
import { compileOk, playbookWith, task } from '../fixtures/playbooks/catalog.ts';

const ENRICH = '${{self:custom.socless.EnrichAccount}}';
const NOTIFY = '${{self:custom.socless.Notify}}';
const PROMPT = '${{self:custom.slack.PromptForConfirmation}}';
const DEFAULT = { ...DEFAULT_RETRY, ErrorEquals: [...DEFAULT_RETRY.ErrorEquals] };

/** The rendered Parameters of a state (a failed lookup fails the test through toEqual). */
function paramsOf(state: Record<string, unknown> | undefined): Record<string, Record<string, unknown>> {
  return (state?.Parameters ?? {}) as Record<string, Record<string, unknown>>;
}

/** compileOk fails unless asl-validator accepted the rendered definition. */
function compiled(json: unknown) {
  return compileOk(json);
}

describe('renderPlaybook: Task', () => {
  it('renders an integration Task with its placeholder, SOCless metadata, parameters and ResultPath', () => {
    const { states, playbook } = compiled(
      playbookWith({ Enrich: task(ENRICH, undefined, { Parameters: { region: 'eu-west-1' } }) }),
    );
    expect(states.Enrich).toEqual({
      Type: 'Task',
      Resource: '${fn_enrich_account}',
      Parameters: {
        _socless: {
          state: 'Enrich',
          playbook: 'demo',
          'execution_id.$': '$$.Execution.Id',
          'investigation_id.$': '$.artifacts.investigation_id',
        },
        parameters: { region: 'eu-west-1' },
      },
      ResultPath: '$.results.Enrich',
      Retry: [DEFAULT],
      End: true,
    });
    expect(playbook.integrations).toEqual(['enrich_account']);
  });

  it('resolves a bare integration id as the Resource', () => {
    const { states } = compiled(playbookWith({ A: task('notify') }));
    expect(states.A?.Resource).toBe('${fn_notify}');
  });

  it('passes an arn:aws:states service integration through unchanged', () => {
    const params = { TopicArn: 'arn:aws:sns:us-east-1:111122223333:alerts', 'Message.$': '$.artifacts.event.id' };
    const { states } = compiled(
      playbookWith({ A: task('arn:aws:states:::sns:publish', undefined, { Parameters: params }) }),
    );
    expect(states.A?.Resource).toBe('arn:aws:states:::sns:publish');
    expect(states.A?.Parameters).toEqual(params);
    expect(states.A?.ResultPath).toBe('$.results.A');
  });

  it('keeps a ResultPath the playbook sets itself', () => {
    const { states } = compiled(playbookWith({ A: task(ENRICH, undefined, { ResultPath: '$.enriched' }) }));
    expect(states.A?.ResultPath).toBe('$.enriched');
  });

  it('uses bracket notation for results of states whose names are not identifiers', () => {
    expect(memberPath('$.results', 'Look Up')).toBe("$.results['Look Up']");
    const { states } = compiled(playbookWith({ 'Look Up': task(ENRICH) }));
    expect(states['Look Up']?.ResultPath).toBe("$.results['Look Up']");
  });
});

describe('renderPlaybook: default retry merging', () => {
  it('puts the user retry first and removes the error names it covers from the default', () => {
    const user = { ErrorEquals: ['Lambda.ServiceException', 'Throttled'], MaxAttempts: 2 };
    const { states } = compiled(playbookWith({ A: task(ENRICH, undefined, { Retry: [user] }) }));
    expect(states.A?.Retry).toEqual([
      user,
      { ...DEFAULT, ErrorEquals: ['Lambda.AWSLambdaException', 'Lambda.SdkClientException'] },
    ]);
  });

  it('drops the default when the user retries all three Lambda errors', () => {
    const user = { ErrorEquals: [...DEFAULT_RETRY.ErrorEquals], MaxAttempts: 1 };
    expect(mergeRetry([user], true)).toEqual([user]);
  });

  it('drops the default when a user retrier uses States.ALL, which stays last', () => {
    const retry = [{ ErrorEquals: ['Throttled'] }, { ErrorEquals: ['States.ALL'], MaxAttempts: 1 }];
    const { states } = compiled(playbookWith({ A: task(ENRICH, undefined, { Retry: retry }) }));
    expect(states.A?.Retry).toEqual(retry);
  });

  it('drops the default when a user retrier uses States.TaskFailed (it matches the Lambda errors first)', () => {
    expect(mergeRetry([{ ErrorEquals: ['States.TaskFailed'] }], true)).toEqual([
      { ErrorEquals: ['States.TaskFailed'] },
    ]);
  });

  it('disables the default retry for listed tasks only', () => {
    const { states } = compiled(
      playbookWith(
        { A: task(ENRICH, 'B'), B: task(NOTIFY) },
        { Decorators: { DisableDefaultRetry: { tasks: ['B'] } } },
      ),
    );
    expect(states.A?.Retry).toEqual([DEFAULT]);
    expect(states.B?.Retry).toBeUndefined();
  });

  it('disables the default retry everywhere with all, keeping user retriers', () => {
    const user = { ErrorEquals: ['Throttled'] };
    const { states } = compiled(
      playbookWith(
        { A: task(ENRICH, 'B', { Retry: [user] }), B: task(NOTIFY) },
        { Decorators: { DisableDefaultRetry: { all: true } } },
      ),
    );
    expect(states.A?.Retry).toEqual([user]);
    expect(states.B?.Retry).toBeUndefined();
  });

  it('puts no default retry on Parallel, Map or Pass states', () => {
    const { states } = compiled(
      playbookWith({
        P: { Type: 'Parallel', Branches: [{ StartAt: 'X', States: { X: { Type: 'Pass', End: true } } }], Next: 'Z' },
        Z: { Type: 'Pass', End: true },
      }),
    );
    expect(states.P?.Retry).toBeUndefined();
    expect(states.Z?.Retry).toBeUndefined();
  });
});

describe('renderPlaybook: TaskFailureHandler', () => {
  const handler = { Type: 'Task', Resource: NOTIFY, Parameters: { message: 'playbook failed' }, End: true };

  it('adds a States.TaskFailed catch to every top-level Task and Interaction, after the user catches', () => {
    const userCatch = { ErrorEquals: ['States.Timeout'], ResultPath: '$.errors.Ask', Next: 'Done' };
    const { states } = compiled(
      playbookWith(
        {
          Enrich: task(ENRICH, 'Ask'),
          Ask: { Type: 'Interaction', Resource: PROMPT, TimeoutSeconds: 60, Catch: [userCatch], Next: 'Done' },
          Done: { Type: 'Succeed' },
        },
        { Decorators: { TaskFailureHandler: handler } },
      ),
    );
    const failure = (name: string) => ({
      ErrorEquals: ['States.TaskFailed'],
      ResultPath: `$.errors.${name}`,
      Next: TASK_FAILURE_HANDLER_STATE,
    });
    expect(states.Enrich?.Catch).toEqual([failure('Enrich')]);
    expect(states.Ask?.Catch).toEqual([userCatch, failure('Ask')]);
  });

  it('renders the handler chain: the handler task, then a Fail state', () => {
    const { states } = compiled(playbookWith({ A: task(ENRICH) }, { Decorators: { TaskFailureHandler: handler } }));
    const rendered = states[TASK_FAILURE_HANDLER_STATE];
    expect(rendered?.Resource).toBe('${fn_notify}');
    expect(rendered?.Next).toBe(TASK_FAILURE_END_STATE);
    expect(rendered?.End).toBeUndefined();
    expect(rendered?.Catch).toBeUndefined();
    expect(rendered?.Retry).toEqual([DEFAULT]);
    expect(states[TASK_FAILURE_END_STATE]).toMatchObject({ Type: 'Fail', Error: 'Socless.TaskFailed' });
  });

  it('leaves a state alone when it already catches everything', () => {
    const own = { ErrorEquals: ['States.ALL'], Next: 'Recover' };
    const { states } = compiled(
      playbookWith(
        { A: task(ENRICH, undefined, { Catch: [own] }), Recover: { Type: 'Pass', End: true } },
        { Decorators: { TaskFailureHandler: handler } },
      ),
    );
    expect(states.A?.Catch).toEqual([own]);
  });

  it('leaves out the handler chain, with a warning, when no state can reach it', () => {
    const own = { ErrorEquals: ['States.TaskFailed'], Next: 'Recover' };
    const { states, warnings } = compiled(
      playbookWith(
        { A: task(ENRICH, undefined, { Catch: [own] }), Recover: { Type: 'Pass', End: true } },
        { Decorators: { TaskFailureHandler: handler } },
      ),
    );
    expect(Object.keys(states)).toEqual(['A', 'Recover']);
    expect(warnings).toEqual([
      {
        file: '/virtual/playbooks/demo/playbook.json',
        path: '$.Decorators.TaskFailureHandler',
        reason: 'never used: no top-level task is left without its own catch-all',
      },
    ]);
  });

  it('catches on the Parallel and Map states, not on the tasks nested in them', () => {
    const { states } = compiled(
      playbookWith(
        {
          P: { Type: 'Parallel', Branches: [{ StartAt: 'X', States: { X: task(ENRICH) } }], Next: 'M' },
          M: {
            Type: 'Map',
            ItemsPath: '$.artifacts.items',
            Iterator: { StartAt: 'Y', States: { Y: task(NOTIFY) } },
            End: true,
          },
        },
        { Decorators: { TaskFailureHandler: handler } },
      ),
    );
    expect(states.P?.Catch).toEqual([
      { ErrorEquals: ['States.TaskFailed'], ResultPath: '$.errors.P', Next: TASK_FAILURE_HANDLER_STATE },
    ]);
    expect(states.M?.Catch).toHaveLength(1);
    const nested = (states.P?.Branches as Array<{ States: Record<string, Record<string, unknown>> }> | undefined)?.[0]
      ?.States.X;
    expect(nested?.Catch).toBeUndefined();
    expect(nested?.Retry).toEqual([DEFAULT]);
  });

  it('accepts a Parallel state as the handler', () => {
    const parallelHandler = {
      Type: 'Parallel',
      Branches: [
        { StartAt: 'Tell', States: { Tell: task(NOTIFY) } },
        { StartAt: 'Close', States: { Close: task('set_investigation_status') } },
      ],
      End: true,
    };
    const { states } = compiled(
      playbookWith({ A: task(ENRICH) }, { Decorators: { TaskFailureHandler: parallelHandler } }),
    );
    expect(states[TASK_FAILURE_HANDLER_STATE]?.Type).toBe('Parallel');
    expect(states[TASK_FAILURE_HANDLER_STATE]?.Next).toBe(TASK_FAILURE_END_STATE);
  });

  it('adds no states when the decorator is absent', () => {
    const { states } = compiled(playbookWith({ A: task(ENRICH) }));
    expect(Object.keys(states)).toEqual(['A']);
    expect(states.A?.Catch).toBeUndefined();
  });
});

describe('renderPlaybook: Interaction', () => {
  const ask = {
    Type: 'Interaction',
    Resource: PROMPT,
    Parameters: { text: 'Was this you?' },
    TimeoutSeconds: 900,
    HeartbeatSeconds: 300,
    End: true,
  };

  it('renders lambda:invoke.waitForTaskToken with the function placeholder and the task token in the payload', () => {
    const { states } = compiled(playbookWith({ Ask: ask }));
    expect(states.Ask).toMatchObject({
      Type: 'Task',
      Resource: WAIT_FOR_TASK_TOKEN_RESOURCE,
      Parameters: {
        FunctionName: '${fn_prompt_for_confirmation}',
        Payload: {
          _socless: { state: 'Ask', playbook: 'demo' },
          parameters: { text: 'Was this you?' },
          'task_token.$': '$$.Task.Token',
        },
      },
      ResultPath: '$.results.Ask',
      TimeoutSeconds: 900,
      HeartbeatSeconds: 300,
      Retry: [DEFAULT],
    });
  });

  it('makes the playbook a standard workflow', () => {
    const { playbook } = compiled(playbookWith({ Ask: ask }));
    expect(playbook.workflow).toBe('standard');
  });

  it('warns when an Interaction has no timeout', () => {
    const { TimeoutSeconds: _t, HeartbeatSeconds: _h, ...noTimeout } = ask;
    const { warnings } = compiled(playbookWith({ Ask: noTimeout }));
    expect(warnings.map((w) => w.reason).join()).toContain('set TimeoutSeconds');
  });
});

describe('renderPlaybook: workflow inference', () => {
  it('chooses express when nothing waits', () => {
    expect(compiled(playbookWith({ A: task(ENRICH) })).playbook.workflow).toBe('express');
  });

  it('keeps express for a Wait of exactly 300 seconds', () => {
    expect(compiled(playbookWith({ W: { Type: 'Wait', Seconds: 300, End: true } })).playbook.workflow).toBe('express');
  });

  it('chooses standard for a Wait over 300 seconds', () => {
    expect(compiled(playbookWith({ W: { Type: 'Wait', Seconds: 301, End: true } })).playbook.workflow).toBe('standard');
  });

  it('chooses standard for a Wait whose length is only known at run time', () => {
    expect(compiled(playbookWith({ W: { Type: 'Wait', SecondsPath: '$.delay', End: true } })).playbook.workflow).toBe(
      'standard',
    );
    expect(
      compiled(playbookWith({ W: { Type: 'Wait', Timestamp: '2030-01-01T00:00:00Z', End: true } })).playbook.workflow,
    ).toBe('standard');
  });

  it('finds a long Wait nested in a Parallel branch', () => {
    const json = playbookWith({
      P: {
        Type: 'Parallel',
        Branches: [{ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 600, End: true } } }],
        End: true,
      },
    });
    expect(compiled(json).playbook.workflow).toBe('standard');
  });

  it('keeps an explicit Workflow', () => {
    expect(compiled(playbookWith({ A: task(ENRICH) }, { Workflow: 'standard' })).playbook.workflow).toBe('standard');
  });
});

describe('renderPlaybook: SOCless templates', () => {
  it('turns whole-string context templates into native paths', () => {
    const { states } = compiled(
      playbookWith({
        A: task(ENRICH, undefined, {
          Parameters: { owner: '{{context.results.Enrich.owner}}', id: '{{ context.artifacts.event.details.id }}' },
        }),
      }),
    );
    const p = states.A?.Parameters as Record<string, unknown>;
    expect(p.parameters).toEqual({ 'owner.$': '$.results.Enrich.owner', 'id.$': '$.artifacts.event.details.id' });
    expect(p.context).toBeUndefined();
  });

  it('turns legacy $.results and $.artifacts strings into native paths', () => {
    const { states } = compiled(
      playbookWith({
        A: task(ENRICH, undefined, {
          Parameters: { target: '$.results.Find.id', who: '$.artifacts.event.details.user' },
        }),
      }),
    );
    expect(paramsOf(states.A).parameters).toEqual({
      'target.$': '$.results.Find.id',
      'who.$': '$.artifacts.event.details.user',
    });
  });

  it('keeps mixed templates for the runtime and includes the context', () => {
    const { states } = compiled(
      playbookWith({
        A: task(ENRICH, undefined, {
          Parameters: { text: 'Hello {{context.artifacts.event.details.title}}', nested: { list: ['$.results.X.y'] } },
        }),
      }),
    );
    const p = states.A?.Parameters as Record<string, Record<string, unknown>>;
    expect(p.parameters).toEqual({
      text: 'Hello {{context.artifacts.event.details.title}}',
      nested: { list: ['$.results.X.y'] },
    });
    expect(p.context).toEqual({ 'artifacts.$': '$.artifacts', 'results.$': '$.results' });
    expect(p._socless?.templates).toEqual(['$.text', '$.nested.list[0]']);
  });

  it('keeps a legacy reference with a conversion suffix for the runtime', () => {
    const { states } = compiled(
      playbookWith({ A: task(ENRICH, undefined, { Parameters: { doc: '$.results.Fetch.body!json' } }) }),
    );
    const p = states.A?.Parameters as Record<string, Record<string, unknown>>;
    expect(p.parameters).toEqual({ doc: '$.results.Fetch.body!json' });
    expect(p.context).toBeDefined();
  });

  it('leaves ASL "key.$" parameters as written', () => {
    const { states } = compiled(
      playbookWith({
        A: task(ENRICH, undefined, {
          Parameters: { 'when.$': '$$.State.EnteredTime', 'msg.$': "States.Format('id {}', $.artifacts.event.id)" },
        }),
      }),
    );
    expect(paramsOf(states.A).parameters).toEqual({
      'when.$': '$$.State.EnteredTime',
      'msg.$': "States.Format('id {}', $.artifacts.event.id)",
    });
  });

  it('converts whole-string templates in Pass parameters too', () => {
    const { states } = compiled(
      playbookWith({ P: { Type: 'Pass', Parameters: { id: '{{context.artifacts.event.id}}', fixed: 1 }, End: true } }),
    );
    expect(states.P?.Parameters).toEqual({ 'id.$': '$.artifacts.event.id', fixed: 1 });
  });
});

describe('renderPlaybook: Parallel', () => {
  const json = playbookWith({
    Fan: {
      Type: 'Parallel',
      Branches: [
        { StartAt: 'A', States: { A: task(ENRICH, undefined, { Retry: [{ ErrorEquals: ['Throttled'] }] }) } },
        { StartAt: 'B', States: { B: task(NOTIFY) } },
        { StartAt: 'C', States: { C: { Type: 'Pass', Result: 1, ResultPath: '$.results.C', End: true } } },
      ],
      End: true,
    },
  });

  it('gives nested tasks the same retry treatment', () => {
    const { states } = compiled(json);
    const branches = states.Fan?.Branches as Array<{ States: Record<string, Record<string, unknown>> }>;
    expect(branches[0]?.States.A?.Retry).toEqual([{ ErrorEquals: ['Throttled'] }, DEFAULT]);
    expect(branches[1]?.States.B?.Retry).toEqual([DEFAULT]);
    expect(branches[1]?.States.B?.ResultPath).toBe('$.results.B');
  });

  it('merges the branch results back into one state without an extra state', () => {
    const { states } = compiled(json);
    expect(Object.keys(states)).toEqual(['Fan']);
    expect(states.Fan?.ResultSelector).toEqual({
      'artifacts.$': '$[0].artifacts',
      'results.$': 'States.JsonMerge(States.JsonMerge($[0].results, $[1].results, false), $[2].results, false)',
      'errors.$': 'States.JsonMerge(States.JsonMerge($[0].errors, $[1].errors, false), $[2].errors, false)',
    });
  });

  it('keeps the result under $.results.<State> when the Parallel shapes its own input or output', () => {
    const custom = playbookWith({
      Fan: {
        Type: 'Parallel',
        Parameters: { 'id.$': '$.artifacts.event.id' },
        Branches: [{ StartAt: 'X', States: { X: { Type: 'Pass', End: true } } }],
        End: true,
      },
    });
    const { states } = compiled(custom);
    expect(states.Fan?.ResultSelector).toBeUndefined();
    expect(states.Fan?.ResultPath).toBe('$.results.Fan');
  });
});

describe('renderPlaybook: Map', () => {
  it('renders an Iterator as an ItemProcessor with the item and execution state as iteration input', () => {
    const { states } = compiled(
      playbookWith({
        Each: {
          Type: 'Map',
          ItemsPath: '$.artifacts.event.details.resources',
          MaxConcurrency: 2,
          Iterator: {
            StartAt: 'Fix',
            States: { Fix: task('remediate', undefined, { Parameters: { resource: '{{context.item}}' } }) },
          },
          End: true,
        },
      }),
    );
    const map = states.Each as Record<string, Record<string, unknown>>;
    expect(map.Iterator).toBeUndefined();
    expect(map.ItemsPath).toBe('$.artifacts.event.details.resources');
    expect(map.MaxConcurrency).toBe(2);
    expect(map.ItemSelector).toEqual({
      'item.$': '$$.Map.Item.Value',
      'index.$': '$$.Map.Item.Index',
      'artifacts.$': '$.artifacts',
      'results.$': '$.results',
      errors: {},
    });
    expect(map.ResultSelector).toEqual({ 'items.$': '$[*].results' });
    expect(map.ResultPath).toBe('$.results.Each');
    const fix = (map.ItemProcessor?.States as Record<string, Record<string, Record<string, unknown>>> | undefined)?.Fix;
    expect(fix?.Retry).toEqual([DEFAULT]);
    expect(fix?.Parameters?.parameters).toEqual({ 'resource.$': '$.item' });
    expect(fix?.Parameters?._socless).toHaveProperty(
      ['investigation_id.$'],
      '$$.Execution.Input.artifacts.investigation_id',
    );
  });

  it('keeps a custom ItemSelector and warns about results of nested tasks', () => {
    const { states, warnings } = compiled(
      playbookWith({
        Each: {
          Type: 'Map',
          ItemsPath: '$.artifacts.items',
          ItemSelector: { 'value.$': '$$.Map.Item.Value' },
          ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'Fix', States: { Fix: task('remediate') } },
          End: true,
        },
      }),
    );
    expect(states.Each?.ItemSelector).toEqual({ 'value.$': '$$.Map.Item.Value' });
    expect(states.Each?.ResultSelector).toBeUndefined();
    expect(warnings[0]?.path).toBe('$.States.Each.ItemSelector');
  });
});

describe('renderPlaybook: other states', () => {
  it('renders Choice, Pass, Wait, Succeed and Fail as written and adds no states', () => {
    const states = {
      Check: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.results.A.ok', BooleanEquals: true, Next: 'Hold' },
          {
            And: [
              { Variable: '$.n', IsPresent: true },
              { Variable: '$.n', NumericGreaterThan: 3 },
            ],
            Next: 'Bad',
          },
        ],
        Default: 'Note',
      },
      Hold: { Type: 'Wait', Seconds: 10, Next: 'Note' },
      Note: { Type: 'Pass', Result: { note: 'x' }, ResultPath: '$.note', Next: 'Good' },
      Good: { Type: 'Succeed' },
      Bad: { Type: 'Fail', Error: 'TooMany', Cause: 'n > 3' },
    };
    const { states: rendered, playbook } = compiled(playbookWith(states));
    expect(rendered).toEqual(states);
    expect(playbook.definition.StartAt).toBe('Check');
    expect(playbook.definition.Comment).toBe('test');
  });

  it('passes top-level TimeoutSeconds through and carries triggers into the compiled playbook', () => {
    const trigger = { source: ['aws.securityhub'], 'detail-type': ['Security Hub Findings - Imported'] };
    const { playbook } = compiled(playbookWith({ A: task(ENRICH) }, { TimeoutSeconds: 120, Triggers: [trigger] }));
    expect(playbook.definition.TimeoutSeconds).toBe(120);
    expect(playbook.triggers).toEqual([trigger]);
  });
});
