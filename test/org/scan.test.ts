import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createGates } from '../../scripts/org/gates.ts';
import { StatusIndexLastEvents } from '../../scripts/org/last-events.ts';
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
      throttleEvery: { organizations: 7, sts: 11, cloudformation: 3, dynamodb: 2 },
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
