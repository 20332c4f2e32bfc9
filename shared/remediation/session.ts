/**
 * Sessions into spoke accounts. Reads and fixes: the hub chains from its Lambda role through the hub
 * remediation role into `SoclessRemediationRole` in the member account. Undo: an operator chains through
 * `SoclessHubUndoRole` into `SoclessUndoRole`. Every session carries the external id, a session name with the
 * execution id, 15 minutes, and a session policy that narrows the role to the one remediation, direction and
 * target being run.
 */
import { createHash } from 'node:crypto';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import pLimit from 'p-limit';
import { NAMES, roleArn } from '../names.ts';
import { awsErrorCode, createSpokeClients, type SpokeClients, type SpokeCredentials } from './calls.ts';
import { RemediationNotOptedInError, SpokeSessionError, SpokeThrottledError } from './errors.ts';
import { sessionPolicy } from './policy.ts';
import { type Remediation, SESSION_PURPOSES, type SessionPurpose } from './types.ts';

/** The spoke session lasts 15 minutes: a remediation is a handful of calls. */
export const SPOKE_SESSION_SECONDS = 900;
/** Cached credentials are reused until this long before they expire. */
export const CREDENTIAL_REFRESH_MARGIN_MS = 5 * 60 * 1000;
/** STS error codes that mean "slow down". */
const THROTTLE_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);

/** A session into one account, narrowed to one remediation. */
export interface SpokeSession {
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  readonly clients: SpokeClients;
  /** What it was opened for; callRunner refuses writes of another direction. @default - not checked locally */
  readonly purpose?: SessionPurpose;
}

/** What a run asks for. */
export interface SpokeSessionRequest {
  readonly account: string;
  readonly region: string;
  readonly remediation: Remediation;
  /** The Step Functions execution id (ARN or name); its name goes into the session name. */
  readonly executionId: string;
  /**
   * What the session may do: `read` (reads only), `fix` (reads and fix-direction writes, SoclessRemediationRole)
   * or `undo` (reads and undo writes, SoclessUndoRole). Decides the spoke role and the session policy.
   */
  readonly purpose: SessionPurpose;
  /**
   * The run's target: its fields fill the `${Target:<field>}` placeholders of the session policy.
   * @default - every target placeholder is `*` (the role's own breadth)
   */
  readonly target?: object;
}

/** Opens spoke sessions; the remediate integration takes one injected (STS in AWS, none in the local hub). */
export interface SpokeSessionFactory {
  open(request: SpokeSessionRequest): Promise<SpokeSession>;
}

/** The spoke role a session of this purpose assumes: undo sessions SoclessUndoRole, read and fix the remediation role. */
export function spokeRoleNameFor(purpose: SessionPurpose): string {
  return purpose === 'undo' ? NAMES.spokeUndoRoleName : NAMES.spokeRemediationRoleName;
}

/**
 * `RoleSessionName` for a run: `socless-<execution name>` reduced to the characters STS allows
 * ([\w+=,.@-]) and cut to 64, so the spoke's CloudTrail shows which execution acted.
 */
export function spokeSessionName(executionId: string): string {
  const name = executionId.split(':').at(-1) ?? executionId;
  const clean = `socless-${name}`.replace(/[^\w+=,.@-]/g, '-');
  return clean.slice(0, 64);
}

/** The partition of a region (`aws`, `aws-cn`, `aws-us-gov`). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export interface StsSpokeSessionFactoryOptions {
  /**
   * The sts:ExternalId spoke roles require, or a function that reads it (from Secrets Manager in a Lambda, see
   * externalIdFromSecret); read once per session opened, so a rotated value is picked up.
   */
  readonly externalId: string | (() => Promise<string>);
  /**
   * Assumed first (role chaining); absent when the caller's own credentials may assume spoke roles. The hub
   * remediation role for read and fix sessions; the hub undo role (hubUndoRoleArn) for undo sessions, since
   * SoclessUndoRole trusts nothing else.
   */
  readonly hubRoleArn?: string;
  /** The region whose STS endpoint the hub uses. @default the spoke region of each request */
  readonly stsRegion?: string;
  /**
   * sts:SourceIdentity set on the first hop (kept by every later hop, never changed): `NAMES.readOnlySourceIdentity`
   * for a reader, whose sessions the spoke roles then allow reads only. @default none
   */
  readonly sourceIdentity?: string;
  /** STS client per region; tests inject one. @default a regional STSClient with SDK retries off (we back off) */
  readonly stsClient?: (region: string) => STSClient;
  /** Clients from credentials; tests may wrap. @default createSpokeClients */
  readonly clients?: (region: string, credentials: SpokeCredentials) => SpokeClients;
  /** Concurrent AssumeRole calls. @default 4 */
  readonly concurrency?: number;
  /** Attempts when STS throttles. @default 5 */
  readonly maxAttempts?: number;
  /** Back-off before attempt n (1-based retry count). @default 200 ms × 2^(n-1), full jitter */
  readonly backoffMs?: (retry: number) => number;
  /** @default real timers; tests pass a no-op */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => Date;
}

interface Cached {
  readonly credentials: SpokeCredentials;
  readonly expiresAt: number;
}

/**
 * Opens sessions with STS AssumeRole; caches credentials per execution, account, role and policy, so one
 * execution's calls never appear in CloudTrail under another's session name; bounds concurrency.
 */
export class StsSpokeSessionFactory implements SpokeSessionFactory {
  private readonly cache = new Map<string, Promise<Cached>>();
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly stsClients = new Map<string, STSClient>();
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: StsSpokeSessionFactoryOptions) {
    this.limit = pLimit(options.concurrency ?? 4);
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async open(request: SpokeSessionRequest): Promise<SpokeSession> {
    const { purpose } = request;
    if (!SESSION_PURPOSES.includes(purpose)) {
      // Never default to a direction: a caller that does not say what it opens a session for gets none.
      throw new SpokeSessionError(
        request.account,
        `the session request for ${request.remediation.id} names no purpose (read, fix or undo), it names ${JSON.stringify(purpose)}`,
      );
    }
    const partition = partitionOf(request.region);
    const policy = JSON.stringify(
      sessionPolicy(request.remediation, request.account, partition, purpose, request.target),
    );
    const spokeRole = roleArn(request.account, spokeRoleNameFor(purpose), partition);
    const sessionName = spokeSessionName(request.executionId);
    const stsRegion = this.options.stsRegion ?? request.region;
    // Per execution (not just per session name, which is cut to 64 characters), account, role and policy.
    const policyHash = createHash('sha256').update(policy).digest('hex');
    const key = [request.executionId, request.account, spokeRole, policyHash].join('|');
    const cached = await this.cached(key, async () => {
      const externalId =
        typeof this.options.externalId === 'string' ? this.options.externalId : await this.options.externalId();
      const viaHub = this.options.hubRoleArn
        ? await this.assume(
            request.account,
            stsRegion,
            {
              RoleArn: this.options.hubRoleArn,
              RoleSessionName: sessionName,
              DurationSeconds: SPOKE_SESSION_SECONDS,
              ...(this.options.sourceIdentity ? { SourceIdentity: this.options.sourceIdentity } : {}),
            },
            undefined,
            'hub',
          )
        : undefined;
      return this.assume(
        request.account,
        stsRegion,
        {
          RoleArn: spokeRole,
          RoleSessionName: sessionName,
          ExternalId: externalId,
          DurationSeconds: SPOKE_SESSION_SECONDS,
          Policy: policy,
          // Without a hub hop the identity is set here; after one it is already on the session and carried along.
          ...(this.options.sourceIdentity && !viaHub ? { SourceIdentity: this.options.sourceIdentity } : {}),
        },
        viaHub?.credentials,
        'spoke',
      );
    });
    const make = this.options.clients ?? createSpokeClients;
    return {
      account: request.account,
      region: request.region,
      partition,
      clients: make(request.region, cached.credentials),
      purpose,
    };
  }

  /** Drops every cached credential (e.g. after the kill switch or in tests). */
  clear(): void {
    this.cache.clear();
  }

  private async cached(key: string, load: () => Promise<Cached>): Promise<Cached> {
    const hit = this.cache.get(key);
    if (hit) {
      const value = await hit.catch(() => undefined);
      if (value && value.expiresAt - CREDENTIAL_REFRESH_MARGIN_MS > this.now().getTime()) return value;
      this.cache.delete(key);
    }
    // Concurrent opens of one execution for the same account, role and policy share one AssumeRole call.
    const pending = load();
    this.cache.set(key, pending);
    pending.catch(() => this.cache.delete(key));
    return pending;
  }

  private sts(region: string, credentials?: SpokeCredentials): STSClient {
    if (credentials) {
      return this.options.stsClient?.(region) ?? new STSClient({ region, credentials, maxAttempts: 1 });
    }
    let client = this.stsClients.get(region);
    if (!client) {
      client = this.options.stsClient?.(region) ?? new STSClient({ region, maxAttempts: 1 });
      this.stsClients.set(region, client);
    }
    return client;
  }

  private async assume(
    account: string,
    region: string,
    input: ConstructorParameters<typeof AssumeRoleCommand>[0],
    credentials: SpokeCredentials | undefined,
    hop: 'hub' | 'spoke',
  ): Promise<Cached> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    const backoff = this.options.backoffMs ?? ((n: number) => Math.random() * 200 * 2 ** (n - 1));
    const client = this.sts(region, credentials);
    const send = (cmd: AssumeRoleCommand) => client.send(cmd);
    for (let attempt = 1; ; attempt++) {
      try {
        const out = await this.limit(() => send(new AssumeRoleCommand(input)));
        const c = out.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey) {
          throw new SpokeSessionError(account, `AssumeRole ${input.RoleArn} returned no credentials`);
        }
        const expiration = c.Expiration ?? new Date(this.now().getTime() + SPOKE_SESSION_SECONDS * 1000);
        return {
          credentials: {
            accessKeyId: c.AccessKeyId,
            secretAccessKey: c.SecretAccessKey,
            ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
            expiration,
          },
          expiresAt: expiration.getTime(),
        };
      } catch (err) {
        if (err instanceof SpokeSessionError) throw err;
        const code = awsErrorCode(err);
        if (THROTTLE_CODES.has(code)) {
          if (attempt >= maxAttempts) throw new SpokeThrottledError(account, attempt, { cause: err });
          await this.sleep(backoff(attempt));
          continue;
        }
        if (hop === 'spoke' && (code === 'AccessDenied' || code === 'AccessDeniedException')) {
          throw new RemediationNotOptedInError(account, input.RoleArn ?? '', { cause: err });
        }
        throw new SpokeSessionError(account, `${code}: ${(err as Error).message}`, { cause: err });
      }
    }
  }
}

/**
 * A factory for one job: every session it opens is for `purpose`. A request naming another purpose is refused;
 * one naming none (a caller that predates purposes) gets `purpose`, and `targetOf(request)` as its target when
 * it carries none. `socless remediation undo` wraps its factory so, whatever undoExecution asks for.
 */
export function sessionsFor(
  factory: SpokeSessionFactory,
  purpose: SessionPurpose,
  targetOf?: (request: SpokeSessionRequest) => object | undefined,
): SpokeSessionFactory {
  return {
    open(request) {
      const asked = (request as Partial<SpokeSessionRequest>).purpose;
      if (asked !== undefined && asked !== purpose) {
        return Promise.reject(
          new SpokeSessionError(request.account, `this factory opens ${purpose} sessions only, not ${asked}`),
        );
      }
      const target = request.target ?? targetOf?.(request);
      return factory.open({ ...request, purpose, ...(target ? { target } : {}) });
    },
  };
}
