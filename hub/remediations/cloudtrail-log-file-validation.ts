// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/** Turns on log file integrity validation of a CloudTrail trail (Security Hub CloudTrail.4). */
import { RemediationTargetError } from '../../shared/remediation/errors.ts';
import { defineRemediation } from '../../shared/remediation/types.ts';
import type { TrailTarget } from './cloudtrail-logging.ts';
import { at, trailTarget } from './support.ts';

const ID = 'cloudtrail-log-file-validation';
const TRAIL = 'arn:${AWS::Partition}:cloudtrail:*:${AWS::AccountId}:trail/${Target:trailName}';

export const cloudTrailLogFileValidation = defineRemediation<TrailTarget, { logFileValidation: boolean }>({
  id: ID,
  title: 'CloudTrail: log file validation on',
  description:
    "Sets EnableLogFileValidation on the trail, so CloudTrail writes signed digest files. Refuses an organization trail seen from a member account: only the organization's management (or delegated) account can change it.",
  findings: {
    securityHubControls: ['CloudTrail.4'],
    configRules: ['cloud-trail-log-file-validation-enabled'],
    cloudTrail: { eventSource: 'cloudtrail.amazonaws.com', eventNames: ['UpdateTrail'] },
  },
  permissions: [
    { calls: ['cloudtrail:GetTrail'], resources: [TRAIL] },
    // UpdateTrail changes every trail setting (its bucket too): a residual risk (FIX_ROLE_RESIDUAL_RISKS).
    { purpose: 'fix', calls: ['cloudtrail:UpdateTrail'], resources: [TRAIL] },
    { purpose: 'undo', calls: ['cloudtrail:UpdateTrail'], resources: [TRAIL] },
  ],
  target(event) {
    const { trail, trailName, field } = trailTarget(ID, event);
    const owner = trail.startsWith('arn:') ? trail.split(':')[4] : undefined;
    if (owner && owner !== event.account) {
      throw new RemediationTargetError(
        ID,
        field,
        `is a trail of account ${owner} (an organization trail seen from member account ${event.account}): change it in ${owner}`,
      );
    }
    return { trail, trailName };
  },
  async readState(call, { target, account }) {
    const out = await call({ service: 'cloudtrail', action: 'GetTrail', input: { Name: target.trail } });
    const arn = at(out, 'Trail', 'TrailARN');
    if (at(out, 'Trail', 'IsOrganizationTrail') === true && typeof arn === 'string' && arn.split(':')[4] !== account) {
      throw new RemediationTargetError(ID, 'target.trail', `is organization trail ${arn}, owned by another account`);
    }
    return { logFileValidation: at(out, 'Trail', 'LogFileValidationEnabled') === true };
  },
  stateFromFinding: () => ({ logFileValidation: false }),
  plan: (state, { target }) =>
    state.logFileValidation
      ? []
      : [
          {
            service: 'cloudtrail',
            action: 'UpdateTrail',
            input: { Name: target.trail, EnableLogFileValidation: true },
          },
        ],
  undo: (before, { target }) =>
    before.logFileValidation
      ? []
      : [
          {
            service: 'cloudtrail',
            action: 'UpdateTrail',
            input: { Name: target.trail, EnableLogFileValidation: false },
          },
        ],
});
