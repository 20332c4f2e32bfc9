/**
 * Security Hub custom actions: what an analyst can send selected findings to from the Security Hub console
 * ("SOCless remediate", "SOCless dry-run", "SOCless accept risk"). One catalog feeds the ActionTarget resources,
 * the EventBridge pattern that forwards their events, and the parser that turns an event into a request.
 */
import { RemediationTargetError } from './errors.ts';

/** What an analyst asks for: run the remediation once, plan it only, or close the finding as an accepted risk. */
export type CustomActionDecision = 'remediate' | 'dry-run' | 'accept-risk';

export interface SoclessCustomAction {
  /** `AWS::SecurityHub::ActionTarget` Id: up to 20 letters and digits, unique in the account. */
  readonly id: string;
  /** Shown in the console's Actions menu: fewer than 20 characters. */
  readonly name: string;
  readonly description: string;
  readonly decision: CustomActionDecision;
}

export const SOCLESS_CUSTOM_ACTIONS: readonly SoclessCustomAction[] = [
  {
    id: 'SoclessRemediate',
    name: 'SOCless remediate',
    description:
      "Run the finding's remediation once, approved by whoever chose the action; the kill switch, blast-radius guard and never-automatic rules still apply.",
    decision: 'remediate',
  },
  {
    id: 'SoclessDryRun',
    name: 'SOCless dry-run',
    description: "Plan the finding's remediation: the exact calls it would make, nothing changed.",
    decision: 'dry-run',
  },
  {
    id: 'SoclessAcceptRisk',
    name: 'SOCless accept risk',
    description: "Close the finding's investigation as an accepted risk; nothing is changed in the account.",
    decision: 'accept-risk',
  },
];

/** The detail-type of the events Security Hub sends when findings are sent to a custom action. */
export const CUSTOM_ACTION_DETAIL_TYPE = 'Security Hub Findings - Custom Action';

/** The ARN Security Hub gives a custom action. */
export function customActionArn(partition: string, region: string, account: string, id: string): string {
  return `arn:${partition}:securityhub:${region}:${account}:action/custom/${id}`;
}

/** The EventBridge pattern that matches the events of these custom actions (by their ARNs) and nothing else. */
export function customActionEventPattern(arns: readonly string[]): Record<string, unknown> {
  return { source: ['aws.securityhub'], 'detail-type': [CUSTOM_ACTION_DETAIL_TYPE], resources: [...arns] };
}

/** A custom action event as a request: the decision, the action, and the selected ASFF findings. */
export interface CustomActionRequest {
  readonly decision: CustomActionDecision;
  readonly actionArn: string;
  readonly findings: readonly Record<string, unknown>[];
}

const ACTION_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):securityhub:([a-z0-9-]+):(\d{12}):action\/custom\/([A-Za-z0-9]{1,20})$/;
const ID = 'security-hub-custom-action';

/**
 * Reads a custom action event. Only SOCless's own actions, in the account and region the event came from, are
 * requests (anyone can create an action named like ours in another account); a RemediationTargetError names the
 * field otherwise. Security Hub puts no principal in the event: who chose the action is not known from it.
 */
export function customActionRequest(event: unknown): CustomActionRequest {
  const e = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
  if (e['detail-type'] !== CUSTOM_ACTION_DETAIL_TYPE || e.source !== 'aws.securityhub') {
    throw new RemediationTargetError(
      ID,
      'detail-type',
      `is "${String(e['detail-type'])}", not ${CUSTOM_ACTION_DETAIL_TYPE}`,
    );
  }
  const arns = Array.isArray(e.resources) ? e.resources : [];
  const arn = typeof arns[0] === 'string' ? arns[0] : '';
  const m = ACTION_ARN.exec(arn);
  if (!m || arns.length !== 1) {
    throw new RemediationTargetError(ID, 'resources', `is ${JSON.stringify(arns)}, not one custom action ARN`);
  }
  if (m[3] !== e.account || m[2] !== e.region) {
    throw new RemediationTargetError(
      ID,
      'resources[0]',
      `is an action of account ${m[3]} in ${m[2]}, but the event came from account ${String(e.account)} in ${String(e.region)}`,
    );
  }
  const action = SOCLESS_CUSTOM_ACTIONS.find((a) => a.id === m[4]);
  if (!action)
    throw new RemediationTargetError(ID, 'resources[0]', `names custom action ${m[4]}, not one of SOCless's`);
  const findings = (e.detail as { findings?: unknown } | undefined)?.findings;
  if (!Array.isArray(findings) || findings.length === 0) {
    throw new RemediationTargetError(ID, 'detail.findings', 'names no finding');
  }
  return { decision: action.decision, actionArn: arn, findings: findings as Record<string, unknown>[] };
}
