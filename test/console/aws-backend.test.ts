/**
 * The console's AWS backend against aws-sdk-client-mock: which tables and executions it asks for (names from
 * the hub stack's outputs or flags, paged scans, a paged GetExecutionHistory, the state machine of a playbook),
 * how it maps the answers (steps with input, output and error; the plan an approval asks about), and that its
 * actions go through the shared code (the answer claimed in message_responses under the operator's IAM
 * principal, then SendTaskSuccess; a close re-read into the index at once).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeOrganizationalUnitCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { constructIdOf } from '../../hub/constructs/hub-tables.ts';
import { authorizeResponder } from '../../hub/functions/interactions.ts';
import { INTEGRATION_CATALOG } from '../../hub/integrations/index.ts';
import {
  AwsConsoleBackend,
  type ConsoleTableNames,
  historySteps,
  hubTableOutputKey,
  resolveConsoleTables,
} from '../../scripts/console/aws-backend.ts';
import { AccountsPage } from '../../scripts/console/pages/accounts.tsx';
import { DEFAULT_PLAYBOOKS_DIR, loadRepoConfig } from '../../scripts/local/hub.ts';
import { createGates } from '../../scripts/org/gates.ts';
import type { CompiledPlaybook } from '../../shared/deploy-model.ts';
import { compileAllPlaybooks } from '../../shared/playbook/index.ts';
import { createDocumentClient } from '../../shared/store/clients.ts';
import { resultStateKey, toStoredRow } from '../../shared/store/results.ts';
import { TABLES, type TableKey } from '../../shared/tables.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const sts = mockClient(STSClient);
const cfn = mockClient(CloudFormationClient);
const logs = mockClient(CloudWatchLogsClient);
const orgs = mockClient(OrganizationsClient);
afterAll(() => {
  for (const m of [ddb, sfn, sts, cfn]) m.restore();
});

const REGION = 'eu-west-1';
const config = loadRepoConfig();
const HUB = config.hubAccountId;
const TABLE_NAMES: ConsoleTableNames = {
  events: 'Hub-TableEvents-1A',
  dedup: 'Hub-TableDedup-2B',
  results: 'Hub-TableResults-3C',
  remediations: 'Hub-TableRemediations-4D',
  message_responses: 'Hub-TableMessageResponses-5E',
  accounts: 'Hub-TableAccounts-6F',
};
const ARN = `arn:aws:states:${REGION}:${HUB}:execution:socless-remediate-finding:inv-1-remediate-finding`;
/** What StartExecution answers for the Express twin: `…:express:<machine>:<name>:<id>`. */
const EXPRESS_ARN = `arn:aws:states:${REGION}:${HUB}:express:socless-remediate-finding-express:remediate-finding-express-0123abcd:5b1c2d3e-0000-4000-8000-000000000001`;
const NOW = new Date('2026-12-01T01:00:00.000Z');
const OPERATOR_ARN = `arn:aws:sts::${HUB}:assumed-role/AWSReservedSSO_SecOps_0123/alice`;

const opener = (id: string, account: string, receivedAt: string, extra: Record<string, unknown> = {}) => ({
  id,
  investigationId: id,
  account,
  source: 'securityhub-asff',
  severity: 'HIGH',
  receivedAt,
  dedupKey: `key-${id}`,
  playbooks: ['remediate-finding'],
  ...extra,
});

function backend(playbooks: readonly CompiledPlaybook[] = []): AwsConsoleBackend {
  return new AwsConsoleBackend({
    config,
    region: REGION,
    tables: TABLE_NAMES,
    documents: createDocumentClient({ region: REGION }),
    sfn: new SFNClient({ region: REGION }),
    sts: new STSClient({ region: REGION }),
    logs: new CloudWatchLogsClient({ region: REGION }),
    organizations: new OrganizationsClient({ region: REGION }),
    // Throttled calls retried at once (no jitter wait).
    gates: createGates({ rates: { organizations: 1000 }, random: () => 0 }),
    refreshMs: 0,
    playbooks,
    now: () => NOW,
  });
}

/** The repository's remediate-finding, compiled as the hub deploys it. */
const remediateFinding = (): CompiledPlaybook[] =>
  compileAllPlaybooks(DEFAULT_PLAYBOOKS_DIR, { integrations: INTEGRATION_CATALOG }).playbooks.filter(
    (p) => p.name === 'remediate-finding',
  );

beforeEach(() => {
  for (const m of [ddb, sfn, sts, cfn, logs, orgs]) m.reset();
});

describe('table names', () => {
  it('names each table output as the hub stack does', () => {
    for (const t of Object.keys(TABLES) as TableKey[])
      expect(hubTableOutputKey(t)).toBe(`Table${constructIdOf(t)}Name`);
  });

  it('takes flags first and reads the hub stack outputs only for the rest', async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'SoclessHub',
          CreationTime: new Date(),
          StackStatus: 'UPDATE_COMPLETE',
          Outputs: Object.entries(TABLE_NAMES).map(([t, v]) => ({
            OutputKey: hubTableOutputKey(t as TableKey),
            OutputValue: v,
          })),
        },
      ],
    });
    const names = await resolveConsoleTables({ events: 'my-events' }, new CloudFormationClient({ region: REGION }));
    expect(names).toEqual({ ...TABLE_NAMES, events: 'my-events' });
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(1);
    cfn.reset();
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'SoclessHub', CreationTime: new Date(), StackStatus: 'UPDATE_COMPLETE', Outputs: [] }],
    });
    await expect(resolveConsoleTables({}, new CloudFormationClient({ region: REGION }))).rejects.toThrow(
      'the hub stack has no output TableEventsName: redeploy the hub, or pass --events-table <name>',
    );
    expect(await resolveConsoleTables(TABLE_NAMES, new CloudFormationClient({ region: REGION }))).toEqual(TABLE_NAMES);
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(1);
  });
});

describe('AwsConsoleBackend', () => {
  it('loads the index with paged scans of events, dedup and accounts, and filters by registry OU', async () => {
    ddb
      .on(ScanCommand, { TableName: TABLE_NAMES.events })
      .callsFake((input: { ExclusiveStartKey?: unknown }) =>
        input.ExclusiveStartKey
          ? { Items: [opener('inv-2', '222222222222', '2026-12-02T00:00:00.000Z')] }
          : { Items: [opener('inv-1', '111111111111', '2026-12-01T00:00:00.000Z')], LastEvaluatedKey: { id: 'inv-1' } },
      );
    ddb.on(ScanCommand, { TableName: TABLE_NAMES.dedup }).resolves({
      Items: [
        { dedupKey: 'key-inv-2', investigationId: 'inv-2', status: 'closed', resolution: 'remediated', occurrences: 3 },
      ],
    });
    ddb.on(ScanCommand, { TableName: TABLE_NAMES.accounts }).resolves({
      Items: [
        {
          accountId: '111111111111',
          ouId: 'ou-ab12-dev00001',
          ouPath: ['r-ab12', 'ou-ab12-dev00001'],
          mode: 'dry-run',
        },
        { accountId: '222222222222', ouId: 'ou-ab12-prod0001', ouPath: ['r-ab12', 'ou-ab12-prod0001'], mode: 'off' },
      ],
    });
    const b = backend();
    await b.start();
    const scans = ddb.commandCalls(ScanCommand).map((c) => c.args[0].input);
    const eventScans = scans.filter((s) => s.TableName === TABLE_NAMES.events);
    expect(eventScans).toHaveLength(2);
    expect(eventScans[1]?.ExclusiveStartKey).toEqual({ id: 'inv-1' });
    // Openers only, and never the raw body.
    expect(eventScans[0]?.FilterExpression).toBe('#p1 = #p0');
    expect(Object.values(eventScans[0]?.ExpressionAttributeNames ?? {})).not.toContain('raw');
    const page = await b.listInvestigations({}, 1, 10);
    expect(page.items.map((i) => [i.id, i.status, i.occurrences])).toEqual([
      ['inv-2', 'closed', 3],
      ['inv-1', 'open', undefined],
    ]);
    expect((await b.listInvestigations({ ou: 'ou-ab12-prod0001' }, 1, 10)).items.map((i) => i.id)).toEqual(['inv-2']);
    expect(page.countsByStatus).toEqual({ open: 1, closed: 1 });
  });

  it('re-reads what was received since the last refresh through the status-index', async () => {
    ddb.on(ScanCommand).resolves({ Items: [] });
    const b = backend();
    await b.start();
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(QueryCommand, { IndexName: 'status-index', ExpressionAttributeValues: { ':s': 'dispatched' } }).resolves({
      Items: [{ id: 'inv-9', investigationId: 'inv-9' }],
    });
    ddb
      .on(GetCommand, { TableName: TABLE_NAMES.events })
      .resolves({ Item: opener('inv-9', '111111111111', '2026-12-03T00:00:00.000Z') });
    ddb.on(GetCommand, { TableName: TABLE_NAMES.dedup }).resolves({});
    await b.refresh();
    const queries = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries.every((q) => q.TableName === TABLE_NAMES.events && q.IndexName === 'status-index')).toBe(true);
    expect(queries.map((q) => q.ExpressionAttributeValues?.[':s'])).toContain('dispatched');
    expect(queries[0]?.KeyConditionExpression).toBe('#s = :s AND #r >= :since');
    expect((await b.listInvestigations({}, 1, 10)).items.map((i) => i.id)).toEqual(['inv-9']);
  });

  it("reads an execution: DescribeExecution, the paged history as steps, and the execution's results and records", async () => {
    sfn.on(DescribeExecutionCommand).resolves({
      executionArn: ARN,
      stateMachineArn: ARN.replace(':execution:', ':stateMachine:').split(':').slice(0, -1).join(':'),
      name: 'inv-1-remediate-finding',
      status: 'FAILED',
      startDate: new Date('2026-12-01T00:00:00Z'),
      stopDate: new Date('2026-12-01T00:00:05Z'),
      input: JSON.stringify({ artifacts: { investigation_id: 'inv-1' } }),
      error: 'States.TaskFailed',
      cause: 'Remediate failed',
    });
    const page1: HistoryEvent[] = [
      { id: 1, type: 'ExecutionStarted', timestamp: new Date('2026-12-01T00:00:00Z') },
      {
        id: 2,
        type: 'TaskStateEntered',
        timestamp: new Date('2026-12-01T00:00:01Z'),
        stateEnteredEventDetails: { name: 'Enrich', input: '{"a":1}' },
      },
      {
        id: 3,
        type: 'TaskStateExited',
        timestamp: new Date('2026-12-01T00:00:02Z'),
        stateExitedEventDetails: { name: 'Enrich', output: '{"a":1,"results":{"Enrich":{"owner":"x"}}}' },
      },
    ];
    const page2: HistoryEvent[] = [
      {
        id: 4,
        type: 'TaskStateEntered',
        timestamp: new Date('2026-12-01T00:00:03Z'),
        stateEnteredEventDetails: { name: 'Remediate', input: '{"a":1}' },
      },
      {
        id: 5,
        type: 'TaskFailed',
        timestamp: new Date('2026-12-01T00:00:04Z'),
        taskFailedEventDetails: { resource: 'lambda', resourceType: 'lambda', error: 'AccessDenied', cause: 'no' },
      },
      { id: 6, type: 'ExecutionFailed', timestamp: new Date('2026-12-01T00:00:05Z') },
    ];
    sfn
      .on(GetExecutionHistoryCommand)
      .callsFake((input: { nextToken?: string }) =>
        input.nextToken === 'page-2' ? { events: page2 } : { events: page1, nextToken: 'page-2' },
      );
    ddb.on(QueryCommand, { TableName: TABLE_NAMES.results }).resolves({
      Items: [{ executionId: ARN, stateKey: 'Enrich#1', state: 'Enrich', status: 'succeeded', result: { owner: 'x' } }],
    });
    ddb.on(QueryCommand, { TableName: TABLE_NAMES.remediations }).resolves({ Items: [] });
    const detail = await backend().execution(ARN);
    const history = sfn.commandCalls(GetExecutionHistoryCommand).map((c) => c.args[0].input);
    expect(history).toEqual([
      { executionArn: ARN, maxResults: 1000, includeExecutionData: true },
      { executionArn: ARN, maxResults: 1000, includeExecutionData: true, nextToken: 'page-2' },
    ]);
    expect(detail).toMatchObject({
      arn: ARN,
      playbook: 'remediate-finding',
      status: 'FAILED',
      investigationId: 'inv-1',
      error: 'States.TaskFailed',
      steps: [
        { state: 'Enrich', status: 'succeeded', input: { a: 1 }, output: { results: { Enrich: { owner: 'x' } } } },
        { state: 'Remediate', status: 'failed', input: { a: 1 }, error: { name: 'AccessDenied', message: 'no' } },
      ],
      results: [{ state: 'Enrich' }],
      remediations: [],
    });
    const queried = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queried.map((q) => [q.TableName, q.ExpressionAttributeValues?.[':e']])).toEqual(
      expect.arrayContaining([
        [TABLE_NAMES.results, ARN],
        [TABLE_NAMES.remediations, ARN],
      ]),
    );
    // A stopped execution waits on nothing: message_responses is not read.
    expect(ddb.commandCalls(ScanCommand)).toHaveLength(0);
    sfn.on(DescribeExecutionCommand).rejects(Object.assign(new Error('gone'), { name: 'ExecutionDoesNotExist' }));
    expect(await backend().execution(ARN)).toBeUndefined();
  });

  it('lists waiting interactions with the plan from the history, and answers as the IAM principal through SendTaskSuccess', async () => {
    const pending = {
      messageId: 'm-1',
      taskToken: 'token-1',
      investigationId: 'inv-1',
      executionId: ARN,
      playbook: 'remediate-finding',
      state: 'Ask_Approval',
      status: 'pending',
      provider: 'slack',
      title: 'S3.8 in 123456789012',
      createdAt: '2026-12-01T00:00:00.000Z',
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
      planHash: 'hash-1',
    };
    ddb.on(ScanCommand, { TableName: TABLE_NAMES.message_responses }).resolves({ Items: [pending] });
    const actions = [{ service: 's3', action: 'PutPublicAccessBlock', params: { Bucket: 'exports' } }];
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 12,
          previousEventId: 11,
          type: 'TaskScheduled',
          timestamp: new Date(),
          taskScheduledEventDetails: {
            resource: 'invoke.waitForTaskToken',
            resourceType: 'lambda',
            region: REGION,
            parameters: JSON.stringify({
              FunctionName: 'fn',
              Payload: { parameters: { question: 'Apply?', actions } },
            }),
          },
        },
        { id: 11, type: 'TaskStateEntered', timestamp: new Date(), stateEnteredEventDetails: { name: 'Ask_Approval' } },
      ],
    });
    const b = backend(remediateFinding());
    const [approval] = await b.approvals();
    expect(approval).toMatchObject({
      id: 'm-1',
      executionArn: ARN,
      state: 'Ask_Approval',
      // The integration that asks (the state's Lambda in the playbook), not the channel it asked on.
      integration: 'request_approval',
      channel: 'slack',
      investigationId: 'inv-1',
      parameters: { title: 'S3.8 in 123456789012', plan_hash: 'hash-1', question: 'Apply?', actions },
    });
    expect(sfn.commandCalls(GetExecutionHistoryCommand)[0]?.args[0].input).toMatchObject({
      executionArn: ARN,
      reverseOrder: true,
      maxResults: 100,
    });

    sts.on(GetCallerIdentityCommand).resolves({ Arn: OPERATOR_ARN, Account: HUB, UserId: 'AROA:alice' });
    ddb.on(GetCommand, { TableName: TABLE_NAMES.message_responses }).resolves({ Item: pending });
    ddb.on(UpdateCommand).resolves({});
    sfn.on(SendTaskSuccessCommand).resolves({});
    const answered = await b.answer('m-1', 'approve', 'aws:alice', 'owner agreed');
    expect(answered).toMatchObject({ ok: true });
    const claim = ddb.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(claim).toMatchObject({
      TableName: TABLE_NAMES.message_responses,
      Key: { messageId: 'm-1' },
      ExpressionAttributeValues: { ':responder': OPERATOR_ARN, ':decision': 'approve', ':note': 'aws:alice' },
    });
    const sent = sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input;
    expect(sent?.taskToken).toBe('token-1');
    expect(JSON.parse(sent?.output ?? '{}')).toMatchObject({
      decision: 'approve',
      responder: OPERATOR_ARN,
      plan_hash: 'hash-1',
    });
    expect(sfn.commandCalls(SendTaskFailureCommand)).toHaveLength(0);

    ddb.on(GetCommand, { TableName: TABLE_NAMES.message_responses }).resolves({
      Item: { ...pending, answeredAt: '2026-12-01T00:01:00.000Z', responder: 'U0ALICE' },
    });
    expect(await b.answer('m-1', 'reject', 'aws:alice', '')).toMatchObject({
      ok: false,
      message: 'interaction "m-1" was already answered by U0ALICE at 2026-12-01T00:01:00.000Z',
    });
  });

  it('re-reads, at each refresh, the investigation whose execution the console answered', async () => {
    ddb.on(ScanCommand).resolves({ Items: [] });
    const b = backend();
    await b.start();
    sts.on(GetCallerIdentityCommand).resolves({ Arn: OPERATOR_ARN });
    ddb.on(GetCommand, { TableName: TABLE_NAMES.message_responses }).resolves({
      Item: { messageId: 'm-2', taskToken: 't-2', investigationId: 'inv-7', executionId: ARN, state: 'Ask_Approval' },
    });
    ddb.on(UpdateCommand).resolves({});
    sfn.on(SendTaskFailureCommand).resolves({});
    expect(await b.answer('m-2', 'reject', 'aws:alice', 'not now')).toMatchObject({ ok: true });
    expect(sfn.commandCalls(SendTaskFailureCommand)[0]?.args[0].input.taskToken).toBe('t-2');
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(GetCommand, { TableName: TABLE_NAMES.events }).resolves({
      Item: opener('inv-7', '111111111111', '2026-12-01T00:00:00.000Z', { investigationStatus: 'closed' }),
    });
    ddb.on(GetCommand, { TableName: TABLE_NAMES.dedup }).resolves({});
    await b.refresh();
    const reads = ddb.commandCalls(GetCommand).map((c) => c.args[0].input);
    expect(reads).toContainEqual(expect.objectContaining({ TableName: TABLE_NAMES.events, Key: { id: 'inv-7' } }));
    expect((await b.listInvestigations({ status: 'closed' }, 1, 10)).items.map((i) => i.id)).toEqual(['inv-7']);
  });

  it("lists a playbook's recent executions from its state machine", async () => {
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        {
          executionArn: ARN,
          stateMachineArn: 'x',
          name: 'inv-1-remediate-finding',
          status: 'SUCCEEDED',
          startDate: new Date('2026-12-01T00:00:00Z'),
        },
      ],
    });
    const runs = await backend().recentExecutions('remediate-finding', 500);
    expect(sfn.commandCalls(ListExecutionsCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: `arn:aws:states:${REGION}:${HUB}:stateMachine:socless-remediate-finding`,
      maxResults: 100,
    });
    expect(runs).toEqual([
      {
        arn: ARN,
        playbook: 'remediate-finding',
        name: 'inv-1-remediate-finding',
        status: 'SUCCEEDED',
        startedAt: '2026-12-01T00:00:00.000Z',
      },
    ]);
  });

  it('closes through the investigations repository and re-reads the investigation into the index at once', async () => {
    ddb.on(ScanCommand).resolves({ Items: [] });
    ddb.on(ScanCommand, { TableName: TABLE_NAMES.events }).resolves({
      Items: [opener('inv-1', '111111111111', '2026-12-01T00:00:00.000Z')],
    });
    const b = backend();
    await b.start();
    let closed = false;
    ddb.on(GetCommand, { TableName: TABLE_NAMES.events }).callsFake(() => ({
      Item: opener(
        'inv-1',
        '111111111111',
        '2026-12-01T00:00:00.000Z',
        closed
          ? {
              investigationStatus: 'closed',
              resolution: 'false-positive',
              closedBy: 'person',
              closedByName: 'aws:alice',
            }
          : {},
      ),
    }));
    ddb.on(GetCommand, { TableName: TABLE_NAMES.dedup }).resolves({});
    ddb.on(UpdateCommand, { TableName: TABLE_NAMES.events }).callsFake(() => {
      closed = true;
      return { Attributes: { dedupKey: 'key-inv-1', investigationId: 'inv-1' } };
    });
    ddb.on(UpdateCommand, { TableName: TABLE_NAMES.dedup }).resolves({});
    const result = await b.close('inv-1', { resolution: 'false-positive', reason: 'red team' }, 'aws:alice');
    expect(result).toMatchObject({ ok: true });
    const update = ddb.commandCalls(UpdateCommand).find((c) => c.args[0].input.TableName === TABLE_NAMES.events);
    expect(update?.args[0].input.ExpressionAttributeValues).toMatchObject({ ':s': 'closed' });
    expect((await b.listInvestigations({ status: 'closed' }, 1, 10)).items).toEqual([
      expect.objectContaining({ id: 'inv-1', resolution: 'false-positive', closedByName: 'aws:alice' }),
    ]);
    expect(await b.close('inv-1', { resolution: 'nope', reason: 'x' }, 'aws:alice')).toMatchObject({ ok: false });
  });
});

describe('AwsConsoleBackend actions and reads through shared code', () => {
  it('refuses an undo of an execution that applied nothing (the remediations table, queried by execution)', async () => {
    ddb.on(QueryCommand, { TableName: TABLE_NAMES.remediations }).resolves({ Items: [] });
    const result = await backend().undo(ARN, 'aws:alice');
    expect(result).toMatchObject({ ok: false, message: expect.stringContaining('applied no remediation') });
    expect(ddb.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      TableName: TABLE_NAMES.remediations,
      ExpressionAttributeValues: { ':e': ARN },
    });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('reads a raw event offloaded to the vault with the operator credentials', async () => {
    const s3 = mockClient(S3Client);
    try {
      ddb.on(GetCommand, { TableName: TABLE_NAMES.events }).resolves({
        Item: opener('inv-1', '111111111111', '2026-12-01T00:00:00.000Z', {
          rawRef: { bucket: 'hub-vault', key: 'raw/inv-1.json' },
        }),
      });
      ddb.on(GetCommand, { TableName: TABLE_NAMES.dedup }).resolves({});
      ddb.on(QueryCommand).resolves({ Items: [{ id: 'inv-1' }] });
      // The SDK's stream body, as far as the backend reads it.
      s3.on(GetObjectCommand).resolves({
        Body: { transformToString: async () => '{"title":"<b>raw</b>"}' },
      } as never);
      const b = new AwsConsoleBackend({
        config,
        region: REGION,
        tables: TABLE_NAMES,
        vaultBucket: 'hub-vault',
        documents: createDocumentClient({ region: REGION }),
        sfn: new SFNClient({ region: REGION }),
        s3: new S3Client({ region: REGION }),
        refreshMs: 0,
        playbooks: [],
      });
      const shown = await b.investigation('inv-1');
      expect(shown?.raw).toEqual({ title: '<b>raw</b>' });
      expect(shown?.normalized).not.toHaveProperty('rawRef');
      expect(s3.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
        Bucket: 'hub-vault',
        Key: 'raw/inv-1.json',
      });
      // A reference to any other bucket is not read: the raw event is then unavailable, the page says so.
      ddb.on(GetCommand, { TableName: TABLE_NAMES.events }).resolves({
        Item: opener('inv-1', '111111111111', '2026-12-01T00:00:00.000Z', {
          rawRef: { bucket: 'someone-elses-bucket', key: 'raw/inv-1.json' },
        }),
      });
      expect((await b.investigation('inv-1'))?.raw).toBeUndefined();
      expect(s3.commandCalls(GetObjectCommand)).toHaveLength(1);
    } finally {
      s3.restore();
    }
  });
});

describe('answers with AWS credentials', () => {
  it('are allowed for an IAM principal ARN only (what GetCallerIdentity returns)', async () => {
    expect(await authorizeResponder({}, { provider: 'aws', id: OPERATOR_ARN }, {})).toBeUndefined();
    expect(await authorizeResponder({}, { provider: 'aws', id: `arn:aws:iam::${HUB}:user/bob` }, {})).toBeUndefined();
    expect(await authorizeResponder({}, { provider: 'aws', id: 'aws:alice' }, {})).toBe(
      '"aws:alice" is not an IAM principal ARN',
    );
  });
});

describe('historySteps', () => {
  it('keeps a retried state that then succeeded as succeeded, and marks the waiting one', () => {
    const t = new Date('2026-12-01T00:00:00Z');
    const steps = historySteps(
      [
        { id: 1, type: 'TaskStateEntered', timestamp: t, stateEnteredEventDetails: { name: 'A', input: '{}' } },
        { id: 2, type: 'LambdaFunctionFailed', timestamp: t, lambdaFunctionFailedEventDetails: { error: 'Throttled' } },
        { id: 3, type: 'LambdaFunctionSucceeded', timestamp: t },
        { id: 4, type: 'TaskStateExited', timestamp: t, stateExitedEventDetails: { name: 'A', output: '{"ok":true}' } },
        { id: 5, type: 'TaskStateEntered', timestamp: t, stateEnteredEventDetails: { name: 'Ask', input: '{}' } },
      ],
      'Ask',
    );
    expect(steps.map((s) => [s.state, s.status, s.error])).toEqual([
      ['A', 'succeeded', undefined],
      ['Ask', 'waiting', undefined],
    ]);
  });
});

describe('Express executions (no Step Functions history)', () => {
  const saved = (
    state: string,
    savedAt: string,
    status: 'succeeded' | 'failed',
    extra: Record<string, unknown> = {},
  ) => ({
    executionId: EXPRESS_ARN,
    stateKey: `${state}#${savedAt}#x`,
    state,
    playbook: 'remediate-finding-express',
    integration: 'x',
    investigationId: 'inv-1',
    savedAt,
    status,
    expiresAt: 0,
    ...extra,
  });
  const logged = (type: string, at: number, details: Record<string, unknown> = {}) => ({
    timestamp: at,
    message: JSON.stringify({ type, execution_arn: EXPRESS_ARN, event_timestamp: String(at), details }),
  });
  const express = () =>
    compileAllPlaybooks(DEFAULT_PLAYBOOKS_DIR, { integrations: INTEGRATION_CATALOG }).playbooks.filter((p) =>
      p.name.startsWith('remediate-finding'),
    );

  it('reads the path and outputs from the results table and the failure from the log group, never the history', async () => {
    ddb.on(QueryCommand, { TableName: TABLE_NAMES.results }).resolves({
      Items: [
        saved('Remediate', '2026-12-01T00:00:03.000Z', 'failed', { error: { name: 'AccessDenied', message: 'no' } }),
        saved('Enrich', '2026-12-01T00:00:01.000Z', 'succeeded', { result: { owner: 'x' } }),
      ],
    });
    ddb.on(QueryCommand, { TableName: TABLE_NAMES.remediations }).resolves({ Items: [] });
    logs.on(FilterLogEventsCommand).resolves({
      events: [
        logged('TaskFailed', Date.parse('2026-12-01T00:00:03.500Z'), { error: 'AccessDenied', cause: 'no' }),
        logged('ExecutionFailed', Date.parse('2026-12-01T00:00:04.000Z'), {
          error: 'Socless.TaskFailed',
          cause: 'see the history',
        }),
      ],
    });
    const detail = await backend(express()).execution(EXPRESS_ARN);
    expect(sfn.commandCalls(GetExecutionHistoryCommand)).toHaveLength(0);
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
    expect(detail).toMatchObject({
      arn: EXPRESS_ARN,
      playbook: 'remediate-finding-express',
      name: 'remediate-finding-express-0123abcd',
      status: 'FAILED',
      investigationId: 'inv-1',
      // The task's failure, not the TaskFailureHandler's pointer.
      error: 'AccessDenied',
      cause: 'no',
      stoppedAt: '2026-12-01T00:00:04.000Z',
      derivedFrom: expect.stringContaining('results table'),
      steps: [
        { state: 'Enrich', status: 'succeeded', output: { owner: 'x' } },
        { state: 'Remediate', status: 'failed', error: { name: 'AccessDenied', message: 'no' } },
      ],
    });
    expect(detail?.playbookDefinition?.name).toBe('remediate-finding-express');
    const filter = logs.commandCalls(FilterLogEventsCommand)[0]?.args[0].input;
    expect(filter).toMatchObject({
      logGroupName: '/aws/vendedlogs/states/socless-remediate-finding-express',
      filterPattern: `{ $.execution_arn = "${EXPRESS_ARN}" }`,
    });
    // Within the 5 minutes an Express execution can last around what it saved.
    expect(filter?.startTime).toBe(Date.parse('2026-12-01T00:00:01.000Z') - 5 * 60_000);
    expect(filter?.endTime).toBe(Date.parse('2026-12-01T00:00:03.000Z') + 5 * 60_000);
  });

  it('reads rows saved without state and savedAt attributes, a compressed result among them, beside an older row', async () => {
    const stored = (state: string, savedAt: string, extra: Record<string, unknown>) => {
      const { state: _s, savedAt: _a, ...row } = saved(state, savedAt, 'succeeded', extra);
      return toStoredRow({ ...row, state, savedAt, stateKey: resultStateKey(state, savedAt, 'req-1') });
    };
    const plan = { remediation: { id: 'security-group-open-ingress', summary: 'revoke '.repeat(200) } };
    const compressed = stored('Remediate', '2026-12-01T00:00:03.000Z', { result: plan });
    expect(compressed).not.toHaveProperty('state');
    expect(compressed).toHaveProperty('resultBrotli');
    ddb.on(QueryCommand, { TableName: TABLE_NAMES.results }).resolves({
      Items: [
        saved('Enrich', '2026-12-01T00:00:01.000Z', 'succeeded', { result: { owner: 'x' } }),
        stored('Decide #1', '2026-12-01T00:00:02.000Z', { result: { go: true } }),
        compressed,
      ],
    });
    ddb.on(QueryCommand, { TableName: TABLE_NAMES.remediations }).resolves({ Items: [] });
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const detail = await backend(express()).execution(EXPRESS_ARN);
    expect(detail?.steps).toEqual([
      { state: 'Enrich', status: 'succeeded', output: { owner: 'x' } },
      { state: 'Decide #1', status: 'succeeded', output: { go: true } },
      { state: 'Remediate', status: 'succeeded', output: plan },
    ]);
    expect(detail?.results.map((r) => [r.state, r.savedAt, r.integration])).toEqual([
      ['Enrich', '2026-12-01T00:00:01.000Z', 'x'],
      ['Decide #1', '2026-12-01T00:00:02.000Z', 'x'],
      ['Remediate', '2026-12-01T00:00:03.000Z', 'x'],
    ]);
    expect(detail?.stoppedAt).toBe('2026-12-01T00:00:03.000Z');
  });

  it('says succeeded when nothing failed within the Express limit, unknown when the logs cannot be read, and refuses a malformed ARN', async () => {
    ddb.on(QueryCommand, { TableName: TABLE_NAMES.results }).resolves({
      Items: [saved('Enrich', '2026-12-01T00:00:01.000Z', 'succeeded', { result: { owner: 'x' } })],
    });
    ddb.on(QueryCommand, { TableName: TABLE_NAMES.remediations }).resolves({ Items: [] });
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    expect(await backend(express()).execution(EXPRESS_ARN)).toMatchObject({
      status: 'SUCCEEDED',
      stoppedAt: '2026-12-01T00:00:01.000Z',
    });
    logs
      .on(FilterLogEventsCommand)
      .rejects(
        Object.assign(new Error('not authorized to perform logs:FilterLogEvents'), { name: 'AccessDeniedException' }),
      );
    const unread = await backend(express()).execution(EXPRESS_ARN);
    expect(unread?.status).toBe('UNKNOWN');
    expect(unread?.derivedFrom).toContain('AccessDeniedException: not authorized');
    expect(unread?.steps.map((step) => step.state)).toEqual(['Enrich']);
    expect(await backend(express()).execution(`${EXPRESS_ARN}"} || {`)).toBeUndefined();
    expect(sfn.commandCalls(GetExecutionHistoryCommand)).toHaveLength(0);
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  });

  it("lists an investigation's Express run as the events table recorded it, without DescribeExecution", async () => {
    ddb.on(GetCommand, { TableName: TABLE_NAMES.events }).resolves({
      Item: opener('inv-1', '111111111111', '2026-12-01T00:00:00.000Z', {
        status: 'dispatched',
        executions: [
          { playbook: 'remediate-finding-express', name: 'remediate-finding-express-0123abcd', arn: EXPRESS_ARN },
        ],
      }),
    });
    ddb.on(GetCommand, { TableName: TABLE_NAMES.dedup }).resolves({});
    ddb.on(QueryCommand, { TableName: TABLE_NAMES.events }).resolves({ Items: [{ id: 'inv-1' }] });
    ddb.on(QueryCommand, { TableName: TABLE_NAMES.results }).resolves({
      Items: [saved('Enrich', '2026-12-01T00:00:01.000Z', 'succeeded', { result: { owner: 'x' } })],
    });
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const shown = await backend(express()).investigation('inv-1');
    expect(shown?.executions).toEqual([
      expect.objectContaining({
        arn: EXPRESS_ARN,
        playbook: 'remediate-finding-express',
        status: 'SUCCEEDED',
        investigationId: 'inv-1',
      }),
    ]);
    // Its log window starts at the event's receipt.
    expect(logs.commandCalls(FilterLogEventsCommand)[0]?.args[0].input.startTime).toBe(
      Date.parse('2026-12-01T00:00:00.000Z') - 60_000,
    );
    expect(sfn.commandCalls(GetExecutionHistoryCommand)).toHaveLength(0);
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  });

  it("lists an Express playbook's recent runs from the investigations routed to it, without ListExecutions", async () => {
    ddb.on(ScanCommand).resolves({ Items: [] });
    ddb.on(ScanCommand, { TableName: TABLE_NAMES.events }).resolves({
      Items: [opener('inv-1', '111111111111', '2026-12-01T00:00:00.000Z')],
    });
    ddb.on(GetCommand, { TableName: TABLE_NAMES.events }).resolves({
      Item: opener('inv-1', '111111111111', '2026-12-01T00:00:00.000Z', {
        executions: [
          { playbook: 'remediate-finding-express', name: 'remediate-finding-express-0123abcd', arn: EXPRESS_ARN },
        ],
      }),
    });
    ddb.on(GetCommand, { TableName: TABLE_NAMES.dedup }).resolves({});
    ddb.on(QueryCommand, { TableName: TABLE_NAMES.events }).resolves({ Items: [{ id: 'inv-1' }] });
    ddb.on(QueryCommand, { TableName: TABLE_NAMES.results }).resolves({ Items: [] });
    logs.on(FilterLogEventsCommand).resolves({ events: [] });
    const b = backend(express());
    await b.start();
    const recent = await b.recentExecutions('remediate-finding-express', 10);
    expect(recent).toEqual([expect.objectContaining({ arn: EXPRESS_ARN, status: 'UNKNOWN' })]);
    expect(sfn.commandCalls(ListExecutionsCommand)).toHaveLength(0);
  });
});

describe('accounts page OU names', () => {
  const registry = [
    {
      accountId: '111111111111',
      ouId: 'ou-ab12-dev00001',
      ouPath: ['r-ab12', 'ou-ab12-sec00001', 'ou-ab12-dev00001'],
      mode: 'dry-run',
    },
    { accountId: '222222222222', ouId: 'ou-ab12-sec00001', ouPath: ['r-ab12', 'ou-ab12-sec00001'], mode: 'off' },
  ];
  const named: Record<string, string> = { 'ou-ab12-sec00001': 'Security', 'ou-ab12-dev00001': 'Dev' };
  const denied = (name: string, message: string) => Object.assign(new Error(message), { name });

  it('names OUs with DescribeOrganizationalUnit once each, retrying a throttled call, and keeps the names', async () => {
    ddb.on(ScanCommand, { TableName: TABLE_NAMES.accounts }).resolves({ Items: registry });
    ddb.on(QueryCommand).resolves({ Items: [] });
    let throttled = false;
    orgs.on(DescribeOrganizationalUnitCommand).callsFake((input: { OrganizationalUnitId: string }) => {
      if (!throttled) {
        throttled = true;
        throw denied('TooManyRequestsException', 'AWS Organizations can not complete your request');
      }
      return { OrganizationalUnit: { Id: input.OrganizationalUnitId, Name: named[input.OrganizationalUnitId] } };
    });
    const b = backend();
    const accounts = await b.accounts();
    expect(accounts.map((a) => [a.accountId, a.ouPath, a.ouNamesError])).toEqual([
      ['111111111111', ['Root', 'Security', 'Dev'], undefined],
      ['222222222222', ['Root', 'Security'], undefined],
    ]);
    const asked = orgs.commandCalls(DescribeOrganizationalUnitCommand).map((c) => c.args[0].input.OrganizationalUnitId);
    // Two OUs, one retried after the throttle; the root is never asked about.
    expect(asked).toHaveLength(3);
    expect(new Set(asked)).toEqual(new Set(['ou-ab12-sec00001', 'ou-ab12-dev00001']));
    await b.accounts();
    expect(orgs.commandCalls(DescribeOrganizationalUnitCommand)).toHaveLength(3);
  });

  it.each([
    ['AccessDeniedException', 'You don’t have permissions to access this resource.'],
    ['AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.'],
  ])('falls back to ids and says why when Organizations answers %s, without asking again', async (name, message) => {
    ddb.on(ScanCommand, { TableName: TABLE_NAMES.accounts }).resolves({ Items: registry });
    ddb.on(QueryCommand).resolves({ Items: [] });
    orgs.on(DescribeOrganizationalUnitCommand).rejects(denied(name, message));
    const b = backend();
    const accounts = await b.accounts();
    expect(accounts[0]?.ouPath).toEqual(['Root', 'ou-ab12-sec00001', 'ou-ab12-dev00001']);
    expect(accounts[0]?.ouNamesError).toBe(`${name}: ${message}`);
    const calls = orgs.commandCalls(DescribeOrganizationalUnitCommand).length;
    expect(calls).toBeLessThanOrEqual(2);
    await b.accounts();
    expect(orgs.commandCalls(DescribeOrganizationalUnitCommand)).toHaveLength(calls);
    const html = String(
      await AccountsPage({ ctx: { label: 'aws', operator: OPERATOR_ARN, csrf: 'c', path: '/accounts' }, accounts }),
    );
    expect(html).toContain('data-testid="ou-names-unavailable"');
    expect(html).toContain(`OU names could not be read, so OUs are shown by id: ${name}`);
  });
});
