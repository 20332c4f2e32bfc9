import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { s3BucketPublicAccessBlock } from '../../hub/remediations/s3-bucket-public-access-block.ts';
import { securityGroupOpenIngress } from '../../hub/remediations/security-group-open-ingress.ts';
import { RemediationNotOptedInError, SpokeSessionError, SpokeThrottledError } from '../../shared/remediation/errors.ts';
import { StsSpokeSessionFactory, spokeSessionName } from '../../shared/remediation/session.ts';
import { ACCOUNT, REGION } from './helpers.ts';

const sts = mockClient(STSClient);
afterEach(() => sts.reset());

const creds = (expiration: Date) => ({
  Credentials: { AccessKeyId: 'ASIATEST', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: expiration },
});
const HUB_ROLE = 'arn:aws:iam::111111111111:role/SoclessHubRemediationRole';
const EXEC = 'arn:aws:states:eu-west-1:111111111111:execution:remediate-finding:evt-42_abc';

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
    });
    expect(session.region).toBe(REGION);
    const calls = sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input);
    expect(calls[0]).toEqual({ RoleArn: HUB_ROLE, RoleSessionName: 'socless-evt-42_abc', DurationSeconds: 900 });
    expect(calls[1]).toMatchObject({
      RoleArn: `arn:aws:iam::${ACCOUNT}:role/SoclessRemediationRole`,
      RoleSessionName: 'socless-evt-42_abc',
      ExternalId: 'external-id-0123456789',
      DurationSeconds: 900,
    });
    expect(JSON.parse(calls[1]?.Policy ?? '{}')).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'S3BucketPublicAccessBlock',
          Effect: 'Allow',
          Action: ['s3:GetBucketPublicAccessBlock', 's3:PutBucketPublicAccessBlock'],
          Resource: ['arn:aws:s3:::*'],
        },
      ],
    });

    // Cached per account and policy until 5 minutes before expiry.
    now = new Date('2025-03-14T09:09:00Z');
    await factory.open({ account: ACCOUNT, region: REGION, remediation: s3BucketPublicAccessBlock, executionId: EXEC });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
    await factory.open({ account: ACCOUNT, region: REGION, remediation: securityGroupOpenIngress, executionId: EXEC });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(4);
    now = new Date('2025-03-14T09:10:30Z');
    await factory.open({ account: ACCOUNT, region: REGION, remediation: s3BucketPublicAccessBlock, executionId: EXEC });
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(6);
  });

  it('reports AccessDenied on the spoke role as not opted in, naming the account', async () => {
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    const factory = new StsSpokeSessionFactory({ externalId: 'external-id-0123456789' });
    const err = await factory
      .open({ account: ACCOUNT, region: REGION, remediation: s3BucketPublicAccessBlock, executionId: EXEC })
      .catch((e) => e);
    expect(err).toBeInstanceOf(RemediationNotOptedInError);
    expect(err.account).toBe(ACCOUNT);
    expect(err.name).toBe('RemediationNotOptedInError');
  });

  it('reports AccessDenied on the hub role as a session error, not as an opt-out', async () => {
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('no'), { name: 'AccessDenied' }));
    const factory = new StsSpokeSessionFactory({ externalId: 'external-id-0123456789', hubRoleArn: HUB_ROLE });
    await expect(
      factory.open({ account: ACCOUNT, region: REGION, remediation: s3BucketPublicAccessBlock, executionId: EXEC }),
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
    await factory.open({ account: ACCOUNT, region: REGION, remediation: s3BucketPublicAccessBlock, executionId: EXEC });
    expect(waits).toEqual([100]);

    sts.reset();
    sts.on(AssumeRoleCommand).rejects(throttled);
    const failing = new StsSpokeSessionFactory({
      externalId: 'external-id-0123456789',
      maxAttempts: 3,
      sleep: async () => {},
    });
    const err = await failing
      .open({ account: ACCOUNT, region: REGION, remediation: s3BucketPublicAccessBlock, executionId: EXEC })
      .catch((e) => e);
    expect(err).toBeInstanceOf(SpokeThrottledError);
    expect(err.attempts).toBe(3);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(3);
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
