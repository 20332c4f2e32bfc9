/**
 * A remediation's finding selectors as EventBridge patterns (playbook Triggers) and as a matcher on the
 * normalized event (which remediation answers a finding the playbook received).
 */
import type { FindingSelectors, Remediation, RemediationEvent } from './types.ts';

/** EventBridge patterns that match the raw events of the findings a remediation answers. */
export function triggerPatterns(selectors: FindingSelectors): Array<Record<string, unknown>> {
  const patterns: Array<Record<string, unknown>> = [];
  if (selectors.securityHubControls?.length) {
    patterns.push({
      source: ['aws.securityhub'],
      'detail-type': ['Security Hub Findings - Imported'],
      detail: {
        findings: {
          Compliance: { SecurityControlId: [...selectors.securityHubControls], Status: ['FAILED'] },
          RecordState: ['ACTIVE'],
          Workflow: { Status: ['NEW', 'NOTIFIED'] },
        },
      },
    });
  }
  if (selectors.guardDutyTypes?.length) {
    patterns.push({
      source: ['aws.guardduty'],
      'detail-type': ['GuardDuty Finding'],
      detail: { type: [...selectors.guardDutyTypes] },
    });
  }
  if (selectors.configRules?.length) {
    patterns.push({
      source: ['aws.config'],
      'detail-type': ['Config Rules Compliance Change'],
      detail: {
        configRuleName: selectors.configRules.map((r) => ({ wildcard: `*${r}*` })),
        newEvaluationResult: { complianceType: ['NON_COMPLIANT'] },
      },
    });
  }
  if (selectors.cloudTrail) {
    patterns.push({
      source: [`aws.${selectors.cloudTrail.eventSource.replace(/\.amazonaws\.com$/, '')}`],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: [selectors.cloudTrail.eventSource],
        eventName: [...selectors.cloudTrail.eventNames],
        errorCode: [{ exists: false }],
      },
    });
  }
  return patterns;
}

/** Whether a normalized event is one of the findings a remediation answers. */
export function answersFinding(remediation: Remediation, event: Pick<RemediationEvent, 'source' | 'kind'>): boolean {
  const s = remediation.findings;
  switch (event.source) {
    case 'securityhub-asff':
    case 'securityhub-ocsf':
      return s.securityHubControls?.includes(event.kind) ?? false;
    case 'guardduty':
      return s.guardDutyTypes?.includes(event.kind) ?? false;
    case 'config':
      return s.configRules?.some((r) => event.kind.includes(r)) ?? false;
    case 'cloudtrail':
      return s.cloudTrail?.eventNames.includes(event.kind) ?? false;
    default:
      return false;
  }
}
