/** @jsxImportSource hono/jsx */
/** The organization's accounts grouped by OU path, each with its effective mode, where it comes from, spoke coverage. */
import type { ConsoleAccount } from '../backend.ts';
import { Layout, ListTable, type PageContext, Time } from './layout.tsx';

/** Groups accounts by OU path (`Root / Security / Prod`), paths sorted, accounts by id within a path. */
export function groupByOu(
  accounts: readonly ConsoleAccount[],
): Array<{ path: readonly string[]; accounts: ConsoleAccount[] }> {
  const groups = new Map<string, { path: readonly string[]; accounts: ConsoleAccount[] }>();
  for (const a of accounts) {
    const key = JSON.stringify(a.ouPath);
    let group = groups.get(key);
    if (!group) {
      group = { path: a.ouPath, accounts: [] };
      groups.set(key, group);
    }
    group.accounts.push(a);
  }
  const sorted = [...groups.values()].sort((x, y) => x.path.join('\u0000').localeCompare(y.path.join('\u0000')));
  for (const g of sorted) g.accounts.sort((x, y) => x.accountId.localeCompare(y.accountId));
  return sorted;
}

export function AccountsPage(props: { ctx: PageContext; accounts: readonly ConsoleAccount[] }) {
  const groups = groupByOu(props.accounts);
  const unread = [...new Set(props.accounts.flatMap((a) => (a.ouNamesError ? [a.ouNamesError] : [])))];
  return (
    <Layout ctx={props.ctx} title="Accounts">
      <h1>Accounts</h1>
      <p class="muted">{`${props.accounts.length} accounts in ${groups.length} OUs.`}</p>
      {unread.length > 0 ? (
        <p class="flash error" data-testid="ou-names-unavailable">
          {`OU names could not be read, so OUs are shown by id: ${unread.join('; ')}`}
        </p>
      ) : null}
      {groups.map((g) => (
        <section class="ou" data-testid="ou" data-path={g.path.join('/')}>
          <h2 class={`depth-${Math.min(g.path.length, 6)}`}>
            {g.path.length ? g.path.map((p, i) => (i === 0 ? p : ` / ${p}`)) : '(no OU)'}
          </h2>
          <ListTable headings={['Account', 'Name', 'Mode', 'From', 'Last event', 'Spoke']}>
            {g.accounts.map((a) => (
              <tr data-testid="account-row" data-account={a.accountId}>
                <td class="mono">
                  <a href={`/investigations?account=${encodeURIComponent(a.accountId)}`}>{a.accountId}</a>
                </td>
                <td>{a.name ?? ''}</td>
                <td>
                  <span class={`mode mode-${a.mode.replace(/[^a-z-]/g, '')}`} data-testid="account-mode">
                    {a.mode}
                  </span>
                </td>
                <td data-testid="account-mode-source">{a.modeSource}</td>
                <td>
                  <Time at={a.lastEventAt} />
                </td>
                <td data-testid="account-spoke">
                  {a.spoke
                    ? `${a.spoke.status}${a.spoke.regions?.length ? ` (${a.spoke.regions.join(', ')})` : ''}`
                    : 'no spoke'}
                </td>
              </tr>
            ))}
          </ListTable>
        </section>
      ))}
    </Layout>
  );
}
