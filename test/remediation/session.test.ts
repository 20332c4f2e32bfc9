import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { cloudTrailLogging } from '../../hub/remediations/cloudtrail-logging.ts';
import { s3BucketPublicAccessBlock } from '../../hub/remediations/s3-bucket-public-access-block.ts';
import { securityGroupOpenIngress } from '../../hub/remediations/security-group-open-ingress.ts';
import { RemediationNotOptedInError, SpokeSessionError, SpokeThrottledError } from '../../shared/remediation/errors.ts';
import {
  type SpokeSessionRequest,
  StsSpokeSessionFactory,
  sessionsFor,
  spokeSessionName,
} from '../../shared/remediation/session.ts';
import { ACCOUNT, REGION, RecordingSessionFactory } from './helpers.ts';

const sts = mockClient(STSClient);
afterEach(() => sts.reset());

const creds = (expiration: Date) => ({
  Credentials: { AccessKeyId: 'ASIATEST', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: expiration },
});
const HUB_ROLE = 'arn:aws:iam::111111111111:role/SoclessHubRemediationRole';
const EXEC = 'arn:aws:states:eu-west-1:111111111111:execution:remediate-finding:evt-42_abc';
const BUCKET = { bucket: 'example-bucket' };

describe('StsSpokeSessionFactory', () => {
  it('chains through the hub role into the spoke role with external id, 900 s, session name and a narrowing session policy', async () => {
    let now = new Date('2025-03-14T09:00:00Z');
    sts.on(AssumeRoleCommand).resolves(creds(new Date('2025-03-14T09:15:00Z')));
    const factory = new StsSpokeSessionFactory({
      externalId: 'external-id-0123456789',
      hubRoleArn: HUB_ROLE,
      now: () => now,
    });
    const session = await factory.open({
      account: ACCOUNT,
      region: REGION,
      remediation: s3BucketPublicAccessBlock,
      executionId: EXEC,
      purpose: 'fix',
      target: BUCKET,
    });
    expect(session.purpose).toBe('fix');
    expect(session.region).toBe(REGION);
    const calls = sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input);
    expect(calls[0]).toEqual({ RoleArn: HUB_ROLE, RoleSessionName: 'socless-evt-42_abc', DurationSeconds: 900 });
    expect(calls[1]).toMatchObject({
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/SoclessRemediationRole`,
      RoleSessionName: 'socless-evt-42_abc',
      ExternalId: 'external-id-0123456789',
      DurationSeconds: 900,
    });
    // Narrowed to the remediation's read and fix calls on the one bucket of the finding.
    expect(JSON.parse(calls[1]?.Policy ?? '{}')).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'S3BucketPublicAccessBlock',
          Effect: 'Allow',
          Action: ['s3:GetBucketPublicAccessBlock', 's3:PutBucketPublicAccessBlock'],
          Resource: ['arn:aws:s3:::example-bucket'],
        },
      ],
    });

    // Cached per execution, account, role and policy until 5 minutes before expiry.
    now = new Date('2025-03-14T09:09:00Z');
    const fix = { account: ACCOUNT, region: REGION, executionId: EXEC, purpose: 'fix', target: BUCKET } as const;
    await factory.open({ ...fix, remediation: s3BucketPublicAccessBlock });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    await factory.open({ ...fix, remediation: securityGroupOpenIngress, target: { groupId: 'sg-0123456789abcdef0' } });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(4);
    // Another purpose is another policy: a read session is opened separately.
    await factory.open({ ...fix, remediation: s3BucketPublicAccessBlock, purpose: 'read' });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(6);
    now = new Date('2025-03-14T09:10:30Z');
    await factory.open({ ...fix, remediation: s3BucketPublicAccessBlock });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(8);
  });

  it("sets a reader's source identity on the first hop only (later hops keep it), or on the only hop", async () => {
    sts.on(AssumeRoleCommand).resolves(creds(new Date('2025-03-14T09:15:00Z')));
    const request = {
      account: ACCOUNT,
      region: REGION,
      remediation: s3BucketPublicAccessBlock,
      executionId: EXEC,
      purpose: 'read',
      target: BUCKET,
    } as const;
    const now = () => new Date('2025-03-14T09:00:00Z');
    const options = { externalId: 'external-id-0123456789', sourceIdentity: 'socless-read', now };
    await new StsSpokeSessionFactory({ ...options, hubRoleArn: HUB_ROLE }).open(request);
    const chained = sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input);
    expect(chained[0]?.SourceIdentity).toBe('socless-read');
    expect(chained[1]?.SourceIdentity).toBeUndefined();
    sts.resetHistory();
    await new StsSpokeSessionFactory(options).open(request);
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input.SourceIdentity).toBe('socless-read');
    sts.resetHistory();
    // A fixer sets none.
    await new StsSpokeSessionFactory({ externalId: 'external-id-0123456789', hubRoleArn: HUB_ROLE, now }).open({
      ...request,
      purpose: 'fix',
    });
    for (const call of sts.commandCalls(AssumeRoleCommand)) expect(call.args[0].input.SourceIdentity).toBeUndefined();
  });

  it('reports AccessDenied on the spoke role as not opted in, naming the account', async () => {
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    const factory = new StsSpokeSessionFactory({ externalId: 'external-id-0123456789' });
    const err = await factory
      .open({
        account: ACCOUNT,
        region: REGION,
        remediation: s3BucketPublicAccessBlock,
        executionId: EXEC,
        purpose: 'read',
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(RemediationNotOptedInError);
    expect(err.account).toBe(ACCOUNT);
    expect(err.name).toBe('RemediationNotOptedInError');
  });

  it('reports AccessDenied on the hub role as a session error, not as an opt-out', async () => {
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('no'), { name: 'AccessDenied' }));
    const factory = new StsSpokeSessionFactory({ externalId: 'external-id-0123456789', hubRoleArn: HUB_ROLE });
    await expect(
      factory.open({
        account: ACCOUNT,
        region: REGION,
        remediation: s3BucketPublicAccessBlock,
        executionId: EXEC,
        purpose: 'read',
      }),
    ).rejects.toBeInstanceOf(SpokeSessionError);
  });

  it('retries throttling with back-off and gives up with SpokeThrottledError', async () => {
    const throttled = Object.assign(new Error('slow down'), { name: 'Throttling' });
    sts
      .on(AssumeRoleCommand)
      .rejectsOnce(throttled)
      .resolves(creds(new Date('2099-01-01T00:00:00Z')));
    const waits: number[] = [];
    const factory = new StsSpokeSessionFactory({
      externalId: 'external-id-0123456789',
      sleep: async (ms) => {
        waits.push(ms);
      },
      backoffMs: (n) => 100 * n,
    });
    await factory.open({
      account: ACCOUNT,
      region: REGION,
      remediation: s3BucketPublicAccessBlock,
      executionId: EXEC,
      purpose: 'read',
    });
    expect(waits).toEqual([100]);

    sts.reset();
    sts.on(AssumeRoleCommand).rejects(throttled);
    const failing = new StsSpokeSessionFactory({
      externalId: 'external-id-0123456789',
      maxAttempts: 3,
      sleep: async () => {},
    });
    const err = await failing
      .open({
        account: ACCOUNT,
        region: REGION,
        remediation: s3BucketPublicAccessBlock,
        executionId: EXEC,
        purpose: 'read',
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(SpokeThrottledError);
    expect(err.attempts).toBe(3);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(3);
  });
});

describe('StsSpokeSessionFactory purposes and session names', () => {
  const request = { account: ACCOUNT, region: REGION, remediation: s3BucketPublicAccessBlock, target: BUCKET };

  it('opens one session per execution, so CloudTrail names the execution that acted', async () => {
    sts.on(AssumeRoleCommand).resolves(creds(new Date('2099-01-01T00:00:00Z')));
    const factory = new StsSpokeSessionFactory({ externalId: 'external-id-0123456789' });
    const a = 'arn:aws:states:eu-west-1:111111111111:execution:remediate-finding:exec-a';
    const b = 'arn:aws:states:eu-west-1:111111111111:execution:remediate-finding:exec-b';
    await factory.open({ ...request, executionId: a, purpose: 'fix' });
    await factory.open({ ...request, executionId: b, purpose: 'fix' });
    // Same account, remediation and policy: still two AssumeRole calls, one per execution's session name.
    const calls = sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.RoleSessionName)).toEqual(['socless-exec-a', 'socless-exec-b']);
    expect(calls[0]?.Policy).toBe(calls[1]?.Policy);
    // A second open within one execution reuses its own session.
    await factory.open({ ...request, executionId: b, purpose: 'fix' });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it('opens undo sessions on SoclessUndoRole through the hub role given (the hub undo role), with undo writes only', async () => {
    sts.on(AssumeRoleCommand).resolves(creds(new Date('2099-01-01T00:00:00Z')));
    const hubUndoRole = 'arn:aws:iam::111111111111:role/SoclessHubUndoRole';
    const factory = new StsSpokeSessionFactory({ externalId: 'external-id-0123456789', hubRoleArn: hubUndoRole });
    const session = await factory.open({
      account: ACCOUNT,
      region: REGION,
      remediation: cloudTrailLogging,
      executionId: `undo-${EXEC.split(':').at(-1)}`,
      purpose: 'undo',
      target: { trail: 'org-trail', trailName: 'org-trail' },
    });
    expect(session.purpose).toBe('undo');
    const [hub, spoke] = sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input);
    expect(hub?.RoleArn).toBe(hubUndoRole);
    expect(spoke).toMatchObject({
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/SoclessUndoRole`,
      RoleSessionName: 'socless-undo-evt-42_abc',
      ExternalId: 'external-id-0123456789',
    });
    const actions = JSON.parse(spoke?.Policy ?? '{}').Statement.flatMap((s: { Action: string[] }) => s.Action);
    expect(actions.sort()).toEqual(['cloudtrail:GetTrailStatus', 'cloudtrail:StopLogging']);
  });

  it('opens read and fix sessions on SoclessRemediationRole, a fix session without undo-only actions', async () => {
    sts.on(AssumeRoleCommand).resolves(creds(new Date('2099-01-01T00:00:00Z')));
    const factory = new StsSpokeSessionFactory({ externalId: 'external-id-0123456789' });
    const target = { trail: 'org-trail', trailName: 'org-trail' };
    for (const purpose of ['read', 'fix'] as const) {
      await factory.open({
        account: ACCOUNT,
        region: REGION,
        remediation: cloudTrailLogging,
        executionId: EXEC,
        purpose,
        target,
      });
    }
    const calls = sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.RoleArn)).toEqual([
      `arn:aws:iam::${ACCOUNT}:role/SoclessRemediationRole`,
      `arn:aws:iam::${ACCOUNT}:role/SoclessRemediationRole`,
    ]);
    const actionsOf = (i: number) =>
      JSON.parse(calls[i]?.Policy ?? '{}')
        .Statement.flatMap((s: { Action: string[] }) => s.Action)
        .sort();
    expect(actionsOf(0)).toEqual(['cloudtrail:GetTrailStatus']);
    expect(actionsOf(1)).toEqual(['cloudtrail:GetTrailStatus', 'cloudtrail:StartLogging']);
  });

  it('refuses a request that names no purpose, before any AssumeRole', async () => {
    sts.on(AssumeRoleCommand).resolves(creds(new Date('2099-01-01T00:00:00Z')));
    const factory = new StsSpokeSessionFactory({ externalId: 'external-id-0123456789' });
    const legacy = { ...request, executionId: EXEC } as unknown as SpokeSessionRequest;
    await expect(factory.open(legacy)).rejects.toThrow(/names no purpose \(read, fix or undo\)/);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('sessionsFor opens every session for its one purpose, fills a missing target and refuses another purpose', async () => {
    const inner = new RecordingSessionFactory();
    const undo = sessionsFor(inner, 'undo', () => BUCKET);
    const legacy = { account: ACCOUNT, region: REGION, remediation: s3BucketPublicAccessBlock, executionId: EXEC };
    const session = await undo.open(legacy as unknown as SpokeSessionRequest);
    expect(session.purpose).toBe('undo');
    expect(inner.requests[0]).toMatchObject({ purpose: 'undo', target: BUCKET });
    await expect(undo.open({ ...legacy, purpose: 'fix' })).rejects.toThrow(/opens undo sessions only, not fix/);
    expect(inner.requests).toHaveLength(1);
  });
});

describe('spokeSessionName', () => {
  it('carries the execution name, keeps only characters STS allows, and stops at 64', () => {
    expect(spokeSessionName('arn:aws:states:eu-west-1:1:execution:pb:evt#1 x')).toBe('socless-evt-1-x');
    const long = spokeSessionName(`exec-${'a'.repeat(100)}`);
    expect(long).toHaveLength(64);
    expect(long).toMatch(/^[\w+=,.@-]+$/);
  });
});
