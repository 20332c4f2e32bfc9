/**
 * The hub's session ledger: every spoke session the hub opens to write (fix or undo) is recorded, before
 * AssumeRole, in the `remediations` table. A CloudTrail call whose caller is a hub spoke role counts as the
 * hub's own (`self`, never routed) only when the ledger has that session for that account and role, opened near
 * the call's time. A role name alone proves nothing: whoever administers an account where the hub has no role
 * (an `off` account) can create one called SoclessUndoRole, and its calls must be seen like anyone else's.
 *
 * Items: partition key `session#<account>#<session name>`, sort key `session`; written by the remediate
 * integration and the operator undo, read (GetItem on `session#` keys only) by the endpoint and the sweeper.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  type SpokeSession,
  type SpokeSessionFactory,
  type SpokeSessionRequest,
  spokeRoleNameFor,
  spokeSessionName,
} from './session.ts';

/** Sort key of ledger items (no claim or guard counter uses it). */
export const SESSION_LEDGER_SORT_KEY = 'session';
/** Prefix of ledger partition keys (the endpoint's read grant is limited to it). */
export const SESSION_LEDGER_KEY_PREFIX = 'session#';
/**
 * How far from the session's opening a call may be and still be the hub's: a spoke session lasts 15 minutes;
 * an hour on either side leaves room for a cached session and CloudTrail's delivery delay.
 */
export const HUB_SESSION_WINDOW_MS = 60 * 60_000;
/** How long a ledger item is kept (DynamoDB TTL): past any redelivery or sweep of the calls it explains. */
const LEDGER_TTL_SECONDS = 14 * 24 * 3600;

/** One session the hub opened in a spoke to write. */
export interface HubSessionEntry {
  readonly account: string;
  /** The spoke role assumed (SoclessRemediationRole or SoclessUndoRole). */
  readonly role: string;
  /** The RoleSessionName, as CloudTrail shows it in the assumed-role ARN. */
  readonly sessionName: string;
  readonly purpose: 'fix' | 'undo';
  /**
   * The execution (or undo) the session was opened for. Not named `executionId`: that attribute puts an item in
   * the table's execution index, which lists remediation records only.
   */
  readonly execution: string;
  /** The remediation the session was opened for. */
  readonly remediation: string;
  /** ISO time the session was (last) opened. */
  readonly openedAt: string;
}

/** A CloudTrail caller that claims to be a hub session. */
export interface HubSessionClaim {
  readonly account: string;
  readonly role: string;
  readonly sessionName: string;
  /** ISO time of the call. */
  readonly time: string;
}

export class HubSessionLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  static key(account: string, sessionName: string): { investigationId: string; remediationId: string } {
    return {
      investigationId: `${SESSION_LEDGER_KEY_PREFIX}${account}#${sessionName}`,
      remediationId: SESSION_LEDGER_SORT_KEY,
    };
  }

  /** Records (or refreshes) a session; written before the session is opened, so no call can precede it. */
  async record(entry: HubSessionEntry): Promise<void> {
    const expiresAt = Math.floor(Date.parse(entry.openedAt) / 1000) + LEDGER_TTL_SECONDS;
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...entry, ...HubSessionLedger.key(entry.account, entry.sessionName), expiresAt },
      }),
    );
  }

  async find(account: string, sessionName: string): Promise<HubSessionEntry | undefined> {
    const out = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: HubSessionLedger.key(account, sessionName),
        ConsistentRead: true,
      }),
    );
    return out.Item as HubSessionEntry | undefined;
  }

  /**
   * Whether a claimed hub session is one the hub opened: same account, role and session name, and the call within
   * {@link HUB_SESSION_WINDOW_MS} of the session's opening.
   */
  async verify(claim: HubSessionClaim): Promise<boolean> {
    const entry = await this.find(claim.account, claim.sessionName);
    if (!entry || entry.role !== claim.role) return false;
    const at = Date.parse(claim.time);
    const opened = Date.parse(entry.openedAt);
    return Number.isFinite(at) && Number.isFinite(opened) && Math.abs(at - opened) <= HUB_SESSION_WINDOW_MS;
  }
}

/**
 * A session factory that records every write session (fix or undo) in the ledger before opening it. Read sessions
 * make no calls the spokes forward, so they are not recorded.
 */
export function ledgeredSessions(
  inner: SpokeSessionFactory,
  ledger: Pick<HubSessionLedger, 'record'>,
  now: () => Date = () => new Date(),
): SpokeSessionFactory {
  return {
    async open(request: SpokeSessionRequest): Promise<SpokeSession> {
      if (request.purpose === 'fix' || request.purpose === 'undo') {
        await ledger.record({
          account: request.account,
          role: spokeRoleNameFor(request.purpose),
          sessionName: spokeSessionName(request.executionId),
          purpose: request.purpose,
          execution: request.executionId,
          remediation: request.remediation.id,
          openedAt: now().toISOString(),
        });
      }
      return inner.open(request);
    },
  };
}
