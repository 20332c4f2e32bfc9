/** @jsxImportSource hono/jsx */
/** The investigations list: filters, counts per status, one row per investigation, a pager. */
import type { InvestigationFilter, InvestigationPage } from '../backend.ts';
import { investigationHref, Layout, ListTable, type PageContext, Status, Time } from './layout.tsx';

type FilterKey = keyof InvestigationFilter;

/** The query string of the list with these filters and page (empty values left out). */
export function listHref(
  filter: InvestigationFilter,
  page: number,
  override: Partial<InvestigationFilter> = {},
): string {
  const params = new URLSearchParams();
  const merged: Record<string, string | undefined> = { ...filter, ...override };
  for (const key of ['account', 'ou', 'status', 'severity', 'source', 'playbook'] as const) {
    const v = merged[key];
    if (v) params.set(key, v);
  }
  if (page > 1) params.set('page', String(page));
  const q = params.toString();
  return q ? `/investigations?${q}` : '/investigations';
}

function Select(props: { name: FilterKey; label: string; value?: string | undefined; options: readonly string[] }) {
  const options = props.value && !props.options.includes(props.value) ? [props.value, ...props.options] : props.options;
  return (
    <label>
      {props.label}
      <select name={props.name}>
        <option value="">any</option>
        {options.map((o) => (
          <option value={o} selected={o === props.value}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

export function InvestigationsPage(props: {
  ctx: PageContext;
  filter: InvestigationFilter;
  result: InvestigationPage;
}) {
  const { filter, result } = props;
  const pages = Math.max(1, Math.ceil(result.total / result.pageSize));
  const first = result.total === 0 ? 0 : (result.page - 1) * result.pageSize + 1;
  const last = Math.min(result.total, result.page * result.pageSize);
  return (
    <Layout ctx={props.ctx} title="Investigations">
      <h1>Investigations</h1>
      <form method="get" action="/investigations" class="filters" data-testid="filter-form">
        <Select name="account" label="Account" value={filter.account} options={result.facets.accounts} />
        <label>
          OU
          <input type="text" name="ou" value={filter.ou ?? ''} placeholder="name or ou-…" maxlength={200} />
        </label>
        <Select name="status" label="Status" value={filter.status} options={['open', 'closed']} />
        <Select name="severity" label="Severity" value={filter.severity} options={result.facets.severities} />
        <Select name="source" label="Source" value={filter.source} options={result.facets.sources} />
        <Select name="playbook" label="Playbook" value={filter.playbook} options={result.facets.playbooks} />
        <button type="submit">Filter</button>
        <a href="/investigations">Clear</a>
      </form>
      <ul class="counts" data-testid="status-counts">
        {(['open', 'closed'] as const).map((s) => (
          <li class={filter.status === s ? 'current' : undefined}>
            <a href={listHref(filter, 1, { status: s })}>{s}</a>{' '}
            <strong data-status={s}>{String(result.countsByStatus[s])}</strong>
          </li>
        ))}
      </ul>
      <p class="muted">
        {result.total === 0
          ? 'No investigation matches.'
          : result.items.length === 0
            ? `Page ${result.page} is past the last page (${pages}) of ${result.total} investigations.`
            : `${first}–${last} of ${result.total}, page ${result.page} of ${pages}`}
      </p>
      {result.items.length > 0 ? (
        <ListTable headings={['Opened', 'Title', 'Severity', 'Status', 'Account', 'Source', 'Playbooks', 'Seen']}>
          {result.items.map((i) => (
            <tr data-testid="investigation-row" data-id={i.id}>
              <td>
                <Time at={i.openedAt} />
              </td>
              <td class="title">
                <a href={investigationHref(i.id)} data-testid="investigation-link">
                  {i.title || i.kind || i.id}
                </a>
              </td>
              <td>{i.latestSeverity ?? i.severity ?? ''}</td>
              <td>
                <Status status={i.status} />
                {i.resolution ? <span class="muted"> {i.resolution}</span> : null}
              </td>
              <td>{i.account ?? ''}</td>
              <td>{i.source ?? ''}</td>
              <td>{(i.playbooks ?? []).join(', ')}</td>
              <td>{String(i.occurrences ?? 1)}</td>
            </tr>
          ))}
        </ListTable>
      ) : null}
      <nav class="pager">
        {result.page > 1 ? (
          <a href={listHref(filter, result.page - 1)} data-testid="pager-prev" rel="prev">
            ← Newer
          </a>
        ) : null}
        {result.page < pages ? (
          <a href={listHref(filter, result.page + 1)} data-testid="pager-next" rel="next">
            Older →
          </a>
        ) : null}
      </nav>
    </Layout>
  );
}
