/**
 * Who may speak for an account. The account a response acts in is the EventBridge envelope's `account` (set by
 * EventBridge, not forgeable across accounts). A payload field that names another account is honoured only when
 * the envelope account is a configured aggregator for the event's source (`config.trustedAggregators`, e.g. the
 * GuardDuty delegated administrator) and the named account is in the org registry; otherwise the event is held
 * back as `rejected`, flagged `account-mismatch`. Events the hub's own spoke sessions caused are held back as
 * `self`, once the hub's session ledger confirms the session.
 */
import type { AggregatorSource } from '../config.ts';
import { PLAYBOOK_EVENT_SOURCE_PREFIX } from '../events/socless-create-events.ts';
import type { AccountClaim, EventFlag, SecurityEvent, SecurityEventOrigin } from '../events/types.ts';
import type { HubSessionClaim } from '../remediation/session-ledger.ts';
import type { EventStatus } from './types.ts';

/** What the check needs (a part of the pipeline's dependencies). */
export interface AccountTrust {
  /** Per source, the accounts whose events may name other org accounts. @default none */
  readonly trustedAggregators?: Readonly<Partial<Record<AggregatorSource, readonly string[]>>>;
  /** Whether an account is in the org registry. @default none is */
  readonly isOrgAccount?: (accountId: string) => Promise<boolean>;
  /**
   * Whether the hub opened the spoke session a CloudTrail call claims to come from (the session ledger).
   * @default none is (every call is routed as anyone's)
   */
  readonly verifyHubSession?: (claim: HubSessionClaim) => Promise<boolean>;
  /**
   * The hub's own account: a playbook-created event (`socless.playbook.*`) must come from it.
   * @default none (every playbook-created event is refused)
   */
  readonly hubAccountId?: string;
  /** The events table, where a playbook-created event's investigation gives its account. */
  readonly events?: { get(id: string): Promise<{ readonly account?: string } | undefined> };
}

/** An event that must not be routed: the status to record it with, why, and the account to record. */
export interface HeldEvent {
  readonly status: Extract<EventStatus, 'rejected' | 'self'>;
  readonly reason: string;
  readonly flags: EventFlag[];
  /** The account that spoke (the envelope's), recorded instead of a refused claim. */
  readonly account: string;
}

/** Every account the event names other than the one that sent it, with where it was named. */
export function foreignClaims(event: SecurityEvent): AccountClaim[] {
  const sender = event.origin?.account;
  if (sender === undefined) return [];
  const claims: AccountClaim[] = [
    { field: event.origin?.accountField ?? 'account', account: event.account },
    ...event.resources.map((r, i) => ({
      field: `resources[${i}] (${r.id.length > 120 ? `${r.id.slice(0, 120)}…` : r.id})`,
      account: r.account ?? '',
    })),
    ...(event.origin?.claims ?? []),
  ];
  const seen = new Set<string>();
  return claims.filter((c) => {
    if (c.account === '' || c.account === sender) return false;
    const key = `${c.field}\u0000${c.account}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Decides whether an event may be routed. Returns undefined when it may; otherwise how to record it. Events
 * without an origin (hand-built, never from a normalizer) are checked as if they spoke for no account but their own.
 */
export async function checkAccountTrust(event: SecurityEvent, trust: AccountTrust): Promise<HeldEvent | undefined> {
  const origin = event.origin;
  if (origin?.source.startsWith(PLAYBOOK_EVENT_SOURCE_PREFIX)) return checkPlaybookEvent(event, origin, trust);
  if (origin?.customAction) {
    // Anyone administering an org account can create an action with SOCless's id there: only the hub's own actions
    // and those of a configured Security Hub aggregator (the delegated administrator) are requests.
    const from = origin.account;
    const speaks = from === trust.hubAccountId || (trust.trustedAggregators?.securityhub ?? []).includes(from);
    if (!speaks) {
      return {
        status: 'rejected',
        reason: `resources[0]: custom action ${origin.customAction.actionArn} is in account ${from}, which is neither the hub's account nor a trusted securityhub aggregator (config.trustedAggregators.securityhub): only those may ask SOCless to act`,
        flags: ['account-mismatch'],
        account: from,
      };
    }
  }
  if (origin) {
    const aggregator = origin.aggregator;
    const trusted = aggregator !== undefined && (trust.trustedAggregators?.[aggregator] ?? []).includes(origin.account);
    for (const claim of foreignClaims(event)) {
      const prefix = `${claim.field} names ${claim.account} but the event came from account ${origin.account}`;
      let reason: string | undefined;
      if (!aggregator) {
        reason = `${prefix}, and a ${origin.source} event speaks only for the account that sent it`;
      } else if (!trusted) {
        reason = `${prefix}, which is not a trusted ${aggregator} aggregator`;
      } else if (!(await (trust.isOrgAccount?.(claim.account) ?? Promise.resolve(false)))) {
        reason = `${prefix} (a trusted ${aggregator} aggregator), and ${claim.account} is not in the org registry`;
      }
      if (reason) return { status: 'rejected', reason, flags: ['account-mismatch'], account: origin.account };
    }
    const session = origin.hubSession;
    // A spoke role's name is only a claim: the call is the hub's own when the ledger has the session.
    const verify = trust.verifyHubSession;
    if (
      session &&
      verify &&
      (await verify({ account: event.account, role: session.role, sessionName: session.sessionName, time: event.time }))
    ) {
      return {
        status: 'self',
        reason: `caused by the hub's own session ${session.arn} (${session.role}, in the hub's session ledger); not routed, so the hub never fixes back its own change`,
        flags: ['hub-session'],
        account: event.account,
      };
    }
  }
  return undefined;
}

/**
 * A playbook-created event speaks for the investigation that created it: it must come from the hub's own account
 * (socless_core's PutEvents; a spoke's PutEvents carries the spoke's account), and its account must be that
 * investigation's, read again here from the events table.
 */
async function checkPlaybookEvent(
  event: SecurityEvent,
  origin: SecurityEventOrigin,
  trust: AccountTrust,
): Promise<HeldEvent | undefined> {
  const refuse = (reason: string): HeldEvent => ({
    status: 'rejected',
    reason,
    flags: ['account-mismatch'],
    account: origin.account,
  });
  if (trust.hubAccountId === undefined || origin.account !== trust.hubAccountId) {
    return refuse(
      `${origin.source}: a playbook-created event comes only from the hub's own account${trust.hubAccountId ? ` (${trust.hubAccountId})` : ''}; this one came from account ${origin.account}`,
    );
  }
  const run = origin.playbookRun;
  if (!run) return refuse(`${origin.source}: the event does not say which investigation created it`);
  const investigation = await trust.events?.get(run.investigationId);
  if (investigation?.account === undefined) {
    return refuse(`detail.createdBy.investigationId: investigation ${run.investigationId} is not in the events table`);
  }
  if (investigation.account !== event.account) {
    return refuse(
      `detail.account names ${event.account} but investigation ${run.investigationId}, which created the event, is in account ${investigation.account}`,
    );
  }
  return undefined;
}

/** Caches an org-registry membership lookup for `ttlMs` (membership changes rarely next to the event rate). */
export function cachedOrgAccount(
  resolve: (accountId: string) => Promise<boolean>,
  ttlMs: number,
  now: () => number = Date.now,
): (accountId: string) => Promise<boolean> {
  const cache = new Map<string, { known: boolean; until: number }>();
  return async (accountId) => {
    const hit = cache.get(accountId);
    const t = now();
    if (hit && hit.until > t) return hit.known;
    const known = await resolve(accountId);
    cache.set(accountId, { known, until: t + ttlMs });
    return known;
  };
}
