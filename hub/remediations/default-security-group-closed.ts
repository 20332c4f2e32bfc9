// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/** Removes every rule of a VPC's default security group (CIS: the default group must restrict all traffic). */
import { RemediationTargetError } from '../../shared/remediation/errors.ts';
import { defineRemediation } from '../../shared/remediation/types.ts';
import { readRules, ruleCalls, rulesFromIpPermissions, type SgRule } from './security-group-rules.ts';
import { at, checkId, lastSegment, requireResourceId } from './support.ts';

const ID = 'default-security-group-closed';
const GROUP = 'arn:${AWS::Partition}:ec2:*:${AWS::AccountId}:security-group/${Target:groupId}';

export const defaultSecurityGroupClosed = defineRemediation<
  { groupId: string },
  { groupName: string; rules: SgRule[] }
>({
  id: ID,
  title: 'Default security group: remove all rules',
  description:
    "Revokes every ingress and egress rule of a VPC's default security group. Never automatic: workloads still in the default group lose their traffic.",
  findings: {
    securityHubControls: ['EC2.2'],
    configRules: ['vpc-default-security-group-closed'],
  },
  // Resources left in the default group would lose connectivity: a person decides when.
  neverAuto: true,
  permissions: [
    { calls: ['ec2:DescribeSecurityGroups', 'ec2:DescribeSecurityGroupRules'], resources: ['*'] },
    {
      purpose: 'fix',
      calls: ['ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress'],
      resources: [GROUP],
    },
    // Authorizing rules opens the group again: undo only.
    {
      purpose: 'undo',
      calls: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress'],
      resources: [GROUP],
    },
  ],
  target(event) {
    const { id, field } = requireResourceId(ID, event, ['AwsEc2SecurityGroup', 'AWS::EC2::SecurityGroup']);
    return { groupId: checkId(ID, field, lastSegment(id), /^sg-[0-9a-f]{8,17}$/, 'a security group id') };
  },
  async readState(call, { target }) {
    const out = await call({ service: 'ec2', action: 'DescribeSecurityGroups', input: { GroupIds: [target.groupId] } });
    const groupName = String(at(out, 'SecurityGroups', 0, 'GroupName') ?? '');
    if (groupName !== 'default') {
      throw new RemediationTargetError(
        ID,
        'resources',
        `names ${target.groupId} ("${groupName}"), not a default security group`,
      );
    }
    return { groupName, rules: await readRules(call, target.groupId) };
  },
  stateFromFinding(event, { target }) {
    const details = at(event.resources[0]?.details, 'AwsEc2SecurityGroup');
    if (details) {
      return {
        groupName: String(at(details, 'GroupName') ?? 'default'),
        rules: [
          ...rulesFromIpPermissions(at(details, 'IpPermissions'), false),
          ...rulesFromIpPermissions(at(details, 'IpPermissionsEgress'), true),
        ],
      };
    }
    // The rules every new default group gets: all traffic from itself in, all traffic out.
    return {
      groupName: 'default',
      rules: [
        { egress: false, protocol: '-1', groupId: target.groupId },
        { egress: true, protocol: '-1', cidrIpv4: '0.0.0.0/0' },
      ],
    };
  },
  plan: (state, { target }) => ruleCalls(target.groupId, state.rules, 'Revoke'),
  undo: (before, { target }) => ruleCalls(target.groupId, before.rules, 'Authorize'),
});
