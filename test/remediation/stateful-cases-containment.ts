/**
 * Stateful fakes of the containment remediations: a role's inline policies, and an instance with its network
 * interfaces, volumes, security groups and snapshots. Reads answer from the fake; writes change it only as their
 * input says (and, like EC2, a created group's id exists only because CreateSecurityGroup returned it).
 */
import {
  CreateSecurityGroupCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  type Filter,
  type IpPermission,
  ModifyInstanceAttributeCommand,
  ModifyNetworkInterfaceAttributeCommand,
  RevokeSecurityGroupEgressCommand,
  type Tag,
} from '@aws-sdk/client-ec2';
import {
  DeleteRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { ec2InstanceIsolate } from '../../hub/remediations/ec2-instance-isolate.ts';
import { iamRoleRevokeSessions } from '../../hub/remediations/iam-role-revoke-sessions.ts';
import { finding } from './helpers.ts';
import { clone, ec2, type FakeMode, iam, named, type StatefulCase, write } from './stateful-fakes.ts';

export const INSTANCE = 'i-0123456789abcdef0';
export const ISOLATION_GROUP_ID = 'sg-0feedfacefeedface';

/** A compromised instance as GuardDuty reports it (the instance is the actor). */
export const isolateEvent = finding({
  source: 'guardduty',
  kind: 'CryptoCurrency:EC2/BitcoinTool.B!DNS',
  resources: [{ type: 'AwsEc2Instance', id: INSTANCE }],
  raw: {
    detail: {
      id: 'gd-finding-0001',
      type: 'CryptoCurrency:EC2/BitcoinTool.B!DNS',
      service: { resourceRole: 'ACTOR' },
      resource: { instanceDetails: { instanceId: INSTANCE, tags: [{ key: 'Name', value: 'batch-worker' }] } },
    },
  },
});

/** The same instance as a member of an Auto Scaling group (its `aws:autoscaling:groupName` tag), with no raw event. */
export const scaledIsolateEvent = finding({
  ...isolateEvent,
  resources: [
    {
      type: 'AwsEc2Instance',
      id: INSTANCE,
      details: { tags: [{ key: 'aws:autoscaling:groupName', value: 'workers' }] },
    },
  ],
  raw: undefined,
});

const ALL_EGRESS: IpPermission = { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] };

/**
 * An EC2 instance with two network interfaces and two volumes. Returns the snapshot of what undo restores (the
 * groups of each interface, termination protection, the instance's tags) plus the fake's inner state.
 */
export function instanceFake(mode: FakeMode) {
  const enis: Record<string, string[]> = {
    'eni-0a1b2c3d4e5f60001': ['sg-0a1b2c3d4e5f60011', 'sg-0a1b2c3d4e5f60022'],
    'eni-0a1b2c3d4e5f60002': ['sg-0a1b2c3d4e5f60011'],
  };
  let terminationProtection = false;
  let tags: Tag[] = [{ Key: 'Name', Value: 'batch-worker' }];
  const groups = new Map<string, { name: string; vpc: string; egress: IpPermission[] }>([
    ['sg-0a1b2c3d4e5f60011', { name: 'app', vpc: 'vpc-0a1b2c3d4e5f60033', egress: [clone(ALL_EGRESS)] }],
    ['sg-0a1b2c3d4e5f60022', { name: 'ssh', vpc: 'vpc-0a1b2c3d4e5f60033', egress: [clone(ALL_EGRESS)] }],
  ]);
  const snapshots: Array<{ SnapshotId: string; VolumeId: string; Tags: Tag[] }> = [];
  const filter = (filters: Filter[] | undefined, name: string) => filters?.find((f) => f.Name === name)?.Values ?? [];

  ec2.on(DescribeInstancesCommand).callsFake((input) => {
    if (JSON.stringify(input.InstanceIds) !== JSON.stringify([INSTANCE])) throw named('InvalidInstanceID.NotFound');
    return {
      Reservations: [
        {
          Instances: [
            {
              InstanceId: INSTANCE,
              VpcId: 'vpc-0a1b2c3d4e5f60033',
              NetworkInterfaces: Object.entries(enis).map(([id, gs]) => ({
                NetworkInterfaceId: id,
                Groups: gs.map((g) => ({ GroupId: g, GroupName: groups.get(g)?.name })),
              })),
              BlockDeviceMappings: [
                { DeviceName: '/dev/xvda', Ebs: { VolumeId: 'vol-0root' } },
                { DeviceName: '/dev/xvdb', Ebs: { VolumeId: 'vol-0data' } },
              ],
              Tags: clone(tags),
            },
          ],
        },
      ],
    };
  });
  ec2.on(DescribeInstanceAttributeCommand).callsFake((input) => {
    if (input.InstanceId !== INSTANCE || input.Attribute !== 'disableApiTermination') throw named('InvalidParameter');
    return { InstanceId: INSTANCE, DisableApiTermination: { Value: terminationProtection } };
  });
  ec2.on(DescribeSecurityGroupsCommand).callsFake((input) => {
    const vpcs = filter(input.Filters, 'vpc-id');
    const names = filter(input.Filters, 'group-name');
    return {
      SecurityGroups: [...groups]
        .filter(([, g]) => vpcs.includes(g.vpc) && names.includes(g.name))
        .map(([id, g]) => ({ GroupId: id, GroupName: g.name, VpcId: g.vpc, IpPermissionsEgress: clone(g.egress) })),
    };
  });
  ec2.on(DescribeSnapshotsCommand).callsFake((input) => {
    if (JSON.stringify(input.OwnerIds) !== '["self"]') throw named('InvalidParameter');
    const wanted = filter(input.Filters, 'tag:socless:finding');
    return {
      Snapshots: snapshots.filter((s) =>
        s.Tags.some((t) => t.Key === 'socless:finding' && wanted.includes(String(t.Value))),
      ),
    };
  });
  // Like EC2, the new group starts with one all-traffic egress rule; its id exists only in the response.
  ec2.on(CreateSecurityGroupCommand).callsFake((input) => {
    if (mode === 'faithful') {
      groups.set(ISOLATION_GROUP_ID, {
        name: String(input.GroupName),
        vpc: String(input.VpcId),
        egress: [clone(ALL_EGRESS)],
      });
    }
    return { GroupId: ISOLATION_GROUP_ID };
  });
  ec2.on(ModifyNetworkInterfaceAttributeCommand).callsFake(
    write(mode, (input) => {
      const id = String(input.NetworkInterfaceId);
      if (!enis[id]) throw named('InvalidNetworkInterfaceID.NotFound');
      for (const g of input.Groups ?? []) if (!groups.has(g)) throw named('InvalidGroup.NotFound');
      enis[id] = [...(input.Groups ?? [])];
    }),
  );
  ec2.on(RevokeSecurityGroupEgressCommand).callsFake(
    write(mode, (input) => {
      const group = groups.get(String(input.GroupId));
      if (!group) throw named('InvalidGroup.NotFound');
      const gone = JSON.stringify(input.IpPermissions);
      if (gone === JSON.stringify([ALL_EGRESS]))
        group.egress = group.egress.filter((p) => JSON.stringify(p) !== JSON.stringify(ALL_EGRESS));
    }),
  );
  let next = 0;
  ec2.on(CreateSnapshotCommand).callsFake(
    write(mode, (input) => {
      next += 1;
      const SnapshotId = `snap-0forensic00000${next}`;
      snapshots.push({
        SnapshotId,
        VolumeId: String(input.VolumeId),
        Tags: clone(input.TagSpecifications?.[0]?.Tags ?? []),
      });
      return { SnapshotId };
    }),
  );
  ec2.on(ModifyInstanceAttributeCommand).callsFake(
    write(mode, (input) => {
      if (input.InstanceId !== INSTANCE) throw named('InvalidInstanceID.NotFound');
      terminationProtection = input.DisableApiTermination?.Value === true;
    }),
  );
  ec2.on(CreateTagsCommand).callsFake(
    write(mode, (input) => {
      if (JSON.stringify(input.Resources) !== JSON.stringify([INSTANCE])) throw named('InvalidID');
      for (const t of input.Tags ?? []) tags = [...tags.filter((x) => x.Key !== t.Key), clone(t)];
    }),
  );
  ec2.on(DeleteTagsCommand).callsFake(
    write(mode, (input) => {
      if (JSON.stringify(input.Resources) !== JSON.stringify([INSTANCE])) throw named('InvalidID');
      const keys = new Set((input.Tags ?? []).map((t: Tag) => t.Key));
      tags = tags.filter((t) => !keys.has(t.Key));
    }),
  );
  return {
    snapshot: () => ({ enis: clone(enis), terminationProtection, tags: clone(tags) }),
    inner: () => ({ groups: new Map(groups), snapshots: clone(snapshots) }),
  };
}

export const revokeEvent = finding({
  source: 'guardduty',
  kind: 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS',
  resources: [
    {
      type: 'AwsIamAccessKey',
      id: 'ASIAEXAMPLETEMPKEY01',
      details: { userName: 'batch-worker-role', principalId: 'AROAEXAMPLEROLEID:i-0123456789abcdef0' },
    },
  ],
  raw: { detail: { service: { eventLastSeen: '2025-03-14T08:55:12.345Z' } } },
});

/** A role's inline policies, as IAM keeps them (GetRolePolicy answers URL-encoded JSON). */
export function roleFake(mode: FakeMode) {
  const policies = new Map<string, string>([['app-access', JSON.stringify({ Version: '2012-10-17', Statement: [] })]]);
  const mine = (input: { RoleName?: string }) => {
    if (input.RoleName !== 'batch-worker-role') throw named('NoSuchEntity');
  };
  iam.on(GetRoleCommand).callsFake((input) => {
    mine(input);
    return { Role: { RoleName: input.RoleName, Path: '/', Arn: 'arn', RoleId: 'AROA', CreateDate: new Date() } };
  });
  iam.on(GetRolePolicyCommand).callsFake((input) => {
    mine(input);
    const doc = policies.get(String(input.PolicyName));
    if (doc === undefined) throw named('NoSuchEntity');
    return { RoleName: input.RoleName, PolicyName: input.PolicyName, PolicyDocument: encodeURIComponent(doc) };
  });
  iam.on(PutRolePolicyCommand).callsFake(
    write(mode, (input) => {
      mine(input);
      policies.set(String(input.PolicyName), String(input.PolicyDocument));
    }),
  );
  iam.on(DeleteRolePolicyCommand).callsFake(
    write(mode, (input) => {
      mine(input);
      if (!policies.delete(String(input.PolicyName))) throw named('NoSuchEntity');
    }),
  );
  return () => Object.fromEntries([...policies].map(([name, doc]) => [name, JSON.parse(doc)]));
}

export const CONTAINMENT_CASES: StatefulCase[] = [
  { remediation: iamRoleRevokeSessions, event: revokeEvent, install: roleFake },
  { remediation: ec2InstanceIsolate, event: isolateEvent, install: (mode) => instanceFake(mode).snapshot },
];
