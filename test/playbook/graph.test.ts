import { describe, expect, it } from 'vitest';
import { GraphSvg } from '../../scripts/console/graph-svg.tsx';
import { type GraphNode, graphNodes, playbookGraph } from '../../shared/playbook/graph.ts';
import { playbookToMermaid } from '../../shared/playbook/mermaid.ts';
import { compileOk, playbookWith, task } from '../fixtures/playbooks/catalog.ts';

const { playbook } = compileOk(
  playbookWith(
    {
      Enrich: task('enrich_account', 'Check'),
      Check: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.results.Enrich.owner', StringEquals: 'al"ice', Next: 'Fan' },
          {
            And: [{ Variable: '$.a', NumericGreaterThan: 3 }, { Not: { Variable: '$.b', IsPresent: true } }],
            Next: 'Done',
          },
        ],
        Default: 'Done',
      },
      Fan: {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'Tell', States: { Tell: task('notify') } },
          { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 1, End: true } } },
        ],
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

/** The flowchart this playbook printed before the Mermaid writer was drawn from the graph model. */
const MERMAID = `flowchart TD
  start(("demo")) --> s0_Enrich
  s0_Enrich["Enrich"]
  s0_Enrich --> s1_Check
  s0_Enrich -.->|"States.TaskFailed"| s2__Handle_Task_Failure
  s1_Check{"Check"}
  s1_Check -->|"$.results.Enrich.owner == #quot;al\\#quot;ice#quot;"| s3_Fan
  s1_Check -->|"($.a > 3) and (not ($.b IsPresent true))"| s4_Done
  s1_Check -->|default| s4_Done
  s3_Fan[["Fan (Parallel)"]]
  subgraph s3_Fan_body0 ["Fan: branch 1"]
    s3_Fan_body0_start(("start")) --> s5_Tell
    s5_Tell["Tell"]
  end
  s3_Fan --> s3_Fan_body0
  subgraph s3_Fan_body1 ["Fan: branch 2"]
    s3_Fan_body1_start(("start")) --> s6_W
    s6_W("W (Wait)")
  end
  s3_Fan --> s3_Fan_body1
  s3_Fan --> s7_Each
  s3_Fan -.->|"States.TaskFailed"| s2__Handle_Task_Failure
  s7_Each[["Each (Map)"]]
  subgraph s7_Each_body0 ["Each: for each item"]
    s7_Each_body0_start(("start")) --> s8_Fix
    s8_Fix["Fix"]
  end
  s7_Each --> s7_Each_body0
  s7_Each --> s9_Ask
  s7_Each -.->|"States.TaskFailed"| s2__Handle_Task_Failure
  s9_Ask[/"Ask (waits for a human)"/]
  s9_Ask --> s4_Done
  s9_Ask -.->|"States.TaskFailed"| s2__Handle_Task_Failure
  s4_Done(["Done (Succeed)"])
  s2__Handle_Task_Failure["_Handle_Task_Failure"]
  s2__Handle_Task_Failure --> s10__End_With_Failure
  s10__End_With_Failure(["_End_With_Failure (Fail)"])
`;

const byState = (name: string): GraphNode => {
  const node = graphNodes(playbookGraph(playbook)).find((n) => n.state === name);
  if (!node) throw new Error(`no node ${name}`);
  return node;
};

describe('playbookGraph', () => {
  const graph = playbookGraph(playbook);

  it('starts at StartAt and keeps the definition order', () => {
    expect(graph.root?.startAt).toBe('Enrich');
    expect(graph.root?.nodes.map((n) => n.state)).toEqual([
      'Enrich',
      'Check',
      'Fan',
      'Each',
      'Ask',
      'Done',
      '_Handle_Task_Failure',
      '_End_With_Failure',
    ]);
  });

  it('gives each state its shape, a human wait included', () => {
    expect(byState('Enrich').shape).toBe('task');
    expect(byState('Check').shape).toBe('choice');
    expect(byState('Fan').shape).toBe('container');
    expect(byState('Each').shape).toBe('container');
    expect(byState('Ask').shape).toBe('human');
    expect(byState('Done').shape).toBe('terminal');
    expect(byState('W').shape).toBe('light');
  });

  it('labels Choice edges with their rule and keeps the default', () => {
    expect(byState('Check').edges.map((e) => [e.kind, e.toState, e.label])).toEqual([
      ['choice', 'Fan', '$.results.Enrich.owner == "al\\"ice"'],
      ['choice', 'Done', '($.a > 3) and (not ($.b IsPresent true))'],
      ['default', 'Done', undefined],
    ]);
  });

  it('has Catch edges with the errors they catch, after Next', () => {
    expect(byState('Enrich').edges.map((e) => [e.kind, e.toState, e.label])).toEqual([
      ['next', 'Check', undefined],
      ['catch', '_Handle_Task_Failure', 'States.TaskFailed'],
    ]);
  });

  it('nests Parallel branches and the Map body as their own scopes', () => {
    const fan = byState('Fan');
    expect(fan.bodies?.map((b) => [b.title, b.scope?.startAt, b.scope?.key])).toEqual([
      ['branch 1', 'Tell', '/Fan#0'],
      ['branch 2', 'W', '/Fan#1'],
    ]);
    expect(byState('Tell').scope).toBe('/Fan#0');
    const each = byState('Each');
    expect(each.bodies?.map((b) => [b.title, b.scope?.startAt])).toEqual([['for each item', 'Fix']]);
    expect(byState('Fix').scope).toBe('/Each#0');
  });

  it('gives every node a distinct id', () => {
    const ids = graphNodes(graph).map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('is empty for a definition without states', () => {
    expect(playbookGraph({ ...playbook, definition: {} }).root).toBeUndefined();
  });
});

describe('playbookToMermaid from the graph model', () => {
  it('prints the same flowchart as before, byte for byte', () => {
    expect(playbookToMermaid(playbook)).toBe(MERMAID);
  });
});

describe('GraphSvg', () => {
  const render = async (path?: Parameters<typeof GraphSvg>[0]['path']) =>
    String(await GraphSvg({ graph: playbookGraph(playbook), ...(path ? { path } : {}) }));
  const marked = (svg: string, attribute: string) =>
    [...svg.matchAll(new RegExp(`data-testid="graph-node" data-state="([^"]*)"[^>]*${attribute}="true"`, 'g'))].map(
      (m) => m[1],
    );

  it('draws one node per state, nested ones included', async () => {
    const svg = await render();
    expect(svg.startsWith('<svg data-testid="graph"')).toBe(true);
    const states = [...svg.matchAll(/data-testid="graph-node" data-state="([^"]*)"/g)].map((m) => m[1]).sort();
    expect(states).toEqual(
      graphNodes(playbookGraph(playbook))
        .map((n) => n.state)
        .sort(),
    );
    expect(marked(svg, 'data-visited')).toEqual([]);
  });

  it('marks exactly the visited states, the failed one and the waiting one', async () => {
    const svg = await render({
      steps: ['Enrich', 'Check', 'Fan', 'Tell', 'W', 'Each', 'Fix', 'Fix'],
      failed: new Set(['Fix']),
      waiting: 'Ask',
    });
    expect(marked(svg, 'data-visited').sort()).toEqual(['Check', 'Each', 'Enrich', 'Fan', 'Fix', 'Tell', 'W']);
    expect(marked(svg, 'data-failed')).toEqual(['Fix']);
    expect(marked(svg, 'data-waiting')).toEqual(['Ask']);
  });

  it('highlights the edges taken and not the others', async () => {
    const svg = await render({ steps: ['Enrich', 'Check', 'Done'] });
    const edges = [
      ...svg.matchAll(/data-from="([^"]*)" data-to="([^"]*)" data-kind="([^"]*)" data-visited="true"/g),
    ].map((m) => `${m[1]}->${m[2]}:${m[3]}`);
    expect(edges.sort()).toEqual([
      'Check->Done:choice',
      'Check->Done:default',
      'Enrich->Check:next',
      'start->Enrich:start',
    ]);
  });

  it('escapes state names and choice labels', async () => {
    const hostile = compileOk(
      playbookWith({
        '<img src=x onerror=alert(1)>': {
          Type: 'Choice',
          Choices: [{ Variable: '$.x', StringEquals: '</text><script>alert(2)</script>', Next: 'End' }],
          Default: 'End',
        },
        End: { Type: 'Succeed' },
      }),
    ).playbook;
    const svg = String(await GraphSvg({ graph: playbookGraph(hostile) }));
    expect(svg).toContain('data-state="&lt;img src=x onerror=alert(1)&gt;"');
    expect(svg).not.toContain('<img');
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;/text&gt;&lt;script&gt;');
  });
});
