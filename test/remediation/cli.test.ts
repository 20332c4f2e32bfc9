import { describe, expect, it } from 'vitest';
import { REMEDIATIONS } from '../../hub/remediations/index.ts';
import { remediationListEntry, remediationListText } from '../../scripts/commands/remediation.ts';

describe('socless remediation list', () => {
  it('gives each remediation its id, title, triggers, IAM actions and whether it can undo', () => {
    const entries = REMEDIATIONS.map(remediationListEntry);
    expect(entries.find((e) => e.id === 'cloudtrail-logging')).toEqual({
      id: 'cloudtrail-logging',
      title: 'CloudTrail: restart trail logging',
      triggers: { securityHubControls: [], guardDutyTypes: [], configRules: [], cloudTrailApis: ['StopLogging'] },
      patterns: 1,
      iamActions: ['cloudtrail:GetTrailStatus', 'cloudtrail:StartLogging', 'cloudtrail:StopLogging'],
      canUndo: true,
      neverAuto: false,
    });
    const text = remediationListText();
    expect(text).toContain(
      'default-security-group-closed  Default security group: remove all rules  (never automatic)  undo: yes',
    );
    expect(text.split('\n').filter((l) => !l.startsWith(' '))).toHaveLength(30);
    // The containment actions say they never run on their own.
    expect(text).toContain(
      'ec2-instance-isolate  EC2 instance: isolate a compromised instance  (never automatic)  undo: yes',
    );
    expect(text).toContain(
      "iam-role-revoke-sessions  IAM role: revoke the role's active sessions  (never automatic)  undo: yes",
    );
  });
});
