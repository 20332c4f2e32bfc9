import { SEVERITY_LABELS, type SeverityLabel } from '../config.ts';
import type { EventBridgeEnvelope } from './envelope.ts';
import { type EventNormalizer, envelopeOrigin, isoTime, resourceFromId } from './normalizer.ts';
import {
  type AccountClaim,
  type NormalizeResult,
  SEVERITY_DEFAULT_SCORES,
  type SecuritySeverity,
  severityFromLabel,
  severityLabelFromScore,
} from './types.ts';

/**
 * Severity of a custom event from `detail.severity`: a label (any case) or a 0-100 score; anything else, or
 * nothing, is MEDIUM.
 */
export function genericSeverity(detail: Record<string, unknown>): SecuritySeverity {
  const value = detail.severity;
  if (typeof value === 'string') {
    const upper = value.toUpperCase();
    if ((SEVERITY_LABELS as readonly string[]).includes(upper)) return severityFromLabel(upper as SeverityLabel);
  }
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 100) {
    return { label: severityLabelFromScore(value), score: value };
  }
  return { label: 'MEDIUM', score: SEVERITY_DEFAULT_SCORES.MEDIUM };
}

function stringField(detail: Record<string, unknown>, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = detail[name];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

/** Top-level `detail` fields AWS findings use to name an account; a custom event naming one is checked. */
const ACCOUNT_FIELDS = ['accountId', 'account', 'awsAccountId', 'AwsAccountId', 'recipientAccountId'] as const;

function accountClaims(detail: Record<string, unknown>): AccountClaim[] {
  return ACCOUNT_FIELDS.flatMap((name) => {
    const value = detail[name];
    return typeof value === 'string' && value !== '' ? [{ field: `detail.${name}`, account: value }] : [];
  });
}

/**
 * Normalizes any valid envelope from a source without its own normalizer (a custom application). Its account is
 * always the envelope's; a detail field that names another account is recorded as a claim the pipeline refuses.
 */
export function normalizeGenericEvent(envelope: EventBridgeEnvelope, raw: unknown): NormalizeResult {
  const detail = envelope.detail;
  const description = stringField(detail, 'description', 'message');
  const resources = [...envelope.resources].sort();
  return {
    ok: true,
    events: [
      {
        id: envelope.id,
        source: 'generic',
        kind: envelope['detail-type'],
        account: envelope.account,
        region: envelope.region,
        time: isoTime(envelope.time) ?? envelope.time,
        severity: genericSeverity(detail),
        title: stringField(detail, 'title') ?? `${envelope['detail-type']} from ${envelope.source}`,
        ...(description ? { description } : {}),
        resources: resources.map((r) => resourceFromId(r.startsWith('arn:') ? 'Arn' : 'Other', r)),
        // Same source, type and resources = same thing happening again; without resources only the id is stable.
        dedupKey:
          resources.length > 0
            ? `generic:${envelope.source}:${envelope['detail-type']}:${resources.join(',')}`
            : `generic:${envelope.source}:${envelope.id}`,
        status: 'active',
        origin: envelopeOrigin(envelope, { claims: accountClaims(detail) }),
        raw,
      },
    ],
  };
}

/** The fallback normalizer (owns no source; used when no other normalizer claims the event). */
export const genericNormalizer: EventNormalizer = {
  id: 'generic',
  source: '*',
  detailTypes: [],
  normalize: normalizeGenericEvent,
};
