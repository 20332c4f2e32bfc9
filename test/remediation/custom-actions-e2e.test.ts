/**
 * A Security Hub custom action end to end in the local hub: the analyst sends an S3.8 finding (a public bucket,
 * MEDIUM, below the auto floor) to "SOCless remediate" from the hub's Security Hub console; remediate-finding runs
 * the remediation once through a fix session against a stateful fake of the bucket, with the action (never a
 * person) recorded as the approver. The kill switch and the account's mode still decide; dry-run only plans.
 */
import { rmSync } from 'node:fs';
import { PutPublicAccessBlockCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RemediationMode } from '../../shared/config.ts';
import { customActionArn } from '../../shared/remediation/custom-actions.ts';
import { StaticKillSwitch } from '../../shared/remediation/guard.ts';
import { runRemediation } from '../../shared/remediation/runner.ts';
import type { RemediationRecordsRepository } from '../../shared/store/remediations.ts';
import { ACCOUNT, REGION, RecordingSessionFactory, remediateFindingRoot, runRemediateFindingTest } from './helpers.ts';
import { KIT_CASES } from './stateful-cases-kit.ts';
import { ALL_MOCKS, s3 } from './stateful-fakes.ts';

const BUCKET = 'exports-bucket';

/** The custom action event as EventBridge delivers it in the Security Hub administrator (here the finding's account). */
function actionEvent(actionId: string) {
  return {
    version: '0',
    id: `ca-${actionId}`,
    'detail-type': 'Security Hub Findings - Custom Action',
    source: 'aws.securityhub',
    account: ACCOUNT,
    time: '2026-12-07T04:00:00Z',
    region: REGION,
    resources: [customActionArn('aws', REGION, ACCOUNT, actionId)],
    detail: {
      actionName: 'SOCless remediate',
      actionDescription: 'd',
      findings: [
        {
          SchemaVersion: '2018-10-08',
          Id: `arn:aws:securityhub:${REGION}:${ACCOUNT}:subscription/aws-foundational-security-best-practices/v/1.0.0/S3.8/finding/0001`,
          ProductArn: `arn:aws:securityhub:${REGION}::product/aws/securityhub`,
          AwsAccountId: ACCOUNT,
          Region: REGION,
          Title: 'S3 general purpose buckets should block public access',
          Severity: { Label: 'MEDIUM', Normalized: 40 },
          Compliance: { Status: 'FAILED', SecurityControlId: 'S3.8' },
          Workflow: { Status: 'NEW' },
          RecordState: 'ACTIVE',
          Resources: [{ Type: 'AwsS3Bucket', Id: `arn:aws:s3:::${BUCKET}`, Region: REGION }],
        },
      ],
    },
  };
}

let root: string;
beforeAll(() => {
  root = remediateFindingRoot('socless-custom-action-', {
    'SoclessRemediate.json': actionEvent('SoclessRemediate'),
    'SoclessDryRun.json': actionEvent('SoclessDryRun'),
  });
});
afterAll(() => {
  for (const m of ALL_MOCKS) m.reset();
  rmSync(root, { recursive: true, force: true });
});
beforeEach(() => {
  for (const m of ALL_MOCKS) m.reset();
});

async function run(opts: {
  action: 'SoclessRemediate' | 'SoclessDryRun';
  mode: RemediationMode;
  killSwitch?: boolean;
  states: string[];
  results: Record<string, unknown>;
}) {
  const name = `${opts.action}-${opts.mode}-${opts.killSwitch ? 'ks' : 'live'}`;
  return runRemediateFindingTest(
    root,
    name,
    {
      event: `${opts.action}.json`,
      account: { id: ACCOUNT, mode: opts.mode, name: 'exports', email: 'exports@example.com' },
      seedRegistry: true,
      interactions: {},
      expect: { status: 'SUCCEEDED', states: opts.states, results: opts.results },
    },
    opts.killSwitch ?? false,
  );
}

const APPROVER = `Security Hub custom action ${customActionArn('aws', REGION, ACCOUNT, 'SoclessRemediate')} in account ${ACCOUNT}`;
const bucketCase = () => {
  const found = KIT_CASES.find((c) => c.remediation.id === 's3-bucket-public-access-block');
  if (!found) throw new Error('no stateful case for s3-bucket-public-access-block');
  return found;
};

describe('Security Hub custom actions through remediate-finding', () => {
  it('remediate applies the fix once in a notify account below the auto floor, verified, with the action as approver', async () => {
    const snapshot = bucketCase().install('faithful');
    expect(snapshot()).toBeNull();
    const { result, sessions } = await run({
      action: 'SoclessRemediate',
      mode: 'notify',
      states: ['Remediate', 'Route_By_Outcome', 'Notify_Applied', 'Close_Remediated'],
      results: {
        Remediate: {
          remediation: { effectiveAction: 'applied', verified: true, mode: 'auto', approvedBy: APPROVER },
        },
      },
    });
    expect(result.failures).toEqual([]);
    expect(sessions.requests.map((r) => r.purpose)).toEqual(['read', 'fix']);
    expect(s3.commandCalls(PutPublicAccessBlockCommand)).toHaveLength(1);
    expect(snapshot()).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
  });

  it('remediate under the kill switch applies nothing: guarded, and the alert says so', async () => {
    const snapshot = bucketCase().install('faithful');
    const { result } = await run({
      action: 'SoclessRemediate',
      mode: 'auto',
      killSwitch: true,
      states: ['Remediate', 'Route_By_Outcome', 'Alert_Guarded', 'Close_Investigation'],
      results: { Remediate: { remediation: { effectiveAction: 'guarded', held: { reason: 'kill-switch' } } } },
    });
    expect(result.failures).toEqual([]);
    expect(s3.commandCalls(PutPublicAccessBlockCommand)).toEqual([]);
    expect(snapshot()).toBeNull();
  });

  it('remediate in an off account does nothing: off still means off', async () => {
    bucketCase().install('faithful');
    const { result, sessions } = await run({
      action: 'SoclessRemediate',
      mode: 'off',
      states: ['Remediate', 'Route_By_Outcome', 'Close_Investigation'],
      results: { Remediate: { remediation: { effectiveAction: 'ignored' } } },
    });
    expect(result.failures).toEqual([]);
    expect(sessions.requests).toEqual([]);
  });

  it('dry-run plans in an auto account and changes nothing', async () => {
    const snapshot = bucketCase().install('faithful');
    const { result, sessions } = await run({
      action: 'SoclessDryRun',
      mode: 'auto',
      states: ['Remediate', 'Route_By_Outcome', 'Notify_Plan', 'Close_Investigation'],
      results: { Remediate: { remediation: { effectiveAction: 'planned', mode: 'dry-run' } } },
    });
    expect(result.failures).toEqual([]);
    expect(sessions.requests.map((r) => r.purpose)).toEqual(['read']);
    expect(s3.commandCalls(PutPublicAccessBlockCommand)).toEqual([]);
    expect(snapshot()).toBeNull();
  });

  it('remediate of a never-automatic fix is no approval: held as needs-approval (remediate-finding then asks a person)', async () => {
    const snapshot = bucketCase().install('faithful');
    const sessions = new RecordingSessionFactory();
    const customAction = {
      decision: 'remediate' as const,
      actionArn: customActionArn('aws', REGION, ACCOUNT, 'SoclessRemediate'),
      by: APPROVER,
    };
    const event = {
      ...bucketCase().event,
      origin: { kind: 'aws' as const, source: 'aws.securityhub', account: ACCOUNT, mayRemediate: true, customAction },
    };
    const remediation = { ...bucketCase().remediation, neverAuto: true };
    const records = { get: async () => undefined } as unknown as RemediationRecordsRepository;
    const request = { remediation, event, mode: 'auto' as const, executionId: 'x-1', investigationId: 'inv-1' };
    const runtime = { sessions, killSwitch: new StaticKillSwitch(false), records };
    const held = await runRemediation(request, runtime);
    expect(held.effectiveAction).toBe('planned');
    expect(held.held?.reason).toBe('needs-approval');
    expect(held.held?.detail).toMatch(/a Security Hub custom action names nobody/);
    expect(sessions.requests.map((r) => r.purpose)).toEqual(['read']);
    expect(snapshot()).toBeNull();
  });
});
