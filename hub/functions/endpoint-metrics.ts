/**
 * The endpoint's own CloudWatch metrics (embedded metric format, catalog entries in shared/metrics/catalog.ts).
 * None has a dimension: `Source` and `Account` are properties of the `EventsIngested` lines (a dimension value is
 * a billed custom metric), counted with Logs Insights. Event fields are chosen by whoever sends the event, so even
 * as properties they are bounded: `Account` is an org-registry account or `other`, `Source` one of the known
 * sources or `other`.
 */
import type { WebhookSenderConfig } from '../../shared/config.ts';
import { webhookSources } from '../../shared/config.ts';
import { type CatalogMetric, METRICS, OTHER_DIMENSION, SOCLESS_NAMESPACE } from '../../shared/metrics/catalog.ts';
import { emfLine, type MetricSink } from '../../shared/metrics/emf.ts';
import type { EventOutcome } from '../../shared/pipeline/pipeline.ts';
import { FORWARDED_EVENTS } from '../../spoke/forwarded-events.ts';

export { OTHER_DIMENSION } from '../../shared/metrics/catalog.ts';
export type { MetricSink } from '../../shared/metrics/emf.ts';

/** CloudWatch namespace of the metrics the hub publishes itself (embedded metric format). */
export const METRICS_NAMESPACE = SOCLESS_NAMESPACE;
/** Metric names in {@link METRICS_NAMESPACE}. */
export const METRIC_NAMES = {
  ingested: METRICS.eventsIngested.name,
  duplicate: METRICS.eventsDuplicate.name,
  rejected: METRICS.eventsRejected.name,
  unrouted: METRICS.eventsUnrouted.name,
  pending: METRICS.eventsPending.name,
  self: METRICS.eventsSelf.name,
} as const;

/** The values `Source` and `Account` may take. */
export interface MetricBounds {
  /** Known EventBridge sources (see {@link knownMetricSources}). */
  readonly sources: ReadonlySet<string>;
  /** Accounts in the org registry among those of the batch. */
  readonly accounts: ReadonlySet<string>;
}

/**
 * The sources the deployment knows: those the spokes forward, CloudTrail's own, those the playbooks' triggers
 * name literally, and the configured webhook senders' sources. All are fixed at deploy time.
 */
export function knownMetricSources(
  routes: ReadonlyArray<{ readonly triggers: ReadonlyArray<Record<string, unknown>> }>,
  senders: readonly WebhookSenderConfig[] = [],
): Set<string> {
  const sources = new Set<string>(['aws.cloudtrail']);
  for (const f of FORWARDED_EVENTS) for (const s of f.sources ?? []) sources.add(s);
  for (const route of routes) {
    for (const trigger of route.triggers) {
      const values = trigger.source;
      if (Array.isArray(values)) for (const v of values) if (typeof v === 'string') sources.add(v);
    }
  }
  for (const sender of senders) for (const s of webhookSources(sender)) sources.add(s);
  return sources;
}

/**
 * Emits the outcome counts of one batch as EMF: ingested, one line per source and account (both properties),
 * and each other status.
 */
export function emitOutcomeMetrics(
  outcomes: ReadonlyArray<EventOutcome & { source?: string }>,
  sink: MetricSink,
  now: Date,
  bounds: MetricBounds = { sources: new Set(), accounts: new Set() },
): void {
  const ingested = new Map<string, { source: string; account: string; count: number }>();
  const totals = new Map<CatalogMetric, number>();
  const bump = (metric: CatalogMetric) => totals.set(metric, (totals.get(metric) ?? 0) + 1);
  for (const o of outcomes) {
    if (o.status === 'rejected') {
      bump(METRICS.eventsRejected);
      continue;
    }
    const source = o.source !== undefined && bounds.sources.has(o.source) ? o.source : OTHER_DIMENSION;
    const account = o.account !== undefined && bounds.accounts.has(o.account) ? o.account : OTHER_DIMENSION;
    const key = `${source}\u0000${account}`;
    const entry = ingested.get(key) ?? { source, account, count: 0 };
    entry.count += 1;
    ingested.set(key, entry);
    const metric =
      o.status === 'duplicate'
        ? METRICS.eventsDuplicate
        : o.status === 'unrouted'
          ? METRICS.eventsUnrouted
          : o.status === 'pending'
            ? METRICS.eventsPending
            : o.status === 'self'
              ? METRICS.eventsSelf
              : undefined;
    if (metric) bump(metric);
  }
  for (const { source, account, count } of ingested.values()) {
    // Source and account are properties, not dimensions: one metric per value would be a custom metric each,
    // billed by the hour (per account, the cost model's largest line at 1,000 accounts). Per-source and
    // per-account counts come from Logs Insights over these lines (the dashboards' log panels).
    sink(
      emfLine(
        {
          metric: METRICS.eventsIngested,
          value: count,
          properties: { Source: source, Account: account },
        },
        now,
      ),
    );
  }
  for (const [metric, value] of totals) sink(emfLine({ metric, value }, now));
}

/** The batch's accounts that are in the org registry (each asked once). */
export async function registeredAccounts(
  outcomes: ReadonlyArray<Pick<EventOutcome, 'account'>>,
  isOrgAccount: ((accountId: string) => Promise<boolean>) | undefined,
): Promise<Set<string>> {
  const known = new Set<string>();
  if (!isOrgAccount) return known;
  const distinct = [...new Set(outcomes.flatMap((o) => (o.account ? [o.account] : [])))];
  await Promise.all(
    distinct.map(async (id) => {
      if (/^\d{12}$/.test(id) && (await isOrgAccount(id).catch(() => false))) known.add(id);
    }),
  );
  return known;
}
