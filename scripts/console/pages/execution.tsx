/** @jsxImportSource hono/jsx */
/** One execution: the playbook's graph with the path taken, each state's input/output/error, remediations, undo. */

import { playbookGraph } from '../../../shared/playbook/graph.ts';
import type { RemediationRecord } from '../../../shared/store/remediations.ts';
import type { ConsoleExecutionDetail } from '../backend.ts';
import { GraphSvg } from '../graph-svg.tsx';
import {
  ActionForm,
  executionHref,
  investigationHref,
  Json,
  Layout,
  ListTable,
  type PageContext,
  playbookHref,
  Status,
  Time,
} from './layout.tsx';

function Remediation(props: { record: RemediationRecord }) {
  const r = props.record;
  const applied = r.applied.map((i) => ({ index: i, call: r.planned[i] }));
  const outcome = r.outcome;
  return (
    <article class="remediation" data-testid="remediation" data-id={r.remediationId} data-status={r.status}>
      <h3>
        <span class="mono">{r.remediationId}</span> <Status status={r.status} />
      </h3>
      <dl class="facts">
        <dt>State</dt>
        <dd>{r.state}</dd>
        <dt>Account</dt>
        <dd>{`${r.account} / ${r.region}`}</dd>
        <dt>Planned at</dt>
        <dd>
          <Time at={r.plannedAt} />
        </dd>
        {outcome ? (
          <>
            <dt>Mode</dt>
            <dd>{`${outcome.mode} → ${outcome.effectiveAction}${outcome.approvedBy ? `, approved by ${outcome.approvedBy}` : ''}`}</dd>
          </>
        ) : null}
        {r.undo ? (
          <>
            <dt>Undo</dt>
            <dd>
              {`by ${r.undo.by} from ${r.undo.from}, started `}
              <Time at={r.undo.startedAt} />
              {r.undo.finishedAt ? ', finished ' : ', not finished'}
              {r.undo.finishedAt ? <Time at={r.undo.finishedAt} /> : null}
            </dd>
          </>
        ) : null}
      </dl>
      <h4>Target</h4>
      <Json value={r.target} />
      <div class="columns">
        <section>
          <h4>Plan ({String(r.planned.length)} calls)</h4>
          <Json value={r.planned} testid="remediation-plan" />
        </section>
        <section>
          <h4>Before</h4>
          <Json value={r.before} testid="remediation-before" />
        </section>
      </div>
      <div class="columns">
        <section>
          <h4>
            Calls applied ({String(applied.length)} of {String(r.planned.length)})
          </h4>
          <Json value={applied} testid="remediation-calls" />
        </section>
        <section>
          <h4>After</h4>
          {outcome && outcome.after !== undefined ? (
            <Json value={outcome.after} testid="remediation-after" />
          ) : (
            <p class="muted" data-testid="remediation-after">
              {r.status === 'applying' ? 'Not finished: no after-state yet.' : 'No after-state recorded.'}
            </p>
          )}
        </section>
      </div>
      <p data-testid="remediation-verify" class={outcome?.verified === false ? 'bad' : undefined}>
        {'Verify: '}
        {outcome?.verified === true
          ? 'verified (the state read after the calls complies)'
          : outcome?.verified === false
            ? 'NOT verified (the state read after the calls does not comply)'
            : outcome?.compliant
              ? 'already compliant, nothing to do'
              : 'not run'}
      </p>
      {r.lastError ? (
        <p class="bad">
          {`Last error: ${r.lastError.name}: ${r.lastError.message} at `}
          <Time at={r.lastError.at} />
        </p>
      ) : null}
      {r.undoError ? <p class="bad">{`Undo error: ${r.undoError.name}: ${r.undoError.message}`}</p> : null}
      {r.undo?.calls ? (
        <>
          <h4>Undo calls</h4>
          <Json value={r.undo.calls} />
        </>
      ) : null}
    </article>
  );
}

export function ExecutionPage(props: { ctx: PageContext; execution: ConsoleExecutionDetail }) {
  const e = props.execution;
  // A state is marked failed when its last attempt failed (a retried state that then succeeded is not).
  const lastStatus = new Map(e.steps.map((s) => [s.state, s.status]));
  const failed = new Set([...lastStatus].filter(([, status]) => status === 'failed').map(([state]) => state));
  const waiting = e.waitingOn?.state ?? e.steps.find((s) => s.status === 'waiting')?.state;
  const undoable = e.remediations.some((r) => r.status === 'applied' || r.status === 'applying');
  return (
    <Layout ctx={props.ctx} title={`Execution ${e.name}`}>
      <p class="crumbs">
        {e.investigationId ? (
          <a href={investigationHref(e.investigationId)}>Investigation {e.investigationId}</a>
        ) : null}
        {e.investigationId ? ' / ' : null}
        <span class="mono">{e.name}</span>
      </p>
      <h1>
        <a href={playbookHref(e.playbook)}>{e.playbook}</a> <Status status={e.status} testid="execution-status" />
      </h1>
      {e.derivedFrom ? (
        <p class="note" data-testid="execution-derived">
          {e.derivedFrom}
        </p>
      ) : null}
      <dl class="facts">
        <dt>ARN</dt>
        <dd class="mono">{e.arn}</dd>
        <dt>Started</dt>
        <dd>
          <Time at={e.startedAt} />
        </dd>
        <dt>Stopped</dt>
        <dd>
          <Time at={e.stoppedAt} />
        </dd>
        {e.error ? (
          <>
            <dt>Error</dt>
            <dd class="bad">{e.error}</dd>
          </>
        ) : null}
        {e.cause ? (
          <>
            <dt>Cause</dt>
            <dd>
              <pre class="json">{e.cause}</pre>
            </dd>
          </>
        ) : null}
        {waiting ? (
          <>
            <dt>Waiting</dt>
            <dd>
              {`on ${waiting}`}
              {e.waitingOn ? ' — ' : ''}
              {e.waitingOn ? <a href="/approvals">answer it on the approvals page</a> : null}
            </dd>
          </>
        ) : null}
      </dl>

      <h2>Path</h2>
      {e.playbookDefinition ? (
        <div class="graph-box">
          <GraphSvg
            graph={playbookGraph(e.playbookDefinition)}
            path={{ steps: e.steps.map((s) => s.state), failed, ...(waiting ? { waiting } : {}) }}
          />
        </div>
      ) : (
        <p class="muted">The playbook's definition is not available: the steps below are the path.</p>
      )}

      <h2>Steps</h2>
      {e.steps.length === 0 ? <p class="muted">No state entered yet.</p> : null}
      <ol class="steps">
        {e.steps.map((s) => (
          <li data-testid="step" data-state={s.state} data-status={s.status} class={`step step-${s.status}`}>
            <details open={s.status === 'failed' || s.status === 'waiting'}>
              <summary>
                <strong>{s.state}</strong> <Status status={s.status} /> <Time at={s.enteredAt} />
              </summary>
              <div class="columns">
                <section>
                  <h4>Input</h4>
                  <Json value={s.input} testid="step-input" />
                </section>
                <section>
                  <h4>Output</h4>
                  <Json value={s.output} testid="step-output" />
                </section>
              </div>
              {s.error ? (
                <p class="bad" data-testid="step-error">
                  {`${s.error.name}: ${s.error.message}`}
                </p>
              ) : null}
            </details>
          </li>
        ))}
      </ol>

      {e.results.length > 0 ? (
        <>
          <h2>Saved results ({String(e.results.length)})</h2>
          <ListTable headings={['Saved', 'State', 'Integration', 'Status', 'Result']}>
            {e.results.map((r) => (
              <tr data-testid="result" data-state={r.state}>
                <td>
                  <Time at={r.savedAt} />
                </td>
                <td>{r.state}</td>
                <td>{r.integration}</td>
                <td>
                  <Status status={r.status} />
                </td>
                <td>
                  {r.error ? <p class="bad">{`${r.error.name}: ${r.error.message}`}</p> : null}
                  {r.result !== undefined ? <Json value={r.result} /> : null}
                  {r.resultRef ? <p class="muted">{`offloaded to the vault: ${JSON.stringify(r.resultRef)}`}</p> : null}
                </td>
              </tr>
            ))}
          </ListTable>
        </>
      ) : null}

      <h2>Remediations</h2>
      {e.remediations.length === 0 ? <p class="muted">This execution changed nothing in an account.</p> : null}
      {e.remediations.map((r) => (
        <Remediation record={r} />
      ))}
      {undoable ? (
        <ActionForm
          ctx={props.ctx}
          sectionClass="action danger"
          title="Undo"
          intro={
            <p>
              Reverses what this execution applied, once, with the before-state recorded above. Type the execution ARN
              to confirm.
            </p>
          }
          action={`${executionHref(e.arn)}/undo`}
          testid="undo-form"
          button="Undo the remediation"
          buttonClass="danger"
          buttonTestid="undo-button"
        >
          <label class="wide">
            Execution ARN
            <input type="text" name="confirm" required autocomplete="off" placeholder={e.arn} maxlength={2000} />
          </label>
        </ActionForm>
      ) : null}
    </Layout>
  );
}
