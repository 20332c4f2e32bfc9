/**
 * ec2-instance-isolate end to end in the local hub: a GuardDuty finding about a compromised instance in a notify
 * account → plan → ask → approve → apply through a fix session (against a stateful fake of the instance) →
 * verify → undo through an undo session. Isolation is never automatic: without the approval nothing is sent.
 */
import { rmSync } from 'node:fs';
import {
  CreateSecurityGroupCommand,
  CreateSnapshotCommand,
  ModifyInstanceAttributeCommand,
  ModifyNetworkInterfaceAttributeCommand,
  RevokeSecurityGroupEgressCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ec2InstanceIsolate } from '../../hub/remediations/ec2-instance-isolate.ts';
import { callRunner } from '../../shared/remediation/runner.ts';
import type { PlanContext } from '../../shared/remediation/types.ts';
import {
  ACCOUNT,
  NOW,
  REGION,
  RecordingSessionFactory,
  remediateFindingRoot,
  runRemediateFindingTest,
} from './helpers.ts';
import { INSTANCE, ISOLATION_GROUP_ID, instanceFake } from './stateful-cases-containment.ts';
import { ALL_MOCKS, ec2 } from './stateful-fakes.ts';

/** The GuardDuty event as EventBridge delivers it: the instance mines cryptocurrency (it is the actor). */
const guardDutyEvent = {
  version: '0',
  id: '7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d',
  'detail-type': 'GuardDuty Finding',
  source: 'aws.guardduty',
  account: ACCOUNT,
  time: '2025-03-14T09:12:03Z',
  region: REGION,
  resources: [],
  detail: {
    schemaVersion: '2.0',
    accountId: ACCOUNT,
    region: REGION,
    partition: 'aws',
    id: 'gd-finding-0001',
    arn: `arn:aws:guardduty:${REGION}:${ACCOUNT}:detector/3cd2e1f0/finding/gd-finding-0001`,
    type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS',
    resource: {
      resourceType: 'Instance',
      instanceDetails: {
        instanceId: INSTANCE,
        tags: [{ key: 'Name', value: 'batch-worker' }],
        networkInterfaces: [
          {
            networkInterfaceId: 'eni-0a1b2c3d4e5f60001',
            vpcId: 'vpc-0a1b2c3d4e5f60033',
            securityGroups: [{ groupId: 'sg-0a1b2c3d4e5f60011' }, { groupId: 'sg-0a1b2c3d4e5f60022' }],
          },
          {
            networkInterfaceId: 'eni-0a1b2c3d4e5f60002',
            vpcId: 'vpc-0a1b2c3d4e5f60033',
            securityGroups: [{ groupId: 'sg-0a1b2c3d4e5f60011' }],
          },
        ],
      },
    },
    service: { resourceRole: 'ACTOR', archived: false, count: 1 },
    severity: 8,
    createdAt: '2025-03-14T09:12:03.000Z',
    updatedAt: '2025-03-14T09:12:03.000Z',
    title: 'EC2 instance i-0123456789abcdef0 is querying a domain name that is associated with Bitcoin.',
  },
};

function runHub(root: string, name: string, interactions: Record<string, string>, states: string[]) {
  return runRemediateFindingTest(root, name, {
    event: 'gd.json',
    account: { id: ACCOUNT, mode: 'notify', name: 'batch-prod', email: 'batch@example.com' },
    interactions,
    expect: { status: 'SUCCEEDED', states },
  });
}

describe('ec2-instance-isolate through the approval path', () => {
  let root: string;
  beforeAll(() => {
    root = remediateFindingRoot('socless-isolate-', { 'gd.json': guardDutyEvent });
  });
  afterAll(() => {
    for (const m of ALL_MOCKS) m.reset();
    rmSync(root, { recursive: true, force: true });
  });

  it('sends nothing when the person rejects: the plan was only shown', async () => {
    for (const m of ALL_MOCKS) m.reset();
    const fake = instanceFake('faithful');
    const initial = fake.snapshot();
    const { result, sessions } = await runHub(root, 'rejected', { Ask_Approval: 'reject' }, [
      'Remediate',
      'Route_By_Outcome',
      'Plan_To_Approve',
      'Ask_Approval',
      'Notify_Rejected',
      'Close_Investigation',
    ]);
    expect(result.failures).toEqual([]);
    // Notify plans from the finding: no session was even opened.
    expect(sessions.requests).toEqual([]);
    expect(ec2.commandCalls(ModifyNetworkInterfaceAttributeCommand)).toEqual([]);
    expect(fake.snapshot()).toEqual(initial);
  });

  it('plans, asks, applies the approved isolation once, verifies it, and undo restores the groups and protection', async () => {
    for (const m of ALL_MOCKS) m.reset();
    const fake = instanceFake('faithful');
    const initial = fake.snapshot();
    const { result, sessions } = await runHub(root, 'approved', { Ask_Approval: 'approve' }, [
      'Remediate',
      'Route_By_Outcome',
      'Plan_To_Approve',
      'Ask_Approval',
      'Remediate_Approved',
      'Route_Approved_Outcome',
      'Plan_Changed',
      'Replan_To_Approve',
      'Ask_Approval',
      'Remediate_Approved',
      'Route_Approved_Outcome',
      'Check_Verified',
      'Notify_Approved_Applied',
      'Close_Remediated',
    ]);
    expect(result.failures).toEqual([]);
    // Notify plans from the finding (its interfaces); the approved run reads the live instance, whose plan also
    // snapshots the volumes and turns protection on: asked again, then one fix session for the writes.
    expect(sessions.requests.map((r) => r.purpose)).toEqual(['read', 'read', 'fix']);
    for (const r of sessions.requests) expect(r.target).toEqual({ instanceId: INSTANCE, findingId: 'gd-finding-0001' });

    // Applied in GuardDuty's order: group created, swapped in on both interfaces, its egress rule removed.
    expect(ec2.commandCalls(CreateSecurityGroupCommand).map((c) => c.args[0].input.GroupName)).toEqual([
      `socless-isolation-${INSTANCE}`,
    ]);
    expect(ec2.commandCalls(ModifyNetworkInterfaceAttributeCommand).map((c) => c.args[0].input)).toEqual([
      { NetworkInterfaceId: 'eni-0a1b2c3d4e5f60001', Groups: [ISOLATION_GROUP_ID] },
      { NetworkInterfaceId: 'eni-0a1b2c3d4e5f60002', Groups: [ISOLATION_GROUP_ID] },
    ]);
    expect(ec2.commandCalls(RevokeSecurityGroupEgressCommand).map((c) => c.args[0].input)).toEqual([
      { GroupId: ISOLATION_GROUP_ID, IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] },
    ]);
    expect(ec2.commandCalls(CreateSnapshotCommand).map((c) => c.args[0].input.VolumeId)).toEqual([
      'vol-0root',
      'vol-0data',
    ]);
    const isolated = fake.snapshot();
    expect(isolated.enis).toEqual({
      'eni-0a1b2c3d4e5f60001': [ISOLATION_GROUP_ID],
      'eni-0a1b2c3d4e5f60002': [ISOLATION_GROUP_ID],
    });
    expect(isolated.terminationProtection).toBe(true);
    expect(fake.inner().groups.get(ISOLATION_GROUP_ID)?.egress).toEqual([]);

    // Undo, as the operator-only path sends it: from the before-state, through an undo session.
    const target = { instanceId: INSTANCE, findingId: 'gd-finding-0001' };
    const ctx: PlanContext<typeof target> = { target, account: ACCOUNT, region: REGION, partition: 'aws', now: NOW };
    const undoSessions = new RecordingSessionFactory();
    const open = async (purpose: 'read' | 'undo') =>
      callRunner(
        ec2InstanceIsolate,
        await undoSessions.open({
          account: ACCOUNT,
          region: REGION,
          remediation: ec2InstanceIsolate,
          executionId: 'undo-1',
          purpose,
          target,
        }),
      );
    const before = {
      vpcId: 'vpc-0a1b2c3d4e5f60033',
      interfaces: Object.entries(initial.enis).map(([id, groups]) => ({ id, groups })),
      terminationProtection: false,
      volumes: ['vol-0root', 'vol-0data'],
      snapshotted: [],
      tagged: false,
    };
    const undo = ec2InstanceIsolate.undo?.(before, ctx) ?? [];
    expect(undo).toEqual([
      {
        service: 'ec2',
        action: 'ModifyNetworkInterfaceAttribute',
        input: {
          NetworkInterfaceId: 'eni-0a1b2c3d4e5f60001',
          Groups: ['sg-0a1b2c3d4e5f60011', 'sg-0a1b2c3d4e5f60022'],
        },
      },
      {
        service: 'ec2',
        action: 'ModifyNetworkInterfaceAttribute',
        input: { NetworkInterfaceId: 'eni-0a1b2c3d4e5f60002', Groups: ['sg-0a1b2c3d4e5f60011'] },
      },
      {
        service: 'ec2',
        action: 'ModifyInstanceAttribute',
        input: { InstanceId: INSTANCE, DisableApiTermination: { Value: false } },
      },
      {
        service: 'ec2',
        action: 'DeleteTags',
        input: { Resources: [INSTANCE], Tags: [{ Key: 'socless:isolation', Value: 'gd-finding-0001' }] },
      },
    ]);
    const undoCall = await open('undo');
    for (const c of undo) await undoCall(c);
    expect(fake.snapshot()).toEqual(initial);
    // Forensic snapshots are kept.
    expect(fake.inner().snapshots.map((s) => s.VolumeId)).toEqual(['vol-0root', 'vol-0data']);
    expect(ec2.commandCalls(ModifyInstanceAttributeCommand).map((c) => c.args[0].input.DisableApiTermination)).toEqual([
      { Value: true },
      { Value: false },
    ]);
    // The read session cannot send the undo's writes.
    await expect((await open('read'))(undo[0] as (typeof undo)[number])).rejects.toThrow(/in a read session/);
  });
});
