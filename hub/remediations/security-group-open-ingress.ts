// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/** Revokes the ingress rules of a security group that open a risky port to 0.0.0.0/0 or ::/0, and only those. */
import { defineRemediation } from '../../shared/remediation/types.ts';
import {
  readRules,
  ruleCalls,
  rulesFromCloudTrail,
  rulesFromIpPermissions,
  type SgRule,
} from './security-group-rules.ts';
import { at, checkId, lastSegment, requireResourceId } from './support.ts';

/**
 * Ports that must never face the internet (Security Hub EC2.19's high-risk list): FTP, SSH, Telnet, SMTP, POP3,
 * RPC, IMAP, SMB, SQL Server, dev servers, MySQL, RDP, PostgreSQL, Kibana, HTTP proxies, Elasticsearch.
 */
export const RISKY_PORTS: readonly number[] = [
  20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5500, 5601, 8080, 8088, 8888,
  9200, 9300,
];

/** Whether a rule opens a risky port to the whole internet. */
export function opensRiskyPortToWorld(rule: SgRule): boolean {
  if (rule.egress) return false;
  if (rule.cidrIpv4 !== '0.0.0.0/0' && rule.cidrIpv6 !== '::/0') return false;
  if (rule.protocol === '-1') return true;
  if (rule.protocol !== 'tcp' && rule.protocol !== 'udp' && rule.protocol !== '6' && rule.protocol !== '17') {
    return false;
  }
  const from = rule.fromPort ?? 0;
  const to = rule.toPort ?? 65535;
  return RISKY_PORTS.some((p) => p >= from && p <= to);
}

const ID = 'security-group-open-ingress';
const GROUP = 'arn:${AWS::Partition}:ec2:*:${AWS::AccountId}:security-group/${Target:groupId}';

export const securityGroupOpenIngress = defineRemediation<{ groupId: string }, { rules: SgRule[] }>({
  id: ID,
  title: 'Security group: revoke internet ingress to risky ports',
  description:
    'Revokes the ingress rules that open a high-risk port (SSH, RDP, databases...) to 0.0.0.0/0 or ::/0; other rules stay.',
  findings: {
    securityHubControls: ['EC2.13', 'EC2.14', 'EC2.18', 'EC2.19'],
    configRules: ['restricted-ssh', 'restricted-common-ports', 'vpc-sg-open-only-to-authorized-ports'],
    cloudTrail: { eventSource: 'ec2.amazonaws.com', eventNames: ['AuthorizeSecurityGroupIngress'] },
  },
  permissions: [
    { calls: ['ec2:DescribeSecurityGroupRules'], resources: ['*'] },
    { purpose: 'fix', calls: ['ec2:RevokeSecurityGroupIngress'], resources: [GROUP] },
    // Re-opening a port to the internet: undo only.
    { purpose: 'undo', calls: ['ec2:AuthorizeSecurityGroupIngress'], resources: [GROUP] },
  ],
  target(event) {
    const { id, field } = requireResourceId(ID, event, ['AwsEc2SecurityGroup', 'AWS::EC2::SecurityGroup']);
    return { groupId: checkId(ID, field, lastSegment(id), /^sg-[0-9a-f]{8,17}$/, 'a security group id') };
  },
  readState: async (call, { target }) => ({ rules: await readRules(call, target.groupId) }),
  stateFromFinding(event) {
    const details = event.resources[0]?.details ?? {};
    const fromAsff = rulesFromIpPermissions(at(details, 'AwsEc2SecurityGroup', 'IpPermissions'), false);
    if (fromAsff.length > 0) return { rules: fromAsff };
    const fromTrail = rulesFromCloudTrail(at(details, 'requestParameters'));
    return fromTrail.length > 0 ? { rules: fromTrail } : undefined;
  },
  plan: (state, { target }) => ruleCalls(target.groupId, state.rules.filter(opensRiskyPortToWorld), 'Revoke'),
  describeFix({ target }, event) {
    const ports = event.kind.includes('restricted-ssh') ? 'port 22' : `a high-risk port (${RISKY_PORTS.join(', ')})`;
    return `DescribeSecurityGroupRules for ${target.groupId}, then RevokeSecurityGroupIngress for every ingress rule of ${target.groupId} open to 0.0.0.0/0 or ::/0 on ${ports}`;
  },
  undo: (before, { target }) => ruleCalls(target.groupId, before.rules.filter(opensRiskyPortToWorld), 'Authorize'),
});
