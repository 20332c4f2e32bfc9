/**
 * The investigations page's in-memory index: every investigation's summary, loaded once when the console starts
 * and kept fresh by the backend (the local hub's change hook; a timer against a deployed hub), so filtering,
 * counting per status, facets and paging are work over memory, not a DynamoDB scan per request.
 *
 * Load cost, honestly: the events table has no index that lists only investigations, so the load is a paged
 * Scan of the whole events table (every event, not just openers: the filter does not reduce what DynamoDB reads
 * and bills) with a projection that leaves out the raw body, plus a paged Scan of the dedup table (one item per
 * finding identity), joined in memory. With 10,000 investigations that is a few MB read once; the bench
 * (`npm run bench -- console`) prints the time. Memory is one summary object per investigation (~1 KB each).
 */
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { EVENT_STATUSES } from '../../shared/pipeline/types.ts';
import { type InvestigationSummary, summarizeInvestigation } from '../../shared/store/investigations.ts';
import type { InvestigationFilter, InvestigationPage } from './backend.ts';

/** Each facet list keeps at most this many values (sorted): the drop-downs stay usable whatever events say. */
export const MAX_FACET_VALUES = 200;
/** The largest page a query returns. */
export const MAX_PAGE_SIZE = 500;

type Item = Record<string, unknown>;

interface Entry {
  readonly summary: InvestigationSummary;
  /** The severity label it has now: latest seen, else the one it opened at. */
  readonly severity: string | undefined;
  /** The OU ids and names its account sits in (every level from the root down). */
  readonly ous: ReadonlySet<string>;
}

/** Summaries by id, with the filters of the investigations page answered from memory. */
export class InvestigationIndex {
  private readonly byId = new Map<string, Entry>();
  /** Entries newest first; rebuilt lazily after a change. */
  private sorted: Entry[] | undefined;
  private facetCache: InvestigationPage['facets'] | undefined;

  /** `ousOf` gives the OU ids and names an account is in (empty when the account is unknown). */
  constructor(private readonly ousOf: (account: string | undefined) => readonly string[]) {}

  get size(): number {
    return this.byId.size;
  }

  get(id: string): InvestigationSummary | undefined {
    return this.byId.get(id)?.summary;
  }

  /** Replaces every entry (a full load). */
  replaceAll(summaries: Iterable<InvestigationSummary>): void {
    this.byId.clear();
    for (const s of summaries) this.byId.set(s.id, this.entry(s));
    this.changed();
  }

  upsert(summary: InvestigationSummary): void {
    this.byId.set(summary.id, this.entry(summary));
    this.changed();
  }

  remove(id: string): void {
    if (this.byId.delete(id)) this.changed();
  }

  /** One page (1-based, clamped to the last page) of the investigations matching every filter, newest first. */
  query(filter: InvestigationFilter, page: number, pageSize: number): InvestigationPage {
    const size = Math.min(Math.max(1, Math.floor(pageSize) || 1), MAX_PAGE_SIZE);
    const counts = { open: 0, closed: 0 };
    const matched: Entry[] = [];
    for (const e of this.entries()) {
      if (!matchesAllButStatus(e, filter)) continue;
      counts[e.summary.status] += 1;
      if (filter.status === undefined || e.summary.status === filter.status) matched.push(e);
    }
    const pages = Math.max(1, Math.ceil(matched.length / size));
    const current = Math.min(Math.max(1, Math.floor(page) || 1), pages);
    return {
      items: matched.slice((current - 1) * size, current * size).map((e) => e.summary),
      total: matched.length,
      countsByStatus: counts,
      page: current,
      pageSize: size,
      facets: this.facets(),
    };
  }

  private entry(summary: InvestigationSummary): Entry {
    return {
      summary,
      severity: summary.latestSeverity ?? summary.severity,
      ous: new Set(this.ousOf(summary.account)),
    };
  }

  private changed(): void {
    this.sorted = undefined;
    this.facetCache = undefined;
  }

  private entries(): Entry[] {
    this.sorted ??= [...this.byId.values()].sort(
      (a, b) => b.summary.openedAt.localeCompare(a.summary.openedAt) || (a.summary.id < b.summary.id ? 1 : -1),
    );
    return this.sorted;
  }

  /** The distinct values over every investigation (not only the filtered ones), so a filter can be widened. */
  private facets(): InvestigationPage['facets'] {
    if (this.facetCache) return this.facetCache;
    const accounts = new Set<string>();
    const severities = new Set<string>();
    const sources = new Set<string>();
    const playbooks = new Set<string>();
    for (const e of this.byId.values()) {
      if (e.summary.account) accounts.add(e.summary.account);
      if (e.severity) severities.add(e.severity);
      if (e.summary.source) sources.add(e.summary.source);
      for (const p of e.summary.playbooks ?? []) playbooks.add(p);
    }
    const bounded = (s: Set<string>) => [...s].sort().slice(0, MAX_FACET_VALUES);
    this.facetCache = {
      accounts: bounded(accounts),
      severities: bounded(severities),
      sources: bounded(sources),
      playbooks: bounded(playbooks),
    };
    return this.facetCache;
  }
}

function matchesAllButStatus(e: Entry, f: InvestigationFilter): boolean {
  const s = e.summary;
  if (f.account !== undefined && s.account !== f.account) return false;
  if (f.source !== undefined && s.source !== f.source) return false;
  if (f.severity !== undefined && e.severity !== f.severity) return false;
  if (f.playbook !== undefined && !(s.playbooks ?? []).includes(f.playbook)) return false;
  if (f.ou !== undefined && !e.ous.has(f.ou)) return false;
  return true;
}

/** The attributes of an opening event the summary reads (never the raw body). */
const OPENER_ATTRIBUTES = [
  'id',
  'investigationId',
  'investigationStatus',
  'resolution',
  'closedBy',
  'closedByName',
  'closedAt',
  'reason',
  'source',
  'kind',
  'account',
  'region',
  'title',
  'severity',
  'receivedAt',
  'previousInvestigationId',
  'playbooks',
  'dedupKey',
] as const;

/** A ProjectionExpression over attribute names (every one aliased: several are DynamoDB reserved words). */
function projection(attributes: readonly string[]): {
  ProjectionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
} {
  const names = Object.fromEntries(attributes.map((a, i) => [`#p${i}`, a]));
  return { ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names };
}

async function scanAll(
  client: DynamoDBDocumentClient,
  input: ConstructorParameters<typeof ScanCommand>[0],
): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await client.send(new ScanCommand({ ...input, ...(start ? { ExclusiveStartKey: start } : {}) }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Where the investigations live: the events and dedup tables. */
export interface InvestigationTables {
  readonly client: DynamoDBDocumentClient;
  readonly eventsTable: string;
  readonly dedupTable: string;
}

/**
 * Every investigation's summary, as InvestigationsRepository.list summarizes it, in two paged scans (events
 * openers, dedup items) joined in memory instead of one dedup read per investigation.
 */
export async function loadInvestigationSummaries(tables: InvestigationTables): Promise<InvestigationSummary[]> {
  const { ProjectionExpression, ExpressionAttributeNames } = projection(OPENER_ATTRIBUTES);
  const [openers, dedup] = await Promise.all([
    scanAll(tables.client, {
      TableName: tables.eventsTable,
      // An investigation's own event carries its id as investigationId.
      FilterExpression: '#p1 = #p0',
      ProjectionExpression,
      ExpressionAttributeNames,
    }),
    scanAll(tables.client, { TableName: tables.dedupTable }),
  ]);
  const byKey = new Map(dedup.map((d) => [String(d.dedupKey), d]));
  return openers.map((o) =>
    summarizeInvestigation(o, typeof o.dedupKey === 'string' ? byKey.get(o.dedupKey) : undefined),
  );
}

/** What re-reading one id found. */
export type SummaryRead =
  | { readonly kind: 'investigation'; readonly summary: InvestigationSummary }
  /** An event of another investigation (re-read that one), or an event that opened none. */
  | { readonly kind: 'event'; readonly investigationId?: string }
  | { readonly kind: 'missing' };

/** Re-reads one investigation (or finds which investigation an event id belongs to): two strongly consistent gets. */
export async function readInvestigationSummary(tables: InvestigationTables, id: string): Promise<SummaryRead> {
  const { ProjectionExpression, ExpressionAttributeNames } = projection(OPENER_ATTRIBUTES);
  const out = await tables.client.send(
    new GetCommand({
      TableName: tables.eventsTable,
      Key: { id },
      ConsistentRead: true,
      ProjectionExpression,
      ExpressionAttributeNames,
    }),
  );
  const item = out.Item;
  if (!item) return { kind: 'missing' };
  if (item.investigationId !== id) {
    return typeof item.investigationId === 'string'
      ? { kind: 'event', investigationId: item.investigationId }
      : { kind: 'event' };
  }
  const dedupKey = typeof item.dedupKey === 'string' ? item.dedupKey : undefined;
  const state = dedupKey
    ? (await tables.client.send(new GetCommand({ TableName: tables.dedupTable, Key: { dedupKey } }))).Item
    : undefined;
  return { kind: 'investigation', summary: summarizeInvestigation(item, state) };
}

/** Re-reads ids into the index: an event id refreshes its investigation; an id that is no investigation is dropped. */
export async function refreshIds(
  index: InvestigationIndex,
  tables: InvestigationTables,
  ids: Iterable<string>,
): Promise<void> {
  const seen = new Set<string>();
  const visit = async (id: string, depth: number): Promise<void> => {
    if (seen.has(id)) return;
    seen.add(id);
    const read = await readInvestigationSummary(tables, id);
    if (read.kind === 'investigation') index.upsert(read.summary);
    else {
      index.remove(id);
      if (read.kind === 'event' && read.investigationId && depth === 0) await visit(read.investigationId, 1);
    }
  };
  for (const id of ids) await visit(id, 0);
}

/**
 * Ids of events received at or after `since` (any status), through the events table's status-index: one paged
 * Query per status, so the cost follows the new events, not the table. Each id, or the investigation it
 * belongs to, is what changed.
 */
export async function idsReceivedSince(tables: InvestigationTables, since: string): Promise<string[]> {
  const ids = new Set<string>();
  for (const status of EVENT_STATUSES) {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await tables.client.send(
        new QueryCommand({
          TableName: tables.eventsTable,
          IndexName: 'status-index',
          KeyConditionExpression: '#s = :s AND #r >= :since',
          ExpressionAttributeNames: { '#s': 'status', '#r': 'receivedAt', '#id': 'id', '#inv': 'investigationId' },
          ExpressionAttributeValues: { ':s': status, ':since': since },
          ProjectionExpression: '#id, #inv',
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of out.Items ?? []) {
        ids.add(typeof item.investigationId === 'string' ? item.investigationId : String(item.id));
      }
      start = out.LastEvaluatedKey;
    } while (start);
  }
  return [...ids];
}
