// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/** Restarts logging on a CloudTrail trail that was stopped. */
import { defineRemediation } from '../../shared/remediation/types.ts';
import { trailTarget } from './support.ts';

const ID = 'cloudtrail-logging';
/** The trail's ARN; `trailName` is its name whether the finding gave a name or an ARN. */
const TRAIL = 'arn:${AWS::Partition}:cloudtrail:*:${AWS::AccountId}:trail/${Target:trailName}';

export interface TrailTarget {
  /** The trail as the finding names it (a name or an ARN); what the calls send. */
  readonly trail: string;
  /** The trail's name (the ARN's last segment), for the session policy's resource. */
  readonly trailName?: string;
}

export const cloudTrailLogging = defineRemediation<TrailTarget, { isLogging: boolean }>({
  id: ID,
  title: 'CloudTrail: restart trail logging',
  description: 'Calls StartLogging on a trail whose logging was stopped (StopLogging).',
  findings: {
    cloudTrail: { eventSource: 'cloudtrail.amazonaws.com', eventNames: ['StopLogging'] },
  },
  permissions: [
    { calls: ['cloudtrail:GetTrailStatus'], resources: [TRAIL] },
    { purpose: 'fix', calls: ['cloudtrail:StartLogging'], resources: [TRAIL] },
    // Stopping a trail is the weakening this remediation answers: only the operator-only undo path may.
    { purpose: 'undo', calls: ['cloudtrail:StopLogging'], resources: [TRAIL] },
  ],
  target(event) {
    const { trail, trailName } = trailTarget(ID, event);
    return { trail, trailName };
  },
  async readState(call, { target }) {
    const out = await call({ service: 'cloudtrail', action: 'GetTrailStatus', input: { Name: target.trail } });
    return { isLogging: out.IsLogging === true };
  },
  stateFromFinding: () => ({ isLogging: false }),
  plan: (state, { target }) =>
    state.isLogging ? [] : [{ service: 'cloudtrail', action: 'StartLogging', input: { Name: target.trail } }],
  undo: (before, { target }) =>
    before.isLogging ? [] : [{ service: 'cloudtrail', action: 'StopLogging', input: { Name: target.trail } }],
});
