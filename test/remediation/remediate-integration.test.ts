import {
  DeletePublicAccessBlockCommand,
  GetPublicAccessBlockCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRemediateIntegration } from '../../hub/integrations/remediate/integration.ts';
import { REMEDIATIONS } from '../../hub/remediations/index.ts';
import { toLambdaHandler } from '../../shared/integration-runtime/handler.ts';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { createLocalDeps } from '../../shared/local/local-deps.ts';
import { RemediationUndoError } from '../../shared/remediation/errors.ts';
import { BlastRadiusGuard, SsmKillSwitch, StaticKillSwitch } from '../../shared/remediation/guard.ts';
import { undoExecution } from '../../shared/remediation/record.ts';
import type { RemediationRuntime } from '../../shared/remediation/runner.ts';
import { RemediationRecordsRepository } from '../../shared/store/remediations.ts';
import { ACCOUNT, finding, NOW, RecordingSessionFactory } from './helpers.ts';

const s3 = mockClient(S3Client);
const ssm = mockClient(SSMClient);
const BLOCK_ALL = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};
const bucketEvent = finding({ resources: [{ type: 'AwsS3Bucket', id: 'arn:aws:s3:::exports-bucket' }] });

describe('remediate integration', () => {
  let dynamo: LocalDynamo;
  let executions = 0;
  beforeAll(async () => {
    dynamo = await startLocalDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });
  afterEach(() => {
    s3.reset();
    ssm.reset();
  });

  async function invoke(
    mode: string,
    runtime: Partial<RemediationRuntime> & { limits?: { account: number; org: number } },
    event = bucketEvent,
  ) {
    await dynamo.client.send(
      new PutCommand({
        TableName: 'accounts',
        Item: { accountId: ACCOUNT, name: 'batch-prod', email: 'owner@example.com', mode, ouPath: [], tags: {} },
      }),
    );
    const deps = createLocalDeps({ documentClient: dynamo.client, now: () => NOW });
    const guard = new BlastRadiusGuard(dynamo.client, 'remediations', {
      maxAutoPerAccountPerHour: runtime.limits?.account ?? 10,
      maxAutoPerOrgPerHour: runtime.limits?.org ?? 100,
    });
    const integration = createRemediateIntegration({
      runtime: () => ({ killSwitch: new StaticKillSwitch(false), guard, now: () => NOW, ...runtime }),
    });
    const executionId = `arn:aws:states:eu-west-1:111111111111:execution:remediate-finding:exec-${++executions}`;
    const out = await toLambdaHandler(
      integration,
      deps,
    )({
      _socless: {
        state: 'Remediate',
        playbook: 'remediate-finding',
        execution_id: executionId,
        investigation_id: `inv-${executions}`,
      },
      parameters: { event },
    });
    return { out: out as { remediation: Record<string, unknown>; owner: Record<string, unknown> }, executionId };
  }

  it('applies in auto mode through the injected session, verifies, records before/after, and undo reverses it', async () => {
    s3.on(GetPublicAccessBlockCommand)
      .rejectsOnce(Object.assign(new Error('none'), { name: 'NoSuchPublicAccessBlockConfiguration' }))
      .resolves({ PublicAccessBlockConfiguration: BLOCK_ALL });
    s3.on(PutPublicAccessBlockCommand).resolves({});
    s3.on(DeletePublicAccessBlockCommand).resolves({});
    const sessions = new RecordingSessionFactory();
    const { out, executionId } = await invoke('auto', { sessions });
    expect(out.remediation).toMatchObject({
      id: 's3-bucket-public-access-block',
      account: ACCOUNT,
      mode: 'auto',
      effectiveAction: 'applied',
      stateSource: 'live',
      verified: true,
      before: { config: null },
      after: { config: BLOCK_ALL },
      actions: [
        {
          service: 's3',
          action: 'PutPublicAccessBlock',
          input: { Bucket: 'exports-bucket', ExpectedBucketOwner: ACCOUNT, PublicAccessBlockConfiguration: BLOCK_ALL },
        },
      ],
    });
    expect(out.owner).toEqual({ name: 'batch-prod', email: 'owner@example.com' });
    expect(sessions.requests[0]).toMatchObject({ account: ACCOUNT, executionId });

    const records = new RemediationRecordsRepository(dynamo.client, 'remediations');
    const [recorded] = await records.listByExecution(executionId);
    expect(recorded).toMatchObject({ status: 'applied', before: { config: null }, applied: [0] });
    expect(recorded?.outcome?.effectiveAction).toBe('applied');

    const undo = { records, executionId, registry: REMEDIATIONS, sessions, now: () => NOW };
    const undone = await undoExecution({ ...undo, by: 'alice' });
    expect(undone[0]?.calls).toEqual([
      {
        service: 's3',
        action: 'DeletePublicAccessBlock',
        input: { Bucket: 'exports-bucket', ExpectedBucketOwner: ACCOUNT },
      },
    ]);
    expect(s3.commandCalls(DeletePublicAccessBlockCommand)).toHaveLength(1);
    await expect(undoExecution({ ...undo, by: 'bob' })).rejects.toThrow(
      /already undone by alice at 2025-03-14T09:30:00.000Z/,
    );
    expect(s3.commandCalls(DeletePublicAccessBlockCommand)).toHaveLength(1);
  });

  it('records the live plan and applies nothing in dry-run mode; undo refuses a run that applied nothing', async () => {
    s3.on(GetPublicAccessBlockCommand).resolves({
      PublicAccessBlockConfiguration: { ...BLOCK_ALL, BlockPublicPolicy: false },
    });
    const { out, executionId } = await invoke('dry-run', { sessions: new RecordingSessionFactory() });
    expect(out.remediation).toMatchObject({
      effectiveAction: 'planned',
      stateSource: 'live',
      actions: [{ action: 'PutPublicAccessBlock' }],
    });
    expect(s3.commandCalls(PutPublicAccessBlockCommand)).toHaveLength(0);
    const records = new RemediationRecordsRepository(dynamo.client, 'remediations');
    expect(await records.listByExecution(executionId)).toEqual([]);
    await expect(
      undoExecution({ records, executionId, registry: REMEDIATIONS, sessions: new RecordingSessionFactory() }),
    ).rejects.toBeInstanceOf(RemediationUndoError);
  });

  it('opens no session in off and notify modes', async () => {
    const sessions = new RecordingSessionFactory();
    expect((await invoke('off', { sessions })).out.remediation).toMatchObject({
      effectiveAction: 'ignored',
      actions: [],
    });
    expect((await invoke('notify', { sessions })).out.remediation).toMatchObject({
      effectiveAction: 'notified',
      stateSource: 'finding',
    });
    expect(sessions.requests).toHaveLength(0);
  });

  it('treats a compliant resource in auto mode as nothing to do, without using the guard budget', async () => {
    s3.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: BLOCK_ALL });
    const { out } = await invoke('auto', { sessions: new RecordingSessionFactory(), limits: { account: 1, org: 1 } });
    expect(out.remediation).toMatchObject({ effectiveAction: 'compliant', compliant: true, actions: [] });
  });

  it('falls back to a dry-run when the kill switch parameter is on', async () => {
    s3.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: {} });
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'on' } });
    const { out } = await invoke('auto', {
      sessions: new RecordingSessionFactory(),
      killSwitch: new SsmKillSwitch(new SSMClient({ region: 'eu-west-1' }), '/socless/remediation/kill-switch'),
    });
    expect(out.remediation).toMatchObject({ effectiveAction: 'guarded', held: { reason: 'kill-switch' } });
    expect(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({
      Name: '/socless/remediation/kill-switch',
      WithDecryption: true,
    });
    expect(s3.commandCalls(PutPublicAccessBlockCommand)).toHaveLength(0);
  });

  it('holds never-automatic remediations and findings below the auto severity to a plan', async () => {
    const sessions = new RecordingSessionFactory();
    s3.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: {} });
    const medium = { ...bucketEvent, severity: { label: 'MEDIUM' as const, score: 40 } };
    expect((await invoke('auto', { sessions }, medium)).out.remediation).toMatchObject({
      effectiveAction: 'planned',
      held: { reason: 'below-auto-severity' },
    });
    expect((await invoke('auto', { sessions, autoMinSeverity: 'MEDIUM' }, medium)).out.remediation).toMatchObject({
      effectiveAction: 'applied',
    });
  });
});

describe('BlastRadiusGuard', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startLocalDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('allows N per account and M per org per hour, atomically under concurrency, and gives back an account slot the org refused', async () => {
    const guard = new BlastRadiusGuard(dynamo.client, 'remediations', {
      maxAutoPerAccountPerHour: 3,
      maxAutoPerOrgPerHour: 4,
    });
    const at = new Date('2025-03-14T10:05:00Z');
    const first = await Promise.all(Array.from({ length: 6 }, () => guard.acquire('111111111111', at)));
    expect(first.filter((d) => d.allowed)).toHaveLength(3);
    expect(first.filter((d) => !d.allowed && d.scope === 'account')).toHaveLength(3);
    expect((await guard.acquire('222222222222', at)).allowed).toBe(true);
    const refused = await guard.acquire('333333333333', at);
    expect(refused).toEqual({ allowed: false, scope: 'org', limit: 4 });
    // The next hour starts a new budget.
    expect((await guard.acquire('111111111111', new Date('2025-03-14T11:00:00Z'))).allowed).toBe(true);
    // Account 333's slot was given back when the org refused: it still has its full budget next time the org allows.
    const orgOk = new BlastRadiusGuard(dynamo.client, 'remediations', {
      maxAutoPerAccountPerHour: 1,
      maxAutoPerOrgPerHour: 100,
    });
    expect((await orgOk.acquire('333333333333', at)).allowed).toBe(true);
  });
});
