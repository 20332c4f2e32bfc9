/** @jsxImportSource hono/jsx */
/** The deployed playbooks: a list, and one playbook's graph, triggers and recent runs. */
import { playbookGraph } from '../../../shared/playbook/graph.ts';
import type { ConsoleExecutionSummary, ConsolePlaybook } from '../backend.ts';
import { GraphSvg } from '../graph-svg.tsx';
import { ExecutionList } from './investigation.tsx';
import { Json, Layout, ListTable, type PageContext, playbookHref } from './layout.tsx';

export function PlaybooksPage(props: { ctx: PageContext; playbooks: readonly ConsolePlaybook[] }) {
  const playbooks = [...props.playbooks].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <Layout ctx={props.ctx} title="Playbooks">
      <h1>Playbooks</h1>
      {playbooks.length === 0 ? <p class="muted">No playbook is deployed.</p> : null}
      <ListTable headings={['Name', 'Workflow', 'Triggers', 'Integrations']}>
        {playbooks.map((p) => (
          <tr data-testid="playbook-row" data-name={p.name}>
            <td>
              <a href={playbookHref(p.name)} data-testid="playbook-link">
                {p.name}
              </a>
            </td>
            <td>{p.workflow}</td>
            <td>{String(p.triggers.length)}</td>
            <td>{p.integrations.join(', ')}</td>
          </tr>
        ))}
      </ListTable>
    </Layout>
  );
}

export function PlaybookPage(props: {
  ctx: PageContext;
  playbook: ConsolePlaybook;
  executions: readonly ConsoleExecutionSummary[];
}) {
  const p = props.playbook;
  return (
    <Layout ctx={props.ctx} title={p.name}>
      <p class="crumbs">
        <a href="/playbooks">Playbooks</a> / {p.name}
      </p>
      <h1>{p.name}</h1>
      <dl class="facts">
        <dt>Workflow</dt>
        <dd>{p.workflow}</dd>
        <dt>Integrations</dt>
        <dd>{p.integrations.join(', ') || '—'}</dd>
      </dl>
      <h2>Graph</h2>
      <div class="graph-box">
        <GraphSvg graph={playbookGraph(p.compiled)} />
      </div>
      <h2>Triggers</h2>
      {p.triggers.length === 0 ? <p class="muted">No trigger: started by hand or by another playbook.</p> : null}
      {p.triggers.map((t) => (
        <Json value={t} testid="trigger" />
      ))}
      <h2>Recent executions</h2>
      <ExecutionList executions={props.executions} showInvestigation />
    </Layout>
  );
}
