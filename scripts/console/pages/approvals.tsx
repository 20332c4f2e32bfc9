/** @jsxImportSource hono/jsx */
/** Interactions waiting for a person: what each would change, and approve / reject with a reason. */
import type { ConsoleApproval } from '../backend.ts';
import {
  Csrf,
  executionHref,
  InvestigationFact,
  Json,
  Layout,
  type PageContext,
  playbookHref,
  Time,
} from './layout.tsx';

/** The part of an interaction's parameters that says what will change (the plan), when it has one. */
function planOf(parameters: Readonly<Record<string, unknown>>): unknown {
  for (const key of ['plan', 'remediation', 'actions', 'planned']) {
    if (parameters[key] !== undefined) return parameters[key];
  }
  return undefined;
}

function messageOf(parameters: Readonly<Record<string, unknown>>): string | undefined {
  for (const key of ['message', 'prompt', 'text', 'question', 'reason']) {
    const v = parameters[key];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

export function ApprovalsPage(props: { ctx: PageContext; approvals: readonly ConsoleApproval[] }) {
  return (
    <Layout ctx={props.ctx} title="Approvals">
      <h1>Approvals</h1>
      <p class="muted">
        {props.approvals.length === 0
          ? 'Nothing is waiting for a person.'
          : `${props.approvals.length} waiting for a person. An answer resumes the execution.`}
      </p>
      {props.approvals.map((a) => {
        const plan = planOf(a.parameters);
        const message = messageOf(a.parameters);
        return (
          <article class="approval" data-testid="approval" data-id={a.id}>
            <h2>
              {a.playbook ? <a href={playbookHref(a.playbook)}>{a.playbook}</a> : 'playbook'}
              {' · '}
              {a.state}
            </h2>
            <dl class="facts">
              <dt>Asked</dt>
              <dd>
                <Time at={a.createdAt} />
                {` through ${a.integration}${a.channel ? ` (${a.channel})` : ''}`}
              </dd>
              <dt>Execution</dt>
              <dd>
                <a href={executionHref(a.executionArn)} class="mono">
                  {a.executionArn}
                </a>
              </dd>
              <InvestigationFact label="Investigation" id={a.investigationId} />
            </dl>
            {message ? (
              <p class="message" data-testid="approval-message">
                {message}
              </p>
            ) : null}
            <h3>What will change</h3>
            <Json value={plan ?? a.parameters} testid="approval-plan" />
            <form method="post" action={`/approvals/${encodeURIComponent(a.id)}`} class="answer">
              <Csrf ctx={props.ctx} />
              <label class="wide">
                Reason
                <input type="text" name="reason" maxlength={2000} placeholder="why (required to reject)" />
              </label>
              <button type="submit" name="decision" value="approve" data-testid="approve-button">
                Approve
              </button>
              <button type="submit" name="decision" value="reject" class="danger" data-testid="reject-button">
                Reject
              </button>
            </form>
          </article>
        );
      })}
    </Layout>
  );
}
