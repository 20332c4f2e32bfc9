// biome-ignore-all lint/suspicious/noTemplateCurlyInString: SOCless resources and ASL placeholders are literal ${...} strings
import { describe, expect, it } from 'vitest';
import { SoclessError } from '../../shared/errors.ts';
import {
  buildExecutionInput,
  checkPath,
  checkPayloadPath,
  convertTemplates,
  defineIntegrationCatalog,
  ExecutionInputTooLargeError,
  nativePathFor,
  playbookToMermaid,
  resolveResource,
} from '../../shared/playbook/index.ts';
import { compileOk, playbookWith, TEST_CATALOG, task } from '../fixtures/playbooks/catalog.ts';

describe('checkPath', () => {
  it.each([
    '$',
    '$.a.b',
    "$.a['b c']",
    '$.list[0].x',
    '$.list[*].x',
    '$..name',
    '$.a[1:3]',
    '$.a[0,2]',
    '$.a[?(@.x == 1)]',
    '$$.Execution.Id',
    '$$.Map.Item.Value',
    '$.detail.resource-type',
  ])('accepts %s', (path) => {
    expect(checkPath(path)).toBeUndefined();
  });

  it.each([
    ['a.b', 'must start with "$"'],
    ['$.', 'expected a member name'],
    ['$.a[', 'unclosed "["'],
    ['$.a b', 'unexpected " "'],
    ['$.a[x]', 'is not a valid subscript'],
    ['$.a!json', 'unexpected "!"'],
  ])('rejects %s', (path, reason) => {
    expect(checkPath(path)).toContain(reason);
  });

  it('allows only single-node steps in a reference path', () => {
    expect(checkPath('$.a[0].b', { reference: true })).toBeUndefined();
    expect(checkPath('$.a[*]', { reference: true })).toContain('selects more than one node');
    expect(checkPath('$..a', { reference: true })).toContain('recursive descent');
  });
});

describe('checkPayloadPath', () => {
  it.each([
    "States.Format('Hello {}', $.name)",
    'States.JsonMerge($.a, $.b, false)',
    'States.JsonMerge(States.JsonMerge($[0].r, $[1].r, false), $[2].r, false)',
    'States.Array(1, true, null, $.x)',
    'States.UUID()',
    "States.StringSplit($.csv, ',')",
    "States.Format('it\\'s {}', $$.Execution.Name)",
  ])('accepts the intrinsic call %s', (value) => {
    expect(checkPayloadPath(value)).toBeUndefined();
  });

  it.each([
    ['States.Nope($.a)', 'unknown intrinsic function States.Nope'],
    ['States.UUID($.a)', 'States.UUID takes 0 argument(s), got 1'],
    ["States.Format('x'", 'missing ")"'],
    ["States.Format('x)", 'unterminated string literal'],
    ['States.ArrayLength($.a) extra', 'unexpected " extra"'],
    ['States.ArrayLength(a.b)', 'unexpected "a"'],
  ])('rejects %s', (value, reason) => {
    expect(checkPayloadPath(value)).toContain(reason);
  });
});

describe('templates', () => {
  it('maps whole-string references to native paths and nothing else', () => {
    expect(nativePathFor('{{context.results.A.b}}')).toBe('$.results.A.b');
    expect(nativePathFor('{{ context.artifacts.list[0] }}')).toBe('$.artifacts.list[0]');
    expect(nativePathFor('$.errors.A')).toBe('$.errors.A');
    expect(nativePathFor('{{context.results.A.b|tojson}}')).toBeUndefined();
    expect(nativePathFor('$.execution_id')).toBeUndefined();
    expect(nativePathFor('$5.00')).toBeUndefined();
    expect(nativePathFor('vault:abc')).toBeUndefined();
  });

  it('does not turn a key into "key.$" when the playbook also sets "key.$"', () => {
    const out = convertTemplates({ a: '$.results.X', 'a.$': '$.results.Y' });
    expect(out.parameters).toEqual({ a: '$.results.X', 'a.$': '$.results.Y' });
  });
});

describe('integration catalog', () => {
  it('resolves SOCless references, bare ids and service ARNs', () => {
    expect(resolveResource(TEST_CATALOG, '${{self:custom.core.SetInvestigationStatus}}')).toMatchObject({
      kind: 'integration',
      entry: { id: 'set_investigation_status' },
    });
    expect(resolveResource(TEST_CATALOG, 'notify')).toMatchObject({ kind: 'integration', entry: { id: 'notify' } });
    expect(resolveResource(TEST_CATALOG, 'arn:aws:states:::sqs:sendMessage')).toEqual({
      kind: 'service',
      arn: 'arn:aws:states:::sqs:sendMessage',
    });
    expect(resolveResource(TEST_CATALOG, '${{self:custom.socless.Unknown}}')).toEqual({
      kind: 'unknown',
      reference: 'socless.Unknown',
      soclessName: 'Unknown',
    });
  });

  it('rejects a catalog where two integrations claim the same reference', () => {
    expect(() =>
      defineIntegrationCatalog([
        { id: 'a', references: ['socless.X'], description: '' },
        { id: 'b', references: ['socless.X'], description: '' },
      ]),
    ).toThrow(new SoclessError('invalid integration catalog: reference "socless.X" is claimed by "a" and "b"'));
  });
});

describe('buildExecutionInput', () => {
  const event = {
    id: 'evt-1',
    investigation_id: 'inv-1',
    event_type: 'guardduty.finding',
    created_at: '2026-01-01T00:00:00Z',
    playbook: 'demo',
    details: { severity: 8, raw: { huge: 'x' } },
  };

  it('builds the contract shape without the raw event', () => {
    expect(
      buildExecutionInput({ event, execution_id: 'exec-1', account: { id: '111122223333', mode: 'notify' } }),
    ).toEqual({
      execution_id: 'exec-1',
      artifacts: {
        event: { ...event, details: { severity: 8 } },
        investigation_id: 'inv-1',
        execution_id: 'exec-1',
        account: { id: '111122223333', mode: 'notify' },
      },
      results: {},
      errors: {},
    });
  });

  it('rejects an input over the size budget, naming the event', () => {
    const big = { ...event, details: { blob: 'x'.repeat(2000) } };
    expect(() =>
      buildExecutionInput({ event: big, execution_id: 'e', account: { id: '1', mode: 'auto' }, maxBytes: 1000 }),
    ).toThrow(ExecutionInputTooLargeError);
    expect(() =>
      buildExecutionInput({ event: big, execution_id: 'e', account: { id: '1', mode: 'auto' }, maxBytes: 1000 }),
    ).toThrow(/event evt-1 is \d+ bytes, above the 1000-byte budget/);
  });
});

describe('playbookToMermaid', () => {
  const { playbook } = compileOk(
    playbookWith(
      {
        Enrich: task('enrich_account', 'Check'),
        Check: {
          Type: 'Choice',
          Choices: [{ Variable: '$.results.Enrich.owner', StringEquals: 'alice', Next: 'Fan' }],
          Default: 'Done',
        },
        Fan: {
          Type: 'Parallel',
          Branches: [{ StartAt: 'Tell', States: { Tell: task('notify') } }],
          Next: 'Each',
        },
        Each: {
          Type: 'Map',
          ItemsPath: '$.artifacts.items',
          Iterator: { StartAt: 'Fix', States: { Fix: task('remediate') } },
          Next: 'Ask',
        },
        Ask: { Type: 'Interaction', Resource: 'prompt_for_confirmation', TimeoutSeconds: 60, Next: 'Done' },
        Done: { Type: 'Succeed' },
      },
      { Decorators: { TaskFailureHandler: task('notify') } },
    ),
  );
  const graph = playbookToMermaid(playbook);

  it('prints a flowchart starting at StartAt', () => {
    expect(graph.startsWith('flowchart TD\n')).toBe(true);
    expect(graph).toContain('start(("demo")) --> s0_Enrich');
    expect(graph).toContain('s0_Enrich --> s1_Check');
  });

  it('labels Choice branches with their condition and the default', () => {
    expect(graph).toMatch(/s1_Check -->\|"\$\.results\.Enrich\.owner == #quot;alice#quot;"\| s\d+_Fan\n/);
    expect(graph).toMatch(/s1_Check -->\|default\| s\d+_Done/);
  });

  it('draws Catch edges dashed with the error names', () => {
    expect(graph).toMatch(/s0_Enrich -\.->\|"States\.TaskFailed"\| s\d+__Handle_Task_Failure/);
  });

  it('draws Parallel branches and Map iterations as subgraphs', () => {
    expect(graph).toMatch(
      /subgraph s\d+_Fan_body0 \["Fan: branch 1"\]\n\s+s\d+_Fan_body0_start\(\("start"\)\) --> s\d+_Tell/,
    );
    expect(graph).toMatch(/subgraph s\d+_Each_body0 \["Each: for each item"\]/);
    expect(graph).toMatch(/s\d+_Ask\[\/"Ask \(waits for a human\)"\/\]/);
  });
});
