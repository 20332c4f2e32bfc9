/**
 * A paginated, throttle-aware walk of an AWS Organization: every account with its OU path (ids and names)
 * and its tags. The CLI (`socless org status|opt-in`) and the registry-sync Lambda share it.
 *
 * Organizations publishes no per-second quota and throttles bursts (`TooManyRequestsException`); every call
 * therefore goes through an {@link ApiGate}: a client-side token bucket (so a large walk paces itself instead
 * of relying on being throttled), bounded concurrency, and full-jitter backoff when throttled anyway.
 */
import {
  type Account,
  DescribeAccountCommand,
  DescribeOrganizationalUnitCommand,
  DescribeOrganizationCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import pLimit, { type LimitFunction } from 'p-limit';
import { SoclessError } from '../errors.ts';

// ---------------------------------------------------------------------------------------------------------
// Throttle-aware calls

/** Time as the gates see it: injected so tests and benchmarks never wait for real. */
export interface Clock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

/**
 * The process clock: `performance.now()` and `setTimeout`. Timers run on a whole-millisecond clock and can
 * fire up to a millisecond early by `performance.now()`; a pacing gate that wakes early sends one request
 * too many per window, so `sleep` waits until the full time has passed.
 */
export const SYSTEM_CLOCK: Clock = {
  now: () => performance.now(),
  sleep: (ms) =>
    new Promise((done) => {
      const until = performance.now() + ms;
      const tick = () => {
        const left = until - performance.now();
        if (left <= 0) done();
        else setTimeout(tick, Math.ceil(left));
      };
      tick();
    }),
};

const THROTTLING_ERRORS: ReadonlySet<string> = new Set([
  'TooManyRequestsException',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
  'SlowDown',
]);

/** True for the errors AWS services use to say "too many requests" (by name, code or HTTP 429). */
export function isThrottlingError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; Code?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number } };
  for (const key of [e.name, e.Code, e.code]) if (typeof key === 'string' && THROTTLING_ERRORS.has(key)) return true;
  return e.$metadata?.httpStatusCode === 429;
}

/** Settings of one {@link ApiGate}. */
export interface ApiGateOptions {
  /** Label in statistics and errors, e.g. `organizations`. */
  readonly name: string;
  /** Most requests per second the gate lets through (the token bucket's refill rate). */
  readonly ratePerSecond: number;
  /** Requests allowed back to back after an idle period. @default 1 */
  readonly burst?: number;
  /** Calls in flight at once. @default 8 */
  readonly concurrency?: number;
  /** Share a concurrency limiter between gates (e.g. one call at a time overall). @default a limiter per gate */
  readonly limiter?: LimitFunction;
  /** Attempts per call when throttled, the first included. @default 10 */
  readonly maxAttempts?: number;
  /** First backoff ceiling; it doubles per attempt (full jitter: a random wait up to the ceiling). @default 200 */
  readonly baseDelayMs?: number;
  /** Largest backoff ceiling. @default 20000 */
  readonly maxDelayMs?: number;
  /** After a throttle the rate drops to this fraction and climbs back linearly. @default 0.7 */
  readonly backoffFactor?: number;
  /** Seconds to climb from the lowered rate back to `ratePerSecond`. @default 10 */
  readonly recoverySeconds?: number;
  /** @default SYSTEM_CLOCK */
  readonly clock?: Clock;
  /** @default Math.random */
  readonly random?: () => number;
}

/** What a gate did: calls made, throttles met and retried, and calls that failed after every attempt. */
export interface ApiGateStats {
  readonly name: string;
  /** Requests sent (each attempt counts). */
  readonly requests: number;
  /** Requests that succeeded. */
  readonly succeeded: number;
  /** Requests answered with a throttling error. */
  readonly throttled: number;
  /** Calls that still failed on throttling after the last attempt. */
  readonly exhausted: number;
  /** The rate in force now (lower than configured shortly after a throttle). */
  readonly currentRatePerSecond: number;
}

/**
 * Paces the calls to one API: a token bucket (GCRA) at `ratePerSecond` with `burst`, at most `concurrency`
 * calls in flight, and on a throttling error a multiplicative rate decrease plus a full-jitter backoff before
 * the retry. Non-throttling errors pass through untouched.
 */
export class ApiGate {
  readonly name: string;
  private readonly maxRate: number;
  private readonly burst: number;
  private readonly limit: LimitFunction;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly backoffFactor: number;
  private readonly recoverySeconds: number;
  private readonly clock: Clock;
  private readonly random: () => number;
  /** GCRA theoretical arrival time of the next request. */
  private tat = Number.NEGATIVE_INFINITY;
  private loweredRate: number;
  private loweredAt = Number.NEGATIVE_INFINITY;
  private counts = { requests: 0, succeeded: 0, throttled: 0, exhausted: 0 };

  constructor(options: ApiGateOptions) {
    if (!(options.ratePerSecond > 0)) {
      throw new SoclessError(`gate ${options.name}: ratePerSecond must be a positive number`);
    }
    this.name = options.name;
    this.maxRate = options.ratePerSecond;
    this.loweredRate = options.ratePerSecond;
    this.burst = Math.max(1, options.burst ?? 1);
    this.limit = options.limiter ?? pLimit(Math.max(1, options.concurrency ?? 8));
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 10);
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 20_000;
    this.backoffFactor = options.backoffFactor ?? 0.7;
    this.recoverySeconds = options.recoverySeconds ?? 10;
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.random = options.random ?? Math.random;
  }

  /** Runs `fn` (one AWS request) under the gate; retries it while it is throttled. */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const out = await this.limit(async () => {
          await this.acquire();
          this.counts.requests++;
          return fn();
        });
        this.counts.succeeded++;
        return out;
      } catch (err) {
        if (!isThrottlingError(err)) throw err;
        this.counts.throttled++;
        this.slowDown();
        if (attempt >= this.maxAttempts) {
          this.counts.exhausted++;
          throw err;
        }
        // Full jitter: a random wait up to an exponentially growing ceiling spreads retries apart.
        const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
        await this.clock.sleep(this.random() * ceiling);
      }
    }
  }

  stats(): ApiGateStats {
    return { name: this.name, ...this.counts, currentRatePerSecond: this.rateAt(this.clock.now()) };
  }

  /** The rate in force: lowered after a throttle, climbing back linearly to the configured one. */
  private rateAt(now: number): number {
    if (this.loweredRate >= this.maxRate) return this.maxRate;
    const climbed = ((now - this.loweredAt) / 1000 / this.recoverySeconds) * this.maxRate;
    return Math.min(this.maxRate, this.loweredRate + climbed);
  }

  private slowDown(): void {
    const now = this.clock.now();
    this.loweredRate = Math.max(this.maxRate / 50, this.rateAt(now) * this.backoffFactor);
    this.loweredAt = now;
  }

  /**
   * Takes the next slot of the bucket (GCRA). A slot is taken when its time has come, not reserved ahead:
   * a waiter that wakes late then pushes the next slot later, so no rolling second ever holds more requests
   * than the rate allows, however late timers fire.
   */
  private async acquire(): Promise<void> {
    for (;;) {
      const now = this.clock.now();
      const interval = 1000 / this.rateAt(now);
      const tat = Math.max(this.tat, now);
      const wait = tat - (this.burst - 1) * interval - now;
      if (wait <= 0) {
        this.tat = tat + interval;
        return;
      }
      await this.clock.sleep(wait);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// The organization walk

/** An organizational unit or the root, with its place in the tree. */
export interface OrgUnit {
  readonly id: string;
  readonly name: string;
  /** Undefined for the root. */
  readonly parentId?: string;
  /** Ids from the root down to this unit, both included. */
  readonly path: readonly string[];
  /** Names along `path` (`Root` for the root). */
  readonly names: readonly string[];
}

/** Lifecycle of an account, from `State` (or the older `Status` while AWS returns only that). */
export type OrgAccountState = 'ACTIVE' | 'SUSPENDED' | 'PENDING_ACTIVATION' | 'PENDING_CLOSURE' | 'CLOSED' | string;

/** One member account as the walk found it. */
export interface OrgAccount {
  readonly accountId: string;
  readonly arn?: string;
  readonly name: string;
  readonly email: string;
  readonly state: OrgAccountState;
  /** The account's parent (an OU or the root). */
  readonly parentId: string;
  /** Ids from the root down to the parent (the `AccountRecord.ouPath` shape). */
  readonly ouPath: readonly string[];
  /** Names along `ouPath`. */
  readonly ouNames: readonly string[];
  /** Account tags; empty when tags were not requested or could not be read (see `tagsError`). */
  readonly tags: Readonly<Record<string, string>>;
  /** Why the tags could not be read, when they could not. */
  readonly tagsError?: string;
  readonly joinedAt?: string;
}

/** True when the account can be acted in (not suspended, closing or closed). */
export function isActiveAccount(account: Pick<OrgAccount, 'state'>): boolean {
  return account.state === 'ACTIVE';
}

/** A part of the tree that could not be listed: the walk goes on, and the caller reports it. */
export interface WalkFailure {
  readonly parentId: string;
  readonly operation: string;
  readonly error: string;
}

/** Options of {@link OrganizationsWalker.walk}. */
export interface WalkOptions {
  /** Walk below this OU or root only. @default the organization root */
  readonly from?: string;
  /** Read every account's tags (one ListTagsForResource each). @default true */
  readonly tags?: boolean;
  /** Called as each account is complete, so callers can start per-account work before the walk ends. */
  readonly onAccount?: (account: OrgAccount) => void;
}

/** The result of a walk. */
export interface OrgWalk {
  /** The unit the walk started from. */
  readonly start: OrgUnit;
  /** Every unit found, the start included. */
  readonly units: ReadonlyMap<string, OrgUnit>;
  readonly accounts: readonly OrgAccount[];
  /** Parents whose children could not be listed: the account list is incomplete under them. */
  readonly failures: readonly WalkFailure[];
}

/** Raised when the walk cannot even start (the root or the starting OU cannot be read). */
export class OrganizationsWalkError extends SoclessError {
  constructor(
    message: string,
    readonly resourceId: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Options of {@link OrganizationsWalker}. */
export interface OrganizationsWalkerOptions {
  /** Paces every Organizations call. @default a gate at 8 requests/s, burst 1, 4 in flight */
  readonly gate?: ApiGate;
}

/** Walks an organization: OUs breadth first, accounts per parent, tags per account — every page, every call gated. */
export class OrganizationsWalker {
  readonly gate: ApiGate;

  constructor(
    private readonly client: OrganizationsClient,
    options: OrganizationsWalkerOptions = {},
  ) {
    this.gate = options.gate ?? new ApiGate({ name: 'organizations', ratePerSecond: 8, concurrency: 4 });
  }

  /** The organization id and its management account. */
  async describeOrganization(): Promise<{ id?: string; managementAccountId?: string }> {
    const out = await this.gate.call(() => this.client.send(new DescribeOrganizationCommand({})));
    return { id: out.Organization?.Id, managementAccountId: out.Organization?.MasterAccountId };
  }

  /** Every account under `from` (default: the whole organization) with OU path, names and tags. */
  async walk(options: WalkOptions = {}): Promise<OrgWalk> {
    const start = options.from ? await this.unit(options.from) : await this.root();
    const units = new Map<string, OrgUnit>([[start.id, start]]);
    const accounts: OrgAccount[] = [];
    const failures: WalkFailure[] = [];
    const pending: Promise<void>[] = [];
    const visit = async (unit: OrgUnit): Promise<void> => {
      const children = this.listChildUnits(unit)
        .then((list) => {
          for (const child of list) {
            units.set(child.id, child);
            pending.push(visit(child));
          }
        })
        .catch((err: unknown) => {
          failures.push({ parentId: unit.id, operation: 'ListOrganizationalUnitsForParent', error: errorText(err) });
        });
      const members = this.accountsOf(unit.id)
        .then((list) => Promise.all(list.map((a) => this.complete(a, unit, options))))
        .then((done) => {
          accounts.push(...done);
        })
        .catch((err: unknown) => {
          failures.push({ parentId: unit.id, operation: 'ListAccountsForParent', error: errorText(err) });
        });
      await Promise.all([children, members]);
    };
    pending.push(visit(start));
    // Children are discovered while we wait: keep draining until no visit is left.
    for (let i = 0; i < pending.length; i++) await pending[i];
    accounts.sort((a, b) => a.accountId.localeCompare(b.accountId));
    return { start, units, accounts, failures };
  }

  /** The accounts directly under a parent (OU or root), every page. */
  async accountsOf(parentId: string): Promise<Account[]> {
    const out: Account[] = [];
    let token: string | undefined;
    do {
      const page = await this.gate.call(() =>
        this.client.send(new ListAccountsForParentCommand({ ParentId: parentId, NextToken: token })),
      );
      out.push(...(page.Accounts ?? []));
      token = page.NextToken;
    } while (token);
    return out;
  }

  /** One account by id, completed like a walked one (OU path through ListParents, tags unless `tags: false`). */
  async account(accountId: string, options: { readonly tags?: boolean } = {}): Promise<OrgAccount> {
    const [described, parents] = await Promise.all([
      this.gate.call(() => this.client.send(new DescribeAccountCommand({ AccountId: accountId }))),
      this.gate.call(() => this.client.send(new ListParentsCommand({ ChildId: accountId }))),
    ]);
    const parentId = parents.Parents?.[0]?.Id;
    if (!described.Account || !parentId) {
      throw new OrganizationsWalkError(`account ${accountId} is not in this organization`, accountId);
    }
    return this.complete(described.Account, await this.unit(parentId), options);
  }

  /** An account's tags, every page. */
  async tagsOf(resourceId: string): Promise<Record<string, string>> {
    const tags: Record<string, string> = {};
    let token: string | undefined;
    do {
      const page = await this.gate.call(() =>
        this.client.send(new ListTagsForResourceCommand({ ResourceId: resourceId, NextToken: token })),
      );
      for (const t of page.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
      token = page.NextToken;
    } while (token);
    return tags;
  }

  /** A unit (OU or root) by id, with its path up to the root resolved through ListParents. */
  async unit(id: string): Promise<OrgUnit> {
    if (id.startsWith('r-')) {
      const root = await this.root();
      if (root.id !== id) throw new OrganizationsWalkError(`root ${id} is not this organization's root`, id);
      return root;
    }
    const chain: { id: string; name: string }[] = [];
    let current = id;
    try {
      while (!current.startsWith('r-')) {
        const [described, parents] = await Promise.all([
          this.gate.call(() =>
            this.client.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: current })),
          ),
          this.gate.call(() => this.client.send(new ListParentsCommand({ ChildId: current }))),
        ]);
        chain.unshift({ id: current, name: described.OrganizationalUnit?.Name ?? current });
        const parent = parents.Parents?.[0]?.Id;
        if (!parent) throw new OrganizationsWalkError(`OU ${current} has no parent`, current);
        current = parent;
      }
    } catch (err) {
      if (err instanceof OrganizationsWalkError) throw err;
      throw new OrganizationsWalkError(`cannot read OU ${id}: ${errorText(err)}`, id, { cause: err });
    }
    const path = [current, ...chain.map((c) => c.id)];
    const names = ['Root', ...chain.map((c) => c.name)];
    const parentId = path.at(-2);
    return { id, name: names.at(-1) ?? id, ...(parentId ? { parentId } : {}), path, names };
  }

  private async root(): Promise<OrgUnit> {
    const out = await this.gate
      .call(() => this.client.send(new ListRootsCommand({})))
      .catch((err: unknown) => {
        throw new OrganizationsWalkError(`cannot list the organization root: ${errorText(err)}`, 'root', {
          cause: err,
        });
      });
    const id = out.Roots?.[0]?.Id;
    if (!id) throw new OrganizationsWalkError('ListRoots returned no root', 'root');
    return { id, name: 'Root', path: [id], names: ['Root'] };
  }

  private async listChildUnits(parent: OrgUnit): Promise<OrgUnit[]> {
    const out: OrgUnit[] = [];
    let token: string | undefined;
    do {
      const page = await this.gate.call(() =>
        this.client.send(new ListOrganizationalUnitsForParentCommand({ ParentId: parent.id, NextToken: token })),
      );
      for (const ou of page.OrganizationalUnits ?? []) {
        if (!ou.Id) continue;
        const name = ou.Name ?? ou.Id;
        out.push({
          id: ou.Id,
          name,
          parentId: parent.id,
          path: [...parent.path, ou.Id],
          names: [...parent.names, name],
        });
      }
      token = page.NextToken;
    } while (token);
    return out;
  }

  private async complete(account: Account, parent: OrgUnit, options: WalkOptions): Promise<OrgAccount> {
    const accountId = account.Id ?? '';
    let tags: Record<string, string> = {};
    let tagsError: string | undefined;
    if (options.tags !== false) {
      try {
        tags = await this.tagsOf(accountId);
      } catch (err) {
        tagsError = errorText(err);
      }
    }
    const done: OrgAccount = {
      accountId,
      ...(account.Arn ? { arn: account.Arn } : {}),
      name: account.Name ?? '',
      email: account.Email ?? '',
      state: account.State ?? account.Status ?? 'UNKNOWN',
      parentId: parent.id,
      ouPath: parent.path,
      ouNames: parent.names,
      tags,
      ...(tagsError ? { tagsError } : {}),
      ...(account.JoinedTimestamp ? { joinedAt: account.JoinedTimestamp.toISOString() } : {}),
    };
    options.onAccount?.(done);
    return done;
  }
}

/** `Name: message` of an error, for reports. */
export function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
