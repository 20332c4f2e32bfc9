/**
 * The investigations page's in-memory index: every filter (OU by id or name, below it too), per-status counts
 * over every filter but status, facets over everything, paging newest first, and updates.
 */
import { describe, expect, it } from 'vitest';
import { InvestigationIndex, MAX_FACET_VALUES } from '../../scripts/console/investigation-index.ts';
import type { InvestigationSummary } from '../../shared/store/investigations.ts';

const OUS: Record<string, string[]> = {
  '111111111111': ['r-1', 'ou-prod', 'Root', 'Prod'],
  '222222222222': ['r-1', 'ou-prod', 'ou-pay', 'Root', 'Prod', 'Payments'],
  '333333333333': ['r-1', 'ou-dev', 'Root', 'Dev'],
};
const ACCOUNTS = Object.keys(OUS);

function summaries(n: number): InvestigationSummary[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `inv-${String(i).padStart(4, '0')}`,
    status: i % 3 === 0 ? 'closed' : 'open',
    account: ACCOUNTS[i % 3] as string,
    source: i % 2 === 0 ? 'aws.guardduty' : 'aws.securityhub',
    severity: 'LOW',
    // Every fifth one escalated: the filter uses the severity it has now.
    ...(i % 5 === 0 ? { latestSeverity: 'HIGH' } : {}),
    openedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
    playbooks: i % 4 === 0 ? ['remediate-finding', 'triage-notify'] : ['triage-notify'],
  }));
}

const index = (n: number) => {
  const idx = new InvestigationIndex((account) => OUS[account ?? ''] ?? []);
  idx.replaceAll(summaries(n));
  return idx;
};

describe('InvestigationIndex', () => {
  const all = summaries(100);
  const expected = (pred: (s: InvestigationSummary) => boolean) =>
    all
      .filter(pred)
      .sort((a, b) => b.openedAt.localeCompare(a.openedAt))
      .map((s) => s.id);

  it('filters on each field, counts per status over every filter but status, newest first', () => {
    const idx = index(100);
    const page = idx.query({ account: '222222222222', status: 'open' }, 1, 1000);
    expect(page.items.map((i) => i.id)).toEqual(expected((s) => s.account === '222222222222' && s.status === 'open'));
    expect(page.countsByStatus).toEqual({
      open: all.filter((s) => s.account === '222222222222' && s.status === 'open').length,
      closed: all.filter((s) => s.account === '222222222222' && s.status === 'closed').length,
    });
    expect(page.total).toBe(page.countsByStatus.open);
    expect(idx.query({ severity: 'HIGH' }, 1, 1000).items.map((i) => i.id)).toEqual(
      expected((s) => s.latestSeverity === 'HIGH'),
    );
    expect(idx.query({ severity: 'LOW' }, 1, 1000).total).toBe(80);
    expect(idx.query({ source: 'aws.securityhub', playbook: 'remediate-finding' }, 1, 1000).total).toBe(0);
    expect(
      idx.query({ source: 'aws.guardduty', playbook: 'remediate-finding' }, 1, 1000).items.map((i) => i.id),
    ).toEqual(expected((s) => s.source === 'aws.guardduty' && (s.playbooks ?? []).includes('remediate-finding')));
  });

  it('filters by OU id or name, including accounts in OUs below it', () => {
    const idx = index(100);
    const prod = expected((s) => s.account === '111111111111' || s.account === '222222222222');
    expect(idx.query({ ou: 'ou-prod' }, 1, 1000).items.map((i) => i.id)).toEqual(prod);
    expect(idx.query({ ou: 'Prod' }, 1, 1000).items.map((i) => i.id)).toEqual(prod);
    expect(idx.query({ ou: 'Payments' }, 1, 1000).items.map((i) => i.id)).toEqual(
      expected((s) => s.account === '222222222222'),
    );
    expect(idx.query({ ou: 'ou-nowhere' }, 1, 1000)).toMatchObject({
      total: 0,
      countsByStatus: { open: 0, closed: 0 },
    });
  });

  it('pages newest first, clamps a page past the end to the last one, and keeps facets over everything', () => {
    const idx = index(100);
    const ids = expected(() => true);
    const first = idx.query({}, 1, 30);
    expect(first.items.map((i) => i.id)).toEqual(ids.slice(0, 30));
    expect(idx.query({}, 3, 30).items.map((i) => i.id)).toEqual(ids.slice(60, 90));
    const last = idx.query({}, 99, 30);
    expect([last.page, last.items.map((i) => i.id)]).toEqual([4, ids.slice(90)]);
    expect(idx.query({}, 0, 30).page).toBe(1);
    expect(first.facets).toEqual({
      accounts: ACCOUNTS,
      severities: ['HIGH', 'LOW'],
      sources: ['aws.guardduty', 'aws.securityhub'],
      playbooks: ['remediate-finding', 'triage-notify'],
    });
    // Facets do not narrow with the filter (a filter can be widened from the drop-down).
    expect(idx.query({ account: '111111111111' }, 1, 30).facets.accounts).toEqual(ACCOUNTS);
  });

  it('bounds each facet list', () => {
    const idx = new InvestigationIndex(() => []);
    idx.replaceAll(
      Array.from({ length: MAX_FACET_VALUES + 50 }, (_, i) => ({
        id: `x${i}`,
        status: 'open' as const,
        source: `source-${String(i).padStart(4, '0')}`,
        openedAt: '2026-01-01T00:00:00.000Z',
      })),
    );
    expect(idx.query({}, 1, 10).facets.sources).toHaveLength(MAX_FACET_VALUES);
  });

  it('takes updates: an upsert moves an investigation between statuses, a removal drops it', () => {
    const idx = index(10);
    const target = idx.get('inv-0001') as InvestigationSummary;
    expect(idx.query({ status: 'closed' }, 1, 100).items.map((i) => i.id)).not.toContain('inv-0001');
    idx.upsert({ ...target, status: 'closed', resolution: 'accepted-risk' });
    const closed = idx.query({ status: 'closed' }, 1, 100);
    expect(closed.items.find((i) => i.id === 'inv-0001')).toMatchObject({ resolution: 'accepted-risk' });
    expect(closed.countsByStatus).toEqual({ open: 5, closed: 5 });
    idx.remove('inv-0001');
    expect(idx.size).toBe(9);
    expect(idx.query({}, 1, 100).items.map((i) => i.id)).not.toContain('inv-0001');
  });
});
