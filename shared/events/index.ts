/**
 * Security event schemas and normalizers: every supported source becomes a {@link SecurityEvent}. Adding a
 * source is adding a file and a line in {@link NORMALIZERS}.
 */
import { accessAnalyzerNormalizer } from './access-analyzer.ts';
import { cloudTrailNormalizer } from './cloudtrail.ts';
import { configRulesNormalizer } from './config-rules.ts';
import { parseEventBridgeEnvelope } from './envelope.ts';
import { genericNormalizer } from './generic.ts';
import { guardDutyNormalizer } from './guardduty.ts';
import { type EventNormalizer, sourceMatches } from './normalizer.ts';
import { securityHubAsffNormalizer } from './securityhub-asff.ts';
import { securityHubCustomActionNormalizer } from './securityhub-custom-action.ts';
import { securityHubOcsfNormalizer } from './securityhub-ocsf.ts';
import { playbookEventNormalizer } from './socless-create-events.ts';
import type { InputLimits, NormalizeResult } from './types.ts';
import { webhookEnvelopeNormalizer } from './webhook.ts';

/** Every source-specific normalizer; events none of them claims go to the generic one. */
export const NORMALIZERS: readonly EventNormalizer[] = [
  securityHubAsffNormalizer,
  securityHubCustomActionNormalizer,
  securityHubOcsfNormalizer,
  guardDutyNormalizer,
  configRulesNormalizer,
  cloudTrailNormalizer,
  accessAnalyzerNormalizer,
  webhookEnvelopeNormalizer,
  playbookEventNormalizer,
];

/**
 * The normalizer that owns an event's `source` and `detail-type` (the generic one when none does). Each is bound
 * to its real source: a `socless.*` or other custom source never reaches an AWS finding's normalizer.
 */
export function normalizerFor(source: string, detailType: string): EventNormalizer {
  return (
    NORMALIZERS.find(
      (n) => (n.detailTypes.length === 0 || n.detailTypes.includes(detailType)) && sourceMatches(n.source, source),
    ) ?? genericNormalizer
  );
}

/**
 * Normalizes one EventBridge event (JSON text or parsed) into SecurityEvents (several for a multi-finding
 * Security Hub event). Never throws: invalid JSON, a broken envelope, schema violations of a known source,
 * oversize or over-nested payloads are rejected with a reason naming the field. Strings are data only.
 */
export function normalizeEvent(raw: unknown, options: InputLimits = {}): NormalizeResult {
  const envelope = parseEventBridgeEnvelope(raw, options);
  if (!envelope.ok) return envelope;
  const normalizer = normalizerFor(envelope.envelope.source, envelope.envelope['detail-type']);
  try {
    return normalizer.normalize(envelope.envelope, envelope.raw);
  } catch (err) {
    // A normalizer bug must not take the endpoint down; the event is rejected with the cause instead.
    return { ok: false, reason: `${normalizer.id} normalizer failed: ${(err as Error).message}` };
  }
}

export { AccessAnalyzerEventSchema, AccessAnalyzerFindingSchema, accessAnalyzerNormalizer } from './access-analyzer.ts';
export {
  CLOUDTRAIL_API_SEVERITY,
  CloudTrailApiCallSchema,
  CloudTrailEventSchema,
  cloudTrailNormalizer,
  cloudTrailSourceOf,
  HUB_SESSION_ROLES,
  hubSessionOf,
} from './cloudtrail.ts';
export { ConfigComplianceChangeSchema, ConfigComplianceEventSchema, configRulesNormalizer } from './config-rules.ts';
export {
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_DEPTH,
  type EnvelopeResult,
  type EventBridgeEnvelope,
  EventBridgeEnvelopeSchema,
  parseEventBridgeEnvelope,
  readJsonInput,
} from './envelope.ts';
export { genericNormalizer, genericSeverity, normalizeGenericEvent } from './generic.ts';
export { GuardDutyEventSchema, GuardDutyFindingSchema, guardDutyNormalizer, guardDutySeverity } from './guardduty.ts';
export { type EventNormalizer, envelopeOrigin, isAwsSource, sourceMatches } from './normalizer.ts';
export { createSecretFetcher, type SecretFetcher, SecretUnavailableError } from './secrets.ts';
export {
  AsffFindingSchema,
  normalizeAsffFinding,
  SecurityHubAsffEventSchema,
  securityHubAsffNormalizer,
} from './securityhub-asff.ts';
export { OcsfFindingSchema, SecurityHubOcsfEventSchema, securityHubOcsfNormalizer } from './securityhub-ocsf.ts';
export {
  type AccountClaim,
  AGGREGATOR_SOURCES,
  EVENT_FLAGS,
  type EventFlag,
  type InputLimits,
  type NormalizeResult,
  SECURITY_EVENT_SOURCES,
  SECURITY_EVENT_STATUSES,
  SEVERITY_DEFAULT_SCORES,
  type SecurityEvent,
  type SecurityEventOrigin,
  SecurityEventOriginSchema,
  SecurityEventSchema,
  type SecurityEventSource,
  type SecurityEventStatus,
  type SecurityResource,
  SecurityResourceSchema,
  type SecuritySeverity,
  SecuritySeveritySchema,
  severityFromLabel,
  severityLabelFromScore,
} from './types.ts';
export {
  capWebhookSeverity,
  normalizeWebhookEnvelope,
  normalizeWebhookEvent,
  signWebhookPayload,
  verifyWebhookSignature,
  WEBHOOK_SENDER_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_SOURCE_PREFIX,
  WEBHOOK_TOLERANCE_SECONDS,
  type WebhookIntake,
  type WebhookIntakeOptions,
  WebhookPayloadSchema,
  type WebhookRequest,
  type WebhookVerification,
  webhookEnvelopeNormalizer,
  webhookHeader,
  webhookSecretName,
  webhookSenderOf,
} from './webhook.ts';
