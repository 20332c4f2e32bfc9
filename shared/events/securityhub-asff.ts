import { z } from 'zod';
import { SEVERITY_LABELS } from '../config.ts';
import type { EventBridgeEnvelope } from './envelope.ts';
import {
  type EventNormalizer,
  envelopeOrigin,
  envelopeWith,
  findingSlice,
  isoTime,
  parseSource,
  resourceFromId,
} from './normalizer.ts';
import {
  type NormalizeResult,
  SEVERITY_DEFAULT_SCORES,
  type SecurityEvent,
  type SecurityEventStatus,
  type SecuritySeverity,
  severityLabelFromScore,
} from './types.ts';

const NonEmpty = z.string().min(1, 'must be a non-empty string');

/** The ASFF fields the normalizer reads; everything else passes through untouched. */
export const AsffFindingSchema = z.looseObject({
  SchemaVersion: z.string().optional(),
  Id: NonEmpty,
  ProductArn: NonEmpty,
  GeneratorId: z.string().optional(),
  AwsAccountId: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
  Region: z.string().optional(),
  Types: z.array(z.string()).optional(),
  CreatedAt: z.string().optional(),
  UpdatedAt: z.string().optional(),
  Severity: z
    .looseObject({
      Label: z.enum(SEVERITY_LABELS).optional(),
      Normalized: z.number().int().min(0).max(100).optional(),
      Product: z.number().optional(),
      Original: z.string().optional(),
    })
    .refine((s) => s.Label !== undefined || s.Normalized !== undefined, 'needs Label or Normalized'),
  Title: z.string(),
  Description: z.string().optional(),
  Resources: z
    .array(
      z.looseObject({
        Type: NonEmpty,
        Id: NonEmpty,
        Region: z.string().optional(),
        Partition: z.string().optional(),
        Details: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .optional(),
  Compliance: z
    .looseObject({
      Status: z.enum(['PASSED', 'WARNING', 'FAILED', 'NOT_AVAILABLE']).optional(),
      SecurityControlId: z.string().optional(),
    })
    .optional(),
  Workflow: z.looseObject({ Status: z.enum(['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED']).optional() }).optional(),
  RecordState: z.enum(['ACTIVE', 'ARCHIVED']).optional(),
  ProductFields: z.record(z.string(), z.unknown()).optional(),
});
export type AsffFinding = z.infer<typeof AsffFindingSchema>;

/** "Security Hub Findings - Imported": one or more ASFF findings in `detail.findings`. */
export const SecurityHubAsffEventSchema = envelopeWith(
  z.looseObject({ findings: z.array(AsffFindingSchema).min(1, 'must hold at least one finding') }),
);

function asffSeverity(severity: AsffFinding['Severity']): SecuritySeverity {
  // Label wins (Security Hub's preferred field); Normalized supplies the score when present.
  const label = severity.Label ?? severityLabelFromScore(severity.Normalized ?? 0);
  const score =
    severity.Normalized !== undefined && severityLabelFromScore(severity.Normalized) === label
      ? severity.Normalized
      : SEVERITY_DEFAULT_SCORES[label];
  return { label, score };
}

function asffStatus(f: AsffFinding): SecurityEventStatus {
  if (f.RecordState === 'ARCHIVED') return 'archived';
  if (f.Workflow?.Status === 'SUPPRESSED') return 'suppressed';
  if (f.Workflow?.Status === 'RESOLVED') return 'resolved';
  if (f.Compliance?.Status === 'PASSED') return 'compliant';
  if (f.Compliance?.Status === 'NOT_AVAILABLE') return 'not-applicable';
  return 'active';
}

function asffKind(f: AsffFinding): string {
  const controlId = f.Compliance?.SecurityControlId ?? f.ProductFields?.ControlId;
  if (typeof controlId === 'string' && controlId !== '') return controlId;
  return f.Types?.[0] ?? f.GeneratorId ?? 'asff-finding';
}

/** Maps one ASFF finding; `raw` is the event the finding arrived in. */
export function normalizeAsffFinding(
  finding: AsffFinding,
  envelope: EventBridgeEnvelope,
  id: string,
  raw: unknown,
  /** Position of the finding in `detail.findings` (names the field its account was read from). @default 0 */
  index = 0,
): SecurityEvent {
  const region = finding.Region ?? envelope.region;
  const updatedAt = isoTime(finding.UpdatedAt);
  return {
    id,
    source: 'securityhub-asff',
    kind: asffKind(finding),
    account: finding.AwsAccountId,
    region,
    time: isoTime(envelope.time) ?? envelope.time,
    severity: asffSeverity(finding.Severity),
    title: finding.Title,
    ...(finding.Description !== undefined ? { description: finding.Description } : {}),
    resources: (finding.Resources ?? []).map((r) =>
      resourceFromId(r.Type, r.Id, {
        region: r.Region,
        ...(r.Details ? { details: r.Details } : {}),
      }),
    ),
    // Security Hub identifies a finding by Id + ProductArn (BatchUpdateFindings' FindingIdentifier).
    dedupKey: `securityhub:${finding.ProductArn}:${finding.Id}`,
    status: asffStatus(finding),
    ...(updatedAt ? { findingUpdatedAt: updatedAt } : {}),
    origin: envelopeOrigin(envelope, {
      accountField: `detail.findings[${index}].AwsAccountId`,
      aggregator: 'securityhub',
    }),
    raw,
  };
}

/**
 * Security Hub ASFF findings. An event may carry several findings: each becomes its own SecurityEvent with its
 * own dedup key; their ids are `<event id>#<index>` and each `raw` is the event narrowed to that finding.
 */
export const securityHubAsffNormalizer: EventNormalizer = {
  id: 'securityhub-asff',
  source: 'aws.securityhub',
  detailTypes: ['Security Hub Findings - Imported'],
  normalize(_envelope, raw): NormalizeResult {
    const parsed = parseSource(SecurityHubAsffEventSchema, raw, 'Security Hub finding');
    if (!parsed.ok) return parsed;
    const event = parsed.data;
    const findings = event.detail.findings;
    return {
      ok: true,
      events: findings.map((finding, i) => {
        const slice = findingSlice(event.id, raw, i, findings.length);
        return normalizeAsffFinding(finding, event, slice.id, slice.raw, i);
      }),
    };
  },
};
