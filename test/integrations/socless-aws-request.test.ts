import { DescribeInstancesCommand, EC2Client, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { INTEGRATION_CATALOG } from '../../hub/integrations/index.ts';
import { AWS_REQUEST_ALLOWED } from '../../hub/integrations/socless-aws-request/allow-list.ts';
import { createSoclessAwsRequestIntegration } from '../../hub/integrations/socless-aws-request/integration.ts';
import { REMEDIATIONS } from '../../hub/remediations/index.ts';
import { toLambdaHandler } from '../../shared/integration-runtime/handler.ts';
import { executionName } from '../../shared/pipeline/execution-name.ts';
import { soclessAlias } from '../../shared/playbook/socless-aliases.ts';
import { CALLS } from '../../shared/remediation/calls.ts';
import { spokeRoleStatementSets } from '../../shared/remediation/policy.ts';
import { StsSpokeSessionFactory } from '../../shared/remediation/session.ts';
import { TABLES } from '../../shared/tables.ts';
import { type Harness, startHarness } from './harness.ts';

const HUB_ROLE = 'arn:aws:iam::999999999999:role/SoclessHubRemediationRole';
const ACCOUNT = '111111111111';
const OTHER = '222222222222';
const PLAYBOOK = 'investigate-instance';
const sts = mockClient(STSClient);
const ec2 = mockClient(EC2Client);

const integration = createSoclessAwsRequestIntegration({
  sessions: () =>
    new StsSpokeSessionFactory({
      externalId: 'ext-id',
      hubRoleArn: HUB_ROLE,
      stsClient: (region) => new STSClient({ region }),
      sleep: async () => {},
    }),
});

const creds = (id: string) => ({
  Credentials: {
    AccessKeyId: id,
    SecretAccessKey: 's',
    SessionToken: 't',
    Expiration: new Date(Date.now() + 3_600_000),
  },
});

let h: Harness;
let n = 0;

async function storeEvent(id: string, account: string): Promise<void> {
  await h.dynamo.client.send(
    new PutCommand({
      TableName: h.deps.env[TABLES.events.envVar] as string,
      Item: { id, account, region: 'eu-west-1', status: 'dispatched' },
    }),
  );
}

/** Stores an event and invokes AWSRequest as the execution the pipeline starts for it would. */
async function run(
  parameters: Record<string, unknown>,
  options: { eventAccount?: string; artifactEventId?: string } = {},
): Promise<Record<string, unknown>> {
  n += 1;
  const eventId = `evt-${n}`;
  await storeEvent(eventId, options.eventAccount ?? ACCOUNT);
  const name = executionName(eventId, PLAYBOOK);
  return toLambdaHandler(
    integration,
    h.deps,
  )({
    _socless: {
      state: 'Describe_Instance',
      playbook: PLAYBOOK,
      execution_id: `arn:aws:states:eu-west-1:999999999999:execution:${PLAYBOOK}:${name}`,
      investigation_id: eventId,
      compat: 'socless',
      operation: 'AWSRequest',
    },
    parameters,
    context: { artifacts: { event: { id: options.artifactEventId ?? eventId } }, results: {} },
  });
}

const base = {
  service_name: 'ec2',
  operation: 'describe_instances',
  operation_parameters: { InstanceIds: ['i-0abc'] },
  assume_role_config: { role_arn: `arn:aws:iam::${ACCOUNT}:role/SoclessRemediationRole` },
};

describe('SOCless AWSRequest', () => {
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });
  afterEach(() => {
    sts.reset();
    ec2.reset();
  });

  it('reads every page through a read session allowing exactly the one action, in the event account', async () => {
    sts.on(AssumeRoleCommand).callsFake((input) => creds(input.RoleArn === HUB_ROLE ? 'hub' : 'spoke'));
    ec2
      .on(DescribeInstancesCommand, { InstanceIds: ['i-0abc'] })
      .resolvesOnce({ Reservations: [{ ReservationId: 'r-1' }], NextToken: 'page2' })
      .resolvesOnce({ Reservations: [{ ReservationId: 'r-2' }] });
    const out = await run(base);
    expect(out).toMatchObject({
      ResultPages: [
        { Reservations: [{ ReservationId: 'r-1' }], NextToken: 'page2' },
        { Reservations: [{ ReservationId: 'r-2' }] },
      ],
    });
    expect(ec2.commandCalls(DescribeInstancesCommand)[1]?.args[0].input).toEqual({
      InstanceIds: ['i-0abc'],
      NextToken: 'page2',
    });
    const [hub, spoke] = sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input);
    expect(hub?.RoleArn).toBe(HUB_ROLE);
    expect(spoke?.RoleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/SoclessRemediationRole`);
    expect(spoke?.ExternalId).toBe('ext-id');
    const policy = JSON.parse(spoke?.Policy ?? '{}');
    expect(policy.Statement.flatMap((s: { Action: string[] }) => s.Action)).toEqual(['ec2:DescribeInstances']);
  });

  it('returns the single response with disable_pagination, and {file_id, vault_id} with save_to_vault', async () => {
    sts.on(AssumeRoleCommand).callsFake(() => creds('x'));
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ ReservationId: 'r-1' }], NextToken: 'more' });
    const single = await run({ ...base, disable_pagination: true });
    expect(single).toMatchObject({ Reservations: [{ ReservationId: 'r-1' }], NextToken: 'more' });
    expect(single.ResultPages).toBeUndefined();
    expect(single.Describe_Instance).toMatchObject({ NextToken: 'more' });
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1);

    const saved = await run({ ...base, disable_pagination: true, save_to_vault: true });
    // A SOCless-style state's output: the result under the state's name and flattened beside it.
    const { Describe_Instance: own, ...flat } = saved;
    expect(own).toEqual(flat);
    expect(Object.keys(flat).sort()).toEqual(['file_id', 'vault_id']);
    expect(saved.vault_id).toBe(`vault:${saved.file_id}`);
    const body = await h.deps.vault.get({ bucket: h.deps.vault.bucket, key: saved.file_id as string });
    expect(JSON.parse(body)).toEqual({ Reservations: [{ ReservationId: 'r-1' }], NextToken: 'more' });
  });

  it('refuses a write, naming the operation, before any session is opened', async () => {
    ec2.on(TerminateInstancesCommand).resolves({});
    const err = await run({ ...base, operation: 'terminate_instances' }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('AwsRequestOperationRefusedError');
    expect((err as Error).message).toContain('ec2.terminate_instances');
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
  });

  it('refuses a read that is not on the allow-list and a service it does not serve', async () => {
    for (const [service, operation] of [
      ['ec2', 'DescribeVolumes'],
      ['secretsmanager', 'get_secret_value'],
    ]) {
      const err = await run({ ...base, service_name: service, operation }).catch((e: Error) => e);
      expect((err as Error).name).toBe('AwsRequestOperationRefusedError');
      expect((err as Error).message).toContain(`${service}.${operation}`);
    }
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it("refuses an assume_role_config naming another account or another role than the event's", async () => {
    for (const [config, parameter] of [
      [{ role_arn: `arn:aws:iam::${OTHER}:role/SoclessRemediationRole` }, 'assume_role_config.role_arn'],
      [{ role_arn: `arn:aws:iam::${ACCOUNT}:role/Admin` }, 'assume_role_config.role_arn'],
      [{ account_id: OTHER }, 'assume_role_config.account_id'],
      [{ session_name: 'x' }, 'assume_role_config'],
    ] as const) {
      const err = await run({ ...base, assume_role_config: config }).catch((e: Error) => e);
      expect((err as { parameter?: string }).parameter).toBe(parameter);
    }
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('acts in the stored event account, not in one an artifact rewritten by a state points at', async () => {
    sts.on(AssumeRoleCommand).callsFake(() => creds('x'));
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    // Another event, of another account; this execution's own event is of ACCOUNT, and a state rewrote
    // artifacts.event.id to point at the other one, with an assume_role_config naming that account.
    await storeEvent('evt-other', OTHER);
    const err = await run(
      { ...base, assume_role_config: { role_arn: `arn:aws:iam::${OTHER}:role/SoclessRemediationRole` } },
      { artifactEventId: 'evt-other' },
    ).catch((e: Error) => e);
    expect((err as Error).name).toBe('AwsRequestAccountError');
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(0);
  });

  it('allows only reads the spoke remediation role already grants, each named Describe*, Get* or List*', () => {
    const granted = new Set(spokeRoleStatementSets(REMEDIATIONS).read.flatMap((s) => s.actions));
    for (const read of AWS_REQUEST_ALLOWED) {
      const spec = CALLS[read.call];
      expect(spec?.write, read.call).toBe(false);
      expect(read.operation).toMatch(/^(Describe|Get|List)[A-Z]/);
      expect(granted.has(spec?.iamAction as string), read.call).toBe(true);
    }
  });

  it('is served by its own integration, the only SOCless one that assumes spoke roles', () => {
    expect(soclessAlias('AWSRequest')).toMatchObject({ integration: 'socless_aws_request', operation: 'AWSRequest' });
    expect(INTEGRATION_CATALOG.entries.find((e) => e.id === 'socless_aws_request')?.operations).toEqual(['AWSRequest']);
    expect(integration.deployment.assumesSpokeRoles).toBe(true);
    expect(integration.deployment.tables).toEqual([{ table: 'events', access: 'r' }]);
  });
});
