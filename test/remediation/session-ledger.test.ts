/**
 * The hub's session ledger: write sessions are recorded before they open, and only a recorded session makes a
 * spoke CloudTrail call the hub's own (`self`). End to end: an operator's undo of a restarted trail calls
 * StopLogging in the spoke; that call comes back through the pipeline as `self` and is not fixed back, while the
 * same call from a session the hub never opened (a role of the same name made by the account) is routed.
 */
import {
  CloudTrailClient,
  GetTrailStatusCommand,
  StartLoggingCommand,
  StopLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REMEDIATIONS } from '../../hub/remediations/index.ts';
import { processInput } from '../../shared/pipeline/pipeline.ts';
import { createRouter } from '../../shared/pipeline/router.ts';
import { undoExecution } from '../../shared/remediation/record.ts';
import type { SpokeSession, SpokeSessionRequest } from '../../shared/remediation/session.ts';
import { spokeSessionName } from '../../shared/remediation/session.ts';
import { HubSessionLedger, ledgeredSessions } from '../../shared/remediation/session-ledger.ts';
import { fixture, pipelineDeps } from '../pipeline/harness.ts';
import {
  ACCOUNT,
  finding,
  NOW,
  RecordingSessionFactory,
  type RemediateHarness,
  startRemediateHarness,
} from './helpers.ts';

const cloudtrail = mockClient(CloudTrailClient);
const TRAIL = `arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/org-trail`;

let h: RemediateHarness;
let ledger: HubSessionLedger;
beforeAll(async () => {
  h = await startRemediateHarness();
  ledger = new HubSessionLedger(h.dynamo.client, 'remediations');
});
afterAll(async () => {
  await h.close();
});
afterEach(() => {
  cloudtrail.reset();
});

const remediation = REMEDIATIONS.find((r) => r.id === 'cloudtrail-logging');
if (!remediation) throw new Error('cloudtrail-logging is not in the registry');

function request(purpose: SpokeSessionRequest['purpose'], executionId: string): SpokeSessionRequest {
  return { account: ACCOUNT, region: 'eu-west-1', remediation: remediation as never, executionId, purpose };
}

describe('ledgeredSessions', () => {
  it('records a fix or undo session before it opens it, and no read session', async () => {
    const seenAtOpen: Array<{ purpose: string; recorded: boolean }> = [];
    const inner = {
      async open(r: SpokeSessionRequest): Promise<SpokeSession> {
        const entry = await ledger.find(r.account, spokeSessionName(r.executionId));
        seenAtOpen.push({ purpose: r.purpose, recorded: entry !== undefined });
        return new RecordingSessionFactory().open(r);
      },
    };
    const sessions = ledgeredSessions(inner, ledger, () => NOW);
    for (const purpose of ['read', 'fix', 'undo'] as const) {
      await sessions.open(request(purpose, `arn:aws:states:eu-west-1:111111111111:execution:p:ledger-${purpose}`));
    }
    expect(seenAtOpen).toEqual([
      { purpose: 'read', recorded: false },
      { purpose: 'fix', recorded: true },
      { purpose: 'undo', recorded: true },
    ]);
    expect(await ledger.find(ACCOUNT, 'socless-ledger-undo')).toMatchObject({
      role: 'SoclessUndoRole',
      purpose: 'undo',
      remediation: 'cloudtrail-logging',
      openedAt: NOW.toISOString(),
    });
    expect(await ledger.find(ACCOUNT, 'socless-ledger-fix')).toMatchObject({ role: 'SoclessRemediationRole' });
  });

  it('verifies only the same account, role and session name, within an hour of the opening', async () => {
    await ledger.record({
      account: ACCOUNT,
      role: 'SoclessRemediationRole',
      sessionName: 'socless-verify-1',
      purpose: 'fix',
      execution: 'x',
      remediation: 'cloudtrail-logging',
      openedAt: NOW.toISOString(),
    });
    const claim = { account: ACCOUNT, role: 'SoclessRemediationRole', sessionName: 'socless-verify-1' };
    const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
    expect(await ledger.verify({ ...claim, time: at(10 * 60_000) })).toBe(true);
    expect(await ledger.verify({ ...claim, time: at(-5 * 60_000) })).toBe(true);
    expect(await ledger.verify({ ...claim, time: at(2 * 3600_000) })).toBe(false);
    expect(await ledger.verify({ ...claim, role: 'SoclessUndoRole', time: at(0) })).toBe(false);
    expect(await ledger.verify({ ...claim, account: '123456789012', time: at(0) })).toBe(false);
    expect(await ledger.verify({ ...claim, sessionName: 'socless-verify-2', time: at(0) })).toBe(false);
    expect(await ledger.verify({ ...claim, time: 'not a time' })).toBe(false);
  });
});

describe("an operator's undo seen by the pipeline", () => {
  let logging: boolean;
  beforeEach(() => {
    logging = false;
    cloudtrail.on(GetTrailStatusCommand).callsFake(() => ({ IsLogging: logging }));
    cloudtrail.on(StartLoggingCommand).callsFake(() => {
      logging = true;
      return {};
    });
    cloudtrail.on(StopLoggingCommand).callsFake(() => {
      logging = false;
      return {};
    });
  });

  /** The StopLogging a spoke forwards, made by `role` under `sessionName` at `time`. */
  function forwardedStopLogging(role: string, sessionName: string, id: string): Record<string, unknown> {
    const event = fixture('cloudtrail-stoplogging.json');
    const detail = event.detail as Record<string, unknown>;
    return {
      ...event,
      id,
      account: ACCOUNT,
      region: 'eu-west-1',
      time: NOW.toISOString(),
      detail: {
        ...detail,
        eventID: id,
        eventTime: new Date(NOW.getTime() + 60_000).toISOString(),
        awsRegion: 'eu-west-1',
        recipientAccountId: ACCOUNT,
        requestParameters: { name: TRAIL },
        userIdentity: {
          type: 'AssumedRole',
          arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${sessionName}`,
          accountId: ACCOUNT,
          sessionContext: { sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${ACCOUNT}:role/${role}` } },
        },
      },
    };
  }

  it("records the undo's StopLogging as self (not fixed back) and routes the same call from an unrecorded session", async () => {
    // Apply: StartLogging in auto, through a recorded fix session.
    const applied = await h.invoke({
      mode: 'auto',
      event: finding({
        source: 'cloudtrail',
        kind: 'StopLogging',
        resources: [{ type: 'AwsCloudTrailTrail', id: TRAIL }],
      }),
      runtime: { sessions: ledgeredSessions(new RecordingSessionFactory(), ledger, () => NOW), records: h.records },
    });
    expect(applied.remediation.effectiveAction).toBe('applied');
    expect(logging).toBe(true);

    // Undo by an operator: StopLogging through a recorded undo session.
    const undoSessions = ledgeredSessions(new RecordingSessionFactory(), ledger, () => NOW);
    await undoExecution({
      records: h.records,
      executionId: applied.executionId,
      registry: REMEDIATIONS,
      sessions: undoSessions,
    });
    expect(cloudtrail.commandCalls(StopLoggingCommand)).toHaveLength(1);
    expect(logging).toBe(false);

    const deps = pipelineDeps(h.dynamo, {
      router: createRouter([
        { name: 'remediate-finding', triggers: [{ 'detail-type': ['AWS API Call via CloudTrail'] }] },
      ]),
      verifyHubSession: (claim) => ledger.verify(claim),
    });
    const undoSession = spokeSessionName(`undo-${applied.executionId.split(':').at(-1)}`);
    const [own] = await processInput(forwardedStopLogging('SoclessUndoRole', undoSession, 'ct-undo-1'), 'test', deps);
    expect(own).toMatchObject({ status: 'self', flags: ['hub-session'], playbooks: [] });
    expect(deps.dispatcher.starts.size).toBe(0);

    // The same role name and call from a session the hub never opened: anyone's StopLogging, fixed as usual.
    const [other] = await processInput(
      forwardedStopLogging('SoclessUndoRole', 'not-the-hub', 'ct-undo-2'),
      'test',
      deps,
    );
    expect(other?.status).toBe('dispatched');
    expect(deps.dispatcher.starts.size).toBe(1);
  });
});
