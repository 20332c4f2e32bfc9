import { z } from 'zod';
import type { SeverityLabel } from '../config.ts';
import {
  type EventNormalizer,
  envelopeOrigin,
  envelopeWith,
  findingSlice,
  isoTime,
  parseSource,
  resourceFromId,
} from './normalizer.ts';
import { type NormalizeResult, SEVERITY_DEFAULT_SCORES, type SecurityEventStatus } from './types.ts';

const NonEmpty = z.string().min(1, 'must be a non-empty string');

/** OCSF (1.x) finding fields the normalizer reads; everything else passes through untouched. */
export const OcsfFindingSchema = z.looseObject({
  class_uid: z.number().int().optional(),
  class_name: z.string().optional(),
  finding_info: z.looseObject({
    uid: NonEmpty,
    title: z.string().optional(),
    desc: z.string().optional(),
    types: z.array(z.string()).optional(),
    created_time_dt: z.string().optional(),
    modified_time_dt: z.string().optional(),
    modified_time: z.number().optional(),
  }),
  // OCSF severity_id: 0 Unknown, 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical, 6 Fatal, 99 Other.
  severity_id: z.union(
    [z.literal(0), z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5), z.literal(6), z.literal(99)],
    {
      message: 'must be an OCSF severity_id: one of 0, 1, 2, 3, 4, 5, 6, 99',
    },
  ),
  severity: z.string().optional(),
  // OCSF status_id: 0 Unknown, 1 New, 2 In Progress, 3 Suppressed, 4 Resolved, 5 Archived, 99 Other.
  status_id: z.number().int().optional(),
  status: z.string().optional(),
  activity_name: z.string().optional(),
  time: z.number().optional(),
  time_dt: z.string().optional(),
  cloud: z.looseObject({
    account: z.looseObject({ uid: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id') }),
    region: z.string().optional(),
  }),
  metadata: z.looseObject({
    product: z.looseObject({ uid: z.string().optional(), name: z.string().optional() }),
  }),
  compliance: z.looseObject({ control: z.string().optional(), status_id: z.number().int().optional() }).optional(),
  resources: z
    .array(
      z.looseObject({
        uid: z.string().optional(),
        type: z.string().optional(),
        name: z.string().optional(),
        region: z.string().optional(),
        owner: z.looseObject({ account: z.looseObject({ uid: z.string().optional() }).optional() }).optional(),
      }),
    )
    .optional(),
  unmapped: z.unknown().optional(),
});
export type OcsfFinding = z.infer<typeof OcsfFindingSchema>;

/** "Findings Imported V2" from Security Hub: OCSF findings in `detail.findings`. */
export const SecurityHubOcsfEventSchema = envelopeWith(
  z.looseObject({ findings: z.array(OcsfFindingSchema).min(1, 'must hold at least one finding') }),
);

// Unknown (0) and Other (99) carry no level: treat them as MEDIUM rather than hide them.
const OCSF_SEVERITY: Readonly<Record<number, SeverityLabel>> = {
  0: 'MEDIUM',
  1: 'INFORMATIONAL',
  2: 'LOW',
  3: 'MEDIUM',
  4: 'HIGH',
  5: 'CRITICAL',
  6: 'CRITICAL',
  99: 'MEDIUM',
};

function ocsfStatus(f: OcsfFinding): SecurityEventStatus {
  switch (f.status_id) {
    case 3:
      return 'suppressed';
    case 4:
      return 'resolved';
    case 5:
      return 'archived';
  }
  if (f.activity_name === 'Close') return 'resolved';
  // OCSF compliance.status_id 1 = Pass.
  if (f.compliance?.status_id === 1) return 'compliant';
  return 'active';
}

/** Security Hub OCSF findings ("Findings Imported V2"); one SecurityEvent per finding, as for ASFF. */
export const securityHubOcsfNormalizer: EventNormalizer = {
  id: 'securityhub-ocsf',
  source: 'aws.securityhub',
  detailTypes: ['Findings Imported V2'],
  normalize(_envelope, raw): NormalizeResult {
    const parsed = parseSource(SecurityHubOcsfEventSchema, raw, 'Security Hub OCSF finding');
    if (!parsed.ok) return parsed;
    const event = parsed.data;
    const findings = event.detail.findings;
    return {
      ok: true,
      events: findings.map((f, i) => {
        const slice = findingSlice(event.id, raw, i, findings.length);
        const label = OCSF_SEVERITY[f.severity_id] ?? 'MEDIUM';
        const account = f.cloud.account.uid;
        const region = f.cloud.region ?? event.region;
        const updatedAt = isoTime(f.finding_info.modified_time_dt ?? f.finding_info.modified_time);
        const description = f.finding_info.desc;
        const productUid = f.metadata.product.uid ?? f.metadata.product.name ?? 'unknown-product';
        return {
          id: slice.id,
          source: 'securityhub-ocsf' as const,
          kind: f.compliance?.control ?? f.finding_info.types?.[0] ?? f.class_name ?? 'ocsf-finding',
          account,
          region,
          time: isoTime(event.time) ?? event.time,
          severity: { label, score: f.severity_id === 6 ? 100 : SEVERITY_DEFAULT_SCORES[label] },
          title: f.finding_info.title ?? f.finding_info.uid,
          ...(description !== undefined ? { description } : {}),
          resources: (f.resources ?? []).flatMap((r) => {
            const id = r.uid ?? r.name;
            if (!id) return [];
            return [
              resourceFromId(r.type ?? 'Other', id, {
                ...(r.owner?.account?.uid ? { account: r.owner.account.uid } : {}),
                ...(r.region ? { region: r.region } : {}),
              }),
            ];
          }),
          // Security Hub identifies an OCSF finding by cloud.account.uid + metadata.product.uid + finding_info.uid.
          dedupKey: `securityhub-ocsf:${account}:${productUid}:${f.finding_info.uid}`,
          status: ocsfStatus(f),
          ...(updatedAt ? { findingUpdatedAt: updatedAt } : {}),
          origin: envelopeOrigin(event, {
            accountField: `detail.findings[${i}].cloud.account.uid`,
            aggregator: 'securityhub',
          }),
          raw: slice.raw,
        };
      }),
    };
  },
};
