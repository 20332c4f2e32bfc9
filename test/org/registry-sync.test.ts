import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { NAMES } from '../../shared/names.ts';
import { accountTagChange, applyAccountTagChange } from '../../shared/org/registry-sync.ts';
import { AccountsRepository } from '../../shared/store/accounts.ts';
import { testConfig } from './helpers.ts';

const ACCOUNT = '210987654321';

/** An Organizations call as EventBridge delivers it from the management account's CloudTrail. */
function organizationsCall(eventName: string, requestParameters: Record<string, unknown>, extra = {}) {
  return {
    version: '0',
    id: `evt-${eventName}`,
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.organizations',
    account: '999999999999',
    time: '2026-12-07T10:00:05Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      eventSource: 'organizations.amazonaws.com',
      eventName,
      eventTime: '2026-12-07T10:00:00Z',
      requestParameters,
      ...extra,
    },
  };
}

describe('accountTagChange', () => {
  it('reads the tags set on an account by TagResource and the keys UntagResource removes', () => {
    expect(
      accountTagChange(
        organizationsCall('TagResource', {
          resourceId: ACCOUNT,
          tags: [{ key: NAMES.remediationModeTag, value: 'auto' }],
        }),
      ),
    ).toEqual({
      accountId: ACCOUNT,
      set: { [NAMES.remediationModeTag]: 'auto' },
      removed: [],
      at: '2026-12-07T10:00:00Z',
    });
    expect(
      accountTagChange(organizationsCall('UntagResource', { resourceId: ACCOUNT, tagKeys: ['owner'] }))?.removed,
    ).toEqual(['owner']);
  });

  it('ignores failed calls, tags on OUs or policies, and other events', () => {
    const failed = organizationsCall('TagResource', { resourceId: ACCOUNT, tags: [] }, { errorCode: 'AccessDenied' });
    expect(accountTagChange(failed)).toBeUndefined();
    expect(
      accountTagChange(organizationsCall('TagResource', { resourceId: 'ou-ab12-00000001', tags: [] })),
    ).toBeUndefined();
    expect(accountTagChange(organizationsCall('CreateAccount', { accountName: 'x' }))).toBeUndefined();
    expect(
      accountTagChange({ ...organizationsCall('TagResource', { resourceId: ACCOUNT }), source: 'aws.ec2' }),
    ).toBeUndefined();
  });
});

describe('applyAccountTagChange', () => {
  let dynamo: LocalDynamo;
  let registry: AccountsRepository;
  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    registry = new AccountsRepository(dynamo.client, 'accounts');
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('writes the tags, the mode they give and the time of the call', async () => {
    await registry.put({
      accountId: ACCOUNT,
      tags: { owner: 'team-1' },
      mode: 'notify',
      updatedAt: '2026-12-01T00:00:00.000Z',
    });
    const change = accountTagChange(
      organizationsCall('TagResource', {
        resourceId: ACCOUNT,
        tags: [{ key: NAMES.remediationModeTag, value: 'off' }],
      }),
    );

    expect(await applyAccountTagChange(registry, testConfig(), change!)).toBe('updated');

    expect(await registry.get(ACCOUNT)).toMatchObject({
      tags: { owner: 'team-1', [NAMES.remediationModeTag]: 'off' },
      mode: 'off',
      updatedAt: '2026-12-07T10:00:00.000Z',
    });
  });

  it('falls back to the configured mode when the mode tag is removed', async () => {
    await registry.put({
      accountId: ACCOUNT,
      tags: { [NAMES.remediationModeTag]: 'auto' },
      mode: 'auto',
      updatedAt: '2026-12-01T00:00:00.000Z',
    });
    const change = accountTagChange(
      organizationsCall('UntagResource', { resourceId: ACCOUNT, tagKeys: [NAMES.remediationModeTag] }),
    );
    const config = testConfig({ remediation: { accounts: { [ACCOUNT]: 'dry-run' } } });

    await applyAccountTagChange(registry, config, change!);

    expect(await registry.get(ACCOUNT)).toMatchObject({ tags: {}, mode: 'dry-run' });
  });

  it('leaves a newer item alone and does not invent accounts', async () => {
    await registry.put({
      accountId: ACCOUNT,
      tags: { owner: 'new' },
      mode: 'notify',
      updatedAt: '2026-12-08T00:00:00.000Z',
    });
    const late = accountTagChange(
      organizationsCall('TagResource', { resourceId: ACCOUNT, tags: [{ key: 'owner', value: 'old' }] }),
    );
    expect(await applyAccountTagChange(registry, testConfig(), late!)).toBe('stale');
    expect((await registry.get(ACCOUNT))?.tags).toEqual({ owner: 'new' });
    expect(await applyAccountTagChange(registry, testConfig(), { ...late!, accountId: '333333333333' })).toBe(
      'unknown-account',
    );
    expect(await registry.get('333333333333')).toBeUndefined();
  });
});
