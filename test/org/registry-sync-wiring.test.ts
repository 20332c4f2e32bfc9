import { DescribeOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  cachedManagementAccount,
  createRegistrySyncHandler,
  modeConfigOf,
  type RegistrySyncDeps,
} from '../../hub/functions/registry-sync.ts';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { NAMES } from '../../shared/names.ts';
import { ORGANIZATIONS_TAG_CHANGE_PATTERN } from '../../shared/org/registry-sync.ts';
import { AccountsRepository } from '../../shared/store/accounts.ts';
import { OrgEventsStack } from '../../spoke/org-events-stack.ts';
import { synthHub } from '../hub/synth-hub.ts';
import { testConfig } from './helpers.ts';

const MANAGEMENT = '999999999999';
const MEMBER = '210987654321';
const ACCOUNT = '123456789012';

function tagCall(sender: string, tags: Record<string, string>) {
  return {
    version: '0',
    id: `evt-${sender}`,
    'detail-type': 'AWS API Call via CloudTrail',
    source: 'aws.organizations',
    account: sender,
    time: '2026-12-07T10:00:05Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      eventSource: 'organizations.amazonaws.com',
      eventName: 'TagResource',
      eventTime: '2026-12-07T10:00:00Z',
      requestParameters: { resourceId: ACCOUNT, tags: Object.entries(tags).map(([key, value]) => ({ key, value })) },
    },
  };
}

const quiet = { info: () => {}, warn: () => {} };

describe('registry-sync handler', () => {
  let dynamo: LocalDynamo;
  let registry: AccountsRepository;
  let deps: RegistrySyncDeps;
  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    registry = new AccountsRepository(dynamo.client, 'accounts');
    deps = {
      registry,
      config: modeConfigOf(testConfig()),
      managementAccount: async () => MANAGEMENT,
      logger: quiet,
    };
  });
  afterAll(async () => {
    await dynamo.close();
  });
  beforeEach(async () => {
    await registry.put({ accountId: ACCOUNT, tags: {}, mode: 'notify', updatedAt: '2026-12-01T00:00:00.000Z' });
  });

  it('applies a tag change the management account reports: tags and the mode the tag sets', async () => {
    const handler = createRegistrySyncHandler(deps);
    const out = await handler(tagCall(MANAGEMENT, { [NAMES.remediationModeTag]: 'auto' }));
    expect(out).toEqual({ status: 'updated', accountId: ACCOUNT });
    expect(await registry.get(ACCOUNT)).toMatchObject({ tags: { [NAMES.remediationModeTag]: 'auto' }, mode: 'auto' });
  });

  it('refuses the same change reported by any other account of the organization, and writes nothing', async () => {
    const handler = createRegistrySyncHandler(deps);
    const out = await handler(tagCall(MEMBER, { [NAMES.remediationModeTag]: 'auto' }));
    expect(out.status).toBe('refused');
    expect(out).toMatchObject({ reason: expect.stringContaining(MEMBER) });
    expect(await registry.get(ACCOUNT)).toMatchObject({ tags: {}, mode: 'notify' });
  });

  it('ignores events that are not account tag changes without asking Organizations', async () => {
    let asked = 0;
    const handler = createRegistrySyncHandler({
      ...deps,
      managementAccount: async () => {
        asked += 1;
        return MANAGEMENT;
      },
    });
    const other = {
      ...tagCall(MANAGEMENT, {}),
      detail: { ...tagCall(MANAGEMENT, {}).detail, eventName: 'CreateAccount' },
    };
    expect((await handler(other)).status).toBe('ignored');
    expect(asked).toBe(0);
  });

  it('judges the mode by the bundled mode settings alone (account, OU, default)', async () => {
    const config = testConfig({ remediation: { accounts: { [ACCOUNT]: 'dry-run' } } });
    const bundled = JSON.parse(JSON.stringify(modeConfigOf(config)));
    expect(Object.keys(bundled.remediation).sort()).toEqual(['accounts', 'defaultMode', 'ous']);
    await registry.put({
      accountId: ACCOUNT,
      tags: { [NAMES.remediationModeTag]: 'auto' },
      mode: 'auto',
      updatedAt: '2026-12-01T00:00:00.000Z',
    });
    const handler = createRegistrySyncHandler({ ...deps, config: bundled });
    const untag = tagCall(MANAGEMENT, {});
    const out = await handler({
      ...untag,
      detail: {
        ...untag.detail,
        eventName: 'UntagResource',
        requestParameters: { resourceId: ACCOUNT, tagKeys: [NAMES.remediationModeTag] },
      },
    });
    expect(out.status).toBe('updated');
    expect(await registry.get(ACCOUNT)).toMatchObject({ tags: {}, mode: 'dry-run' });
  });
});

describe('cachedManagementAccount', () => {
  const organizations = mockClient(OrganizationsClient);
  beforeEach(() => organizations.reset());

  it('asks DescribeOrganization once and keeps the answer', async () => {
    organizations.on(DescribeOrganizationCommand).resolves({ Organization: { MasterAccountId: MANAGEMENT } });
    const management = cachedManagementAccount(new OrganizationsClient({ region: 'us-east-1' }));
    expect(await management()).toBe(MANAGEMENT);
    expect(await management()).toBe(MANAGEMENT);
    expect(organizations.commandCalls(DescribeOrganizationCommand)).toHaveLength(1);
  });

  it('does not keep a failure: the next call asks again', async () => {
    organizations
      .on(DescribeOrganizationCommand)
      .rejectsOnce(new Error('throttled'))
      .resolves({ Organization: { MasterAccountId: MANAGEMENT } });
    const management = cachedManagementAccount(new OrganizationsClient({ region: 'us-east-1' }));
    await expect(management()).rejects.toThrow('throttled');
    expect(await management()).toBe(MANAGEMENT);
  });
});

describe('registry sync in the stacks', () => {
  it('hub: a rule on the hub bus for account tag changes only, to a function that may touch account items only', () => {
    const { template, stack } = synthHub();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.anyValue(),
      EventPattern: {
        source: ['aws.organizations'],
        'detail-type': ['AWS API Call via CloudTrail'],
        detail: { eventSource: ['organizations.amazonaws.com'], eventName: ['TagResource', 'UntagResource'] },
      },
    });
    const roleId = stack.getLogicalId(stack.registrySync.handler.role.node.defaultChild as never);
    const policies = Object.values(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
    );
    const statements = policies.flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } } }).Properties
          .PolicyDocument.Statement,
    );
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])) as string[];
    expect(actions).toContain('organizations:DescribeOrganization');
    expect(actions.filter((a) => a.startsWith('organizations:'))).toEqual(['organizations:DescribeOrganization']);
    // No table but the accounts registry.
    const tableArns = JSON.stringify(statements.filter((s) => JSON.stringify(s.Action).includes('dynamodb:')));
    const accountsId = stack.getLogicalId(stack.tables.tables.accounts.node.defaultChild as never);
    expect(tableArns).toContain(accountsId);
    for (const other of ['events', 'dedup', 'results', 'remediations'] as const) {
      expect(tableArns).not.toContain(stack.getLogicalId(stack.tables.tables[other].node.defaultChild as never));
    }
  });

  it('management account: one rule in us-east-1 with the same pattern, sending to the hub bus through its own role', () => {
    const config = testConfig();
    const stack = new OrgEventsStack(new App(), NAMES.stacks.orgEvents, { config });
    expect(stack.region).toBe('us-east-1');
    const template = Template.fromStack(stack);
    const hubBus = `arn:aws:events:${config.homeRegion}:${config.hubAccountId}:event-bus/${NAMES.busName}`;
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: JSON.parse(JSON.stringify(ORGANIZATIONS_TAG_CHANGE_PATTERN)),
      Targets: [Match.objectLike({ Arn: hubBus, DeadLetterConfig: Match.anyValue() })],
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      Policies: [
        {
          PolicyName: 'PutEventsOnHubBus',
          PolicyDocument: { Statement: [Match.objectLike({ Action: 'events:PutEvents', Resource: hubBus })] },
        },
      ],
    });
  });
});
