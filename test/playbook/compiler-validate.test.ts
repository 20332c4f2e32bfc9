// biome-ignore-all lint/suspicious/noTemplateCurlyInString: SOCless resources and ASL placeholders are literal ${...} strings
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../shared/errors.ts';
import { compileAllPlaybooks, compilePlaybook, loadPlaybookSource } from '../../shared/playbook/index.ts';
import {
  BROKEN_DIR,
  compile,
  expectProblem,
  playbookWith,
  problemsOf,
  TEST_CATALOG,
  task,
} from '../fixtures/playbooks/catalog.ts';

const ENRICH = '${{self:custom.socless.EnrichAccount}}';
const PROMPT = '${{self:custom.slack.PromptForConfirmation}}';

describe('validatePlaybook: document shape', () => {
  it('reports a file that is not JSON with the file name and the parse error', () => {
    const source = loadPlaybookSource(join(BROKEN_DIR, 'not_json'));
    const result = compilePlaybook(source, { integrations: TEST_CATALOG });
    expect(result.ok).toBe(false);
    const [problem] = result.ok ? [] : result.problems;
    expect(problem?.file).toBe(join(BROKEN_DIR, 'not_json', 'playbook.json'));
    expect(problem?.path).toBe('$');
    expect(problem?.reason).toMatch(/^not valid JSON: /);
  });

  it('reports a folder without playbook.json', () => {
    const source = loadPlaybookSource(join(BROKEN_DIR, 'no_playbook_file'));
    expect(source.problems).toEqual([
      { file: join(BROKEN_DIR, 'no_playbook_file', 'playbook.json'), path: '$', reason: 'playbook.json not found' },
    ]);
  });

  it('rejects a document that is not an object', () => {
    expectProblem(problemsOf([1, 2]), '$', 'must be a JSON object, got an array');
  });

  it('requires Playbook, StartAt and States', () => {
    const problems = problemsOf({ Comment: 'nothing else' });
    expectProblem(problems, '$.Playbook', 'Playbook is required');
    expectProblem(problems, '$.StartAt', 'StartAt is required');
    expectProblem(problems, '$.States', 'States is required');
  });

  it('takes the folder as the id and keeps a different Playbook name for display, with a warning', () => {
    const result = compile(playbookWith({ Done: { Type: 'Succeed' } }, { Playbook: 'Other Name' }));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.playbook.name).toBe('demo');
    expect(result.displayName).toBe('Other Name');
    expect(result.warnings.map((w) => [w.path, w.reason])).toEqual([
      [
        '$.Playbook',
        'Playbook "Other Name" differs from its folder name: the playbook\'s id is "demo" (the folder); "Other Name" is kept for display',
      ],
    ]);
  });

  it('reads the name mismatch from a fixture on disk as a warning with its real file path', () => {
    const source = loadPlaybookSource(join(BROKEN_DIR, 'name_mismatch'));
    const result = compilePlaybook(source, { integrations: TEST_CATALOG });
    expect(result.ok).toBe(true);
    expect(result.warnings.map(formatProblem)).toEqual([
      `${join(BROKEN_DIR, 'name_mismatch', 'playbook.json')}: $.Playbook: Playbook "SomethingElse" differs from its folder name: the playbook's id is "name_mismatch" (the folder); "SomethingElse" is kept for display`,
    ]);
  });

  it('requires the folder name, which is the id, to be a valid playbook name', () => {
    const problems = problemsOf(playbookWith({ Done: { Type: 'Succeed' } }), '9 bad');
    expect(problems.map((p) => p.reason)).toContain(
      'the playbook folder name "9 bad" is its id: it starts with a letter and has up to 64 letters, digits, "_" or "-"',
    );
  });

  it('rejects unknown top-level keys', () => {
    expectProblem(
      problemsOf(playbookWith({ Done: { Type: 'Succeed' } }, { Statse: {} })),
      '$.Statse',
      'unknown top-level key "Statse"',
    );
  });

  it('rejects a StartAt that names no state', () => {
    expectProblem(
      problemsOf({ ...playbookWith({ Done: { Type: 'Succeed' } }), StartAt: 'Nope' }),
      '$.StartAt',
      'StartAt "Nope" is not a state here (states: Done)',
    );
  });
});

describe('validatePlaybook: states and transitions', () => {
  it('rejects an unknown state type and lists the known ones', () => {
    expectProblem(
      problemsOf(playbookWith({ A: { Type: 'Lambda', End: true } })),
      '$.States.A.Type',
      /unknown state type "Lambda" \(known: Task, Interaction, Choice/,
    );
  });

  it('requires Next or End on a non-terminal state', () => {
    expectProblem(
      problemsOf(playbookWith({ A: { Type: 'Pass' } })),
      '$.States.A',
      'needs Next (the state to run after it) or "End": true',
    );
  });

  it('rejects a state with both Next and End', () => {
    const problems = problemsOf(playbookWith({ A: { Type: 'Pass', Next: 'B', End: true }, B: { Type: 'Succeed' } }));
    expectProblem(problems, '$.States.A', 'has both Next and End');
  });

  it('rejects a Next that points to a missing state', () => {
    expectProblem(
      problemsOf(playbookWith({ A: { Type: 'Pass', Next: 'Gone' } })),
      '$.States.A.Next',
      '"Gone" is not a state here',
    );
  });

  it('rejects Choice targets and a Default that point to missing states', () => {
    const problems = problemsOf(
      playbookWith({
        C: { Type: 'Choice', Choices: [{ Variable: '$.x', StringEquals: 'a', Next: 'Nowhere' }], Default: 'Lost' },
      }),
    );
    expectProblem(problems, '$.States.C.Choices[0].Next', '"Nowhere" is not a state here');
    expectProblem(problems, '$.States.C.Default', '"Lost" is not a state here');
  });

  it('rejects Next or End on a Choice state', () => {
    const problems = problemsOf(
      playbookWith({
        C: { Type: 'Choice', Choices: [{ Variable: '$.x', IsPresent: true, Next: 'D' }], Next: 'D' },
        D: { Type: 'Succeed' },
      }),
    );
    expectProblem(problems, '$.States.C.Next', 'a Choice state may not have Next or End: use Choices and Default');
  });

  it('reports unreachable states', () => {
    const problems = problemsOf(playbookWith({ A: { Type: 'Succeed' }, Orphan: { Type: 'Pass', End: true } }));
    expectProblem(problems, '$.States.Orphan', 'state "Orphan" is unreachable from StartAt "A"');
  });

  it('counts Catch targets as reachable', () => {
    const problems = problemsOf(
      playbookWith({
        A: task(ENRICH, undefined, { Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Recover' }] }),
        Recover: { Type: 'Pass', End: true },
        Orphan: { Type: 'Succeed' },
      }),
    );
    expect(problems.map((p) => p.path)).toEqual(['$.States.Orphan']);
  });

  it('rejects a state name longer than 80 characters', () => {
    const name = 'N'.repeat(81);
    expectProblem(
      problemsOf(playbookWith({ [name]: { Type: 'Succeed' } })),
      `$.States.${name}`,
      'state name is 81 characters long; Step Functions allows 80',
    );
  });

  it('rejects an unknown field such as a misspelt Next', () => {
    expectProblem(
      problemsOf(playbookWith({ A: { Type: 'Pass', Nxt: 'B', End: true }, B: { Type: 'Succeed' } })),
      '$.States.A.Nxt',
      'unknown field "Nxt" for a Pass state',
    );
  });

  it('rejects duplicate state names across Parallel branches', () => {
    const branch = { StartAt: 'Same', States: { Same: { Type: 'Pass', End: true } } };
    const problems = problemsOf(playbookWith({ P: { Type: 'Parallel', Branches: [branch, branch], End: true } }));
    expectProblem(
      problems,
      '$.States.P.Branches[1].States.Same',
      'state name "Same" is already used at $.States.P.Branches[0].States.Same',
    );
  });

  it('validates Parallel branches recursively, with transitions scoped to the branch', () => {
    const problems = problemsOf(
      playbookWith({
        P: {
          Type: 'Parallel',
          Branches: [{ StartAt: 'X', States: { X: { Type: 'Pass', Next: 'After' } } }],
          Next: 'After',
        },
        After: { Type: 'Succeed' },
      }),
    );
    expectProblem(problems, '$.States.P.Branches[0].States.X.Next', '"After" is not a state here (states: X)');
  });

  it('validates Map iterators recursively and requires exactly one of ItemProcessor or Iterator', () => {
    const problems = problemsOf(
      playbookWith({
        M1: { Type: 'Map', ItemsPath: '$.items', Next: 'M2' },
        M2: {
          Type: 'Map',
          ItemProcessor: { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'nope', End: true } } },
          End: true,
        },
      }),
    );
    expectProblem(problems, '$.States.M1', 'a Map state needs exactly one of ItemProcessor or Iterator');
    expectProblem(problems, '$.States.M2.ItemProcessor.States.T.Resource', 'unknown integration "nope"');
  });

  it('rejects a Wait state with two durations', () => {
    expectProblem(
      problemsOf(playbookWith({ W: { Type: 'Wait', Seconds: 5, SecondsPath: '$.s', End: true } })),
      '$.States.W',
      'exactly one of Seconds, SecondsPath, Timestamp, TimestampPath (found Seconds, SecondsPath)',
    );
  });

  it('rejects a Choice comparison whose value has the wrong type', () => {
    const problems = problemsOf(
      playbookWith({
        C: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericEquals: '7', Next: 'D' }] },
        D: { Type: 'Succeed' },
      }),
    );
    expectProblem(problems, '$.States.C.Choices[0].NumericEquals', 'NumericEquals takes a number, got "7"');
  });

  it('rejects a choice rule with no comparison', () => {
    const problems = problemsOf(
      playbookWith({ C: { Type: 'Choice', Choices: [{ Variable: '$.n', Next: 'D' }] }, D: { Type: 'Succeed' } }),
    );
    expectProblem(problems, '$.States.C.Choices[0]', 'a choice rule needs a comparison');
  });
});

describe('validatePlaybook: integrations', () => {
  it('rejects an unknown integration and lists the known references', () => {
    const problems = problemsOf(playbookWith({ A: task('${{self:custom.socless.Nope}}') }));
    expectProblem(
      problems,
      '$.States.A.Resource',
      'unknown integration "${{self:custom.socless.Nope}}": "Nope" is not a SOCless name served here',
    );
    const reason = problems[0]?.reason ?? '';
    expect(reason).toContain('(native integrations: enrich_account, ');
    expect(reason).toContain('"integrations":{"external":{"Nope":');
    expectProblem(
      problemsOf(playbookWith({ A: task('zzzzqqqxxx') })),
      '$.States.A.Resource',
      'unknown integration "zzzzqqqxxx" (known: ${{self:custom.core.SetInvestigationStatus}}',
    );
  });

  it('rejects an Interaction on an integration that does not wait for a human', () => {
    const problems = problemsOf(
      playbookWith({ A: { Type: 'Interaction', Resource: ENRICH, TimeoutSeconds: 60, End: true } }),
    );
    expectProblem(
      problems,
      '$.States.A.Resource',
      'integration "enrich_account" does not wait for a human, so it cannot back an Interaction (interaction integrations: prompt_for_confirmation)',
    );
  });

  it('rejects a Task without a Resource', () => {
    expectProblem(
      problemsOf(playbookWith({ A: { Type: 'Task', End: true } })),
      '$.States.A.Resource',
      'a Task needs a Resource',
    );
  });
});

describe('validatePlaybook: Retry and Catch', () => {
  const withRetry = (retry: unknown) => playbookWith({ A: task(ENRICH, undefined, { Retry: retry }) });
  const withCatch = (catchers: unknown) => playbookWith({ A: task(ENRICH, undefined, { Catch: catchers }) });

  it('requires ErrorEquals to be a non-empty array', () => {
    expectProblem(
      problemsOf(withRetry([{ ErrorEquals: [] }])),
      '$.States.A.Retry[0].ErrorEquals',
      'ErrorEquals must be a non-empty array of error names',
    );
  });

  it('requires error names to be strings', () => {
    expectProblem(
      problemsOf(withRetry([{ ErrorEquals: [42] }])),
      '$.States.A.Retry[0].ErrorEquals[0]',
      'an error name must be a non-empty string',
    );
  });

  it('requires States.ALL to appear alone', () => {
    expectProblem(
      problemsOf(withRetry([{ ErrorEquals: ['States.ALL', 'Custom'] }])),
      '$.States.A.Retry[0].ErrorEquals',
      '"States.ALL" must appear alone in its ErrorEquals',
    );
  });

  it('requires the States.ALL retrier to be last', () => {
    const problems = problemsOf(withRetry([{ ErrorEquals: ['States.ALL'] }, { ErrorEquals: ['Custom'] }]));
    expectProblem(
      problems,
      '$.States.A.Retry[0].ErrorEquals',
      'the "States.ALL" entry must be the last one in its list',
    );
  });

  it('rejects a misspelt Step Functions error name', () => {
    expectProblem(
      problemsOf(withCatch([{ ErrorEquals: ['States.Timout'], Next: 'A' }])),
      '$.States.A.Catch[0].ErrorEquals[0]',
      'unknown Step Functions error "States.Timout"',
    );
  });

  it('checks IntervalSeconds, MaxAttempts and BackoffRate types and ranges', () => {
    const problems = problemsOf(
      withRetry([{ ErrorEquals: ['Custom'], IntervalSeconds: 0, MaxAttempts: -1, BackoffRate: 0.5 }]),
    );
    expectProblem(
      problems,
      '$.States.A.Retry[0].IntervalSeconds',
      'must be a whole number of seconds, at least 1, got 0',
    );
    expectProblem(
      problems,
      '$.States.A.Retry[0].MaxAttempts',
      'must be a whole number, 0 or more (0 never retries), got -1',
    );
    expectProblem(problems, '$.States.A.Retry[0].BackoffRate', 'must be a number of at least 1.0, got 0.5');
  });

  it('rejects a string where a number belongs', () => {
    expectProblem(
      problemsOf(withRetry([{ ErrorEquals: ['Custom'], IntervalSeconds: '2' }])),
      '$.States.A.Retry[0].IntervalSeconds',
      'got "2"',
    );
  });

  it('rejects Retry that is not an array', () => {
    expectProblem(
      problemsOf(withRetry({ ErrorEquals: ['Custom'] })),
      '$.States.A.Retry',
      'Retry must be an array of retriers',
    );
  });

  it('requires a Catch to name an existing Next', () => {
    const problems = problemsOf(withCatch([{ ErrorEquals: ['States.ALL'] }]));
    expectProblem(problems, '$.States.A.Catch[0].Next', 'a catcher needs Next');
    const problems2 = problemsOf(withCatch([{ ErrorEquals: ['States.ALL'], Next: 'Nowhere' }]));
    expectProblem(problems2, '$.States.A.Catch[0].Next', '"Nowhere" is not a state here');
  });
});

describe('validatePlaybook: JSONPath', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['InputPath', { A: { Type: 'Pass', InputPath: 'results.x', End: true } }, '$.States.A.InputPath'],
    ['OutputPath', { A: { Type: 'Pass', OutputPath: '$.a[', End: true } }, '$.States.A.OutputPath'],
    ['ResultPath', { A: { Type: 'Pass', ResultPath: '$.a[*]', End: true } }, '$.States.A.ResultPath'],
    [
      'ItemsPath',
      {
        M: { Type: 'Map', ItemsPath: '$..', Iterator: { StartAt: 'X', States: { X: { Type: 'Succeed' } } }, End: true },
      },
      '$.States.M.ItemsPath',
    ],
    [
      'Variable',
      { C: { Type: 'Choice', Choices: [{ Variable: '$.a b', IsPresent: true, Next: 'D' }] }, D: { Type: 'Succeed' } },
      '$.States.C.Choices[0].Variable',
    ],
    [
      '"key.$"',
      { A: { Type: 'Pass', Parameters: { 'x.$': 'artifacts.id' }, End: true } },
      '$.States.A.Parameters["x.$"]',
    ],
  ];
  for (const [field, states, path] of cases) {
    it(`reports an invalid ${field}`, () => {
      expectProblem(
        problemsOf(playbookWith(states)),
        path,
        /not a (valid )?(JSONPath|reference path)|must start with "\$"/,
      );
    });
  }

  it('reports an invalid intrinsic function in a "key.$" value', () => {
    const problems = problemsOf(
      playbookWith({ A: { Type: 'Pass', Parameters: { 'x.$': "States.Formatt('{}', $.a)" }, End: true } }),
    );
    expectProblem(problems, '$.States.A.Parameters["x.$"]', 'unknown intrinsic function States.Formatt');
  });

  it('reports a "key.$" value that is not a string', () => {
    expectProblem(
      problemsOf(playbookWith({ A: { Type: 'Pass', Parameters: { 'x.$': 5 }, End: true } })),
      '$.States.A.Parameters["x.$"]',
      'must be a string',
    );
  });

  it('rejects a ResultPath on the context object', () => {
    expectProblem(
      problemsOf(playbookWith({ A: { Type: 'Pass', ResultPath: '$$.Execution.Id', End: true } })),
      '$.States.A.ResultPath',
      'may not refer to the context object',
    );
  });
});

describe('validatePlaybook: Triggers, Workflow and Decorators', () => {
  it('reports a bad trigger pattern at its path under $.Triggers[i]', () => {
    const problems = problemsOf(
      playbookWith(
        { A: { Type: 'Succeed' } },
        { Triggers: [{ source: ['aws.guardduty'] }, { detail: { severity: [{ numeric: ['>>', 7] }] } }] },
      ),
    );
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) {
      expect(p.path.startsWith('$.Triggers[1].detail.severity')).toBe(true);
      expect(p.file).toBe('/virtual/playbooks/demo/playbook.json');
    }
  });

  it('rejects Triggers that are not an array of objects', () => {
    expectProblem(
      problemsOf(playbookWith({ A: { Type: 'Succeed' } }, { Triggers: { source: ['x'] } })),
      '$.Triggers',
      'must be an array of EventBridge event patterns',
    );
    expectProblem(
      problemsOf(playbookWith({ A: { Type: 'Succeed' } }, { Triggers: ['aws.guardduty'] })),
      '$.Triggers[0]',
      'must be a JSON object',
    );
  });

  it('rejects a Workflow value other than express or standard', () => {
    expectProblem(
      problemsOf(playbookWith({ A: { Type: 'Succeed' } }, { Workflow: 'STANDARD' })),
      '$.Workflow',
      'must be "express" or "standard", got "STANDARD"',
    );
  });

  it('rejects an Interaction in a playbook forced to express', () => {
    const problems = problemsOf(
      playbookWith(
        { Ask: { Type: 'Interaction', Resource: PROMPT, TimeoutSeconds: 60, End: true } },
        { Workflow: 'express' },
      ),
    );
    expectProblem(
      problems,
      '$.Workflow',
      'Express workflows cannot wait for a task token; Interaction state(s) Ask need "standard"',
    );
  });

  it('rejects a long Wait in a playbook forced to express', () => {
    const problems = problemsOf(
      playbookWith({ W: { Type: 'Wait', Seconds: 3600, End: true } }, { Workflow: 'express' }),
    );
    expectProblem(problems, '$.Workflow', 'Wait state(s) W can wait longer');
  });

  it('rejects an unknown decorator', () => {
    expectProblem(
      problemsOf(playbookWith({ A: { Type: 'Succeed' } }, { Decorators: { RetryEverything: true } })),
      '$.Decorators.RetryEverything',
      'unknown decorator "RetryEverything"',
    );
  });

  it('requires the TaskFailureHandler to be a Task or Parallel state', () => {
    const problems = problemsOf(
      playbookWith({ A: { Type: 'Succeed' } }, { Decorators: { TaskFailureHandler: { Type: 'Pass' } } }),
    );
    expectProblem(
      problems,
      '$.Decorators.TaskFailureHandler.Type',
      'the TaskFailureHandler must be a Task or a Parallel state, got "Pass"',
    );
  });

  it('validates the TaskFailureHandler like a state', () => {
    const problems = problemsOf(
      playbookWith(
        { A: { Type: 'Succeed' } },
        { Decorators: { TaskFailureHandler: { Type: 'Task', Resource: 'unknown_thing' } } },
      ),
    );
    expectProblem(problems, '$.Decorators.TaskFailureHandler.Resource', 'unknown integration "unknown_thing"');
  });

  it('reserves the failure-handler state names when the decorator is used', () => {
    const problems = problemsOf(
      playbookWith(
        { A: task(ENRICH, '_End_With_Failure'), _End_With_Failure: { Type: 'Fail' } },
        { Decorators: { TaskFailureHandler: task(ENRICH) } },
      ),
    );
    expectProblem(problems, '$.States._End_With_Failure', 'state name "_End_With_Failure" is reserved');
  });

  it('rejects DisableDefaultRetry naming a missing state or a non-task state', () => {
    const problems = problemsOf(
      playbookWith(
        { A: task(ENRICH, 'B'), B: { Type: 'Succeed' } },
        { Decorators: { DisableDefaultRetry: { tasks: ['Ghost', 'B'] } } },
      ),
    );
    expectProblem(problems, '$.Decorators.DisableDefaultRetry.tasks[0]', '"Ghost" is not a state of this playbook');
    expectProblem(problems, '$.Decorators.DisableDefaultRetry.tasks[1]', '"B" is a Succeed state');
  });

  it('rejects a DisableDefaultRetry that is not {all} or {tasks}', () => {
    expectProblem(
      problemsOf(playbookWith({ A: { Type: 'Succeed' } }, { Decorators: { DisableDefaultRetry: { all: 'yes' } } })),
      '$.Decorators.DisableDefaultRetry.all',
      'must be true or false',
    );
  });
});

describe('compilePlaybook: reporting', () => {
  it('reports every problem of a playbook at once', () => {
    const source = loadPlaybookSource(join(BROKEN_DIR, 'many_problems'));
    const result = compilePlaybook(source, { integrations: TEST_CATALOG });
    expect(result.ok).toBe(false);
    const paths = result.ok ? [] : result.problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining(['$.States.Enrich.Resource', '$.States.Ask.Next', '$.States.Orphan', '$.Workflow']),
    );
    expect(paths.some((p) => p.startsWith('$.Triggers[1]'))).toBe(true);
    expect(result.ok ? [] : result.problems.every((p) => p.file === source.file)).toBe(true);
  });

  it('collects the problems of every broken playbook in a folder', () => {
    const { playbooks, problems, warnings } = compileAllPlaybooks(BROKEN_DIR, { integrations: TEST_CATALOG });
    // A Playbook name that differs from its folder is only a warning.
    expect(playbooks.map((p) => p.name)).toEqual(['name_mismatch']);
    expect(warnings.map((w) => w.path)).toEqual(['$.Playbook']);
    const files = new Set(problems.map((p) => p.file.split(/[\\/]/).slice(-2, -1)[0]));
    expect([...files].sort()).toEqual(['many_problems', 'no_playbook_file', 'not_json']);
  });

  it('reports an asl-validator rejection as a problem', () => {
    // A loop with no way out passes the language checks but ASL requires a terminal state.
    const problems = problemsOf(playbookWith({ A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Pass', Next: 'A' } }));
    expectProblem(problems, '$', /^rendered ASL rejected by asl-validator: MISSING_TERMINAL_STATE/);
  });
});
