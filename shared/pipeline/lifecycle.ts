/**
 * The investigation lifecycle, as data and one pure decision: what a new occurrence of a finding (same dedup key)
 * means for the investigation the `dedup` table holds for it.
 *
 * - No investigation, or its last run is older than the window: a new one is opened (linked to the previous).
 * - Closed with a resolution that says the problem was gone (`remediated`, `resolved-by-source`): a regression,
 *   a new investigation linked to the previous one, and the playbooks run again.
 * - Otherwise (open, or closed by its own playbook's close step, or by a person as accepted risk, false positive
 *   or duplicate): a `duplicate` that updates occurrences, last seen and latest severity without a run; a rise of
 *   the severity label above the one the playbooks last ran at re-runs them once (`escalated`).
 */
import { SEVERITY_LABELS, type SeverityLabel } from '../config.ts';
import type { SecurityEventStatus } from '../events/types.ts';

/** Why an investigation was closed. */
export const RESOLUTIONS = [
  'remediated',
  'resolved-by-source',
  'accepted-risk',
  'false-positive',
  'duplicate-of',
] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/** Resolutions saying the problem was gone: a later occurrence is a regression. */
export const GONE_RESOLUTIONS: ReadonlySet<Resolution> = new Set(['remediated', 'resolved-by-source']);

/** Finding states in which the source says it is over (Security Hub RESOLVED/SUPPRESSED/ARCHIVED/PASSED, ...). */
export const OVER_STATUSES: ReadonlySet<SecurityEventStatus> = new Set([
  'archived',
  'suppressed',
  'resolved',
  'compliant',
]);

/**
 * Whether the source reports the finding as over. Config's NOT_APPLICABLE is: Config reports it when the rule no
 * longer applies to the resource (the resource was deleted, or left the rule's scope). Security Hub's
 * NOT_AVAILABLE (`not-applicable` from ASFF) is not: the check could not run (a server error, or a resource being
 * deleted, which Security Hub follows with ARCHIVED) — see {@link isNotEvaluated}.
 */
export function isOverSignal(status: SecurityEventStatus, source?: string): boolean {
  return OVER_STATUSES.has(status) || (status === 'not-applicable' && source === 'config');
}

/**
 * A finding the source could not evaluate (Security Hub NOT_AVAILABLE): recorded with the reason, never routed —
 * nobody is paged for it and nothing is remediated — and it closes nothing.
 */
export function isNotEvaluated(status: SecurityEventStatus, source?: string): boolean {
  return status === 'not-applicable' && !isOverSignal(status, source);
}

/** Who closed an investigation. */
export type ClosedBy = 'playbook' | 'source' | 'person';

/** The `dedup` table item: the current investigation of one finding identity. */
export interface InvestigationState {
  readonly dedupKey: string;
  readonly investigationId: string;
  readonly status: 'open' | 'closed';
  readonly openedAt: string;
  /** When the playbooks last ran for it (opening or escalation); the window counts from here. */
  readonly lastRunAt: string;
  /** The event that last ran them: a re-drive of that event is not its own duplicate. */
  readonly lastRunEventId: string;
  /** Severity label the playbooks last ran at. */
  readonly runSeverity: SeverityLabel;
  readonly latestSeverity: SeverityLabel;
  readonly occurrences: number;
  readonly lastSeen: string;
  /** The last event counted, so a re-drive of a duplicate is not counted twice. */
  readonly lastEventId: string;
  readonly previousInvestigationId?: string;
  readonly resolution?: Resolution;
  readonly closedBy?: ClosedBy;
  readonly closedByName?: string;
  readonly closedAt?: string;
  readonly reason?: string;
  /** The source event that closed it as resolved-by-source. */
  readonly resolvedByEventId?: string;
  /** Optimistic-concurrency counter. */
  readonly version: number;
  /** Epoch seconds: end of the window (last run + window), for TTL. */
  readonly expiresAt: number;
}

/** One occurrence of a finding, as the pipeline hands it to the lifecycle. */
export interface Occurrence {
  readonly dedupKey: string;
  readonly eventId: string;
  readonly severity: SeverityLabel;
}

/** What an occurrence means. */
export type LifecycleDecision =
  | {
      readonly kind: 'new';
      readonly investigationId: string;
      readonly previousInvestigationId?: string;
      /** The previous investigation was closed as gone: this is the problem coming back. */
      readonly regression?: boolean;
    }
  | { readonly kind: 'duplicate'; readonly investigationId: string }
  | { readonly kind: 'escalated'; readonly investigationId: string; readonly from: SeverityLabel };

/** The change to make to the stored state, with the decision it stands for. */
export interface LifecycleStep {
  readonly decision: LifecycleDecision;
  /** The item to write (whole), or undefined when nothing changes (a re-drive). */
  readonly next?: InvestigationState;
}

function rank(label: SeverityLabel): number {
  return SEVERITY_LABELS.indexOf(label);
}

/** A fresh investigation opened by `occurrence`. */
export function openedBy(
  occurrence: Occurrence,
  nowMs: number,
  windowMs: number,
  previous?: InvestigationState,
): InvestigationState {
  const at = new Date(nowMs).toISOString();
  return {
    dedupKey: occurrence.dedupKey,
    investigationId: occurrence.eventId,
    status: 'open',
    openedAt: at,
    lastRunAt: at,
    lastRunEventId: occurrence.eventId,
    runSeverity: occurrence.severity,
    latestSeverity: occurrence.severity,
    occurrences: 1,
    lastSeen: at,
    lastEventId: occurrence.eventId,
    ...(previous ? { previousInvestigationId: previous.investigationId } : {}),
    version: (previous?.version ?? 0) + 1,
    expiresAt: Math.floor(nowMs / 1000) + Math.ceil(windowMs / 1000),
  };
}

/** Decides what `occurrence` means for the stored `state` (see the module comment). Pure. */
export function decideOccurrence(
  state: InvestigationState,
  occurrence: Occurrence,
  nowMs: number,
  windowMs: number,
): LifecycleStep {
  // A re-drive of the event that last ran the playbooks gets the same answer, and changes nothing.
  if (state.lastRunEventId === occurrence.eventId) {
    if (state.investigationId === occurrence.eventId) {
      return {
        decision: {
          kind: 'new',
          investigationId: state.investigationId,
          ...(state.previousInvestigationId ? { previousInvestigationId: state.previousInvestigationId } : {}),
        },
      };
    }
    return { decision: { kind: 'escalated', investigationId: state.investigationId, from: state.runSeverity } };
  }
  if (state.lastEventId === occurrence.eventId) {
    return { decision: { kind: 'duplicate', investigationId: state.investigationId } };
  }
  const windowOver = nowMs > Date.parse(state.lastRunAt) + windowMs;
  const gone = state.status === 'closed' && state.resolution !== undefined && GONE_RESOLUTIONS.has(state.resolution);
  if (windowOver || gone) {
    const next = openedBy(occurrence, nowMs, windowMs, state);
    return {
      decision: {
        kind: 'new',
        investigationId: next.investigationId,
        previousInvestigationId: state.investigationId,
        ...(gone ? { regression: true } : {}),
      },
      next,
    };
  }
  const at = new Date(nowMs).toISOString();
  const seen = {
    ...state,
    occurrences: state.occurrences + 1,
    lastSeen: at,
    latestSeverity: occurrence.severity,
    lastEventId: occurrence.eventId,
    version: state.version + 1,
  };
  if (rank(occurrence.severity) > rank(state.runSeverity)) {
    const {
      resolution: _r,
      closedBy: _c,
      closedByName: _n,
      closedAt: _a,
      reason: _why,
      resolvedByEventId: _e,
      ...open
    } = seen;
    return {
      decision: { kind: 'escalated', investigationId: state.investigationId, from: state.runSeverity },
      next: {
        ...open,
        status: 'open',
        lastRunAt: at,
        lastRunEventId: occurrence.eventId,
        runSeverity: occurrence.severity,
        expiresAt: Math.floor(nowMs / 1000) + Math.ceil(windowMs / 1000),
      },
    };
  }
  return { decision: { kind: 'duplicate', investigationId: state.investigationId }, next: seen };
}

/**
 * Whether a source's "it is over" signal closes `state`: an open investigation, or one its own playbook closed
 * (still absorbing repeats) within the window. Undefined when there is nothing to close.
 */
export function resolvedBySource(
  state: InvestigationState,
  eventId: string,
  nowMs: number,
  windowMs: number,
): { readonly next?: InvestigationState; readonly investigationId: string } | undefined {
  if (state.resolvedByEventId === eventId) return { investigationId: state.investigationId };
  if (state.status === 'closed' && state.resolution !== undefined) return undefined;
  if (state.status === 'closed' && nowMs > Date.parse(state.lastRunAt) + windowMs) return undefined;
  return {
    investigationId: state.investigationId,
    next: {
      ...state,
      status: 'closed',
      resolution: 'resolved-by-source',
      closedBy: 'source',
      closedAt: new Date(nowMs).toISOString(),
      resolvedByEventId: eventId,
      version: state.version + 1,
    },
  };
}
