/** Turns on EBS encryption by default in the finding's region. */
import { defineRemediation } from '../../shared/remediation/types.ts';

export const ebsEncryptionByDefault = defineRemediation<Record<string, never>, { enabled: boolean }>({
  id: 'ebs-encryption-by-default',
  title: 'EBS: encryption by default',
  description: 'Enables EBS encryption by default in the region of the finding (new volumes are encrypted).',
  findings: {
    securityHubControls: ['EC2.7'],
    configRules: ['ec2-ebs-encryption-by-default'],
    cloudTrail: { eventSource: 'ec2.amazonaws.com', eventNames: ['DisableEbsEncryptionByDefault'] },
  },
  permissions: [
    // None of these calls takes a resource-level permission.
    { calls: ['ec2:GetEbsEncryptionByDefault'], resources: ['*'] },
    { purpose: 'fix', calls: ['ec2:EnableEbsEncryptionByDefault'], resources: ['*'] },
    { purpose: 'undo', calls: ['ec2:DisableEbsEncryptionByDefault'], resources: ['*'] },
  ],
  target: () => ({}),
  async readState(call) {
    const out = await call({ service: 'ec2', action: 'GetEbsEncryptionByDefault', input: {} });
    return { enabled: out.EbsEncryptionByDefault === true };
  },
  stateFromFinding: () => ({ enabled: false }),
  plan: (state) => (state.enabled ? [] : [{ service: 'ec2', action: 'EnableEbsEncryptionByDefault', input: {} }]),
  undo: (before) => (before.enabled ? [] : [{ service: 'ec2', action: 'DisableEbsEncryptionByDefault', input: {} }]),
});
