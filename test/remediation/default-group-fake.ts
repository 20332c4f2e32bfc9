/**
 * A default security group held by a fake EC2, for the write-ahead tests: describes return its rules as they are
 * now, revokes remove them and authorizes add them back, so a re-read of "before" after a partial apply sees the
 * half-fixed group.
 */
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  type EC2ClientResolvedConfig,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroupRule,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-ec2';
import type { AwsStub } from 'aws-sdk-client-mock';

export const GROUP = 'sg-0123456789abcdef0';
export const INGRESS: SecurityGroupRule = {
  IsEgress: false,
  IpProtocol: '-1',
  ReferencedGroupInfo: { GroupId: GROUP },
};
export const EGRESS: SecurityGroupRule = { IsEgress: true, IpProtocol: '-1', CidrIpv4: '0.0.0.0/0' };

/** Installs the group (both rules present) on `ec2`; returns its rules as they are at the time of asking. */
export function fakeDefaultGroup(
  ec2: AwsStub<ServiceInputTypes, ServiceOutputTypes, EC2ClientResolvedConfig>,
): () => SecurityGroupRule[] {
  let rules: SecurityGroupRule[] = [INGRESS, EGRESS];
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupName: 'default', GroupId: GROUP }] });
  ec2.on(DescribeSecurityGroupRulesCommand).callsFake(() => ({ SecurityGroupRules: structuredClone(rules) }));
  ec2.on(RevokeSecurityGroupIngressCommand).callsFake(() => {
    rules = rules.filter((r) => r.IsEgress);
    return {};
  });
  ec2.on(RevokeSecurityGroupEgressCommand).callsFake(() => {
    rules = rules.filter((r) => !r.IsEgress);
    return {};
  });
  ec2.on(AuthorizeSecurityGroupIngressCommand).callsFake(() => {
    rules = [...rules, INGRESS];
    return {};
  });
  ec2.on(AuthorizeSecurityGroupEgressCommand).callsFake(() => {
    rules = [...rules, EGRESS];
    return {};
  });
  return () => rules;
}
