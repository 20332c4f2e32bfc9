import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { fewestCalls } from '../../scripts/bench/org-scan.ts';
import { createGates } from '../../scripts/org/gates.ts';
import { StatusIndexLastEvents } from '../../scripts/org/last-events.ts';
import { AccountsTableTags } from '../../scripts/org/registry-tags.ts';
import { coverageText, type OrgScanDeps, scanOrganization } from '../../scripts/org/scan.ts';
import {
  buildSimulatedOrg,
  installSimulatedAws,
  type SimulatedAws,
  type SimulatedOrg,
} from '../../scripts/org/simulated-aws.ts';
import { NAMES } from '../../shared/names.ts';
import { HOME, REGIONS, testConfig, virtualClock } from './helpers.ts';

let aws: SimulatedAws | undefined;

afterEach(() => {
  aws?.restore();
  aws = undefined;
});

function depsFor(clock: ReturnType<typeof virtualClock>, withEvents = true): OrgScanDeps {
  const gates = createGates({ clock, random: () => 0.5 });
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: HOME }));
  return {
    organizations: new OrganizationsClient({ region: HOME }),
    cloudformation: new CloudFormationClient({ region: HOME }),
    sts: new STSClient({ region: HOME }),
    stsWithCredentials: (credentials) => new STSClient({ region: HOME, credentials }),
    ...(withEvents
      ? {
          events: new StatusIndexLastEvents({
            client: doc,
            tableName: 'events',
            gate: gates.dynamodb,
            since: '2025-01-01T00:00:00.000Z',
          }),
        }
      : {}),
    gates,
  };
}

/** 1,000 accounts in 20 OUs and 3 regions, with one account lacking a spoke, one denying, one suspended. */
function largeOrg(): SimulatedOrg {
  const org = buildSimulatedOrg({ accounts: 1000, ous: 20, homeRegion: HOME, regions: REGIONS });
  const noSpoke = org.accounts[10]!.id;
  org.instances[NAMES.stackSets.regional] = org.instances[NAMES.stackSets.regional]!.filter(
    (i) => !(i.Account === noSpoke && i.Region === 'eu-west-1'),
  );
  org.deniedRoles.add(org.accounts[20]!.id);
  org.accounts[30]!.state = 'SUSPENDED';
  return org;
}

describe('scanOrganization', () => {
  it('checks every account of a 1,000-account org through throttling, with no account left unchecked', async () => {
    const clock = virtualClock();
    const org = largeOrg();
    aws = installSimulatedAws(org, {
      clock,
      // One STS call per account (AssumeRole names the session's account): every 9th throttled keeps >100.
      throttleEvery: { organizations: 7, sts: 9, cloudformation: 3, dynamodb: 2 },
    });

    const report = await scanOrganization(depsFor(clock), { config: testConfig() });

    expect(report.accounts).toHaveLength(1000);
    expect(report.failures).toEqual([]);
    expect(report.accounts.every((a) => a.checked)).toBe(true);
    expect(report.complete).toBe(true);
    expect(aws.throttled.organizations).toBeGreaterThan(100);
    expect(aws.throttled.sts).toBeGreaterThan(100);
    expect(report.api.organizations.throttled).toBe(aws.throttled.organizations);
    expect(report.api.organizations.exhausted).toBe(0);
    // 20 OUs of 50 accounts, 20 per page: 3 pages each.
    expect(
      aws.organizations.commandCalls((await import('@aws-sdk/client-organizations')).ListAccountsForParentCommand)
        .length,
    ).toBeGreaterThanOrEqual(60 + 1);
  });

  it('names the account without a spoke, the account whose role denies AssumeRole and the suspended one', async () => {
    const clock = virtualClock();
    const org = largeOrg();
    aws = installSimulatedAws(org, { clock, throttleEvery: { organizations: 5 } });

    const report = await scanOrganization(depsFor(clock), { config: testConfig() });

    const [noSpoke, denied, suspended] = [10, 20, 30].map((i) => org.accounts[i]!.id);
    const c = report.coverage;
    expect(c.expected).toBe(999);
    expect(c.covered).toBe(998);
    expect(c.missingByRegion).toEqual({ 'eu-west-1': [noSpoke] });
    expect(c.roleDenied).toEqual([denied]);
    expect(c.roleAssumable).toBe(998);
    expect(c.suspended).toEqual([suspended]);
    const text = coverageText(report).join('\n');
    expect(text).toContain(`998 of 999 accounts covered; 1 without a spoke in eu-west-1: ${noSpoke} (account-0010).`);
    expect(text).toContain(`denied in 1: ${denied} (account-0020)`);
    expect(text).toContain(`1 account not active (skipped): ${suspended} (account-0030)`);
    const s = report.accounts.find((a) => a.accountId === suspended)!;
    expect(s.role.state).toBe('skipped');
    expect(s.checked).toBe(true);
  });

  it('reports OU path and names, the effective mode from the tag, and the last event per account', async () => {
    const clock = virtualClock();
    const org = buildSimulatedOrg({ accounts: 40, ous: 4, homeRegion: HOME, regions: REGIONS, eventEvery: 2 });
    org.accounts[5]!.tags[NAMES.remediationModeTag] = 'auto';
    aws = installSimulatedAws(org, { clock });
    const config = testConfig({ remediation: { ous: { 'ou-ab12-00000002': 'off' } } });

    const report = await scanOrganization(depsFor(clock), { config });

    const a5 = report.accounts.find((a) => a.accountId === org.accounts[5]!.id)!;
    expect(a5.ouPath).toEqual(['r-ab12', 'ou-ab12-00000001']);
    expect(a5.ouNames).toEqual(['Root', 'Workloads 2']);
    expect(a5.mode).toEqual({ mode: 'auto', source: 'tag' });
    const a2 = report.accounts.find((a) => a.accountId === org.accounts[2]!.id)!;
    expect(a2.mode).toEqual({ mode: 'off', source: 'ou-config' });
    expect(a2.lastEvent?.id).toBe(`evt-${org.accounts[2]!.id}`);
    expect(report.accounts.find((a) => a.accountId === org.accounts[3]!.id)!.lastEvent).toBeUndefined();
    expect(report.accounts[0]!.kind).toBe('hub');
  });

  it('reports a role denied in an account whose mode is off as not expected rather than a gap', async () => {
    const clock = virtualClock();
    const org = buildSimulatedOrg({ accounts: 4, ous: 1, homeRegion: HOME, regions: REGIONS });
    org.deniedRoles.add(org.accounts[1]!.id);
    org.accounts[1]!.tags[NAMES.remediationModeTag] = 'off';
    aws = installSimulatedAws(org, { clock });

    const report = await scanOrganization(depsFor(clock, false), { config: testConfig() });

    expect(report.accounts[1]!.role.state).toBe('not-expected');
    expect(report.coverage.roleDenied).toEqual([]);
    expect(report.coverage.roleNotExpected).toBe(1);
  });

  it('marks accounts unchecked and the scan incomplete when throttling outlasts every retry', async () => {
    const clock = virtualClock();
    const org = buildSimulatedOrg({ accounts: 6, ous: 1, homeRegion: HOME, regions: REGIONS });
    aws = installSimulatedAws(org, { clock, throttleEvery: { sts: 1 } });

    const report = await scanOrganization(depsFor(clock, false), { config: testConfig() });

    expect(report.accounts).toHaveLength(6);
    expect(report.accounts.every((a) => !a.checked && a.role.state === 'error')).toBe(true);
    expect(report.complete).toBe(false);
    expect(report.api.sts.exhausted).toBe(6);
  });

  it('scans one OU with its path from the root', async () => {
    const clock = virtualClock();
    const org = buildSimulatedOrg({ accounts: 30, ous: 3, homeRegion: HOME, regions: REGIONS });
    aws = installSimulatedAws(org, { clock });

    const report = await scanOrganization(depsFor(clock, false), { config: testConfig(), from: 'ou-ab12-00000001' });

    expect(report.accounts).toHaveLength(10);
    expect(report.scope).toEqual({
      id: 'ou-ab12-00000001',
      path: ['r-ab12', 'ou-ab12-00000001'],
      names: ['Root', 'Workloads 2'],
    });
    expect(report.accounts.every((a) => a.ouPath.at(-1) === 'ou-ab12-00000001')).toBe(true);
  });

  it('keeps scanning when a StackSet cannot be listed, and says the spoke state is unknown', async () => {
    const clock = virtualClock();
    const org = buildSimulatedOrg({ accounts: 5, ous: 1, homeRegion: HOME, regions: REGIONS });
    delete org.instances[NAMES.stackSets.regional];
    aws = installSimulatedAws(org, { clock });

    const report = await scanOrganization(depsFor(clock, false), { config: testConfig() });

    expect(report.accounts).toHaveLength(5);
    expect(report.failures.map((f) => f.scope)).toEqual([`StackSet ${NAMES.stackSets.regional}`]);
    expect(report.accounts.every((a) => !a.checked && a.role.state === 'assumable')).toBe(true);
    expect(report.complete).toBe(false);
  });
});

describe('scanOrganization with the accounts registry', () => {
  function withRegistry(clock: ReturnType<typeof virtualClock>): OrgScanDeps {
    const deps = depsFor(clock, false);
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: HOME }));
    return { ...deps, tags: new AccountsTableTags({ client: doc, tableName: 'accounts', gate: deps.gates.dynamodb }) };
  }

  it('takes tags from the registry with their age, and reads Organizations only for accounts it does not know', async () => {
    const clock = virtualClock();
    const org = buildSimulatedOrg({ accounts: 40, ous: 4, homeRegion: HOME, regions: REGIONS });
    const known = org.accounts[5]!.id;
    const unknown = org.accounts[6]!.id;
    org.registry.set(known, { tags: { [NAMES.remediationModeTag]: 'auto' }, updatedAt: '2026-12-01T00:00:00.000Z' });
    org.registry.delete(unknown);
    org.accounts[6]!.tags[NAMES.remediationModeTag] = 'dry-run';
    aws = installSimulatedAws(org, { clock });

    const report = await scanOrganization(withRegistry(clock), { config: testConfig() });

    const a5 = report.accounts.find((a) => a.accountId === known)!;
    expect(a5).toMatchObject({ tagsFrom: 'registry', tagsUpdatedAt: '2026-12-01T00:00:00.000Z' });
    expect(a5.mode).toEqual({ mode: 'auto', source: 'tag' });
    const a6 = report.accounts.find((a) => a.accountId === unknown)!;
    expect(a6.tagsFrom).toBe('organizations');
    expect(a6.mode).toEqual({ mode: 'dry-run', source: 'tag' });
    const { ListTagsForResourceCommand } = await import('@aws-sdk/client-organizations');
    expect(aws.organizations.commandCalls(ListTagsForResourceCommand).map((c) => c.args[0].input.ResourceId)).toEqual([
      unknown,
    ]);
    expect(report.tags).toMatchObject({ fromRegistry: 39, fromOrganizations: 1 });
    expect(report.tags.oldestUpdatedAt).toBeDefined();
    expect(report.complete).toBe(true);
  });

  it('falls back to Organizations for every account when the registry cannot be read, and says why', async () => {
    const clock = virtualClock();
    const org = buildSimulatedOrg({ accounts: 10, ous: 2, homeRegion: HOME, regions: REGIONS });
    aws = installSimulatedAws(org, { clock });
    const { ScanCommand } = await import('@aws-sdk/lib-dynamodb');
    aws.dynamodb
      .on(ScanCommand)
      .rejects(Object.assign(new Error('no such table'), { name: 'ResourceNotFoundException' }));

    const report = await scanOrganization(withRegistry(clock), { config: testConfig() });

    expect(report.accounts.every((a) => a.tagsFrom === 'organizations')).toBe(true);
    expect(report.tags.error).toMatch(/no such table/);
    expect(report.complete).toBe(true);
  });

  it('answers whether the role can be assumed with one AssumeRole per active account, no second STS call', async () => {
    const clock = virtualClock();
    const org = buildSimulatedOrg({ accounts: 30, ous: 3, homeRegion: HOME, regions: REGIONS });
    org.accounts[3]!.state = 'SUSPENDED';
    aws = installSimulatedAws(org, { clock });

    const report = await scanOrganization(withRegistry(clock), { config: testConfig() });

    const { AssumeRoleCommand, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
    expect(aws.sts.commandCalls(AssumeRoleCommand)).toHaveLength(29);
    expect(aws.sts.commandCalls(GetCallerIdentityCommand)).toHaveLength(0);
    expect(report.coverage.roleAssumable).toBe(29);
  });
});

describe('org-scan benchmark bound', () => {
  it('counts the fewest calls: the tree walk pages and one AssumeRole per active account, no tag reads', () => {
    const org = buildSimulatedOrg({ accounts: 1000, ous: 20, homeRegion: HOME, regions: REGIONS });
    org.accounts[9]!.state = 'SUSPENDED';
    // DescribeOrganization + ListRoots; root: 1 page of 20 OUs, 1 (empty) page of accounts; each OU: 1 page of
    // child OUs, 3 pages of 50 accounts.
    expect(fewestCalls(org)).toEqual({ organizations: 2 + 2 + 20 * 4, sts: 999 });
  });
});
