/** @jsxImportSource hono/jsx */
/** One investigation: its events (normalized and raw), occurrences, executions, and the close form. */
import { RESOLUTIONS } from '../../../shared/pipeline/lifecycle.ts';
import type { ConsoleExecutionSummary, ConsoleInvestigation } from '../backend.ts';
import {
  ActionForm,
  executionHref,
  InvestigationFact,
  investigationHref,
  Json,
  Layout,
  ListTable,
  type PageContext,
  playbookHref,
  Status,
  Time,
} from './layout.tsx';

export function ExecutionList(props: { executions: readonly ConsoleExecutionSummary[]; showInvestigation?: boolean }) {
  if (props.executions.length === 0) return <p class="muted">No execution.</p>;
  return (
    <ListTable
      headings={['Started', 'Playbook', 'Execution', 'Status', ...(props.showInvestigation ? ['Investigation'] : [])]}
    >
      {props.executions.map((e) => (
        <tr>
          <td>
            <Time at={e.startedAt} />
          </td>
          <td>
            <a href={playbookHref(e.playbook)}>{e.playbook}</a>
          </td>
          <td>
            <a href={executionHref(e.arn)} data-testid="execution-link" data-status={e.status}>
              {e.name}
            </a>
          </td>
          <td>
            <Status status={e.status} />
            {e.derivedFrom ? <span class="derived">{` ${e.derivedFrom}`}</span> : null}
          </td>
          {props.showInvestigation ? (
            <td>{e.investigationId ? <a href={investigationHref(e.investigationId)}>{e.investigationId}</a> : ''}</td>
          ) : null}
        </tr>
      ))}
    </ListTable>
  );
}

export function InvestigationPage(props: { ctx: PageContext; investigation: ConsoleInvestigation }) {
  const { detail, normalized, raw, executions } = props.investigation;
  const severity = detail.latestSeverity ?? detail.severity;
  return (
    <Layout ctx={props.ctx} title={detail.title ?? detail.id}>
      <p class="crumbs">
        <a href="/investigations">Investigations</a> / <span class="mono">{detail.id}</span>
      </p>
      <h1 data-testid="investigation-title">{detail.title || detail.kind || detail.id}</h1>
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <Status status={detail.status} testid="investigation-status" />
          {detail.resolution ? ` ${detail.resolution}` : ''}
          {detail.closedBy ? ` by ${detail.closedByName ?? detail.closedBy}` : ''}
          {detail.closedAt ? ' at ' : ''}
          {detail.closedAt ? <Time at={detail.closedAt} /> : null}
        </dd>
        {detail.reason ? (
          <>
            <dt>Reason</dt>
            <dd>{detail.reason}</dd>
          </>
        ) : null}
        <dt>Severity</dt>
        <dd>
          {severity ?? '—'}
          {detail.severity && detail.latestSeverity && detail.severity !== detail.latestSeverity
            ? ` (opened at ${detail.severity})`
            : ''}
        </dd>
        <dt>Account</dt>
        <dd>{[detail.account, detail.region].filter(Boolean).join(' / ') || '—'}</dd>
        <dt>Source</dt>
        <dd>{[detail.source, detail.kind].filter(Boolean).join(' · ') || '—'}</dd>
        <dt>Opened</dt>
        <dd>
          <Time at={detail.openedAt} />
        </dd>
        <dt>Last seen</dt>
        <dd>
          <Time at={detail.lastSeen} />
        </dd>
        <dt>Occurrences</dt>
        <dd>{String(detail.occurrences ?? detail.events.length)}</dd>
        <InvestigationFact label="Follows" id={detail.previousInvestigationId} />
        {detail.dedupKey ? (
          <>
            <dt>Dedup key</dt>
            <dd class="mono">{detail.dedupKey}</dd>
          </>
        ) : null}
      </dl>

      <h2>Executions</h2>
      <ExecutionList executions={executions} />

      <h2>Occurrences</h2>
      {detail.events.length === 0 ? (
        <p class="muted">No linked event.</p>
      ) : (
        <ListTable headings={['Received', 'Event', 'Status', 'Severity', 'Flags', 'Title']}>
          {detail.events.map((e) => (
            <tr data-testid="occurrence" data-id={e.id}>
              <td>
                <Time at={e.receivedAt} />
              </td>
              <td class="mono">
                {e.id}
                {e.id === detail.id ? <span class="tag">opener</span> : null}
              </td>
              <td>{e.status}</td>
              <td>{e.severity ?? ''}</td>
              <td>{(e.flags ?? []).map((f) => (typeof f === 'string' ? f : JSON.stringify(f))).join(', ')}</td>
              <td>{e.title ?? ''}</td>
            </tr>
          ))}
        </ListTable>
      )}

      <div class="columns">
        <section>
          <h2>Normalized event</h2>
          <Json value={normalized} testid="normalized-event" />
        </section>
        <section>
          <h2>Raw event</h2>
          {raw === undefined ? (
            <p class="muted" data-testid="raw-event">
              The raw event was offloaded and cannot be read here.
            </p>
          ) : (
            <Json value={raw} testid="raw-event" />
          )}
        </section>
      </div>

      {detail.status === 'open' ? (
        <ActionForm
          ctx={props.ctx}
          sectionClass="action"
          title="Close"
          action={`${investigationHref(detail.id)}/close`}
          testid="close-form"
          button="Close investigation"
          buttonTestid="close-button"
        >
          <label>
            Resolution
            <select name="resolution" required>
              {RESOLUTIONS.map((r) => (
                <option value={r}>{r}</option>
              ))}
            </select>
          </label>
          <label>
            Duplicate of (for duplicate-of)
            <input type="text" name="duplicateOf" maxlength={200} />
          </label>
          <label class="wide">
            Reason
            <input type="text" name="reason" required maxlength={2000} />
          </label>
        </ActionForm>
      ) : null}
    </Layout>
  );
}
