import { z } from 'zod';
import type { SeverityLabel } from '../config.ts';
import { type EventNormalizer, envelopeOrigin, envelopeWith, isoTime, parseSource } from './normalizer.ts';
import type { NormalizeResult, SecurityResource, SecuritySeverity } from './types.ts';

const NonEmpty = z.string().min(1, 'must be a non-empty string');

/** GuardDuty finding fields the normalizer reads (`detail` of a "GuardDuty Finding" event). */
export const GuardDutyFindingSchema = z.looseObject({
  schemaVersion: z.string().optional(),
  accountId: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
  region: NonEmpty,
  partition: z.string().optional(),
  id: NonEmpty,
  arn: z.string().optional(),
  type: NonEmpty,
  severity: z.number().min(0, 'must be from 0 to 10').max(10, 'must be from 0 to 10'),
  createdAt: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time' }).optional(),
  updatedAt: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time' }).optional(),
  title: z.string(),
  description: z.string().optional(),
  resource: z.looseObject({
    resourceType: NonEmpty,
    instanceDetails: z.looseObject({ instanceId: z.string().optional() }).optional(),
    accessKeyDetails: z
      .looseObject({
        accessKeyId: z.string().optional(),
        userName: z.string().optional(),
        principalId: z.string().optional(),
      })
      .optional(),
    s3BucketDetails: z.array(z.looseObject({ arn: z.string().optional(), name: z.string().optional() })).optional(),
    eksClusterDetails: z.looseObject({ arn: z.string().optional(), name: z.string().optional() }).optional(),
  }),
  service: z
    .looseObject({
      archived: z.boolean().optional(),
      count: z.number().int().nonnegative().optional(),
      detectorId: z.string().optional(),
      eventFirstSeen: z.string().optional(),
      eventLastSeen: z.string().optional(),
    })
    .optional(),
});
export type GuardDutyFinding = z.infer<typeof GuardDutyFindingSchema>;

export const GuardDutyEventSchema = envelopeWith(GuardDutyFindingSchema);

/**
 * GuardDuty's documented severity ranges: Low 1.0-3.9, Medium 4.0-6.9, High 7.0-8.9, Critical 9.0-10.0
 * (below 1.0 is not used by GuardDuty and is treated as informational). Score = severity × 10.
 */
export function guardDutySeverity(severity: number): SecuritySeverity {
  let label: SeverityLabel;
  if (severity >= 9) label = 'CRITICAL';
  else if (severity >= 7) label = 'HIGH';
  else if (severity >= 4) label = 'MEDIUM';
  else if (severity >= 1) label = 'LOW';
  else label = 'INFORMATIONAL';
  // Floor, not round: 8.95 must stay HIGH (89), matching the label.
  return { label, score: Math.min(100, Math.floor(severity * 10 + 1e-9)) };
}

function guardDutyResources(f: GuardDutyFinding): SecurityResource[] {
  const r = f.resource;
  const partition = f.partition ?? 'aws';
  const where = { account: f.accountId, region: f.region };
  switch (r.resourceType) {
    case 'Instance': {
      const id = r.instanceDetails?.instanceId;
      if (!id) break;
      // What containment needs without a live read: the interfaces with their groups and VPC, the tags (Auto
      // Scaling), and whether the instance acted or was acted on.
      const interfaces = r.instanceDetails?.networkInterfaces;
      const tags = r.instanceDetails?.tags;
      const role = f.service?.resourceRole;
      const details = {
        ...(Array.isArray(interfaces)
          ? {
              networkInterfaces: interfaces.map((n) => ({
                networkInterfaceId: n?.networkInterfaceId,
                vpcId: n?.vpcId,
                securityGroups: (Array.isArray(n?.securityGroups) ? n.securityGroups : []).map(
                  (g: { groupId?: unknown }) => ({ groupId: g?.groupId }),
                ),
              })),
            }
          : {}),
        ...(Array.isArray(tags) ? { tags } : {}),
        ...(typeof role === 'string' ? { resourceRole: role } : {}),
      };
      return [
        {
          type: 'AwsEc2Instance',
          id,
          arn: `arn:${partition}:ec2:${f.region}:${f.accountId}:instance/${id}`,
          ...where,
          ...(Object.keys(details).length > 0 ? { details } : {}),
        },
      ];
    }
    case 'AccessKey': {
      const key = r.accessKeyDetails;
      if (!key?.accessKeyId) break;
      return [
        {
          type: 'AwsIamAccessKey',
          id: key.accessKeyId,
          ...where,
          details: {
            ...(key.userName ? { userName: key.userName } : {}),
            ...(key.principalId ? { principalId: key.principalId } : {}),
          },
        },
      ];
    }
    case 'S3Bucket': {
      const buckets = (r.s3BucketDetails ?? []).flatMap((b) => {
        const id = b.arn ?? b.name;
        return id ? [{ type: 'AwsS3Bucket', id, ...(b.arn ? { arn: b.arn } : {}), ...where }] : [];
      });
      if (buckets.length > 0) return buckets;
      break;
    }
    case 'EKSCluster': {
      const cluster = r.eksClusterDetails;
      const id = cluster?.arn ?? cluster?.name;
      if (!id) break;
      return [{ type: 'AwsEksCluster', id, ...(cluster?.arn ? { arn: cluster.arn } : {}), ...where }];
    }
  }
  // Other resource types: name the finding's resource type; details stay in raw.
  return [{ type: r.resourceType, id: f.arn ?? f.id, ...(f.arn ? { arn: f.arn } : {}), ...where }];
}

/**
 * GuardDuty findings. GuardDuty re-sends a finding with a higher `service.count` when the activity recurs; the
 * finding id (and so the dedup key) stays the same, and `count` carries the new total.
 */
export const guardDutyNormalizer: EventNormalizer = {
  id: 'guardduty',
  source: 'aws.guardduty',
  detailTypes: ['GuardDuty Finding'],
  normalize(_envelope, raw): NormalizeResult {
    const parsed = parseSource(GuardDutyEventSchema, raw, 'GuardDuty finding');
    if (!parsed.ok) return parsed;
    const event = parsed.data;
    const f = event.detail;
    const updatedAt = isoTime(f.updatedAt);
    const count = f.service?.count;
    return {
      ok: true,
      events: [
        {
          id: event.id,
          source: 'guardduty',
          kind: f.type,
          account: f.accountId,
          region: f.region,
          time: isoTime(event.time) ?? event.time,
          severity: guardDutySeverity(f.severity),
          title: f.title,
          ...(f.description !== undefined ? { description: f.description } : {}),
          resources: guardDutyResources(f),
          dedupKey: `guardduty:${f.accountId}:${f.region}:${f.id}`,
          status: f.service?.archived ? 'archived' : 'active',
          ...(updatedAt ? { findingUpdatedAt: updatedAt } : {}),
          ...(count !== undefined ? { count } : {}),
          origin: envelopeOrigin(event, { accountField: 'detail.accountId', aggregator: 'guardduty' }),
          raw,
        },
      ],
    };
  },
};
