import { z } from 'zod';
import {
  type EventNormalizer,
  envelopeOrigin,
  envelopeWith,
  isoTime,
  parseSource,
  resourceFromId,
} from './normalizer.ts';
import { type NormalizeResult, type SecurityEventStatus, severityFromLabel } from './types.ts';

const NonEmpty = z.string().min(1, 'must be a non-empty string');

/** `detail` of an IAM Access Analyzer "Access Analyzer Finding" event (the fields the normalizer reads). */
export const AccessAnalyzerFindingSchema = z.looseObject({
  version: z.string().optional(),
  id: NonEmpty,
  status: z.enum(['ACTIVE', 'ARCHIVED', 'RESOLVED']),
  resourceType: NonEmpty,
  resource: NonEmpty,
  createdAt: z.string().optional(),
  analyzedAt: z.string().optional(),
  updatedAt: z.string().optional(),
  accountId: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
  region: NonEmpty,
  principal: z.record(z.string(), z.unknown()).optional(),
  action: z.array(z.string()).optional(),
  condition: z.record(z.string(), z.unknown()).optional(),
  isPublic: z.boolean().optional(),
  isDeleted: z.boolean().optional(),
  findingType: z.string().optional(),
});

export const AccessAnalyzerEventSchema = envelopeWith(AccessAnalyzerFindingSchema);

const STATUS: Readonly<Record<'ACTIVE' | 'ARCHIVED' | 'RESOLVED', SecurityEventStatus>> = {
  ACTIVE: 'active',
  ARCHIVED: 'archived',
  RESOLVED: 'resolved',
};

/** IAM Access Analyzer external-access findings; public access is HIGH, other external access MEDIUM. */
export const accessAnalyzerNormalizer: EventNormalizer = {
  id: 'access-analyzer',
  source: 'aws.access-analyzer',
  detailTypes: ['Access Analyzer Finding'],
  normalize(_envelope, raw): NormalizeResult {
    const parsed = parseSource(AccessAnalyzerEventSchema, raw, 'Access Analyzer finding');
    if (!parsed.ok) return parsed;
    const event = parsed.data;
    const d = event.detail;
    const updatedAt = isoTime(d.updatedAt);
    const scope = d.isPublic ? 'publicly' : 'with principals outside the zone of trust';
    return {
      ok: true,
      events: [
        {
          id: event.id,
          source: 'access-analyzer',
          kind: d.findingType ?? 'ExternalAccess',
          account: d.accountId,
          region: d.region,
          time: isoTime(event.time) ?? event.time,
          severity: severityFromLabel(d.isPublic ? 'HIGH' : 'MEDIUM'),
          title: `${d.resourceType} ${d.resource} is shared ${scope}`,
          ...(d.action ? { description: `Allowed actions: ${d.action.join(', ')}` } : {}),
          resources: [
            resourceFromId(d.resourceType, d.resource, {
              account: d.accountId,
              region: d.region,
              details: {
                ...(d.principal ? { principal: d.principal } : {}),
                ...(d.condition ? { condition: d.condition } : {}),
              },
            }),
          ],
          dedupKey: `access-analyzer:${d.accountId}:${d.region}:${d.id}`,
          status: STATUS[d.status],
          ...(updatedAt ? { findingUpdatedAt: updatedAt } : {}),
          origin: envelopeOrigin(event, { accountField: 'detail.accountId', aggregator: 'access-analyzer' }),
          raw,
        },
      ],
    };
  },
};
