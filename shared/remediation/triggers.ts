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
  if (selectors.securityHubControls?.length) {
    // The same controls in Security Hub's OCSF format: compliance Fail (3), finding New (1) or In Progress (2).
    patterns.push({
      source: ['aws.securityhub'],
      'detail-type': ['Findings Imported V2'],
      detail: {
        findings: {
          compliance: { control: [...selectors.securityHubControls], status_id: [3] },
          status_id: [1, 2],
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
    const trail = selectors.cloudTrail;
    const base = {
      source: [`aws.${trail.eventSource.replace(/\.amazonaws\.com$/, '')}`],
      'detail-type': ['AWS API Call via CloudTrail'],
    };
    const conditioned = new Set((trail.conditions ?? []).flatMap((c) => c.eventNames));
    const plain = trail.eventNames.filter((n) => !conditioned.has(n));
    if (plain.length > 0) {
      patterns.push({
        ...base,
        detail: { eventSource: [trail.eventSource], eventName: plain, errorCode: [{ exists: false }] },
      });
    }
    for (const c of trail.conditions ?? []) {
      patterns.push({
        ...base,
        detail: {
          eventSource: [trail.eventSource],
          eventName: [...c.eventNames],
          errorCode: [{ exists: false }],
          ...c.detail,
        },
      });
    }
  }
  if (selectors.accessAnalyzer) {
    patterns.push({
      source: ['aws.access-analyzer'],
      'detail-type': ['Access Analyzer Finding'],
      detail: {
        resourceType: [...selectors.accessAnalyzer.resourceTypes],
        status: ['ACTIVE'],
        ...(selectors.accessAnalyzer.publicOnly ? { isPublic: [true] } : {}),
      },
    });
  }
  return patterns;
}

/** Whether a normalized event is one of the findings a remediation answers. */
export function answersFinding(
  remediation: Remediation,
  event: Pick<RemediationEvent, 'source' | 'kind'> & Partial<Pick<RemediationEvent, 'resources'>>,
): boolean {
  const s = remediation.findings;
  switch (event.source) {
    case 'access-analyzer': {
      const type = event.resources?.[0]?.type;
      return type !== undefined && (s.accessAnalyzer?.resourceTypes.includes(type) ?? false);
    }
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

/** Whether the fix for this finding always waits for a person (the selector's `approvalFor`), whatever the mode. */
export function needsApproval(remediation: Remediation, event: Pick<RemediationEvent, 'source' | 'kind'>): boolean {
  return event.source === 'cloudtrail' && (remediation.findings.cloudTrail?.approvalFor?.includes(event.kind) ?? false);
}
