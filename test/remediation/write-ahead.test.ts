/**
 * Exactly-once remediation: the write-ahead record in the `remediations` table. A two-call remediation (the
 * default-security-group fix, made automatic for the test) runs against a small stateful EC2 fake, so a
 * re-read of "before" after a partial apply would see the half-fixed group.
 */
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  EC2Client,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultSecurityGroupClosed } from '../../hub/remediations/default-security-group-closed.ts';
import { RemediationUndoError } from '../../shared/remediation/errors.ts';
import { BlastRadiusGuard, hourBucket } from '../../shared/remediation/guard.ts';
import { undoExecution } from '../../shared/remediation/record.ts';
import type { Remediation } from '../../shared/remediation/types.ts';
import { type RemediationClaim, RemediationRecordsRepository } from '../../shared/store/remediations.ts';
import { EGRESS, fakeDefaultGroup, GROUP, INGRESS } from './default-group-fake.ts';
import {
  ACCOUNT,
  finding,
  NOW,
  RecordingSessionFactory,
  type RemediateHarness,
  startRemediateHarness,
} from './helpers.ts';

const ec2 = mockClient(EC2Client);
/** Two planned calls: revoke the ingress rule, then the egress rule; undo authorizes them again. */
const twoCalls: Remediation = { ...defaultSecurityGroupClosed, id: 'test-two-calls', neverAuto: false };
const registry = [twoCalls];
const event = finding({ kind: 'EC2.2', resources: [{ type: 'AwsEc2SecurityGroup', id: GROUP }] });

/** The group's rules as the fake EC2 holds them now: revokes remove, authorizes add. */
let rules: () => SecurityGroupRule[];
const writes = () => ({
  revokeIngress: ec2.commandCalls(RevokeSecurityGroupIngressCommand).length,
  revokeEgress: ec2.commandCalls(RevokeSecurityGroupEgressCommand).length,
  authorizeIngress: ec2.commandCalls(AuthorizeSecurityGroupIngressCommand).length,
  authorizeEgress: ec2.commandCalls(AuthorizeSecurityGroupEgressCommand).length,
});

/** Dies right after the first call was marked, the way a Lambda that runs out of time would. */
class DiesAfterFirstMark extends RemediationRecordsRepository {
  armed = true;
  override async markApplied(claim: RemediationClaim, executionId: string, index: number, at: string) {
    const marked = await super.markApplied(claim, executionId, index, at);
    if (this.armed && index === 0) {
      this.armed = false;
      throw new Error('Runtime.ExitError: the Lambda died');
    }
    return marked;
  }
}

describe('write-ahead remediation record', () => {
  let h: RemediateHarness;
  beforeAll(async () => {
    h = await startRemediateHarness();
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(() => {
    rules = fakeDefaultGroup(ec2);
  });
  afterEach(() => {
    ec2.reset();
  });

  async function recordsOf(investigationId: string) {
    const out = await h.dynamo.client.send(
      new QueryCommand({
        TableName: 'remediations',
        KeyConditionExpression: 'investigationId = :i',
        ExpressionAttributeValues: { ':i': investigationId },
      }),
    );
    return out.Items ?? [];
  }

  async function accountSlotsUsed(): Promise<number> {
    const guard = new BlastRadiusGuard(h.dynamo.client, 'remediations', {
      maxAutoPerAccountPerHour: 1000,
      maxAutoPerOrgPerHour: 1000,
    });
    const probe = await guard.acquire(ACCOUNT, NOW);
    if (!probe.allowed) throw new Error('probe refused');
    await guard.release(ACCOUNT, NOW);
    return probe.accountCount - 1;
  }

  it('sends each write call exactly once when the same execution is delivered twice, and keeps one record', async () => {
    const sessions = new RecordingSessionFactory();
    const slotsBefore = await accountSlotsUsed();
    const run = { mode: 'auto', event, registry, executionId: 'arn:exec:twice', investigationId: 'inv-twice' };
    const first = await h.invoke({ ...run, runtime: { sessions } });
    expect(first.remediation).toMatchObject({ effectiveAction: 'applied', verified: true });
    const callsAfterFirst = ec2.calls().length;
    const sessionsAfterFirst = sessions.requests.length;

    const second = await h.invoke({ ...run, runtime: { sessions } });
    expect(second.remediation).toEqual(first.remediation);
    expect(writes()).toEqual({ revokeIngress: 1, revokeEgress: 1, authorizeIngress: 0, authorizeEgress: 0 });
    // The redelivery read nothing and opened no session: the recorded outcome came back.
    expect(ec2.calls()).toHaveLength(callsAfterFirst);
    expect(sessions.requests).toHaveLength(sessionsAfterFirst);
    expect(await recordsOf('inv-twice')).toHaveLength(1);
    expect(await accountSlotsUsed()).toBe(slotsBefore + 1);

    // Another execution for the same investigation gets the same recorded outcome, and calls nothing either.
    const other = await h.invoke({ ...run, executionId: 'arn:exec:other', runtime: { sessions } });
    expect(other.remediation).toEqual(first.remediation);
    expect(ec2.calls()).toHaveLength(callsAfterFirst);
    expect(sessions.requests).toHaveLength(sessionsAfterFirst);
  });

  it('resumes a run that died after its first call from the recorded before-state, and undo restores both calls', async () => {
    const records = new DiesAfterFirstMark(h.dynamo.client, 'remediations');
    const sessions = new RecordingSessionFactory();
    const run = { mode: 'auto', event, registry, executionId: 'arn:exec:crash', investigationId: 'inv-crash' };
    const slotsBefore = await accountSlotsUsed();

    await expect(h.invoke({ ...run, runtime: { sessions, records } })).rejects.toThrow('the Lambda died');
    expect(writes()).toMatchObject({ revokeIngress: 1, revokeEgress: 0 });
    const claim = { investigationId: 'inv-crash', remediationId: 'test-two-calls' };
    expect(await h.records.get(claim)).toMatchObject({
      status: 'applying',
      executionId: 'arn:exec:crash',
      applied: [0],
      before: { rules: [{ egress: false }, { egress: true }] },
      planned: [{ action: 'RevokeSecurityGroupIngress' }, { action: 'RevokeSecurityGroupEgress' }],
    });

    // While it is applying, another execution for the claim is refused and calls nothing.
    const callsBefore = ec2.calls().length;
    const other = await h.invoke({ ...run, executionId: 'arn:exec:intruder', runtime: { sessions } });
    expect(other.remediation).toMatchObject({ effectiveAction: 'guarded', held: { reason: 'in-progress' } });
    expect(other.remediation.held?.detail).toContain('arn:exec:crash');
    expect(ec2.calls()).toHaveLength(callsBefore);

    // The retry (the group is half fixed now) resumes at the second call with the recorded before-state.
    const retry = await h.invoke({ ...run, runtime: { sessions, records } });
    expect(retry.remediation).toMatchObject({
      effectiveAction: 'applied',
      verified: true,
      before: { rules: [{ egress: false }, { egress: true }] },
    });
    expect(writes()).toEqual({ revokeIngress: 1, revokeEgress: 1, authorizeIngress: 0, authorizeEgress: 0 });
    const record = await h.records.get(claim);
    expect(record).toMatchObject({ status: 'applied', applied: [0, 1] });
    expect(record?.before).toEqual({
      groupName: 'default',
      rules: [
        { egress: false, protocol: '-1', groupId: GROUP },
        { egress: true, protocol: '-1', cidrIpv4: '0.0.0.0/0' },
      ],
    });
    // One guard slot for the run, not one per attempt.
    expect(await accountSlotsUsed()).toBe(slotsBefore + 1);

    const undone = await undoExecution({
      records: h.records,
      executionId: 'arn:exec:crash',
      registry,
      sessions,
      by: 'alice',
      now: () => NOW,
    });
    expect(undone[0]?.calls.map((c) => c.action)).toEqual([
      'AuthorizeSecurityGroupIngress',
      'AuthorizeSecurityGroupEgress',
    ]);
    expect(rules()).toEqual(expect.arrayContaining([INGRESS, EGRESS]));
    expect(rules()).toHaveLength(2);
  });

  it('undoes once: a second undo says who undid it and when and calls nothing, and the hub does not re-apply', async () => {
    const sessions = new RecordingSessionFactory();
    const run = { mode: 'auto', event, registry, executionId: 'arn:exec:undo-once', investigationId: 'inv-undo-once' };
    await h.invoke({ ...run, runtime: { sessions } });
    const undo = { records: h.records, executionId: run.executionId, registry, sessions, now: () => NOW };
    await undoExecution({ ...undo, by: 'alice' });
    expect(writes()).toMatchObject({ authorizeIngress: 1, authorizeEgress: 1 });
    const callsAfterUndo = ec2.calls().length;
    const sessionsAfterUndo = sessions.requests.length;

    await expect(undoExecution({ ...undo, by: 'bob' })).rejects.toThrow(
      new RemediationUndoError(
        `execution ${run.executionId}: test-two-calls was already undone by alice at ${NOW.toISOString()}`,
      ),
    );
    expect(ec2.calls()).toHaveLength(callsAfterUndo);

    // The hub sees the finding again for the same investigation (a redelivery, or a new execution).
    for (const executionId of [run.executionId, 'arn:exec:later']) {
      const again = await h.invoke({ ...run, executionId, runtime: { sessions } });
      expect(again.remediation).toMatchObject({ effectiveAction: 'guarded', held: { reason: 'undone-by-operator' } });
      expect(again.remediation.held?.detail).toContain(`undone by alice at ${NOW.toISOString()}`);
    }
    expect(ec2.calls()).toHaveLength(callsAfterUndo);
    expect(sessions.requests).toHaveLength(sessionsAfterUndo);
    expect(await h.records.get({ investigationId: 'inv-undo-once', remediationId: 'test-two-calls' })).toMatchObject({
      status: 'undone',
      undo: { by: 'alice', from: 'applied', finishedAt: NOW.toISOString() },
    });
  });

  it('undoes a partial apply by reversing only the applied call, and the dead run is not resumed afterwards', async () => {
    const records = new DiesAfterFirstMark(h.dynamo.client, 'remediations');
    const sessions = new RecordingSessionFactory();
    const run = { mode: 'auto', event, registry, executionId: 'arn:exec:partial', investigationId: 'inv-partial' };
    await expect(h.invoke({ ...run, runtime: { sessions, records } })).rejects.toThrow('the Lambda died');

    const undone = await undoExecution({
      records: h.records,
      executionId: run.executionId,
      registry,
      sessions,
      by: 'carol',
    });
    expect(undone[0]?.calls.map((c) => c.action)).toEqual(['AuthorizeSecurityGroupIngress']);
    expect(writes()).toEqual({ revokeIngress: 1, revokeEgress: 0, authorizeIngress: 1, authorizeEgress: 0 });
    expect(rules()).toHaveLength(2);

    const retry = await h.invoke({ ...run, runtime: { sessions, records } });
    expect(retry.remediation).toMatchObject({ held: { reason: 'undone-by-operator' } });
    expect(writes()).toMatchObject({ revokeEgress: 0 });
    expect(await h.records.get({ investigationId: 'inv-partial', remediationId: 'test-two-calls' })).toMatchObject({
      status: 'undone',
      applied: [0],
      undo: { by: 'carol', from: 'applying' },
    });
  });

  it('stops at the next call when an operator undoes a run while it is applying', async () => {
    // The undo lands between the first call and its mark: the run must not send the second call.
    class UndoneMidway extends RemediationRecordsRepository {
      override async markApplied(claim: RemediationClaim, executionId: string, index: number, at: string) {
        if (index === 0) await this.beginUndo(claim, 'dave', at, 'applying');
        return super.markApplied(claim, executionId, index, at);
      }
    }
    const records = new UndoneMidway(h.dynamo.client, 'remediations');
    const out = await h.invoke({
      mode: 'auto',
      event,
      registry,
      executionId: 'arn:exec:midway',
      investigationId: 'inv-midway',
      runtime: { sessions: new RecordingSessionFactory(), records },
    });
    expect(out.remediation).toMatchObject({ effectiveAction: 'guarded', held: { reason: 'undone-by-operator' } });
    expect(writes()).toMatchObject({ revokeIngress: 1, revokeEgress: 0 });
  });

  it('keeps the guard counters in the remediations table, apart from the claims', async () => {
    const guard = new BlastRadiusGuard(h.dynamo.client, 'remediations', {
      maxAutoPerAccountPerHour: 5,
      maxAutoPerOrgPerHour: 1000,
    });
    expect((await guard.acquire('999999999999', NOW)).allowed).toBe(true);
    const counter = await recordsOf(BlastRadiusGuard.counterKey('account', hourBucket(NOW), '999999999999'));
    expect(counter).toEqual([expect.objectContaining({ remediationId: 'counter', count: 1 })]);
    expect(counter[0]).not.toHaveProperty('executionId');
  });
});
