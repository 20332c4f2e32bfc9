// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/**
 * Isolates a compromised EC2 instance, following GuardDuty's guidance for compromised instances: an isolation
 * security group in the instance's VPC (created with its one all-traffic egress rule, so existing sessions become
 * untracked), swapped in for every group of every network interface, then that rule removed; a snapshot of each
 * attached EBS volume for forensics; termination protection on; the instance tagged. Never automatic by default.
 */
import { outputRef } from '../../shared/remediation/calls.ts';
import { RemediationTargetError } from '../../shared/remediation/errors.ts';
import {
  defineRemediation,
  type PlannedCall,
  type RemediationDefinition,
  type RemediationEvent,
} from '../../shared/remediation/types.ts';
import { at, checkId, findResource, requireResourceId } from './support.ts';

const ID = 'ec2-instance-isolate';
/** Tag keys the isolation writes (and DescribeSnapshots filters on). */
export const ISOLATION_TAG = 'socless:isolation';
export const FINDING_TAG = 'socless:finding';
/** The tag EC2 Auto Scaling puts on the instances of a group. */
const ASG_TAG = 'aws:autoscaling:groupName';
const INSTANCE = 'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/${Target:instanceId}';
const GROUPS = 'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:security-group/*';
const ENIS = 'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:network-interface/*';
/** GuardDuty types where the instance may be the target rather than the actor: isolate only an actor. */
const ACTOR_ONLY = /^(Recon:EC2\/PortProbe|Impact:EC2\/WinRMBruteForce)/;

/** The isolation group of an instance, one per instance so its egress rule can untrack that instance's sessions. */
export const isolationGroupName = (instanceId: string) => `socless-isolation-${instanceId}`;

export interface IsolateTarget {
  readonly instanceId: string;
  /** The finding the isolation answers, written to the tags of the instance and the snapshots. */
  readonly findingId: string;
}

export interface IsolateState {
  readonly vpcId: string;
  /** Every network interface of the instance with its security groups. */
  readonly interfaces: ReadonlyArray<{ readonly id: string; readonly groups: readonly string[] }>;
  readonly terminationProtection: boolean;
  /** Attached EBS volumes. */
  readonly volumes: readonly string[];
  /** Volumes that already have a forensic snapshot for this finding. */
  readonly snapshotted: readonly string[];
  /** The instance's isolation group, when it exists: its id and whether it still has the all-traffic egress rule. */
  readonly isolationGroup?: { readonly id: string; readonly egressOpen: boolean };
  /** Whether the instance carries the isolation tag for this finding. */
  readonly tagged: boolean;
}

/** Options of {@link createEc2InstanceIsolate}. */
export interface Ec2InstanceIsolateOptions {
  /**
   * Isolate instances of an Auto Scaling group too (the group may replace an instance its health check fails,
   * which ends the forensic hold). @default false
   */
  readonly allowAutoScalingGroups?: boolean;
}

const ALL_EGRESS = [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }];

function isolateTarget(event: RemediationEvent, options: Ec2InstanceIsolateOptions): IsolateTarget {
  const { id, field } = requireResourceId(ID, event, ['AwsEc2Instance', 'AWS::EC2::Instance']);
  const instanceId = checkId(ID, field, id.split('/').at(-1) as string, /^i-[0-9a-f]{8,17}$/, 'an EC2 instance id');
  const detail = at(event.raw, 'detail');
  const { details } = findResource(event, ['AwsEc2Instance', 'AWS::EC2::Instance'])?.resource ?? {};
  if (ACTOR_ONLY.test(event.kind)) {
    const role = at(details, 'resourceRole') ?? at(detail, 'service', 'resourceRole');
    if (role !== 'ACTOR') {
      throw new RemediationTargetError(
        ID,
        `${field.replace(/\.id$/, '')}.details.resourceRole`,
        `is ${role === undefined ? 'missing' : `"${String(role)}"`}: ${event.kind} isolates an instance only when it is the actor`,
      );
    }
  }
  const tags = at(details, 'tags') ?? at(detail, 'resource', 'instanceDetails', 'tags');
  const asg = Array.isArray(tags) ? tags.find((t) => at(t, 'key') === ASG_TAG) : undefined;
  if (asg && !options.allowAutoScalingGroups) {
    throw new RemediationTargetError(
      ID,
      `${field.replace(/\.id$/, '')}.details.tags`,
      `puts the instance in Auto Scaling group "${String(at(asg, 'value'))}", which may replace it: isolation of Auto Scaling instances is not allowed by config`,
    );
  }
  const findingId = checkId(
    ID,
    'id',
    // GuardDuty's finding id (stable across re-sends; the dedup key ends with it), else the event's.
    String(at(detail, 'id') ?? (event.source === 'guardduty' ? event.dedupKey.split(':').at(-1) : event.id)),
    /^[A-Za-z0-9:._-]{1,128}$/,
    'a finding id that can go into a tag',
  );
  return { instanceId, findingId };
}

/** Creates the remediation; the registry holds the default (Auto Scaling instances refused). */
export function createEc2InstanceIsolate(options: Ec2InstanceIsolateOptions = {}) {
  const isolation: RemediationDefinition<IsolateTarget, IsolateState> = defineRemediation<IsolateTarget, IsolateState>({
    id: ID,
    title: 'EC2 instance: isolate a compromised instance',
    description: `Swaps an isolation security group (no ingress; its all-traffic egress rule removed after the swap, so existing sessions end) in for every group of the instance's network interfaces, snapshots each attached EBS volume for forensics, turns termination protection on and tags the instance. ${options.allowAutoScalingGroups ? 'Instances of Auto Scaling groups are isolated too.' : 'Refuses instances of Auto Scaling groups (config can allow them).'} Undo restores the groups and the termination-protection setting; snapshots and the isolation group are kept. Never automatic by default.`,
    findings: {
      guardDutyTypes: [
        'CryptoCurrency:EC2/BitcoinTool.B',
        'CryptoCurrency:EC2/BitcoinTool.B!DNS',
        'Backdoor:EC2/C&CActivity.B',
        'Backdoor:EC2/C&CActivity.B!DNS',
        'Backdoor:EC2/DenialOfService.Dns',
        'Backdoor:EC2/DenialOfService.Tcp',
        'Backdoor:EC2/DenialOfService.Udp',
        'Backdoor:EC2/DenialOfService.UdpOnTcpPorts',
        'Backdoor:EC2/DenialOfService.UnusualProtocol',
        'Backdoor:EC2/Spambot',
        'Trojan:EC2/BlackholeTraffic',
        'Trojan:EC2/BlackholeTraffic!DNS',
        'Trojan:EC2/DGADomainRequest.B',
        'Trojan:EC2/DGADomainRequest.C!DNS',
        'Trojan:EC2/DNSDataExfiltration',
        'Trojan:EC2/DriveBySourceTraffic!DNS',
        'Trojan:EC2/DropPoint',
        'Trojan:EC2/DropPoint!DNS',
        'Trojan:EC2/PhishingDomainRequest!DNS',
        'Impact:EC2/AbusedDomainRequest.Reputation',
        'Impact:EC2/BitcoinDomainRequest.Reputation',
        'Impact:EC2/MaliciousDomainRequest.Reputation',
        'Impact:EC2/MaliciousDomainRequest.Custom',
        'Impact:EC2/PortSweep',
        'Impact:EC2/SuspiciousDomainRequest.Reputation',
        'Impact:EC2/WinRMBruteForce',
        'UnauthorizedAccess:EC2/TorClient',
        'UnauthorizedAccess:EC2/MaliciousIPCaller.Custom',
        'Recon:EC2/PortProbeUnprotectedPort',
        'Recon:EC2/PortProbeEMRUnprotectedPort',
        'Recon:EC2/Portscan',
      ],
    },
    neverAuto: true,
    permissions: [
      {
        calls: [
          'ec2:DescribeInstances',
          'ec2:DescribeInstanceAttribute',
          'ec2:DescribeSecurityGroups',
          'ec2:DescribeSnapshots',
        ],
        resources: ['*'],
      },
      {
        purpose: 'fix',
        calls: ['ec2:CreateSecurityGroup'],
        resources: ['arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:vpc/*', GROUPS],
      },
      { purpose: 'fix', calls: ['ec2:ModifyNetworkInterfaceAttribute'], resources: [ENIS, GROUPS] },
      { purpose: 'fix', calls: ['ec2:RevokeSecurityGroupEgress'], resources: [GROUPS] },
      {
        purpose: 'fix',
        calls: ['ec2:CreateSnapshot'],
        resources: [
          'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:volume/*',
          'arn:${AWS::Partition}:ec2:${AWS::Region}::snapshot/*',
        ],
      },
      { purpose: 'fix', calls: ['ec2:ModifyInstanceAttribute'], resources: [INSTANCE] },
      {
        purpose: 'fix',
        calls: ['ec2:CreateTags'],
        resources: [INSTANCE, GROUPS, 'arn:${AWS::Partition}:ec2:${AWS::Region}::snapshot/*'],
      },
      { purpose: 'undo', calls: ['ec2:ModifyNetworkInterfaceAttribute'], resources: [ENIS, GROUPS] },
      { purpose: 'undo', calls: ['ec2:ModifyInstanceAttribute', 'ec2:DeleteTags'], resources: [INSTANCE] },
    ],
    target: (event) => isolateTarget(event, options),
    async readState(call, { target }) {
      const out = await call({
        service: 'ec2',
        action: 'DescribeInstances',
        input: { InstanceIds: [target.instanceId] },
      });
      const instance = at(out, 'Reservations', 0, 'Instances', 0) as Record<string, unknown> | undefined;
      if (!instance) {
        throw new RemediationTargetError(ID, 'target.instanceId', `names no instance DescribeInstances returns`);
      }
      const tags = (instance.Tags as Array<{ Key?: string; Value?: string }> | undefined) ?? [];
      const asg = tags.find((t) => t.Key === ASG_TAG);
      if (asg && !options.allowAutoScalingGroups) {
        throw new RemediationTargetError(
          ID,
          'target.instanceId',
          `is in Auto Scaling group "${asg.Value}", which may replace it: isolation of Auto Scaling instances is not allowed by config`,
        );
      }
      const vpcId = String(instance.VpcId ?? '');
      const interfaces = ((instance.NetworkInterfaces as Array<Record<string, unknown>> | undefined) ?? []).map(
        (eni) => ({
          id: String(eni.NetworkInterfaceId),
          groups: ((eni.Groups as Array<{ GroupId?: string }> | undefined) ?? []).map((g) => String(g.GroupId)),
        }),
      );
      const volumes = ((instance.BlockDeviceMappings as Array<Record<string, unknown>> | undefined) ?? [])
        .map((m) => at(m, 'Ebs', 'VolumeId'))
        .filter((v): v is string => typeof v === 'string');
      const attr = await call({
        service: 'ec2',
        action: 'DescribeInstanceAttribute',
        input: { InstanceId: target.instanceId, Attribute: 'disableApiTermination' },
      });
      const groups = await call({
        service: 'ec2',
        action: 'DescribeSecurityGroups',
        input: {
          Filters: [
            { Name: 'vpc-id', Values: [vpcId] },
            { Name: 'group-name', Values: [isolationGroupName(target.instanceId)] },
          ],
        },
      });
      const group = at(groups, 'SecurityGroups', 0) as Record<string, unknown> | undefined;
      const snaps = await call({
        service: 'ec2',
        action: 'DescribeSnapshots',
        input: { OwnerIds: ['self'], Filters: [{ Name: `tag:${FINDING_TAG}`, Values: [target.findingId] }] },
      });
      const snapshotted = ((snaps.Snapshots as Array<{ VolumeId?: string }> | undefined) ?? [])
        .map((s) => String(s.VolumeId))
        .filter((v) => volumes.includes(v));
      const egress = (group?.IpPermissionsEgress as Array<Record<string, unknown>> | undefined) ?? [];
      return {
        vpcId,
        interfaces,
        terminationProtection: at(attr, 'DisableApiTermination', 'Value') === true,
        volumes,
        snapshotted: [...new Set(snapshotted)].sort(),
        ...(group
          ? {
              isolationGroup: {
                id: String(group.GroupId),
                egressOpen: egress.some(
                  (p) =>
                    p.IpProtocol === '-1' &&
                    ((p.IpRanges as Array<{ CidrIp?: string }> | undefined) ?? []).some(
                      (r) => r.CidrIp === '0.0.0.0/0',
                    ),
                ),
              },
            }
          : {}),
        tagged: tags.some((t) => t.Key === ISOLATION_TAG && t.Value === target.findingId),
      };
    },
    // GuardDuty's finding lists the interfaces with their groups and VPC, not the volumes or termination
    // protection: the plan from it isolates and tags; the live plan an approval re-reads adds the snapshots and
    // protection, and is asked for again (the approval is bound to the plan).
    stateFromFinding(event) {
      const resource = findResource(event, ['AwsEc2Instance', 'AWS::EC2::Instance'])?.resource;
      const nis =
        at(resource?.details, 'networkInterfaces') ??
        at(event.raw, 'detail', 'resource', 'instanceDetails', 'networkInterfaces');
      if (!Array.isArray(nis) || nis.length === 0) return undefined;
      const interfaces = nis.map((n) => ({
        id: String(at(n, 'networkInterfaceId')),
        groups: ((at(n, 'securityGroups') as unknown[] | undefined) ?? []).map((g) => String(at(g, 'groupId'))),
      }));
      const vpcId = String(at(nis[0], 'vpcId'));
      // Every id goes into an API call: any that does not look like one leaves the plan to a live read.
      const valid =
        /^vpc-[0-9a-f]{8,17}$/.test(vpcId) &&
        interfaces.every(
          (i) => /^eni-[0-9a-f]{8,17}$/.test(i.id) && i.groups.every((g) => /^sg-[0-9a-f]{8,17}$/.test(g)),
        );
      if (!valid) return undefined;
      return { vpcId, interfaces, terminationProtection: false, volumes: [], snapshotted: [], tagged: false };
    },
    plan(state, { target }) {
      const calls: PlannedCall[] = [];
      const created = state.isolationGroup === undefined;
      const groupId = state.isolationGroup?.id ?? outputRef('ec2:CreateSecurityGroup', 'GroupId');
      if (created) {
        calls.push({
          service: 'ec2',
          action: 'CreateSecurityGroup',
          input: {
            GroupName: isolationGroupName(target.instanceId),
            Description: `SOCless isolation of ${target.instanceId}`,
            VpcId: state.vpcId,
            TagSpecifications: [
              {
                ResourceType: 'security-group',
                Tags: [
                  { Key: ISOLATION_TAG, Value: target.instanceId },
                  { Key: FINDING_TAG, Value: target.findingId },
                ],
              },
            ],
          },
        });
      }
      for (const eni of state.interfaces) {
        if (!created && eni.groups.length === 1 && eni.groups[0] === groupId) continue;
        calls.push({
          service: 'ec2',
          action: 'ModifyNetworkInterfaceAttribute',
          input: { NetworkInterfaceId: eni.id, Groups: [groupId] },
        });
      }
      // A new group comes with one all-traffic egress rule: removing it after the swap ends untracked sessions.
      if (created || state.isolationGroup?.egressOpen) {
        calls.push({
          service: 'ec2',
          action: 'RevokeSecurityGroupEgress',
          input: { GroupId: groupId, IpPermissions: ALL_EGRESS },
        });
      }
      for (const volume of state.volumes.filter((v) => !state.snapshotted.includes(v))) {
        calls.push({
          service: 'ec2',
          action: 'CreateSnapshot',
          input: {
            VolumeId: volume,
            Description: `SOCless forensic snapshot of ${volume} (${target.instanceId})`,
            TagSpecifications: [
              {
                ResourceType: 'snapshot',
                Tags: [
                  { Key: ISOLATION_TAG, Value: target.instanceId },
                  { Key: FINDING_TAG, Value: target.findingId },
                ],
              },
            ],
          },
        });
      }
      if (!state.terminationProtection) {
        calls.push({
          service: 'ec2',
          action: 'ModifyInstanceAttribute',
          input: { InstanceId: target.instanceId, DisableApiTermination: { Value: true } },
        });
      }
      if (!state.tagged) {
        calls.push({
          service: 'ec2',
          action: 'CreateTags',
          input: { Resources: [target.instanceId], Tags: [{ Key: ISOLATION_TAG, Value: target.findingId }] },
        });
      }
      return calls;
    },
    undo(before, { target }) {
      const calls: PlannedCall[] = before.interfaces.map((eni) => ({
        service: 'ec2',
        action: 'ModifyNetworkInterfaceAttribute',
        input: { NetworkInterfaceId: eni.id, Groups: [...eni.groups] },
      }));
      if (!before.terminationProtection) {
        calls.push({
          service: 'ec2',
          action: 'ModifyInstanceAttribute',
          input: { InstanceId: target.instanceId, DisableApiTermination: { Value: false } },
        });
      }
      if (!before.tagged) {
        calls.push({
          service: 'ec2',
          action: 'DeleteTags',
          input: { Resources: [target.instanceId], Tags: [{ Key: ISOLATION_TAG, Value: target.findingId }] },
        });
      }
      return calls;
    },
    // A partial isolation is reversed call by call: each swap puts that interface's groups back, termination
    // protection goes back off, the tag comes off; the group, its removed rule and the snapshots are kept.
    undoEach: (before, ctx): Array<PlannedCall | null> =>
      isolation.plan(before, ctx).map((call): PlannedCall | null => {
        const input = call.input as Record<string, unknown>;
        switch (call.action) {
          case 'ModifyNetworkInterfaceAttribute': {
            const eni = before.interfaces.find((i) => i.id === input.NetworkInterfaceId);
            if (!eni)
              throw new Error(`${ID}: the plan swaps ${String(input.NetworkInterfaceId)}, not in the before-state`);
            return {
              service: 'ec2',
              action: 'ModifyNetworkInterfaceAttribute',
              input: { NetworkInterfaceId: eni.id, Groups: [...eni.groups] },
            };
          }
          case 'ModifyInstanceAttribute':
            return {
              service: 'ec2',
              action: 'ModifyInstanceAttribute',
              input: { InstanceId: ctx.target.instanceId, DisableApiTermination: { Value: false } },
            };
          case 'CreateTags':
            return { service: 'ec2', action: 'DeleteTags', input: { Resources: input.Resources, Tags: input.Tags } };
          default:
            return null;
        }
      }),
  });
  return isolation;
}

export const ec2InstanceIsolate = createEc2InstanceIsolate();
