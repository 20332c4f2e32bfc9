// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/** Enables GuardDuty in the account and region (Security Hub GuardDuty.1). */
import { RemediationTargetError } from '../../shared/remediation/errors.ts';
import { defineRemediation } from '../../shared/remediation/types.ts';
import { at } from './support.ts';

const ID = 'guardduty-enabled';
const DETECTOR = 'arn:${AWS::Partition}:guardduty:${AWS::Region}:${AWS::AccountId}:detector/*';

export interface DetectorState {
  /** The region's detector; absent when GuardDuty was never enabled here. */
  readonly detectorId?: string;
  readonly enabled: boolean;
}

export const guardDutyEnabled = defineRemediation<Record<string, never>, DetectorState>({
  id: ID,
  title: 'GuardDuty: detector enabled',
  description:
    'Creates an enabled detector where there is none, or enables a suspended one. Where a GuardDuty administrator account manages this account, refuses and names that account: enable it there. Undo suspends a detector that was suspended; a detector it created is kept (deleting one deletes its findings).',
  findings: {
    securityHubControls: ['GuardDuty.1'],
    configRules: ['guardduty-enabled-centralized'],
    cloudTrail: { eventSource: 'guardduty.amazonaws.com', eventNames: ['DeleteDetector', 'UpdateDetector'] },
  },
  permissions: [
    { calls: ['guardduty:ListDetectors'], resources: ['*'] },
    { calls: ['guardduty:GetDetector', 'guardduty:GetAdministratorAccount'], resources: [DETECTOR] },
    { purpose: 'fix', calls: ['guardduty:CreateDetector'], resources: ['*'] },
    // Enable (fix) and suspend (undo) are one action: a residual risk (FIX_ROLE_RESIDUAL_RISKS).
    { purpose: 'fix', calls: ['guardduty:UpdateDetector'], resources: [DETECTOR] },
    { purpose: 'undo', calls: ['guardduty:UpdateDetector'], resources: [DETECTOR] },
  ],
  target: () => ({}),
  async readState(call) {
    const list = await call({ service: 'guardduty', action: 'ListDetectors', input: {} });
    const detectorId = (list.DetectorIds as string[] | undefined)?.[0];
    if (!detectorId) return { enabled: false };
    const admin = await call({
      service: 'guardduty',
      action: 'GetAdministratorAccount',
      input: { DetectorId: detectorId },
    });
    const adminAccount = at(admin, 'Administrator', 'AccountId');
    if (typeof adminAccount === 'string' && at(admin, 'Administrator', 'RelationshipStatus') === 'Enabled') {
      throw new RemediationTargetError(
        ID,
        'account',
        `is a GuardDuty member of administrator account ${adminAccount}: enable GuardDuty there (reported, not changed)`,
      );
    }
    const detector = await call({ service: 'guardduty', action: 'GetDetector', input: { DetectorId: detectorId } });
    return { detectorId, enabled: detector.Status === 'ENABLED' };
  },
  stateFromFinding: () => undefined,
  plan(state) {
    if (state.enabled) return [];
    if (!state.detectorId) return [{ service: 'guardduty', action: 'CreateDetector', input: { Enable: true } }];
    return [{ service: 'guardduty', action: 'UpdateDetector', input: { DetectorId: state.detectorId, Enable: true } }];
  },
  undo: (before) =>
    before.detectorId && !before.enabled
      ? [{ service: 'guardduty', action: 'UpdateDetector', input: { DetectorId: before.detectorId, Enable: false } }]
      : [],
});
