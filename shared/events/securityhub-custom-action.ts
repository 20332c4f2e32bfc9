/**
 * "Security Hub Findings - Custom Action": findings an analyst selected in the Security Hub console and sent to
 * one of SOCless's custom actions (shared/remediation/custom-actions.ts). Each selected ASFF finding becomes a
 * SecurityEvent as an imported one would, with `origin.customAction` saying what was asked for and by which action.
 * Only SOCless's own actions, in the account and region the event came from, are read; anything else is rejected
 * naming the field. Security Hub puts no principal in the event: the run is recorded as chosen by the action.
 */
import { z } from 'zod';
import { CUSTOM_ACTION_DETAIL_TYPE, customActionRequest } from '../remediation/custom-actions.ts';
import { RemediationTargetError } from '../remediation/errors.ts';
import { type EventNormalizer, envelopeWith, findingSlice, parseSource } from './normalizer.ts';
import { AsffFindingSchema, normalizeAsffFinding } from './securityhub-asff.ts';
import type { NormalizeResult } from './types.ts';

/** The custom action event: the action's name and description (display only) and the selected findings. */
export const SecurityHubCustomActionEventSchema = envelopeWith(
  z.looseObject({ findings: z.array(AsffFindingSchema).min(1, 'must hold at least one finding') }),
);

/** Who the record names as having chosen a custom action run: the action and the account, never a person. */
export function customActionApprover(actionArn: string, account: string): string {
  return `Security Hub custom action ${actionArn} in account ${account}`;
}

export const securityHubCustomActionNormalizer: EventNormalizer = {
  id: 'securityhub-asff',
  source: 'aws.securityhub',
  detailTypes: [CUSTOM_ACTION_DETAIL_TYPE],
  normalize(_envelope, raw): NormalizeResult {
    let request: ReturnType<typeof customActionRequest>;
    try {
      request = customActionRequest(raw);
    } catch (err) {
      if (err instanceof RemediationTargetError) {
        return { ok: false, reason: err.message, field: err.field };
      }
      throw err;
    }
    const parsed = parseSource(SecurityHubCustomActionEventSchema, raw, 'Security Hub custom action');
    if (!parsed.ok) return parsed;
    const event = parsed.data;
    const findings = event.detail.findings;
    const customAction = {
      decision: request.decision,
      actionArn: request.actionArn,
      by: customActionApprover(request.actionArn, event.account),
    };
    return {
      ok: true,
      events: findings.map((finding, i) => {
        const slice = findingSlice(event.id, raw, i, findings.length);
        const normalized = normalizeAsffFinding(finding, event, slice.id, slice.raw, i);
        // normalizeAsffFinding always sets the origin (from the envelope).
        const origin = normalized.origin as NonNullable<typeof normalized.origin>;
        return { ...normalized, origin: { ...origin, customAction } };
      }),
    };
  },
};
