/**
 * Org-scan benchmark: `socless org status`'s scanning core over a simulated organization where every call
 * takes 50 ms, STS throttles above 50 requests/s and Organizations above 10 requests/s (a sliding one-second
 * window that answers with the services' real throttling errors). Prints the wall time next to the lower
 * bound those limits imply for the fewest calls the question needs (the tree walk's pages, one AssumeRole per
 * active account; tags from the accounts registry), next to a one-call-at-a-time scan, and the failures
 * (there must be none).
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pLimit from 'p-limit';
import { parseConfig, type SoclessConfig } from '../../shared/config.ts';
import { SYSTEM_CLOCK } from '../../shared/org/organizations.ts';
import { type ApiName, createGates } from '../org/gates.ts';
import { StatusIndexLastEvents } from '../org/last-events.ts';
import { AccountsTableTags } from '../org/registry-tags.ts';
import { type OrgScanReport, scanOrganization } from '../org/scan.ts';
import { buildSimulatedOrg, installSimulatedAws, type SimulatedOrg } from '../org/simulated-aws.ts';
import type { Benchmark } from './index.ts';

const LATENCY_MS = 50;
const LIMITS: Partial<Record<ApiName, number>> = { organizations: 10, sts: 50 };
const HOME = 'us-east-1';
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const OUS = 20;

const CONFIG: SoclessConfig = parseConfig(
  {
    hubAccountId: '100000000000',
    organizationId: 'o-a1b2c3d4e5',
    homeRegion: HOME,
    regions: REGIONS,
    targetOuIds: ['r-ab12'],
    externalId: 'socless-bench-external-id',
  },
  'org-scan benchmark',
);

interface RunFigures {
  readonly accounts: number;
  readonly wallMs: number;
  /** Requests the services accepted, per API. */
  readonly accepted: Record<ApiName, number>;
  readonly throttled: Record<ApiName, number>;
  readonly peakPerSecond: Record<ApiName, number>;
  readonly report: OrgScanReport;
  readonly org: SimulatedOrg;
}

interface RunOptions {
  readonly accounts: number;
  /** The client-side rates (requests/s) the gates pace each API at. */
  readonly rates: Partial<Record<ApiName, number>>;
  /** Make every call wait for the previous one, across all APIs. */
  readonly sequential?: boolean;
  /** Read tags from Organizations (one call per account) instead of the accounts registry. */
  readonly tagsFromOrganizations?: boolean;
}

async function run(options: RunOptions): Promise<RunFigures> {
  const org = buildSimulatedOrg({ accounts: options.accounts, ous: OUS, homeRegion: HOME, regions: REGIONS });
  // A spoke-less account, a denying role and a suspended account: the scan checks them without failing.
  org.instances['socless-spoke-regional'] = (org.instances['socless-spoke-regional'] ?? []).filter(
    (i) => !(i.Account === org.accounts[7]?.id && i.Region === 'eu-west-1'),
  );
  org.deniedRoles.add(org.accounts[8]?.id ?? '');
  if (org.accounts[9]) org.accounts[9].state = 'SUSPENDED';
  const aws = installSimulatedAws(org, { clock: SYSTEM_CLOCK, latencyMs: LATENCY_MS, limits: LIMITS });
  try {
    const gates = createGates({
      rates: options.rates,
      // Enough in flight to keep each bucket busy at 50 ms a call.
      concurrency: { organizations: 4, sts: 8, cloudformation: 2, dynamodb: 4 },
      ...(options.sequential ? { sharedLimiter: pLimit(1) } : {}),
    });
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: HOME }));
    const started = performance.now();
    const report = await scanOrganization(
      {
        organizations: new OrganizationsClient({ region: HOME }),
        cloudformation: new CloudFormationClient({ region: HOME }),
        sts: new STSClient({ region: HOME }),
        stsWithCredentials: (credentials) => new STSClient({ region: HOME, credentials }),
        ...(options.tagsFromOrganizations
          ? {}
          : { tags: new AccountsTableTags({ client: doc, tableName: 'accounts', gate: gates.dynamodb }) }),
        events: new StatusIndexLastEvents({
          client: doc,
          tableName: 'events',
          gate: gates.dynamodb,
          since: '2025-01-01T00:00:00.000Z',
        }),
        gates,
      },
      { config: CONFIG },
    );
    const wallMs = performance.now() - started;
    const accepted = { ...aws.requests };
    for (const api of Object.keys(accepted) as ApiName[]) accepted[api] -= aws.throttled[api];
    return {
      accounts: options.accounts,
      wallMs,
      accepted,
      throttled: { ...aws.throttled },
      peakPerSecond: { ...aws.peakPerSecond },
      report,
      org,
    };
  } finally {
    aws.restore();
  }
}

/** Organizations' page size for ListAccountsForParent and ListOrganizationalUnitsForParent (MaxResults ≤ 20). */
const ORGANIZATIONS_PAGE = 20;

/**
 * The fewest calls the question needs, per limited API: Organizations to walk the tree (DescribeOrganization,
 * ListRoots, and per parent one page of child OUs and of accounts per 20), STS one AssumeRole per active
 * account (the response names the session's account). Tags come from the registry: no Organizations call.
 */
export function fewestCalls(org: SimulatedOrg): Record<'organizations' | 'sts', number> {
  const parents = [org.rootId, ...org.ous.map((o) => o.id)];
  const pages = (n: number) => Math.max(1, Math.ceil(n / ORGANIZATIONS_PAGE));
  let organizations = 2;
  for (const p of parents) {
    organizations += pages(org.ous.filter((o) => o.parentId === p).length);
    organizations += pages(org.accounts.filter((a) => a.parentId === p).length);
  }
  const sts = org.accounts.filter((a) => a.state === 'ACTIVE').length;
  return { organizations, sts };
}

/** The fastest any client could go: the fewest calls of each limited API at its limit, or one call's latency. */
function lowerBound(org: SimulatedOrg): { ms: number; api: string; calls: number } {
  const needed = fewestCalls(org);
  let best = { ms: LATENCY_MS, api: 'latency', calls: 1 };
  for (const [api, limit] of Object.entries(LIMITS) as ['organizations' | 'sts', number][]) {
    const ms = (needed[api] / limit) * 1000;
    if (ms > best.ms) best = { ms, api, calls: needed[api] };
  }
  return best;
}

const total = (calls: Record<ApiName, number>) => Object.values(calls).reduce((a, b) => a + b, 0);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const failuresOf = (r: OrgScanReport) => r.failures.length + r.accounts.filter((a) => !a.checked).length;

export const orgScanBenchmark: Benchmark = {
  name: 'org-scan',
  description: 'org status scan of a simulated organization (50 ms calls, STS ≤ 50/s, Organizations ≤ 10/s)',
  async run({ quick }) {
    const accounts = quick ? 200 : 1000;
    const out = process.stdout;
    out.write(
      `${accounts} accounts in ${OUS} OUs, ${REGIONS.length} regions; every call ${LATENCY_MS} ms; ` +
        `throttled above ${LIMITS.sts}/s (STS) and ${LIMITS.organizations}/s (Organizations)\n`,
    );

    // 1. The scan as `org status --rate organizations=10,sts=50` runs it, tags from the accounts registry.
    const main = await run({ accounts, rates: { organizations: 10, sts: 50 } });
    const bound = lowerBound(main.org);
    const ratio = main.wallMs / bound.ms;
    const needed = fewestCalls(main.org);
    const tags = main.report.tags;
    const ageMinutes = tags.oldestUpdatedAt
      ? (Date.parse(main.report.startedAt) - Date.parse(tags.oldestUpdatedAt)) / 60_000
      : undefined;
    // What tags read from Organizations would add: one ListTagsForResource per account at 10/s.
    const orgTagsBoundMs = ((needed.organizations + main.report.accounts.length) / (LIMITS.organizations ?? 1)) * 1000;
    out.write(
      `  paced scan:   ${seconds(main.wallMs)}  (lower bound ${seconds(bound.ms)}: the fewest ${bound.api} calls the question needs, ${bound.calls}, at the limit; ${ratio.toFixed(2)}x; goal ≤ 50 s)\n` +
        `                calls ${JSON.stringify(main.accepted)} (fewest: organizations ${needed.organizations}, sts ${needed.sts}); throttled ${total(main.throttled)}; ` +
        `peak/s organizations ${main.peakPerSecond.organizations}, sts ${main.peakPerSecond.sts}\n` +
        `                tags: ${tags.fromRegistry} from the ${tags.source}${ageMinutes !== undefined ? ` (oldest written ${tags.oldestUpdatedAt}, ${ageMinutes.toFixed(0)} min before the scan)` : ''}, ${tags.fromOrganizations} from Organizations; ` +
        `with every account's tags from Organizations the bound would be ${seconds(orgTagsBoundMs)}\n` +
        `                ${main.report.accounts.length} accounts reported, failures ${failuresOf(main.report)}; ${main.report.coverage.covered} of ${main.report.coverage.expected} covered\n`,
    );

    // 2. An over-eager client (2.5x the Organizations limit, 2x STS), tags from Organizations: throttled,
    // retried, no failures.
    const eagerAccounts = 40;
    const eager = await run({
      accounts: eagerAccounts,
      rates: { organizations: 25, sts: 100 },
      tagsFromOrganizations: true,
    });
    const eagerBound = lowerBound(eager.org);
    out.write(
      `  over-eager:   ${eagerAccounts} accounts at 25/s Organizations, 100/s STS: ${seconds(eager.wallMs)} ` +
        `(bound ${seconds(eagerBound.ms)}), throttled organizations ${eager.throttled.organizations}, sts ${eager.throttled.sts}; ` +
        `failures ${failuresOf(eager.report)}\n`,
    );

    // 3. One call at a time. A sequential client needs at least one latency per call; this code run with
    // one call in flight overall is measured on a sample and extrapolated by calls to the full organization.
    const sampleAccounts = 20;
    const sample = await run({ accounts: sampleAccounts, rates: { organizations: 10, sts: 50 }, sequential: true });
    const perCallMs = sample.wallMs / total(sample.accepted);
    const sequentialMs = perCallMs * total(main.accepted);
    const sequentialFloorMs = LATENCY_MS * total(main.accepted);
    out.write(
      `  sequential:   at least ${seconds(sequentialFloorMs)} (${total(main.accepted)} calls x ${LATENCY_MS} ms, not run); ` +
        `this scan with one call in flight: ~${seconds(sequentialMs)}, extrapolated from a ${sampleAccounts}-account ` +
        `run (${seconds(sample.wallMs)}, ${total(sample.accepted)} calls, ${perCallMs.toFixed(1)} ms a call); ` +
        `paced scan is ${(sequentialFloorMs / main.wallMs).toFixed(1)}x faster than the floor\n`,
    );

    return {
      accounts,
      wallMs: Math.round(main.wallMs),
      lowerBoundMs: Math.round(bound.ms),
      boundApi: bound.api,
      boundCalls: bound.calls,
      fewestCalls: needed,
      ratioToBound: Number(ratio.toFixed(3)),
      tags,
      tagsFromOrganizationsBoundMs: Math.round(orgTagsBoundMs),
      calls: main.accepted,
      throttled: main.throttled,
      failures: failuresOf(main.report),
      overEager: {
        accounts: eagerAccounts,
        wallMs: Math.round(eager.wallMs),
        lowerBoundMs: Math.round(eagerBound.ms),
        throttled: eager.throttled,
        failures: failuresOf(eager.report),
      },
      sequential: {
        floorMs: Math.round(sequentialFloorMs),
        estimatedMs: Math.round(sequentialMs),
        sampleAccounts,
        sampleWallMs: Math.round(sample.wallMs),
        sampleCalls: total(sample.accepted),
      },
    };
  },
};
