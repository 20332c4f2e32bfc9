/**
 * A plan made without reading the account never reads as "nothing to do": it says what a live run would read and
 * which calls it would make for which rules; "compliant" (no calls) only comes from a state that was read.
 */
import { describe, expect, it } from 'vitest';
import { REMEDIATIONS, remediationById } from '../../hub/remediations/index.ts';
import { remediationText } from '../../scripts/local/report.ts';
import { StaticKillSwitch } from '../../shared/remediation/guard.ts';
import { runRemediation } from '../../shared/remediation/runner.ts';
import { finding } from './helpers.ts';

const sshRule = finding({
  source: 'config',
  kind: 'securityhub-restricted-ssh-3f4e5d6c',
  resources: [{ type: 'AWS::EC2::SecurityGroup', id: 'sg-0b1c2d3e4f5a6b7c8' }],
});

describe('plans made without a live read', () => {
  it('say which calls a live run would make for which rules instead of an empty plan', async () => {
    const outcome = await runRemediation(
      {
        remediation: remediationById('security-group-open-ingress'),
        event: sshRule,
        mode: 'dry-run',
        executionId: 'exec-1',
        investigationId: 'inv-1',
      },
      { killSwitch: new StaticKillSwitch(false) },
    );
    expect(outcome).toMatchObject({ effectiveAction: 'planned', stateSource: 'finding', actions: [] });
    expect(outcome.compliant).toBe(false);
    expect(outcome.intent).toEqual({
      reads: ['ec2:DescribeSecurityGroupRules'],
      writes: ['ec2:RevokeSecurityGroupIngress'],
      summary:
        'DescribeSecurityGroupRules for sg-0b1c2d3e4f5a6b7c8, then RevokeSecurityGroupIngress for every ingress rule of sg-0b1c2d3e4f5a6b7c8 open to 0.0.0.0/0 or ::/0 on port 22',
    });
    const text = remediationText({
      id: outcome.id,
      account: outcome.account,
      mode: outcome.mode,
      effectiveAction: outcome.effectiveAction,
      actions: outcome.actions,
      ...(outcome.intent ? { intent: outcome.intent.summary } : {}),
    });
    expect(text).not.toMatch(/0 call/);
    expect(text).toContain('state not read: would DescribeSecurityGroupRules for sg-0b1c2d3e4f5a6b7c8');
  });

  it('names the reads and fix calls of every remediation, on its target, when no state was read', async () => {
    for (const remediation of REMEDIATIONS) {
      const writes = remediation.permissions.filter((g) => g.purpose === 'fix').flatMap((g) => g.calls);
      const reads = remediation.permissions.filter((g) => g.purpose === undefined).flatMap((g) => g.calls);
      expect(writes.length, remediation.id).toBeGreaterThan(0);
      expect(reads.length, remediation.id).toBeGreaterThan(0);
    }
    const outcome = await runRemediation(
      {
        remediation: remediationById('s3-bucket-public-access-block'),
        event: finding({ resources: [{ type: 'AwsS3Bucket', id: 'arn:aws:s3:::exports-bucket' }] }),
        mode: 'dry-run',
        executionId: 'exec-2',
        investigationId: 'inv-2',
      },
      { killSwitch: new StaticKillSwitch(false) },
    );
    expect(outcome.intent?.summary).toBe(
      's3:GetPublicAccessBlock on bucket exports-bucket, then s3:PutPublicAccessBlock where it does not comply (S3 bucket: block public access)',
    );
  });

  it('reports compliant (no calls) only for a state that plans nothing', () => {
    expect(remediationText({ id: 'x', account: '1', mode: 'auto', effectiveAction: 'compliant', actions: [] })).toBe(
      'already compliant, nothing to do',
    );
  });
});
