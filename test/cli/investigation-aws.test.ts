/**
 * `socless investigation … --aws`: the deployed hub's tables, named by the hub stack's outputs unless flags name
 * them, read and written with the operator's credentials; a close is recorded as the caller's IAM principal.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient, GetCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { awsInvestigations } from '../../scripts/commands/investigation.ts';
import { hubTableOutputKey } from '../../scripts/console/aws-backend.ts';

const CALLER = 'arn:aws:sts::111111111111:assumed-role/SecOps/alice';
const OPENER = {
  id: 'inv-1',
  investigationId: 'inv-1',
  dedupKey: 'guardduty:finding-1',
  status: 'dispatched',
  receivedAt: '2026-12-07T10:00:00.000Z',
  account: '210987654321',
};

describe('socless investigation --aws', () => {
  const saved = { ...process.env };
  let sts: ReturnType<typeof mockClient>;
  let cfn: ReturnType<typeof mockClient>;
  let ddb: ReturnType<typeof mockClient>;
  beforeEach(() => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIAEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    delete process.env.AWS_PROFILE;
    sts = mockClient(STSClient);
    sts.on(GetCallerIdentityCommand).resolves({ Arn: CALLER, Account: '111111111111' });
    cfn = mockClient(CloudFormationClient);
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'SoclessHub',
          CreationTime: new Date(),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [
            { OutputKey: hubTableOutputKey('events'), OutputValue: 'hub-events' },
            { OutputKey: hubTableOutputKey('dedup'), OutputValue: 'hub-dedup' },
          ],
        },
      ],
    });
    ddb = mockClient(DynamoDBDocumentClient);
    ddb.on(ScanCommand).resolves({ Items: [OPENER] });
    ddb.on(GetCommand, { TableName: 'hub-events' }).resolves({ Item: OPENER });
    ddb
      .on(GetCommand, { TableName: 'hub-dedup' })
      .resolves({ Item: { dedupKey: OPENER.dedupKey, investigationId: 'inv-1' } });
    ddb.on(UpdateCommand).resolves({});
  });
  afterEach(() => {
    sts.restore();
    cfn.restore();
    ddb.restore();
    process.env = { ...saved };
  });

  it('finds the tables in the hub stack outputs when no flag names them', async () => {
    const source = await awsInvestigations({ aws: true, region: 'eu-west-1' });
    const rows = await source.list();
    expect(rows.map((r) => r.id)).toEqual(['inv-1']);
    expect(ddb.commandCalls(ScanCommand)[0]?.args[0].input.TableName).toBe('hub-events');
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(1);
  });

  it('uses the flags as given, without reading the stack', async () => {
    const source = await awsInvestigations({
      aws: true,
      region: 'eu-west-1',
      eventsTable: 'my-events',
      dedupTable: 'my-dedup',
    });
    ddb.on(ScanCommand, { TableName: 'my-events' }).resolves({ Items: [] });
    await source.list();
    expect(ddb.commandCalls(ScanCommand)[0]?.args[0].input.TableName).toBe('my-events');
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(0);
  });

  it('records a close as the caller of GetCallerIdentity, on the investigation and its dedup item', async () => {
    const source = await awsInvestigations({ aws: true, region: 'eu-west-1' });
    await source.close('inv-1', { resolution: 'false-positive', reason: 'red team exercise' });
    const updates = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    const onEvents = updates.find((u) => u.TableName === 'hub-events');
    const onDedup = updates.find((u) => u.TableName === 'hub-dedup');
    expect(JSON.stringify(onEvents?.ExpressionAttributeValues)).toContain(CALLER);
    expect(JSON.stringify(onDedup?.ExpressionAttributeValues)).toContain(CALLER);
    expect(JSON.stringify(updates)).not.toMatch(/"aws:[a-z]/);
  });

  it('names the missing output and the flag when the hub stack lacks it', async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'SoclessHub', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [] }],
    });
    await expect(awsInvestigations({ aws: true, region: 'eu-west-1' })).rejects.toThrow(
      'the hub stack has no output TableEventsName: redeploy the hub, or pass --events-table <name>',
    );
  });
});
