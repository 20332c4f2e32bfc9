/**
 * Findings that were forwarded but unrouted now get a response: an Access Analyzer public bucket and a public S3
 * ACL grant block the bucket's public access; an access key created for another user is deactivated only after a
 * person approves (never automatically), and a user creating its own key is not-applicable.
 */
import {
  GetAccessKeyLastUsedCommand,
  IAMClient,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REMEDIATIONS, remediationsFor } from '../../hub/remediations/index.ts';
import { accessAnalyzerSample, cloudTrailSample } from '../../scripts/routing/samples.ts';
import { matchesEventPattern } from '../../shared/event-pattern/index.ts';
import { normalizeEvent } from '../../shared/events/index.ts';
import { triggerPatterns } from '../../shared/remediation/triggers.ts';
import type { RemediationEvent } from '../../shared/remediation/types.ts';
import { RecordingSessionFactory, type RemediateHarness, startRemediateHarness } from './helpers.ts';

const iam = mockClient(IAMClient);
const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const patterns = REMEDIATIONS.flatMap((r) => triggerPatterns(r.findings).map((p) => ({ id: r.id, p })));
const answering = (raw: Record<string, unknown>) => [
  ...new Set(patterns.filter((x) => matchesEventPattern(x.p, raw)).map((x) => x.id)),
];

function normalized(raw: Record<string, unknown>): RemediationEvent {
  const out = normalizeEvent(raw);
  if (!out.ok) throw new Error(out.reason);
  return { ...out.events[0]!, account: '210987654321', region: 'eu-west-1' };
}

/** A CreateAccessKey call: by a CI role for `user`, or by `user` itself. */
function createAccessKey(user: string, caller: 'ci-role' | 'self'): Record<string, unknown> {
  const raw = cloudTrailSample('CreateAccessKey', 'iam.amazonaws.com', { userName: user });
  const detail = raw.detail as Record<string, unknown>;
  detail.responseElements = {
    accessKey: {
      accessKeyId: 'AKIAIOSFODNN7NEWKEY1',
      userName: user,
      status: 'Active',
      createDate: 'Jan 1, 2026 0:00:00 AM',
    },
  };
  if (caller === 'self') {
    detail.userIdentity = {
      type: 'IAMUser',
      userName: user,
      arn: `arn:aws:iam::111122223333:user/${user}`,
      accountId: '111122223333',
    };
  }
  return raw;
}

describe('routing gaps', () => {
  it('answers an Access Analyzer public-bucket finding with the bucket public access block, and not a private share', () => {
    const publicBucket = accessAnalyzerSample('AWS::S3::Bucket', 'arn:aws:s3:::shared-exports', true);
    const privateShare = accessAnalyzerSample('AWS::S3::Bucket', 'arn:aws:s3:::shared-exports', false);
    expect(answering(publicBucket)).toEqual(['s3-bucket-public-access-block']);
    expect(answering(privateShare)).toEqual([]);
    const event = normalized(publicBucket);
    expect(remediationsFor(event).map((r) => r.id)).toEqual(['s3-bucket-public-access-block']);
    expect(REMEDIATIONS.find((r) => r.id === 's3-bucket-public-access-block')!.target(event)).toEqual({
      bucket: 'shared-exports',
    });
  });

  it('answers PutBucketAcl and PutObjectAcl granting AllUsers (or a public canned ACL) with the bucket public access block', () => {
    const grant = {
      bucketName: 'shared-exports',
      AccessControlPolicy: { AccessControlList: { Grant: [{ Grantee: { URI: ALL_USERS }, Permission: 'READ' }] } },
    };
    const canned = { bucketName: 'shared-exports', 'x-amz-acl': ['public-read'] };
    const owner = { bucketName: 'shared-exports', 'x-amz-acl': ['private'] };
    for (const api of ['PutBucketAcl', 'PutObjectAcl']) {
      expect(answering(cloudTrailSample(api, 's3.amazonaws.com', grant)), api).toEqual([
        's3-bucket-public-access-block',
      ]);
      expect(answering(cloudTrailSample(api, 's3.amazonaws.com', canned)), api).toEqual([
        's3-bucket-public-access-block',
      ]);
      expect(answering(cloudTrailSample(api, 's3.amazonaws.com', owner)), api).toEqual([]);
    }
    const event = normalized(cloudTrailSample('PutBucketAcl', 's3.amazonaws.com', grant));
    expect(event.severity.label).toBe('HIGH');
    expect(REMEDIATIONS.find((r) => r.id === 's3-bucket-public-access-block')!.target(event)).toEqual({
      bucket: 'shared-exports',
    });
  });

  it('answers CreateAccessKey naming a user with the key deactivation; a call without a user name is not answered', () => {
    expect(answering(createAccessKey('admin', 'ci-role'))).toEqual(['iam-access-key-deactivate']);
    const own = cloudTrailSample('CreateAccessKey', 'iam.amazonaws.com', {});
    expect(answering(own)).toEqual([]);
    const event = normalized(createAccessKey('admin', 'ci-role'));
    expect(event.severity.label).toBe('HIGH');
    expect(event.resources[0]).toMatchObject({
      type: 'AwsIamAccessKey',
      id: 'AKIAIOSFODNN7NEWKEY1',
      details: { userName: 'admin', createdForAnotherUser: true },
    });
  });
});

describe('an access key created for another user', () => {
  let h: RemediateHarness;
  beforeAll(async () => {
    h = await startRemediateHarness();
  });
  afterAll(async () => {
    await h.close();
  });
  afterEach(() => iam.reset());

  const live = () => {
    iam
      .on(ListAccessKeysCommand)
      .resolves({ AccessKeyMetadata: [{ AccessKeyId: 'AKIAIOSFODNN7NEWKEY1', Status: 'Active', UserName: 'admin' }] });
    iam.on(GetAccessKeyLastUsedCommand).resolves({ UserName: 'admin' });
    iam.on(UpdateAccessKeyCommand).resolves({});
  };

  it('is never deactivated automatically in auto mode: the run waits for a person (needs-approval)', async () => {
    live();
    const sessions = new RecordingSessionFactory();
    const { remediation } = await h.invoke({
      mode: 'auto',
      event: normalized(createAccessKey('admin', 'ci-role')),
      runtime: { sessions },
    });
    expect(remediation).toMatchObject({
      id: 'iam-access-key-deactivate',
      effectiveAction: 'planned',
      held: { reason: 'needs-approval' },
      actions: [
        {
          service: 'iam',
          action: 'UpdateAccessKey',
          input: { UserName: 'admin', AccessKeyId: 'AKIAIOSFODNN7NEWKEY1', Status: 'Inactive' },
        },
      ],
    });
    expect(iam.commandCalls(UpdateAccessKeyCommand)).toHaveLength(0);
    expect(sessions.requests.map((r) => r.purpose)).toEqual(['read']);
  });

  it('is deactivated once a person approves it in auto mode', async () => {
    live();
    const sessions = new RecordingSessionFactory();
    const { remediation } = await h.invoke({
      mode: 'auto',
      event: normalized(createAccessKey('admin', 'ci-role')),
      runtime: { sessions },
      parameters: { approved_by: 'U0ALICE001' },
    });
    expect(remediation).toMatchObject({ effectiveAction: 'applied', approvedBy: 'U0ALICE001' });
    expect(iam.commandCalls(UpdateAccessKeyCommand)).toHaveLength(1);
  });

  it('is not-applicable when the user created its own key', async () => {
    const { remediation } = await h.invoke({ mode: 'auto', event: normalized(createAccessKey('alice', 'self')) });
    expect(remediation).toMatchObject({
      effectiveAction: 'not-applicable',
      notApplicable: { field: 'resources[0].details.createdBy' },
    });
  });
});
