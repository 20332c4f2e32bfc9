import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createEnrichResourceIntegration,
  enrichResource,
  LIVE_READS,
} from '../../hub/integrations/enrich-resource/integration.ts';
import { spokeRoleStatements } from '../../hub/remediations/index.ts';
import { createSpokeClients } from '../../shared/remediation/calls.ts';
import { iamActions, sessionPolicy } from '../../shared/remediation/policy.ts';
import type { SpokeSessionFactory, SpokeSessionRequest } from '../../shared/remediation/session.ts';
import { AccountsRepository } from '../../shared/store/accounts.ts';
import { type Harness, startHarness } from './harness.ts';

const ACCOUNT = '111122223333';
const OFF_ACCOUNT = '444455556666';

const finding = (over: Record<string, unknown> = {}) => ({
  id: 'evt-1',
  source: 'securityhub-asff',
  kind: 'EC2.19',
  account: ACCOUNT,
  region: 'eu-west-1',
  time: '2026-11-01T10:00:00Z',
  severity: { label: 'HIGH', score: 70 },
  title: 'Security group allows unrestricted access',
  resources: [
    {
      type: 'AwsEc2SecurityGroup',
      id: `arn:aws:ec2:eu-west-1:${ACCOUNT}:security-group/sg-0123456789abcdef0`,
      arn: `arn:aws:ec2:eu-west-1:${ACCOUNT}:security-group/sg-0123456789abcdef0`,
      account: ACCOUNT,
      region: 'eu-west-1',
      details: { AwsEc2SecurityGroup: { GroupName: 'web', CreatedAt: '2025-01-02T03:04:05Z' } },
    },
  ],
  dedupKey: 'securityhub:x',
  status: 'active',
  findingUpdatedAt: '2026-11-01T09:59:00Z',
  ...over,
});

describe('enrich_resource', () => {
  let h: Harness;
  const ec2 = mockClient(EC2Client);
  const iam = mockClient(IAMClient);
  beforeAll(async () => {
    h = await startHarness();
    const accounts = new AccountsRepository(h.dynamo.client, 'accounts');
    await accounts.put({ accountId: ACCOUNT, name: 'web-prod', email: 'web@example.com', mode: 'dry-run' });
    await accounts.put({ accountId: OFF_ACCOUNT, name: 'sandbox', email: 'sb@example.com', mode: 'off' });
  });
  afterEach(() => {
    ec2.reset();
    iam.reset();
  });
  afterAll(async () => {
    await h.close();
  });

  it('describes the first resource from the finding, the raw ASFF tags and the account owner, not live', async () => {
    const raw = {
      detail: {
        findings: [
          {
            Resources: [
              { Id: `arn:aws:ec2:eu-west-1:${ACCOUNT}:security-group/sg-0123456789abcdef0`, Tags: { team: 'web' } },
            ],
          },
        ],
      },
    };
    const out = await h.invoke(enrichResource, { event: finding({ raw }) });
    expect(out).toEqual({
      found: true,
      resource: {
        type: 'AwsEc2SecurityGroup',
        id: `arn:aws:ec2:eu-west-1:${ACCOUNT}:security-group/sg-0123456789abcdef0`,
        arn: `arn:aws:ec2:eu-west-1:${ACCOUNT}:security-group/sg-0123456789abcdef0`,
        account: ACCOUNT,
        region: 'eu-west-1',
      },
      tags: { team: 'web' },
      created_at: '2025-01-02T03:04:05.000Z',
      last_changed_at: '2026-11-01T09:59:00Z',
      last_changed_by: null,
      last_change: null,
      owner: expect.objectContaining({ found: true, account_id: ACCOUNT, name: 'web-prod', mode: 'dry-run' }),
      live: false,
      live_reason: 'no spoke session factory (live reads are off)',
      sources: ['finding', 'accounts'],
    });
  });

  it('takes the last change and who made it from a CloudTrail finding', async () => {
    const out = await h.invoke(enrichResource, {
      event: finding({
        source: 'cloudtrail',
        kind: 'PutBucketPolicy',
        resources: [{ type: 'AwsS3Bucket', id: 'my-bucket', account: ACCOUNT, region: 'eu-west-1' }],
        findingUpdatedAt: undefined,
        raw: {
          detail: {
            eventTime: '2026-11-01T09:58:00Z',
            eventName: 'PutBucketPolicy',
            userIdentity: { arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice` },
          },
        },
      }),
    });
    expect(out).toMatchObject({
      found: true,
      resource: { type: 'AwsS3Bucket', id: 'my-bucket', arn: null },
      tags: {},
      created_at: null,
      last_changed_at: '2026-11-01T09:58:00Z',
      last_changed_by: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice`,
      last_change: 'PutBucketPolicy',
      live: false,
      live_reason: 'no read-only spoke permissions for AwsS3Bucket',
      sources: ['finding', 'accounts', 'cloudtrail'],
    });
  });

  it('reports an account the registry does not know, and a finding without resources', async () => {
    const unknown = await h.invoke(enrichResource, {
      event: finding({ account: '999999999999', resources: [{ type: 'AwsS3Bucket', id: 'arn:aws:s3:::b' }] }),
    });
    expect(unknown).toMatchObject({ found: true, owner: { found: false, account_id: '999999999999' } });
    expect(await h.invoke(enrichResource, { event: finding({ resources: [] }) })).toEqual({
      found: false,
      reason: 'the finding names no resource',
      owner: expect.objectContaining({ found: true, account_id: ACCOUNT }),
      live: false,
      sources: ['finding'],
    });
  });

  it('names the offending field of an event that is not a normalized finding', async () => {
    await expect(h.invoke(enrichResource, { event: { id: 'x' } })).rejects.toThrow(/parameter "event\.source"/);
  });

  describe('with a spoke session factory', () => {
    const requests: SpokeSessionRequest[] = [];
    const sessions: SpokeSessionFactory = {
      async open(request) {
        requests.push(request);
        return {
          account: request.account,
          region: request.region,
          partition: 'aws',
          clients: createSpokeClients(request.region, { accessKeyId: 'AKIA', secretAccessKey: 's' }),
        };
      },
    };
    const liveEnrich = createEnrichResourceIntegration({ sessions: () => sessions });

    it('reads a security group live through a read-only session policy', async () => {
      ec2.on(DescribeSecurityGroupsCommand).resolves({
        SecurityGroups: [
          {
            GroupId: 'sg-0123456789abcdef0',
            GroupName: 'web',
            VpcId: 'vpc-1',
            Tags: [{ Key: 'owner', Value: 'web-team' }],
            IpPermissions: [{ IpProtocol: '-1' }],
            IpPermissionsEgress: [],
          },
        ],
      });
      const out = await h.invoke(liveEnrich, { event: finding() });
      expect(out).toMatchObject({
        live: true,
        tags: { owner: 'web-team' },
        live_facts: { groupId: 'sg-0123456789abcdef0', vpcId: 'vpc-1', ingressRules: 1, egressRules: 0 },
        sources: ['finding', 'accounts', 'spoke'],
      });
      expect(ec2.commandCalls(DescribeSecurityGroupsCommand)[0]?.args[0].input).toEqual({
        GroupIds: ['sg-0123456789abcdef0'],
      });
      const request = requests.at(-1) as SpokeSessionRequest;
      expect(request).toMatchObject({ account: ACCOUNT, region: 'eu-west-1', purpose: 'read' });
      const policy = sessionPolicy(request.remediation, ACCOUNT, 'aws', request.purpose, request.target);
      expect(policy.Statement.flatMap((s) => s.Action)).toEqual(['ec2:DescribeSecurityGroups']);
    });

    it('reads an access key live and reports a failed read instead of failing the state', async () => {
      iam.on(ListAccessKeysCommand).resolves({
        AccessKeyMetadata: [
          {
            AccessKeyId: 'AKIAEXAMPLE',
            Status: 'Active',
            CreateDate: new Date('2024-05-06T00:00:00Z'),
            UserName: 'bob',
          },
        ],
      });
      const key = finding({
        source: 'guardduty',
        resources: [{ type: 'AwsIamAccessKey', id: 'AKIAEXAMPLE', account: ACCOUNT, details: { userName: 'bob' } }],
      });
      expect(await h.invoke(liveEnrich, { event: key })).toMatchObject({
        live: true,
        live_facts: { userName: 'bob', status: 'Active', createdAt: '2024-05-06T00:00:00.000Z' },
      });
      iam.on(ListAccessKeysCommand).rejects(Object.assign(new Error('User bob not found'), { name: 'NoSuchEntity' }));
      expect(await h.invoke(liveEnrich, { event: key })).toMatchObject({
        live: false,
        live_reason: 'live read failed: User bob not found',
      });
    });

    it('does not open a session into an account whose remediation mode is off', async () => {
      const before = requests.length;
      const out = await h.invoke(liveEnrich, {
        event: finding({
          account: OFF_ACCOUNT,
          resources: [{ type: 'AwsEc2SecurityGroup', id: 'sg-0123456789abcdef0', account: OFF_ACCOUNT }],
        }),
      });
      expect(out).toMatchObject({ live: false, live_reason: expect.stringMatching(/has not opted in/) });
      expect(requests.length).toBe(before);
    });
  });

  it('uses only read actions the generated spoke roles already hold', () => {
    const spokeActions = new Set(spokeRoleStatements().read.flatMap((s) => s.actions));
    const liveActions = LIVE_READS.flatMap((r) => r.permissions.permissions.flatMap((g) => iamActions(g.calls)));
    expect(liveActions.length).toBeGreaterThan(0);
    for (const action of liveActions) expect(spokeActions.has(action)).toBe(true);
  });
});
