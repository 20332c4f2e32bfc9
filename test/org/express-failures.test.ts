import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { expressLogGroup, findFailures } from '../../scripts/org/executions.ts';
import { createGates } from '../../scripts/org/gates.ts';
import { TASK_FAILURE_ERROR } from '../../shared/playbook/model.ts';
import { virtualClock } from './helpers.ts';

// `socless exec failures` on an Express playbook: Step Functions keeps no history, so the failures come from the
// state machine's log group, which holds only error events (ERROR level with data).
const logsMock = mockClient(CloudWatchLogsClient);
afterEach(() => logsMock.reset());

const SM = 'arn:aws:states:us-east-1:100000000000:stateMachine:socless-remediate-finding-express';
const run = (name: string) =>
  `arn:aws:states:us-east-1:100000000000:express:socless-remediate-finding-express:${name}:1`;
const line = (type: string, arn: string, at: number, details: Record<string, string> = {}) => ({
  timestamp: at,
  message: JSON.stringify({ id: '1', type, details, execution_arn: arn, event_timestamp: String(at) }),
});
const since = '2025-06-01T00:00:00.000Z';
const at = Date.parse('2025-06-01T10:00:00Z');

describe('findFailures on an Express playbook', () => {
  it('reads failed runs from the log group, with the failed task error behind the TaskFailureHandler', async () => {
    logsMock
      .on(FilterLogEventsCommand, { logGroupName: expressLogGroup('remediate-finding-express'), nextToken: undefined })
      .resolves({
        events: [
          line('LambdaFunctionFailed', run('a'), at, {
            error: 'AccessDenied',
            cause: 'not authorized: s3:PutPublicAccessBlock',
          }),
          { timestamp: at, message: 'not json' },
        ],
        nextToken: 'page-2',
      })
      .on(FilterLogEventsCommand, { nextToken: 'page-2' })
      .resolves({
        events: [
          line('ExecutionFailed', run('a'), at + 5, { error: TASK_FAILURE_ERROR, cause: 'see the history' }),
          line('ExecutionFailed', run('b'), at + 9, {
            error: 'Socless.ApprovalNeedsStandard',
            cause: 'This run would ask a person',
          }),
          // A caught task error in a run that then succeeded: no execution end, not a failure.
          line('TaskFailed', run('c'), at, { error: 'States.Timeout' }),
        ],
      });

    const report = await findFailures(
      {
        sfn: new SFNClient({ region: 'us-east-1' }),
        gates: createGates({ clock: virtualClock() }),
        logs: new CloudWatchLogsClient({ region: 'us-east-1' }),
      },
      [{ playbook: 'remediate-finding-express', arn: SM, type: 'EXPRESS' }],
      since,
    );

    expect(report.errors).toEqual([]);
    expect(report.skipped).toEqual([]);
    expect(report.failures).toEqual([
      {
        playbook: 'remediate-finding-express',
        executionArn: run('b'),
        name: 'b',
        status: 'FAILED',
        stopDate: new Date(at + 9).toISOString(),
        error: 'Socless.ApprovalNeedsStandard',
        cause: 'This run would ask a person',
      },
      {
        playbook: 'remediate-finding-express',
        executionArn: run('a'),
        name: 'a',
        status: 'FAILED',
        stopDate: new Date(at + 5).toISOString(),
        error: 'AccessDenied',
        cause: 'not authorized: s3:PutPublicAccessBlock',
      },
    ]);
    expect(logsMock.commandCalls(FilterLogEventsCommand)[0]?.args[0].input.startTime).toBe(Date.parse(since));
  });

  it('names the Express playbook as skipped without a logs client, and reports a log read that fails', async () => {
    const machines = [{ playbook: 'remediate-finding-express', arn: SM, type: 'EXPRESS' }];
    const base = { sfn: new SFNClient({ region: 'us-east-1' }), gates: createGates({ clock: virtualClock() }) };
    expect((await findFailures(base, machines, since)).skipped).toEqual(['remediate-finding-express']);
    logsMock
      .on(FilterLogEventsCommand)
      .rejects(Object.assign(new Error('no access'), { name: 'AccessDeniedException' }));
    const report = await findFailures(
      { ...base, logs: new CloudWatchLogsClient({ region: 'us-east-1' }) },
      machines,
      since,
    );
    expect(report.errors).toEqual([
      'FilterLogEvents /aws/vendedlogs/states/socless-remediate-finding-express: AccessDeniedException: no access',
    ]);
  });
});
