/**
 * What stops the remediate integration before it changes anything: the kill switch (fail safe, read with
 * decryption), the event's origin, an account parameter that is not the event's account, and an approval
 * given for another plan.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { GetPublicAccessBlockCommand, PutPublicAccessBlockCommand } from '@aws-sdk/client-s3';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it, vi } from 'vitest';
import { reportKillSwitchProblem } from '../../hub/integrations/remediate/integration.ts';
import {
  DEFAULT_KILL_SWITCH_PARAMETER,
  KILL_SWITCH_UNREADABLE_METRIC,
  SsmKillSwitch,
} from '../../shared/remediation/guard.ts';
import { planHash } from '../../shared/remediation/plan-hash.ts';
import type { RemediationEvent } from '../../shared/remediation/types.ts';
import { ACCOUNT, BLOCK_ALL, bucketEvent, NOW, RecordingSessionFactory } from './helpers.ts';
import { s3, ssm, useRemediateHarness } from './stateful-fakes.ts';

const PLAN = [
  {
    service: 's3',
    action: 'PutPublicAccessBlock',
    input: { Bucket: 'exports-bucket', ExpectedBucketOwner: ACCOUNT, PublicAccessBlockConfiguration: BLOCK_ALL },
  },
];

describe('remediate refuses or holds before acting', () => {
  const h = useRemediateHarness([s3, ssm]);
  const openBucket = () => {
    s3.on(GetPublicAccessBlockCommand).rejects(
      Object.assign(new Error('none'), { name: 'NoSuchPublicAccessBlockConfiguration' }),
    );
    s3.on(PutPublicAccessBlockCommand).resolves({});
  };

  function killSwitch() {
    const metrics: string[] = [];
    const logger = { error: vi.fn() };
    const sw = new SsmKillSwitch(
      new SSMClient({ region: 'eu-west-1' }),
      DEFAULT_KILL_SWITCH_PARAMETER,
      reportKillSwitchProblem(
        { logger: logger as unknown as Logger, now: () => NOW },
        DEFAULT_KILL_SWITCH_PARAMETER,
        (l) => metrics.push(l),
      ),
    );
    return { sw, metrics, logger };
  }

  it('treats a missing kill-switch parameter as on: held, nothing applied, an error logged and a metric emitted', async () => {
    openBucket();
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('not found'), { name: 'ParameterNotFound' }));
    const { sw, metrics, logger } = killSwitch();
    const { remediation } = await h.invoke({
      mode: 'auto',
      event: bucketEvent,
      runtime: { sessions: new RecordingSessionFactory(), killSwitch: sw },
    });
    expect(remediation).toMatchObject({ effectiveAction: 'guarded', held: { reason: 'kill-switch' } });
    expect(s3.commandCalls(PutPublicAccessBlockCommand)).toHaveLength(0);
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.error.mock.calls[0]?.[1]).toMatchObject({
      problem: 'missing',
      parameter: DEFAULT_KILL_SWITCH_PARAMETER,
    });
    expect(metrics.map((m) => JSON.parse(m))).toEqual([
      expect.objectContaining({
        [KILL_SWITCH_UNREADABLE_METRIC]: 1,
        problem: 'missing',
        _aws: expect.objectContaining({
          CloudWatchMetrics: [
            expect.objectContaining({ Metrics: [{ Name: KILL_SWITCH_UNREADABLE_METRIC, Unit: 'Count' }] }),
          ],
        }),
      }),
    ]);
  });

  it('treats an unreadable parameter, or a value other than on/off, as on', async () => {
    const { sw, metrics } = killSwitch();
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    expect(await sw.isOn()).toBe(true);
    ssm.reset();
    ssm.on(GetParameterCommand).resolves({ Parameter: { Type: 'String', Value: 'of' } });
    expect(await sw.isOn()).toBe(true);
    ssm.reset();
    ssm.on(GetParameterCommand).resolves({ Parameter: { Type: 'String', Value: ' OFF ' } });
    expect(await sw.isOn()).toBe(false);
    expect(metrics.map((m) => JSON.parse(m).problem)).toEqual(['unreadable', 'invalid-value']);
  });

  it('reads a SecureString kill switch with decryption', async () => {
    openBucket();
    // Without decryption SSM returns the ciphertext, which is not "off".
    ssm.on(GetParameterCommand).resolves({ Parameter: { Type: 'SecureString', Value: 'AQICAHh...ciphertext' } });
    ssm
      .on(GetParameterCommand, { WithDecryption: true })
      .resolves({ Parameter: { Type: 'SecureString', Value: 'off' } });
    const { sw, metrics } = killSwitch();
    const { remediation } = await h.invoke({
      mode: 'auto',
      event: bucketEvent,
      runtime: { sessions: new RecordingSessionFactory(), killSwitch: sw },
    });
    expect(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({
      Name: DEFAULT_KILL_SWITCH_PARAMETER,
      WithDecryption: true,
    });
    expect(remediation).toMatchObject({ effectiveAction: 'applied' });
    expect(metrics).toEqual([]);
  });

  it('refuses an event whose origin may not remediate, in every mode, without opening a session', async () => {
    openBucket();
    const sessions = new RecordingSessionFactory();
    const webhook: RemediationEvent = {
      ...bucketEvent,
      origin: { kind: 'webhook', source: 'socless.webhook.partner', account: ACCOUNT, mayRemediate: false },
    };
    for (const mode of ['auto', 'dry-run']) {
      const { remediation } = await h.invoke({ mode, event: webhook, runtime: { sessions } });
      expect(remediation).toMatchObject({
        effectiveAction: 'ignored',
        actions: [],
        held: { reason: 'origin-refused' },
      });
      expect(remediation.held?.detail).toContain('socless.webhook.partner');
    }
    expect(sessions.requests).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
    // The same event with an origin that may remediate is applied.
    const allowed = { ...webhook, origin: { ...webhook.origin!, mayRemediate: true } };
    expect((await h.invoke({ mode: 'auto', event: allowed, runtime: { sessions } })).remediation).toMatchObject({
      effectiveAction: 'applied',
    });
  });

  it("refuses an account_id other than the event's account, and accepts the event's own", async () => {
    openBucket();
    const sessions = new RecordingSessionFactory();
    const { remediation } = await h.invoke({
      mode: 'auto',
      event: bucketEvent,
      parameters: { account_id: '999999999999' },
      runtime: { sessions },
    });
    expect(remediation).toMatchObject({
      effectiveAction: 'ignored',
      account: ACCOUNT,
      held: { reason: 'account-mismatch' },
    });
    expect(remediation.held?.detail).toContain('999999999999');
    expect(sessions.requests).toHaveLength(0);
    const same = await h.invoke({
      mode: 'auto',
      event: bucketEvent,
      parameters: { account_id: ACCOUNT },
      runtime: { sessions },
    });
    expect(same.remediation).toMatchObject({ effectiveAction: 'applied' });
  });

  it('holds an approved run whose live plan is not the approved plan (plan-changed) and applies the approved one', async () => {
    openBucket();
    const sessions = new RecordingSessionFactory();
    const approved = { mode: 'notify', event: bucketEvent, runtime: { sessions } };
    const stale = planHash([{ ...PLAN[0]!, input: { ...PLAN[0]!.input, Bucket: 'another-bucket' } }]);
    const held = await h.invoke({ ...approved, parameters: { approved_by: 'alice', approved_plan_hash: stale } });
    expect(held.remediation).toMatchObject({
      effectiveAction: 'planned',
      actions: PLAN,
      held: { reason: 'plan-changed' },
    });
    expect(s3.commandCalls(PutPublicAccessBlockCommand)).toHaveLength(0);

    const ok = await h.invoke({
      ...approved,
      parameters: { approved_by: 'alice', approved_plan_hash: planHash(PLAN) },
    });
    expect(ok.remediation).toMatchObject({ effectiveAction: 'applied', approvedBy: 'alice' });
    expect(s3.commandCalls(PutPublicAccessBlockCommand)).toHaveLength(1);
  });
});
