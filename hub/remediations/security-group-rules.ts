/** Security group rules as the two SG remediations read, plan and restore them. */
import type { CallRunner, PlannedCall } from '../../shared/remediation/types.ts';
import { at } from './support.ts';

/** One rule, one source (a CIDR, an IPv6 CIDR, a prefix list or a group). */
export interface SgRule {
  readonly egress: boolean;
  /** `tcp`, `udp`, `icmp`, or `-1` for all. */
  readonly protocol: string;
  readonly fromPort?: number;
  readonly toPort?: number;
  readonly cidrIpv4?: string;
  readonly cidrIpv6?: string;
  readonly prefixListId?: string;
  readonly groupId?: string;
  readonly description?: string;
}

/** Reads every rule of a group (DescribeSecurityGroupRules, paginated). */
export async function readRules(call: CallRunner, groupId: string): Promise<SgRule[]> {
  const rules: SgRule[] = [];
  let token: string | undefined;
  do {
    const out = await call({
      service: 'ec2',
      action: 'DescribeSecurityGroupRules',
      input: { Filters: [{ Name: 'group-id', Values: [groupId] }], ...(token ? { NextToken: token } : {}) },
    });
    for (const r of (out.SecurityGroupRules as Array<Record<string, unknown>> | undefined) ?? []) {
      rules.push({
        egress: r.IsEgress === true,
        protocol: String(r.IpProtocol ?? '-1'),
        ...(typeof r.FromPort === 'number' ? { fromPort: r.FromPort } : {}),
        ...(typeof r.ToPort === 'number' ? { toPort: r.ToPort } : {}),
        ...(typeof r.CidrIpv4 === 'string' ? { cidrIpv4: r.CidrIpv4 } : {}),
        ...(typeof r.CidrIpv6 === 'string' ? { cidrIpv6: r.CidrIpv6 } : {}),
        ...(typeof r.PrefixListId === 'string' ? { prefixListId: r.PrefixListId } : {}),
        ...(typeof at(r, 'ReferencedGroupInfo', 'GroupId') === 'string'
          ? { groupId: at(r, 'ReferencedGroupInfo', 'GroupId') as string }
          : {}),
        ...(typeof r.Description === 'string' ? { description: r.Description } : {}),
      });
    }
    token = typeof out.NextToken === 'string' && out.NextToken !== '' ? out.NextToken : undefined;
  } while (token);
  return rules;
}

/** Rules from the EC2 API shape of IpPermissions (ASFF details, DescribeSecurityGroups). */
export function rulesFromIpPermissions(permissions: unknown, egress: boolean): SgRule[] {
  if (!Array.isArray(permissions)) return [];
  return permissions.flatMap((p: Record<string, unknown>) => {
    const common = {
      egress,
      protocol: String(p.IpProtocol ?? '-1'),
      ...(typeof p.FromPort === 'number' ? { fromPort: p.FromPort } : {}),
      ...(typeof p.ToPort === 'number' ? { toPort: p.ToPort } : {}),
    };
    const list = (k: string) => (Array.isArray(p[k]) ? (p[k] as Array<Record<string, unknown>>) : []);
    return [
      ...list('IpRanges').map((r) => ({ ...common, cidrIpv4: String(r.CidrIp) })),
      ...list('Ipv6Ranges').map((r) => ({ ...common, cidrIpv6: String(r.CidrIpv6) })),
      ...list('PrefixListIds').map((r) => ({ ...common, prefixListId: String(r.PrefixListId) })),
      ...list('UserIdGroupPairs').map((r) => ({ ...common, groupId: String(r.GroupId) })),
    ];
  });
}

/** Rules from a CloudTrail AuthorizeSecurityGroupIngress request (`ipPermissions.items[]`). */
export function rulesFromCloudTrail(requestParameters: unknown): SgRule[] {
  const items = at(requestParameters, 'ipPermissions', 'items');
  if (!Array.isArray(items)) return [];
  return items.flatMap((p: Record<string, unknown>) => {
    const common = {
      egress: false,
      protocol: String(p.ipProtocol ?? '-1'),
      ...(typeof p.fromPort === 'number' ? { fromPort: p.fromPort } : {}),
      ...(typeof p.toPort === 'number' ? { toPort: p.toPort } : {}),
    };
    const list = (k: string) => {
      const v = at(p, k, 'items');
      return Array.isArray(v) ? (v as Array<Record<string, unknown>>) : [];
    };
    return [
      ...list('ipRanges').map((r) => ({ ...common, cidrIpv4: String(r.cidrIp) })),
      ...list('ipv6Ranges').map((r) => ({ ...common, cidrIpv6: String(r.cidrIpv6) })),
      ...list('groups').map((r) => ({ ...common, groupId: String(r.groupId) })),
    ];
  });
}

/** The EC2 IpPermission of one rule (what Revoke/Authorize take). */
export function ipPermission(rule: SgRule): Record<string, unknown> {
  const desc = rule.description ? { Description: rule.description } : {};
  return {
    IpProtocol: rule.protocol,
    ...(rule.protocol !== '-1' && rule.fromPort !== undefined ? { FromPort: rule.fromPort } : {}),
    ...(rule.protocol !== '-1' && rule.toPort !== undefined ? { ToPort: rule.toPort } : {}),
    ...(rule.cidrIpv4 ? { IpRanges: [{ CidrIp: rule.cidrIpv4, ...desc }] } : {}),
    ...(rule.cidrIpv6 ? { Ipv6Ranges: [{ CidrIpv6: rule.cidrIpv6, ...desc }] } : {}),
    ...(rule.prefixListId ? { PrefixListIds: [{ PrefixListId: rule.prefixListId, ...desc }] } : {}),
    ...(rule.groupId ? { UserIdGroupPairs: [{ GroupId: rule.groupId, ...desc }] } : {}),
  };
}

/** Revoke (or, for undo, authorize) calls for a set of rules: one call per direction. */
export function ruleCalls(groupId: string, rules: readonly SgRule[], verb: 'Revoke' | 'Authorize'): PlannedCall[] {
  const calls: PlannedCall[] = [];
  for (const egress of [false, true]) {
    const some = rules.filter((r) => r.egress === egress);
    if (some.length === 0) continue;
    calls.push({
      service: 'ec2',
      action: `${verb}SecurityGroup${egress ? 'Egress' : 'Ingress'}`,
      input: { GroupId: groupId, IpPermissions: some.map(ipPermission) },
    });
  }
  return calls;
}
