/**
 * The `socless org status` core: walk the organization and, per account, the spoke stack instances in every
 * region, whether the remediation role can be assumed, the effective remediation mode and the last event.
 * Clients and gates are injected: the CLI, the tests and the benchmark drive this same code.
 */
import { type CloudFormationClient, ListStackInstancesCommand } from '@aws-sdk/client-cloudformation';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { RemediationMode, SoclessConfig } from '../../shared/config.ts';
import { NAMES, spokeRemediationRoleArn } from '../../shared/names.ts';
import { effectiveMode, type ModeSource } from '../../shared/org/accounts.ts';
import {
  type ApiGateStats,
  errorText,
  isActiveAccount,
  type OrgAccount,
  OrganizationsWalker,
  type WalkFailure,
} from '../../shared/org/organizations.ts';
import { type ApiGates, type ApiName, gateStats } from './gates.ts';
import type { LastEvent, LastEventSource } from './last-events.ts';
import type { AccountTagSource, RegistryTags } from './registry-tags.ts';

/** Temporary credentials of an assumed role, as SDK clients take them. */
export interface SessionCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

/** The clients a scan talks to. */
export interface OrgScanDeps {
  /** Organizations, with management-account (or delegated administrator) credentials. */
  readonly organizations: OrganizationsClient;
  /** CloudFormation in the home region, where the StackSets live. */
  readonly cloudformation: CloudFormationClient;
  /**
   * STS with the credentials spoke roles trust (a session of the hub remediation role); undefined when those
   * credentials could not be had: then `stsUnavailable` says why and no role is probed.
   */
  readonly sts?: STSClient;
  readonly stsUnavailable?: string;
  /** An STS client that signs with an assumed spoke role's session (for GetCallerIdentity). */
  readonly stsWithCredentials: (credentials: SessionCredentials) => STSClient;
  /** Last event per account; undefined when the events table is unknown. */
  readonly events?: LastEventSource;
  /**
   * Account tags from the hub's accounts registry; an account it does not know is read from Organizations.
   * @default every account's tags from Organizations (one ListTagsForResource each)
   */
  readonly tags?: AccountTagSource;
  readonly gates: ApiGates;
}

/** Progress of a scan: accounts finished out of those found so far. */
export interface ScanProgress {
  readonly done: number;
  readonly found: number;
  /** True while the organization is still being walked (`found` may grow). */
  readonly walking: boolean;
}

/** Options of {@link scanOrganization}. */
export interface OrgScanOptions {
  readonly config: SoclessConfig;
  /** Scan below this OU (or root) only. @default the whole organization */
  readonly from?: string;
  /** @default aws */
  readonly partition?: string;
  /**
   * The sts:ExternalId spoke roles require (the hub secret's value). Without it the probe sends none, and a
   * spoke role that exists answers AccessDenied.
   */
  readonly externalId?: string;
  /** Session name of the probing AssumeRole calls. @default socless-org-status */
  readonly sessionName?: string;
  readonly onProgress?: (progress: ScanProgress) => void;
  /** @default Date.now (for the report's timestamps only) */
  readonly now?: () => number;
}

/** One stack instance as the scan saw it; `MISSING` when the StackSet has none for the account and region. */
export interface SpokeInstance {
  readonly stackSet: string;
  readonly region: string;
  /** CURRENT, OUTDATED, INOPERABLE, or MISSING. */
  readonly status: string;
  /** The last operation's detailed status (SUCCEEDED, FAILED, SKIPPED_SUSPENDED_ACCOUNT...). */
  readonly detailedStatus?: string;
  readonly reason?: string;
}

/** Whether the hub can act in the account. */
export type RoleState =
  /**
   * AssumeRole worked and its session is in the account (the AssumedRoleUser ARN AssumeRole returns; a
   * GetCallerIdentity with the session only when AssumeRole returned no ARN).
   */
  | 'assumable'
  /** AssumeRole was denied although the mode needs the role. */
  | 'denied'
  /** AssumeRole was denied and the effective mode is off: the spoke creates no role then. */
  | 'not-expected'
  /** Not probed (suspended account, or no credentials to probe with). */
  | 'skipped'
  /** The probe failed for another reason (network, throttled past every retry): the account is unchecked. */
  | 'error';

/** Everything `org status` says about one account. */
export interface AccountStatus {
  readonly accountId: string;
  readonly name: string;
  readonly email: string;
  readonly state: string;
  readonly ouPath: readonly string[];
  readonly ouNames: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  /** Where the tags (and so a tag-set mode) came from. */
  readonly tagsFrom: 'registry' | 'organizations';
  /** For registry tags: when the registry last wrote them. */
  readonly tagsUpdatedAt?: string;
  /** `hub`, `management` (service-managed StackSets never deploy there) or `member`. */
  readonly kind: 'hub' | 'management' | 'member';
  /** Under one of the configured target OUs (the StackSets deploy to it). */
  readonly targeted: boolean;
  /** The global instance (home region) first, then one per configured region. */
  readonly spoke: readonly SpokeInstance[];
  readonly role: { readonly state: RoleState; readonly detail?: string };
  readonly mode: { readonly mode: RemediationMode; readonly source: ModeSource; readonly invalidTag?: string };
  /** Undefined when no event is known (or no events table was given). */
  readonly lastEvent?: LastEvent;
  /** False when something about the account could not be determined: see `problems`. */
  readonly checked: boolean;
  readonly problems: readonly string[];
}

/** The result of a scan. */
export interface OrgScanReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly elapsedMs: number;
  readonly organizationId?: string;
  readonly managementAccountId?: string;
  /** The OU or root scanned. */
  readonly scope: { readonly id: string; readonly path: readonly string[]; readonly names: readonly string[] };
  readonly regions: readonly string[];
  readonly accounts: readonly AccountStatus[];
  /** Parts of the tree or of the deployment that could not be read at all. */
  readonly failures: readonly ScanFailure[];
  readonly eventsSource?: string;
  /** Where account tags came from, and how old the registry's are. */
  readonly tags: TagsSummary;
  /** True only when every account was checked and nothing failed: the CLI's exit code 0. */
  readonly complete: boolean;
  readonly coverage: CoverageSummary;
  readonly api: Readonly<Record<ApiName, ApiGateStats>>;
}

/** How a scan got account tags. */
export interface TagsSummary {
  /** The registry read (or `Organizations ListTagsForResource` when none was given). */
  readonly source: string;
  readonly fromRegistry: number;
  /** Accounts read from Organizations: all of them without a registry, else those it does not know. */
  readonly fromOrganizations: number;
  /** The oldest and newest registry write among the accounts reported. */
  readonly oldestUpdatedAt?: string;
  readonly newestUpdatedAt?: string;
  /** Why the registry could not be read (every account then read from Organizations). */
  readonly error?: string;
}

/** A failure that is not about one account. */
export interface ScanFailure {
  readonly scope: string;
  readonly operation: string;
  readonly error: string;
}

type InstanceKey = `${string}/${string}`;
type InstanceIndex = Map<InstanceKey, SpokeInstance>;

/** Every stack instance of a StackSet, keyed `account/region` (ListStackInstances, every page). */
export async function listSpokeInstances(
  client: CloudFormationClient,
  deps: Pick<OrgScanDeps, 'gates'>,
  stackSetName: string,
  callAs: 'SELF' | 'DELEGATED_ADMIN',
): Promise<InstanceIndex> {
  const index: InstanceIndex = new Map();
  let token: string | undefined;
  do {
    const page = await deps.gates.cloudformation.call(() =>
      client.send(
        new ListStackInstancesCommand({
          StackSetName: stackSetName,
          CallAs: callAs,
          MaxResults: 100,
          NextToken: token,
        }),
      ),
    );
    for (const s of page.Summaries ?? []) {
      if (!s.Account || !s.Region) continue;
      index.set(`${s.Account}/${s.Region}`, {
        stackSet: stackSetName,
        region: s.Region,
        status: s.Status ?? 'UNKNOWN',
        ...(s.StackInstanceStatus?.DetailedStatus ? { detailedStatus: s.StackInstanceStatus.DetailedStatus } : {}),
        ...(s.StatusReason ? { reason: s.StatusReason } : {}),
      });
    }
    token = page.NextToken;
  } while (token);
  return index;
}

/** Runs the scan. Never throws for one account's failure: it is reported on the account. */
export async function scanOrganization(deps: OrgScanDeps, options: OrgScanOptions): Promise<OrgScanReport> {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const { config } = options;
  const partition = options.partition ?? 'aws';
  const failures: ScanFailure[] = [];
  const walker = new OrganizationsWalker(deps.organizations, { gate: deps.gates.organizations });

  // Deployment-wide reads start first and run while the tree is walked.
  const organization = walker.describeOrganization().catch((err: unknown) => {
    failures.push({ scope: 'organization', operation: 'DescribeOrganization', error: errorText(err) });
    return {} as { id?: string; managementAccountId?: string };
  });
  const stackSets = [
    { name: NAMES.stackSets.global, regions: [config.homeRegion] },
    { name: NAMES.stackSets.regional, regions: config.regions },
  ];
  const instances = stackSets.map((set) =>
    listSpokeInstances(deps.cloudformation, deps, set.name, config.rollout.callAs).then(
      (index) => ({ ok: true as const, index }),
      (err: unknown) => {
        const error = errorText(err);
        failures.push({ scope: `StackSet ${set.name}`, operation: 'ListStackInstances', error });
        return { ok: false as const, error };
      },
    ),
  );
  // The registry is read once, while the tree is walked; a failed read falls back to Organizations per account.
  let registryError: string | undefined;
  const registry: Promise<Map<string, RegistryTags>> = deps.tags
    ? deps.tags.load().catch((err: unknown) => {
        registryError = errorText(err);
        return new Map<string, RegistryTags>();
      })
    : Promise.resolve(new Map<string, RegistryTags>());
  const eventsReady = deps.events?.prefetch().then(
    () => undefined,
    (err: unknown) => {
      const error = errorText(err);
      failures.push({ scope: 'events table', operation: 'Query', error });
      return error;
    },
  );

  let found = 0;
  let done = 0;
  let walking = true;
  const report = () => options.onProgress?.({ done, found, walking });
  const checks: Promise<AccountStatus>[] = [];
  const management = organization.then((o) => o.managementAccountId);
  const walk = await walker
    .walk({
      ...(options.from ? { from: options.from } : {}),
      // With a registry, tags are taken from it (and from Organizations only for accounts it does not know).
      tags: deps.tags === undefined,
      onAccount: (account) => {
        found++;
        report();
        checks.push(
          // A bug in one account's check must not become an unhandled rejection while the walk goes on.
          checkAccount(account)
            .catch((err: unknown) => uncheckedStatus(account, config, errorText(err)))
            .finally(() => {
              done++;
              report();
            }),
        );
      },
    })
    .catch((err: unknown) => {
      failures.push({ scope: options.from ?? 'organization', operation: 'walk', error: errorText(err) });
      return undefined;
    });
  walking = false;
  report();
  for (const f of walk?.failures ?? ([] as WalkFailure[])) {
    failures.push({ scope: f.parentId, operation: f.operation, error: f.error });
  }
  const accounts = (await Promise.all(checks)).sort((a, b) => a.accountId.localeCompare(b.accountId));
  const org = await organization;
  const finishedAt = now();
  const coverage = summarizeCoverage(accounts, config);
  return {
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(finishedAt).toISOString(),
    elapsedMs: finishedAt - startedAt,
    ...(org.id ? { organizationId: org.id } : {}),
    ...(org.managementAccountId ? { managementAccountId: org.managementAccountId } : {}),
    scope: walk
      ? { id: walk.start.id, path: walk.start.path, names: walk.start.names }
      : { id: options.from ?? 'unknown', path: [], names: [] },
    regions: config.regions,
    accounts,
    failures,
    ...(deps.events ? { eventsSource: deps.events.description } : {}),
    tags: summarizeTags(accounts, deps.tags?.description, registryError),
    complete: walk !== undefined && failures.length === 0 && accounts.every((a) => a.checked),
    coverage,
    api: gateStats(deps.gates),
  };

  async function checkAccount(walked: OrgAccount): Promise<AccountStatus> {
    const problems: string[] = [];
    const { account, tagsFrom, tagsUpdatedAt } = await withTags(walked);
    if (account.tagsError) problems.push(`tags unreadable (mode may be wrong): ${account.tagsError}`);
    const mode = effectiveMode(config, {
      accountId: account.accountId,
      ouPath: [...account.ouPath],
      tags: account.tags,
    });
    const active = isActiveAccount(account);
    const [spoke, role, lastEvent, managementId] = await Promise.all([
      spokeOf(account.accountId),
      active ? probeRole(account.accountId, mode.mode) : skipped(`account is ${account.state}`),
      lastEventOf(account.accountId),
      management,
    ]);
    problems.push(...spoke.problems, ...lastEvent.problems);
    if (role.state === 'error') problems.push(`remediation role: ${role.detail}`);
    return {
      ...accountIdentity(account, config, managementId),
      tagsFrom,
      ...(tagsUpdatedAt ? { tagsUpdatedAt } : {}),
      spoke: spoke.instances,
      role,
      mode,
      ...(lastEvent.event ? { lastEvent: lastEvent.event } : {}),
      checked: problems.length === 0,
      problems,
    };
  }

  /** The account with its tags: the registry's when it knows the account, else one Organizations read. */
  async function withTags(
    account: OrgAccount,
  ): Promise<{ account: OrgAccount; tagsFrom: AccountStatus['tagsFrom']; tagsUpdatedAt?: string }> {
    if (!deps.tags) return { account, tagsFrom: 'organizations' };
    const known = (await registry).get(account.accountId);
    if (known) {
      return {
        account: { ...account, tags: known.tags },
        tagsFrom: 'registry',
        ...(known.updatedAt ? { tagsUpdatedAt: known.updatedAt } : {}),
      };
    }
    try {
      return { account: { ...account, tags: await walker.tagsOf(account.accountId) }, tagsFrom: 'organizations' };
    } catch (err) {
      return { account: { ...account, tagsError: errorText(err) }, tagsFrom: 'organizations' };
    }
  }

  async function spokeOf(accountId: string): Promise<{ instances: SpokeInstance[]; problems: string[] }> {
    const out: SpokeInstance[] = [];
    const problems: string[] = [];
    for (const [i, set] of stackSets.entries()) {
      const listed = await instances[i];
      if (!listed?.ok) {
        problems.push(`stack instances of ${set.name} unknown: ${listed?.error}`);
        continue;
      }
      for (const region of set.regions) {
        out.push(listed.index.get(`${accountId}/${region}`) ?? { stackSet: set.name, region, status: 'MISSING' });
      }
    }
    return { instances: out, problems };
  }

  async function probeRole(accountId: string, mode: RemediationMode): Promise<AccountStatus['role']> {
    if (!deps.sts) return { state: 'error', detail: deps.stsUnavailable ?? 'no credentials to probe the role with' };
    const sts = deps.sts;
    const roleArn = spokeRemediationRoleArn(accountId, partition);
    let credentials: SessionCredentials;
    try {
      const out = await deps.gates.sts.call(() =>
        sts.send(
          new AssumeRoleCommand({
            RoleArn: roleArn,
            RoleSessionName: options.sessionName ?? 'socless-org-status',
            ...(options.externalId ? { ExternalId: options.externalId } : {}),
            DurationSeconds: 900,
          }),
        ),
      );
      const c = out.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
        return { state: 'error', detail: 'AssumeRole returned no credentials' };
      }
      // AssumeRole names the session it made (arn:aws:sts::<account>:assumed-role/...): that answers which
      // account the hub can act in without a second STS call per account.
      const sessionAccount = /^arn:[^:]+:sts::(\d{12}):assumed-role\//.exec(out.AssumedRoleUser?.Arn ?? '')?.[1];
      if (sessionAccount) {
        return sessionAccount === accountId
          ? { state: 'assumable' }
          : { state: 'error', detail: `the session belongs to account ${sessionAccount}, not ${accountId}` };
      }
      credentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
    } catch (err) {
      if (isAccessDenied(err)) {
        return mode === 'off'
          ? { state: 'not-expected', detail: 'mode off: the spoke creates no role' }
          : { state: 'denied', detail: errorText(err) };
      }
      return { state: 'error', detail: `AssumeRole ${roleArn}: ${errorText(err)}` };
    }
    try {
      const who = await deps.gates.sts.call(() =>
        deps.stsWithCredentials(credentials).send(new GetCallerIdentityCommand({})),
      );
      if (who.Account !== accountId) {
        return { state: 'error', detail: `the session belongs to account ${who.Account}, not ${accountId}` };
      }
      return { state: 'assumable' };
    } catch (err) {
      return { state: 'error', detail: `GetCallerIdentity with the role session: ${errorText(err)}` };
    }
  }

  async function lastEventOf(accountId: string): Promise<{ event?: LastEvent; problems: string[] }> {
    if (!deps.events) return { problems: [] };
    const prefetchError = await eventsReady;
    // A failed window read is reported once, in `failures`, not on every account.
    if (prefetchError) return { problems: [] };
    try {
      const event = await deps.events.lastEvent(accountId);
      return { ...(event ? { event } : {}), problems: [] };
    } catch (err) {
      return { problems: [`last event unknown: ${errorText(err)}`] };
    }
  }
}

/** Who an account is and whether the rollout targets it: the part of a status that needs no API call. */
function accountIdentity(
  account: OrgAccount,
  config: SoclessConfig,
  managementId?: string,
): Pick<AccountStatus, 'accountId' | 'name' | 'email' | 'state' | 'ouPath' | 'ouNames' | 'tags' | 'kind' | 'targeted'> {
  return {
    accountId: account.accountId,
    name: account.name,
    email: account.email,
    state: account.state,
    ouPath: account.ouPath,
    ouNames: account.ouNames,
    tags: account.tags,
    kind:
      account.accountId === config.hubAccountId ? 'hub' : account.accountId === managementId ? 'management' : 'member',
    targeted: account.ouPath.some((id) => config.targetOuIds.includes(id)),
  };
}

function uncheckedStatus(account: OrgAccount, config: SoclessConfig, error: string): AccountStatus {
  return {
    ...accountIdentity(account, config),
    tagsFrom: 'organizations',
    spoke: [],
    role: { state: 'error', detail: error },
    mode: effectiveMode(config, { accountId: account.accountId, ouPath: [...account.ouPath], tags: account.tags }),
    checked: false,
    problems: [error],
  };
}

function summarizeTags(
  accounts: readonly AccountStatus[],
  source: string | undefined,
  error: string | undefined,
): TagsSummary {
  const times = accounts
    .map((a) => a.tagsUpdatedAt)
    .filter((t): t is string => t !== undefined)
    .sort();
  const fromRegistry = accounts.filter((a) => a.tagsFrom === 'registry').length;
  return {
    source: source ?? 'Organizations ListTagsForResource',
    fromRegistry,
    fromOrganizations: accounts.length - fromRegistry,
    ...(times.length ? { oldestUpdatedAt: times[0], newestUpdatedAt: times.at(-1) } : {}),
    ...(error ? { error } : {}),
  };
}

function skipped(detail: string): Promise<AccountStatus['role']> {
  return Promise.resolve({ state: 'skipped', detail });
}

function isAccessDenied(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AccessDenied' || err.name === 'AccessDeniedException');
}

// ---------------------------------------------------------------------------------------------------------
// Coverage

/** Accounts named in a summary line: at most this many, then "and N more". */
const NAMED_IN_SUMMARY = 5;

/** How much of the organization the deployment covers, counted and named. */
export interface CoverageSummary {
  /** Active member accounts under the target OUs (the management account excluded). */
  readonly expected: number;
  /** Of those, accounts with a CURRENT spoke instance in every region. */
  readonly covered: number;
  /** Per region, expected accounts with no instance there. */
  readonly missingByRegion: Readonly<Record<string, readonly string[]>>;
  /** Per region, expected accounts whose instance is OUTDATED or INOPERABLE. */
  readonly unhealthyByRegion: Readonly<Record<string, readonly string[]>>;
  readonly roleDenied: readonly string[];
  readonly roleAssumable: number;
  readonly roleNotExpected: number;
  readonly suspended: readonly string[];
  readonly outsideTargets: readonly string[];
  readonly unchecked: readonly string[];
  readonly modes: Readonly<Record<RemediationMode, number>>;
}

/** Counts coverage over the scanned accounts. */
export function summarizeCoverage(accounts: readonly AccountStatus[], config: SoclessConfig): CoverageSummary {
  const missingByRegion: Record<string, string[]> = {};
  const unhealthyByRegion: Record<string, string[]> = {};
  const modes: Record<RemediationMode, number> = { off: 0, notify: 0, 'dry-run': 0, auto: 0 };
  let expected = 0;
  let covered = 0;
  let roleAssumable = 0;
  let roleNotExpected = 0;
  const roleDenied: string[] = [];
  const suspended: string[] = [];
  const outsideTargets: string[] = [];
  const unchecked: string[] = [];
  for (const a of accounts) {
    if (!a.checked) unchecked.push(a.accountId);
    if (a.state !== 'ACTIVE') {
      suspended.push(a.accountId);
      continue;
    }
    if (a.kind === 'management') continue;
    if (!a.targeted) {
      outsideTargets.push(a.accountId);
      continue;
    }
    expected++;
    modes[a.mode.mode]++;
    let ok = a.spoke.length === 1 + config.regions.length;
    for (const s of a.spoke) {
      const label = s.stackSet === NAMES.stackSets.global ? `${s.region} (global)` : s.region;
      if (s.status === 'MISSING') {
        missingByRegion[label] = [...(missingByRegion[label] ?? []), a.accountId];
        ok = false;
      } else if (s.status !== 'CURRENT') {
        unhealthyByRegion[label] = [...(unhealthyByRegion[label] ?? []), a.accountId];
        ok = false;
      }
    }
    if (ok) covered++;
    if (a.role.state === 'assumable') roleAssumable++;
    else if (a.role.state === 'denied') roleDenied.push(a.accountId);
    else if (a.role.state === 'not-expected') roleNotExpected++;
  }
  return {
    expected,
    covered,
    missingByRegion,
    unhealthyByRegion,
    roleDenied,
    roleAssumable,
    roleNotExpected,
    suspended,
    outsideTargets,
    unchecked,
    modes,
  };
}

/** The coverage in plain words, one sentence per line. */
export function coverageText(report: Pick<OrgScanReport, 'accounts' | 'coverage' | 'failures'>): string[] {
  const c = report.coverage;
  const names = new Map(report.accounts.map((a) => [a.accountId, a.name]));
  const list = (ids: readonly string[]) => {
    const shown = ids.slice(0, NAMED_IN_SUMMARY).map((id) => (names.get(id) ? `${id} (${names.get(id)})` : id));
    return ids.length > NAMED_IN_SUMMARY
      ? `${shown.join(', ')} and ${ids.length - NAMED_IN_SUMMARY} more`
      : shown.join(', ');
  };
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const gaps: string[] = [];
  for (const [region, ids] of Object.entries(c.missingByRegion)) {
    gaps.push(`${ids.length} without a spoke in ${region}: ${list(ids)}`);
  }
  for (const [region, ids] of Object.entries(c.unhealthyByRegion)) {
    gaps.push(`${ids.length} with an outdated or inoperable spoke in ${region}: ${list(ids)}`);
  }
  const lines = [
    `${c.covered} of ${plural(c.expected, 'account')} covered${gaps.length ? `; ${gaps.join('; ')}` : ''}.`,
  ];
  lines.push(
    `Remediation role: assumable in ${c.roleAssumable}` +
      (c.roleNotExpected ? `, not deployed in ${c.roleNotExpected} (mode off)` : '') +
      (c.roleDenied.length ? `, denied in ${c.roleDenied.length}: ${list(c.roleDenied)}` : '') +
      '.',
  );
  lines.push(
    `Modes: ${Object.entries(c.modes)
      .map(([m, n]) => `${m} ${n}`)
      .join(', ')}.`,
  );
  if (c.suspended.length)
    lines.push(`${plural(c.suspended.length, 'account')} not active (skipped): ${list(c.suspended)}.`);
  if (c.outsideTargets.length) {
    lines.push(`${plural(c.outsideTargets.length, 'account')} outside the target OUs: ${list(c.outsideTargets)}.`);
  }
  if (c.unchecked.length) {
    lines.push(`${plural(c.unchecked.length, 'account')} could not be fully checked: ${list(c.unchecked)}.`);
  }
  for (const f of report.failures) lines.push(`Failed: ${f.operation} on ${f.scope}: ${f.error}`);
  return lines;
}
