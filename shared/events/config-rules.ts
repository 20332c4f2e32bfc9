import { z } from 'zod';
import { type EventNormalizer, envelopeOrigin, envelopeWith, isoTime, parseSource } from './normalizer.ts';
import { type NormalizeResult, type SecurityEventStatus, type SecuritySeverity, severityFromLabel } from './types.ts';

const NonEmpty = z.string().min(1, 'must be a non-empty string');
const COMPLIANCE_TYPES = ['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA'] as const;

/** `detail` of a Config "Config Rules Compliance Change" event (the fields the normalizer reads). */
export const ConfigComplianceChangeSchema = z.looseObject({
  resourceId: NonEmpty,
  resourceType: NonEmpty,
  awsRegion: NonEmpty,
  awsAccountId: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
  configRuleName: NonEmpty,
  configRuleARN: z.string().optional(),
  messageType: z.string().optional(),
  notificationCreationTime: z.string().optional(),
  newEvaluationResult: z.looseObject({
    complianceType: z.enum(COMPLIANCE_TYPES),
    resultRecordedTime: z.string().optional(),
    configRuleInvokedTime: z.string().optional(),
    annotation: z.string().optional(),
  }),
  oldEvaluationResult: z.looseObject({ complianceType: z.enum(COMPLIANCE_TYPES).optional() }).optional(),
});

export const ConfigComplianceEventSchema = envelopeWith(ConfigComplianceChangeSchema);

type ComplianceType = (typeof COMPLIANCE_TYPES)[number];

// Config rules carry no severity: a violation is MEDIUM until a playbook knows better; the rest is informational.
const BY_COMPLIANCE: Readonly<Record<ComplianceType, { status: SecurityEventStatus; severity: SecuritySeverity }>> = {
  NON_COMPLIANT: { status: 'active', severity: severityFromLabel('MEDIUM') },
  INSUFFICIENT_DATA: { status: 'active', severity: severityFromLabel('LOW') },
  COMPLIANT: { status: 'compliant', severity: severityFromLabel('INFORMATIONAL') },
  NOT_APPLICABLE: { status: 'not-applicable', severity: severityFromLabel('INFORMATIONAL') },
};

/** AWS Config rule compliance changes; the dedup key is rule + resource, so a flip back to COMPLIANT closes it. */
export const configRulesNormalizer: EventNormalizer = {
  id: 'config',
  source: 'aws.config',
  detailTypes: ['Config Rules Compliance Change'],
  normalize(_envelope, raw): NormalizeResult {
    const parsed = parseSource(ConfigComplianceEventSchema, raw, 'Config compliance change');
    if (!parsed.ok) return parsed;
    const event = parsed.data;
    const d = event.detail;
    const compliance = d.newEvaluationResult.complianceType;
    const { status, severity } = BY_COMPLIANCE[compliance];
    const annotation = d.newEvaluationResult.annotation;
    const updatedAt = isoTime(d.newEvaluationResult.resultRecordedTime);
    return {
      ok: true,
      events: [
        {
          id: event.id,
          source: 'config',
          kind: d.configRuleName,
          account: d.awsAccountId,
          region: d.awsRegion,
          time: isoTime(event.time) ?? event.time,
          severity,
          title: `${d.resourceType} ${d.resourceId} is ${compliance} with Config rule ${d.configRuleName}`,
          ...(annotation ? { description: annotation } : {}),
          resources: [
            {
              type: d.resourceType,
              id: d.resourceId,
              ...(d.resourceId.startsWith('arn:') ? { arn: d.resourceId } : {}),
              account: d.awsAccountId,
              region: d.awsRegion,
            },
          ],
          dedupKey: `config:${d.awsAccountId}:${d.awsRegion}:${d.configRuleName}:${d.resourceType}:${d.resourceId}`,
          status,
          ...(updatedAt ? { findingUpdatedAt: updatedAt } : {}),
          origin: envelopeOrigin(event, { accountField: 'detail.awsAccountId', aggregator: 'config' }),
          raw,
        },
      ],
    };
  },
};
