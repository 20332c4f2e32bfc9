import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OrganizationsClient, TagResourceCommand } from '@aws-sdk/client-organizations';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createGates } from '../../scripts/org/gates.ts';
import { applyOptIn, describeChange, type OptInDeps, planOptIn } from '../../scripts/org/opt-in.ts';
import { buildSimulatedOrg, installSimulatedAws, type SimulatedAws } from '../../scripts/org/simulated-aws.ts';
import { NAMES } from '../../shared/names.ts';
import { AccountsRepository } from '../../shared/store/accounts.ts';
import { HOME, REGIONS, testConfig, virtualClock } from './helpers.ts';

let aws: SimulatedAws | undefined;
afterEach(() => {
  aws?.restore();
  aws = undefined;
});

function setUp(withRegistry: boolean) {
  const clock = virtualClock();
  const org = buildSimulatedOrg({ accounts: 40, ous: 4, homeRegion: HOME, regions: REGIONS });
  aws = installSimulatedAws(org, { clock, throttleEvery: { organizations: 4 } });
  const registry = new Map<string, Record<string, unknown>>([
    [org.accounts[1]!.id, { accountId: org.accounts[1]!.id, name: 'old-name', mode: 'notify', tags: {} }],
  ]);
  aws.dynamodb.on(GetCommand).callsFake(async (input) => ({ Item: registry.get(input.Key.accountId) }));
  aws.dynamodb.on(PutCommand).callsFake(async (input) => {
    registry.set(input.Item.accountId, input.Item);
    return {};
  });
  const deps: OptInDeps = {
    organizations: new OrganizationsClient({ region: HOME }),
    gates: createGates({ clock, random: () => 0 }),
    config: testConfig(),
    ...(withRegistry
      ? {
          accounts: new AccountsRepository(
            DynamoDBDocumentClient.from(new DynamoDBClient({ region: HOME })),
            'accounts',
          ),
        }
      : {}),
    now: () => Date.UTC(2025, 5, 1),
  };
  return { org, deps, registry };
}

describe('planOptIn', () => {
  it('lists a diff per account of an OU and changes nothing', async () => {
    const { org, deps } = setUp(true);
    org.accounts[5]!.tags[NAMES.remediationModeTag] = 'auto';
    org.accounts[9]!.state = 'SUSPENDED';

    const plan = await planOptIn(deps, 'ou-ab12-00000001', 'auto');

    expect(plan.changes.map((c) => c.accountId)).toEqual(org.accounts.filter((_, i) => i % 4 === 1).map((a) => a.id));
    const byId = new Map(plan.changes.map((c) => [c.accountId, c]));
    expect(byId.get(org.accounts[1]!.id)).toMatchObject({
      action: 'tag',
      modeBefore: { mode: 'notify', source: 'default' },
      modeAfter: { mode: 'auto', source: 'tag' },
      registryBefore: 'notify',
    });
    expect(byId.get(org.accounts[5]!.id)).toMatchObject({ action: 'tag', tagBefore: 'auto', registryBefore: 'absent' });
    expect(byId.get(org.accounts[9]!.id)).toMatchObject({ action: 'skip', reason: 'account is SUSPENDED' });
    expect(describeChange(byId.get(org.accounts[1]!.id)!)).toContain(
      `tag ${NAMES.remediationModeTag} (none) -> auto; mode notify (default) -> auto (tag); registry notify -> auto`,
    );
    expect(aws!.organizations.commandCalls(TagResourceCommand)).toHaveLength(0);
    expect(aws!.dynamodb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('skips the hub account and leaves an account already in the mode unchanged', async () => {
    const { org, deps } = setUp(false);
    org.accounts[4]!.tags[NAMES.remediationModeTag] = 'dry-run';

    const plan = await planOptIn(deps, 'ou-ab12-00000000', 'dry-run');

    const byId = new Map(plan.changes.map((c) => [c.accountId, c]));
    expect(byId.get(org.accounts[0]!.id)).toMatchObject({ action: 'skip', reason: 'the hub account is not a spoke' });
    expect(byId.get(org.accounts[4]!.id)!.action).toBe('unchanged');
    expect(byId.get(org.accounts[8]!.id)!.action).toBe('tag');
  });

  it('plans one account by id with its OU path', async () => {
    const { org, deps } = setUp(false);

    const plan = await planOptIn(deps, org.accounts[6]!.id, 'off');

    expect(plan.changes).toHaveLength(1);
    expect(plan.changes[0]!.ouPath).toEqual(['r-ab12', 'ou-ab12-00000002']);
    expect(plan.changes[0]!.modeAfter.mode).toBe('off');
  });

  it('refuses a target that is neither an account, an OU nor the root', async () => {
    const { deps } = setUp(false);
    await expect(planOptIn(deps, 'payments', 'auto')).rejects.toThrow(/12-digit account id, an OU id/);
  });

  it('warns when the deployed spoke has no role because its configured mode is off', async () => {
    const { org, deps } = setUp(false);
    const config = testConfig({ remediation: { ous: { 'ou-ab12-00000003': 'off' } } });

    const plan = await planOptIn({ ...deps, config }, org.accounts[3]!.id, 'auto');

    expect(plan.changes[0]!.warning).toMatch(/deployed with mode off/);
  });
});

describe('applyOptIn', () => {
  it('tags each changed account through Organizations and writes the registry', async () => {
    const { org, deps, registry } = setUp(true);
    const plan = await planOptIn(deps, 'ou-ab12-00000001', 'dry-run');

    const results = await applyOptIn(deps, plan);

    expect(results).toHaveLength(10);
    expect(results.every((r) => r.ok && r.tagged && r.registryUpdated)).toBe(true);
    expect(org.accounts[1]!.tags[NAMES.remediationModeTag]).toBe('dry-run');
    expect(registry.get(org.accounts[1]!.id)).toMatchObject({
      name: 'account-0001',
      mode: 'dry-run',
      ouId: 'ou-ab12-00000001',
      ouPath: ['r-ab12', 'ou-ab12-00000001'],
      updatedAt: '2025-06-01T00:00:00.000Z',
    });
    expect(
      aws!.organizations.commandCalls(TagResourceCommand, {
        ResourceId: org.accounts[1]!.id,
        Tags: [{ Key: NAMES.remediationModeTag, Value: 'dry-run' }],
      }),
    ).toHaveLength(1);
  });

  it('reports a failed tag per account and goes on with the others', async () => {
    const { org, deps } = setUp(false);
    const plan = await planOptIn(deps, 'ou-ab12-00000002', 'notify');
    aws!.organizations
      .on(TagResourceCommand, { ResourceId: org.accounts[2]!.id })
      .rejects(Object.assign(new Error('denied by SCP'), { name: 'AccessDeniedException' }));

    const results = await applyOptIn(deps, plan);

    const failed = results.filter((r) => !r.ok);
    expect(failed).toEqual([
      {
        accountId: org.accounts[2]!.id,
        ok: false,
        tagged: false,
        registryUpdated: false,
        error: 'TagResource: AccessDeniedException: denied by SCP',
      },
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(9);
  });
});
