import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { STATE_MACHINE_NAME_PREFIX } from '../../hub/constructs/playbook-state-machine.ts';
import {
  applyReplay,
  findFailures,
  listPlaybookStateMachines,
  PLAYBOOK_STATE_MACHINE_PREFIX,
  parseSince,
  planReplay,
  startPlaybook,
} from '../../scripts/org/executions.ts';
import { createGates } from '../../scripts/org/gates.ts';
import { testConfig, virtualClock } from './helpers.ts';

const sfnMock = mockClient(SFNClient);
const ddbMock = mockClient(DynamoDBDocumentClient);
afterEach(() => {
  sfnMock.reset();
  ddbMock.reset();
});

const SM = 'arn:aws:states:us-east-1:100000000000:stateMachine:socless-contain-key';
const gates = () => createGates({ clock: virtualClock() });
const sfn = () => new SFNClient({ region: 'us-east-1' });

describe('listPlaybookStateMachines', () => {
  it('keeps the socless- state machines of every page, named by playbook', async () => {
    expect(PLAYBOOK_STATE_MACHINE_PREFIX).toBe(STATE_MACHINE_NAME_PREFIX);
    sfnMock
      .on(ListStateMachinesCommand)
      .resolvesOnce({
        stateMachines: [
          { name: 'socless-contain-key', stateMachineArn: SM, type: 'STANDARD', creationDate: new Date() },
        ],
        nextToken: 'p2',
      })
      .resolvesOnce({
        stateMachines: [{ name: 'other-app', stateMachineArn: 'arn:x', type: 'STANDARD', creationDate: new Date() }],
      });

    const machines = await listPlaybookStateMachines(sfn(), gates());

    expect(machines).toEqual([{ playbook: 'contain-key', arn: SM, type: 'STANDARD' }]);
  });
});

describe('findFailures', () => {
  it('lists failed executions in the window with the failing state and the error cause', async () => {
    const recent = new Date('2025-06-01T10:00:00Z');
    sfnMock.on(ListExecutionsCommand).resolves({ executions: [] });
    sfnMock.on(ListExecutionsCommand, { statusFilter: 'FAILED' }).resolves({
      executions: [
        {
          executionArn: `${SM}:run-1`,
          stateMachineArn: SM,
          name: 'run-1',
          status: 'FAILED',
          startDate: recent,
          stopDate: recent,
        },
        {
          executionArn: `${SM}:old`,
          stateMachineArn: SM,
          name: 'old',
          status: 'FAILED',
          startDate: new Date('2025-05-01T00:00:00Z'),
        },
      ],
      nextToken: 'never-read',
    });
    sfnMock.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 9,
          type: 'ExecutionFailed',
          timestamp: recent,
          executionFailedEventDetails: { error: 'States.TaskFailed', cause: 'AccessDenied on iam:UpdateAccessKey' },
        },
        {
          id: 8,
          type: 'TaskFailed',
          timestamp: recent,
          taskFailedEventDetails: { error: 'Lambda.Unknown', cause: 'x', resource: 'r', resourceType: 'lambda' },
        },
        { id: 7, type: 'TaskStateEntered', timestamp: recent, stateEnteredEventDetails: { name: 'DisableKey' } },
      ],
    });

    const report = await findFailures(
      { sfn: sfn(), gates: gates() },
      [{ playbook: 'contain-key', arn: SM, type: 'STANDARD' }],
      '2025-06-01T00:00:00.000Z',
    );

    expect(report.failures).toEqual([
      {
        playbook: 'contain-key',
        executionArn: `${SM}:run-1`,
        name: 'run-1',
        status: 'FAILED',
        startDate: recent.toISOString(),
        stopDate: recent.toISOString(),
        failedState: 'DisableKey',
        error: 'States.TaskFailed',
        cause: 'AccessDenied on iam:UpdateAccessKey',
      },
    ]);
    expect(sfnMock.commandCalls(ListExecutionsCommand, { statusFilter: 'FAILED' })).toHaveLength(1);
    expect(sfnMock.commandCalls(GetExecutionHistoryCommand)[0]!.args[0].input).toMatchObject({ reverseOrder: true });
  });

  it('reads past the TaskFailureHandler to the task that failed: its state and its own message', async () => {
    const when = new Date('2025-06-01T10:00:00Z');
    sfnMock.on(ListExecutionsCommand).resolves({ executions: [] });
    sfnMock.on(ListExecutionsCommand, { statusFilter: 'FAILED' }).resolves({
      executions: [
        {
          executionArn: `${SM}:run-2`,
          stateMachineArn: SM,
          name: 'run-2',
          status: 'FAILED',
          startDate: when,
          stopDate: when,
        },
      ],
    });
    sfnMock.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 20,
          type: 'ExecutionFailed',
          timestamp: when,
          executionFailedEventDetails: {
            error: 'Socless.TaskFailed',
            cause: 'A task failed and the playbook TaskFailureHandler ran; see $.errors in the execution history.',
          },
        },
        { id: 19, type: 'FailStateEntered', timestamp: when, stateEnteredEventDetails: { name: '_End_With_Failure' } },
        { id: 18, type: 'TaskStateExited', timestamp: when, stateExitedEventDetails: { name: '_Handle_Task_Failure' } },
        {
          id: 17,
          type: 'TaskStateEntered',
          timestamp: when,
          stateEnteredEventDetails: { name: '_Handle_Task_Failure' },
        },
        {
          id: 16,
          type: 'TaskFailed',
          timestamp: when,
          taskFailedEventDetails: {
            error: 'RemediationApiError',
            cause:
              '{"errorType":"RemediationApiError","errorMessage":"remediation iam-access-key-deactivate: iam:UpdateAccessKey failed: AccessDenied: not authorized"}',
            resource: 'invoke',
            resourceType: 'lambda',
          },
        },
        { id: 15, type: 'TaskStateEntered', timestamp: when, stateEnteredEventDetails: { name: 'Remediate' } },
      ],
    });
    const report = await findFailures(
      { sfn: sfn(), gates: gates() },
      [{ playbook: 'remediate-finding', arn: SM, type: 'STANDARD' }],
      '2025-06-01T00:00:00.000Z',
    );
    expect(report.failures[0]).toMatchObject({
      failedState: 'Remediate',
      error: 'RemediationApiError',
      cause: 'remediation iam-access-key-deactivate: iam:UpdateAccessKey failed: AccessDenied: not authorized',
    });
  });

  it('skips Express playbooks, which keep no history in Step Functions', async () => {
    const report = await findFailures(
      { sfn: sfn(), gates: gates() },
      [{ playbook: 'fast', arn: SM, type: 'EXPRESS' }],
      '2025-06-01T00:00:00.000Z',
    );
    expect(report.skipped).toEqual(['fast']);
    expect(sfnMock.commandCalls(ListExecutionsCommand)).toHaveLength(0);
  });
});

describe('planReplay and applyReplay', () => {
  it('re-drives the failed redrivable executions of recorded events and skips the rest with a reason', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    ddbMock
      .on(QueryCommand, { ExpressionAttributeValues: { ':s': 'dispatched', ':since': '2025-06-01T00:00:00.000Z' } })
      .resolves({
        Items: [
          {
            id: 'e1',
            status: 'dispatched',
            receivedAt: '2025-06-01T01:00:00Z',
            updatedAt: 'x',
            executions: [{ playbook: 'contain-key', name: 'n1', arn: `${SM.replace('stateMachine', 'execution')}:n1` }],
          },
          {
            id: 'e2',
            status: 'dispatched',
            receivedAt: '2025-06-01T02:00:00Z',
            updatedAt: 'x',
            executions: [{ playbook: 'contain-key', name: 'n2', arn: `${SM.replace('stateMachine', 'execution')}:n2` }],
          },
          {
            id: 'e3',
            status: 'dispatched',
            receivedAt: '2025-06-01T03:00:00Z',
            updatedAt: 'x',
            executions: [{ playbook: 'contain-key', name: 'n3', arn: `${SM.replace('stateMachine', 'execution')}:n3` }],
          },
        ],
      });
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });
    sfnMock
      .on(DescribeExecutionCommand, { executionArn: `${SM.replace('stateMachine', 'execution')}:n1` })
      .resolves({ status: 'FAILED', redriveStatus: 'REDRIVABLE' });
    sfnMock.on(DescribeExecutionCommand, { executionArn: `${SM.replace('stateMachine', 'execution')}:n2` }).resolves({
      status: 'FAILED',
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution is older than 14 days',
    });
    sfnMock.on(RedriveExecutionCommand).resolves({ redriveDate: new Date() });
    const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
    const g = gates();

    const items = await planReplay(
      { sfn: sfn(), documents, eventsTable: 'events', gates: g },
      { since: '2025-06-01T00:00:00.000Z' },
    );
    const results = await applyReplay({ sfn: sfn(), gates: g }, items);

    expect(items.map((i) => [i.eventId, i.action, i.reason])).toEqual([
      ['e1', 'redrive', undefined],
      ['e2', 'skip', 'Execution is older than 14 days'],
    ]);
    expect(results).toEqual([{ executionArn: `${SM.replace('stateMachine', 'execution')}:n1`, ok: true }]);
    expect(sfnMock.commandCalls(RedriveExecutionCommand)).toHaveLength(1);
    expect(ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input.IndexName)).toEqual([
      'status-index',
      'status-index',
    ]);
  });
});

describe('startPlaybook', () => {
  it('starts the playbook state machine with the pipeline input and a manual execution name', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${SM}:manual`, startDate: new Date() });
    const text = readFileSync(
      new URL('../../playbooks/guardduty-triage/events/crypto-mining-high.json', import.meta.url),
      'utf8',
    );
    const account = (JSON.parse(text) as { account: string }).account;

    const out = await startPlaybook(
      { sfn: sfn(), gates: gates(), config: testConfig(), now: () => 0 },
      'contain-key',
      text,
      'event.json',
    );

    const input = sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(input.stateMachineArn).toBe(SM);
    expect(input.name).toMatch(/^manual-contain-key-[0-9a-f]{24}$/);
    expect(JSON.parse(input.input ?? '{}').artifacts.account).toEqual({ id: account, mode: 'notify' });
    expect(out.executionArn).toBe(`${SM}:manual`);
  });

  it('refuses, before StartExecution, an event whose detail names another account than the one that sent it', async () => {
    const event = JSON.parse(
      readFileSync(new URL('../../playbooks/guardduty-triage/events/crypto-mining-high.json', import.meta.url), 'utf8'),
    ) as { account: string; detail: Record<string, unknown> };
    const forged = { ...event, detail: { ...event.detail, accountId: '999999999999' } };
    await expect(
      startPlaybook(
        { sfn: sfn(), gates: gates(), config: testConfig() },
        'contain-key',
        JSON.stringify(forged),
        'forged.json',
      ),
    ).rejects.toThrow(/forged.json: not started.*names 999999999999 but the event came from account/);
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('names the file when the event is not valid JSON', async () => {
    await expect(
      startPlaybook({ sfn: sfn(), gates: gates(), config: testConfig() }, 'p', '{', 'bad.json'),
    ).rejects.toThrow(/bad.json: is not valid JSON/);
  });
});

describe('parseSince', () => {
  it('reads durations and ISO times, and names the option on bad input', () => {
    const now = Date.UTC(2025, 5, 2);
    expect(parseSince('24h', now)).toBe('2025-06-01T00:00:00.000Z');
    expect(parseSince('30m', now)).toBe('2025-06-01T23:30:00.000Z');
    expect(parseSince('2025-05-01T00:00:00Z', now)).toBe('2025-05-01T00:00:00.000Z');
    expect(() => parseSince('yesterday', now, '--events-since')).toThrow(/--events-since: "yesterday"/);
  });
});
