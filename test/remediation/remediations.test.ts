import {
  CloudTrailClient,
  GetTrailStatusCommand,
  StartLoggingCommand,
  StopLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  DisableEbsEncryptionByDefaultCommand,
  EC2Client,
  EnableEbsEncryptionByDefaultCommand,
  GetEbsEncryptionByDefaultCommand,
  ModifySnapshotAttributeCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import {
  GetAccessKeyLastUsedCommand,
  IAMClient,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import {
  DescribeKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyRotationCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
} from '@aws-sdk/client-kms';
import { AddPermissionCommand, GetPolicyCommand, LambdaClient, RemovePermissionCommand } from '@aws-sdk/client-lambda';
import { DescribeDBSnapshotAttributesCommand, ModifyDBSnapshotAttributeCommand, RDSClient } from '@aws-sdk/client-rds';
import {
  DeleteBucketPolicyCommand,
  DeletePublicAccessBlockCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  DeletePublicAccessBlockCommand as DeleteAccountPabCommand,
  GetPublicAccessBlockCommand as GetAccountPabCommand,
  PutPublicAccessBlockCommand as PutAccountPabCommand,
  S3ControlClient,
} from '@aws-sdk/client-s3-control';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { cloudTrailLogging } from '../../hub/remediations/cloudtrail-logging.ts';
import { defaultSecurityGroupClosed } from '../../hub/remediations/default-security-group-closed.ts';
import { ebsEncryptionByDefault } from '../../hub/remediations/ebs-encryption-by-default.ts';
import { ebsSnapshotPrivate } from '../../hub/remediations/ebs-snapshot-private.ts';
import { iamAccessKeyDeactivate } from '../../hub/remediations/iam-access-key-deactivate.ts';
import { kmsKeyRotation } from '../../hub/remediations/kms-key-rotation.ts';
import { lambdaPublicPolicy } from '../../hub/remediations/lambda-public-policy.ts';
import { rdsSnapshotPrivate } from '../../hub/remediations/rds-snapshot-private.ts';
import { s3AccountPublicAccessBlock } from '../../hub/remediations/s3-account-public-access-block.ts';
import { s3BucketPublicAccessBlock } from '../../hub/remediations/s3-bucket-public-access-block.ts';
import { s3BucketRequireTls } from '../../hub/remediations/s3-bucket-require-tls.ts';
import { securityGroupOpenIngress } from '../../hub/remediations/security-group-open-ingress.ts';
import { RemediationTargetError } from '../../shared/remediation/errors.ts';
import { callRunner } from '../../shared/remediation/runner.ts';
import type { PlanContext, Remediation, RemediationEvent, SessionPurpose } from '../../shared/remediation/types.ts';
import { ACCOUNT, BLOCK_ALL, bucketEvent, finding, NOW, REGION, RecordingSessionFactory } from './helpers.ts';

const s3 = mockClient(S3Client);
const s3control = mockClient(S3ControlClient);
const ec2 = mockClient(EC2Client);
const iam = mockClient(IAMClient);
const rds = mockClient(RDSClient);
const kms = mockClient(KMSClient);
const cloudtrail = mockClient(CloudTrailClient);
const lambda = mockClient(LambdaClient);

afterEach(() => {
  for (const m of [s3, s3control, ec2, iam, rds, kms, cloudtrail, lambda]) m.reset();
});

/** Runs the remediation's read → plan → apply → verify → undo with the mocked clients. */
async function exercise(remediation: Remediation, event: RemediationEvent) {
  const target = remediation.target(event);
  const ctx: PlanContext<object> = { target, account: ACCOUNT, region: REGION, partition: 'aws', now: NOW };
  // One session per direction, as the runner and undo open them: each refuses the other directions' writes,
  // so every plan must stay inside the fix groups and every undo inside the undo groups.
  const factory = new RecordingSessionFactory();
  const open = async (purpose: SessionPurpose) =>
    callRunner(
      remediation,
      await factory.open({ account: ACCOUNT, region: REGION, remediation, executionId: 'exec-1', purpose, target }),
    );
  const call = await open('read');
  const before = await remediation.readState(call, ctx);
  const plan = remediation.plan(before, ctx);
  return {
    target,
    before,
    plan,
    async apply() {
      const fix = await open('fix');
      for (const c of plan) await fix(c);
      const after = await remediation.readState(fix, ctx);
      return { after, remaining: remediation.plan(after, ctx) };
    },
    async undo() {
      const undo = await open('undo');
      const calls = remediation.undo?.(before, ctx) ?? [];
      for (const c of calls) await undo(c);
      return calls;
    },
  };
}

describe('s3-bucket-public-access-block', () => {
  it('blocks all public access on a bucket without a block, verifies, and undo deletes the block again', async () => {
    s3.on(GetPublicAccessBlockCommand)
      .rejectsOnce(Object.assign(new Error('none'), { name: 'NoSuchPublicAccessBlockConfiguration' }))
      .resolves({ PublicAccessBlockConfiguration: BLOCK_ALL });
    s3.on(PutPublicAccessBlockCommand).resolves({});
    s3.on(DeletePublicAccessBlockCommand).resolves({});
    const run = await exercise(s3BucketPublicAccessBlock, bucketEvent);
    expect(run.before).toEqual({ config: null });
    const { remaining } = await run.apply();
    expect(s3.commandCalls(PutPublicAccessBlockCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'exports-bucket', ExpectedBucketOwner: ACCOUNT, PublicAccessBlockConfiguration: BLOCK_ALL },
    ]);
    expect(s3.commandCalls(GetPublicAccessBlockCommand)[0]?.args[0].input).toEqual({
      Bucket: 'exports-bucket',
      ExpectedBucketOwner: ACCOUNT,
    });
    expect(remaining).toEqual([]);
    await run.undo();
    expect(s3.commandCalls(DeletePublicAccessBlockCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'exports-bucket', ExpectedBucketOwner: ACCOUNT },
    ]);
  });

  it('plans nothing for a bucket that blocks all public access', async () => {
    s3.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: BLOCK_ALL });
    expect((await exercise(s3BucketPublicAccessBlock, bucketEvent)).plan).toEqual([]);
  });

  it('restores a partial block on undo', async () => {
    const partial = { ...BLOCK_ALL, RestrictPublicBuckets: false };
    s3.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: partial });
    s3.on(PutPublicAccessBlockCommand).resolves({});
    const run = await exercise(s3BucketPublicAccessBlock, bucketEvent);
    await run.undo();
    expect(s3.commandCalls(PutPublicAccessBlockCommand)[0]?.args[0].input.PublicAccessBlockConfiguration).toEqual(
      partial,
    );
  });

  it('refuses a finding that names no bucket, naming the field', () => {
    expect(() => s3BucketPublicAccessBlock.target(finding())).toThrow(RemediationTargetError);
  });
});

describe('s3-account-public-access-block', () => {
  it('blocks public access for the account through S3 Control, verifies, and undo restores the old settings', async () => {
    const old = {
      BlockPublicAcls: true,
      IgnorePublicAcls: false,
      BlockPublicPolicy: false,
      RestrictPublicBuckets: false,
    };
    s3control
      .on(GetAccountPabCommand)
      .resolvesOnce({ PublicAccessBlockConfiguration: old })
      .resolves({ PublicAccessBlockConfiguration: BLOCK_ALL });
    s3control.on(PutAccountPabCommand).resolves({});
    const run = await exercise(s3AccountPublicAccessBlock, finding({ kind: 'S3.1' }));
    const { remaining } = await run.apply();
    expect(s3control.commandCalls(PutAccountPabCommand)[0]?.args[0].input).toEqual({
      AccountId: ACCOUNT,
      PublicAccessBlockConfiguration: BLOCK_ALL,
    });
    expect(remaining).toEqual([]);
    await run.undo();
    expect(s3control.commandCalls(PutAccountPabCommand)[1]?.args[0].input).toEqual({
      AccountId: ACCOUNT,
      PublicAccessBlockConfiguration: old,
    });
  });

  it('plans nothing when the account blocks all public access, and undo of "none" deletes the block', async () => {
    s3control.on(GetAccountPabCommand).resolves({ PublicAccessBlockConfiguration: BLOCK_ALL });
    expect((await exercise(s3AccountPublicAccessBlock, finding({ kind: 'S3.1' }))).plan).toEqual([]);
    s3control
      .on(GetAccountPabCommand)
      .rejects(Object.assign(new Error('none'), { name: 'NoSuchPublicAccessBlockConfiguration' }));
    s3control.on(DeleteAccountPabCommand).resolves({});
    const run = await exercise(s3AccountPublicAccessBlock, finding({ kind: 'S3.1' }));
    await run.undo();
    expect(s3control.commandCalls(DeleteAccountPabCommand)[0]?.args[0].input).toEqual({ AccountId: ACCOUNT });
  });
});

const sgEvent = finding({
  kind: 'EC2.19',
  resources: [
    { type: 'AwsEc2SecurityGroup', id: 'arn:aws:ec2:eu-west-1:210987654321:security-group/sg-0a1b2c3d4e5f67890' },
  ],
});
const rule = (r: Record<string, unknown>) => ({ SecurityGroupId: 'sg-0a1b2c3d4e5f67890', IsEgress: false, ...r });

describe('security-group-open-ingress', () => {
  it('revokes only the rules that open risky ports to the internet, verifies, and undo re-authorizes them', async () => {
    const open = [
      rule({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0', Description: 'ssh' }),
      rule({ IpProtocol: 'tcp', FromPort: 3300, ToPort: 3400, CidrIpv6: '::/0' }),
    ];
    const safe = [
      rule({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIpv4: '0.0.0.0/0' }),
      rule({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '10.0.0.0/8' }),
      rule({ IpProtocol: '-1', IsEgress: true, CidrIpv4: '0.0.0.0/0' }),
    ];
    ec2
      .on(DescribeSecurityGroupRulesCommand)
      .resolvesOnce({ SecurityGroupRules: [...open, ...safe] })
      .resolves({ SecurityGroupRules: safe });
    ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true });
    ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true });
    const run = await exercise(securityGroupOpenIngress, sgEvent);
    const { remaining } = await run.apply();
    expect(ec2.commandCalls(DescribeSecurityGroupRulesCommand)[0]?.args[0].input).toEqual({
      Filters: [{ Name: 'group-id', Values: ['sg-0a1b2c3d4e5f67890'] }],
    });
    const permissions = [
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'ssh' }] },
      { IpProtocol: 'tcp', FromPort: 3300, ToPort: 3400, Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
    ];
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand).map((c) => c.args[0].input)).toEqual([
      { GroupId: 'sg-0a1b2c3d4e5f67890', IpPermissions: permissions },
    ]);
    expect(remaining).toEqual([]);
    await run.undo();
    expect(ec2.commandCalls(AuthorizeSecurityGroupIngressCommand).map((c) => c.args[0].input)).toEqual([
      { GroupId: 'sg-0a1b2c3d4e5f67890', IpPermissions: permissions },
    ]);
  });

  it('plans nothing for a group whose internet rules are on safe ports only', async () => {
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({
      SecurityGroupRules: [rule({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIpv4: '0.0.0.0/0' })],
    });
    expect((await exercise(securityGroupOpenIngress, sgEvent)).plan).toEqual([]);
  });
});

const defaultSgEvent = finding({
  kind: 'EC2.2',
  resources: [{ type: 'AwsEc2SecurityGroup', id: 'sg-0123456789abcdef0' }],
});

describe('default-security-group-closed', () => {
  it('revokes every rule of a default group, verifies, and undo puts them back', async () => {
    ec2
      .on(DescribeSecurityGroupsCommand)
      .resolves({ SecurityGroups: [{ GroupName: 'default', GroupId: 'sg-0123456789abcdef0' }] });
    ec2
      .on(DescribeSecurityGroupRulesCommand)
      .resolvesOnce({
        SecurityGroupRules: [
          { IsEgress: false, IpProtocol: '-1', ReferencedGroupInfo: { GroupId: 'sg-0123456789abcdef0' } },
          { IsEgress: true, IpProtocol: '-1', CidrIpv4: '0.0.0.0/0' },
        ],
      })
      .resolves({ SecurityGroupRules: [] });
    ec2.on(RevokeSecurityGroupIngressCommand).resolves({});
    ec2.on(RevokeSecurityGroupEgressCommand).resolves({});
    ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({});
    ec2.on(AuthorizeSecurityGroupEgressCommand).resolves({});
    const run = await exercise(defaultSecurityGroupClosed, defaultSgEvent);
    const { remaining } = await run.apply();
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)[0]?.args[0].input).toEqual({
      GroupId: 'sg-0123456789abcdef0',
      IpPermissions: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: 'sg-0123456789abcdef0' }] }],
    });
    expect(ec2.commandCalls(RevokeSecurityGroupEgressCommand)[0]?.args[0].input).toEqual({
      GroupId: 'sg-0123456789abcdef0',
      IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    });
    expect(remaining).toEqual([]);
    await run.undo();
    expect(ec2.commandCalls(AuthorizeSecurityGroupEgressCommand)[0]?.args[0].input).toEqual({
      GroupId: 'sg-0123456789abcdef0',
      IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    });
    expect(defaultSecurityGroupClosed.neverAuto).toBe(true);
  });

  it('plans nothing for a default group without rules and refuses a group that is not a default group', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupName: 'default' }] });
    ec2.on(DescribeSecurityGroupRulesCommand).resolves({ SecurityGroupRules: [] });
    expect((await exercise(defaultSecurityGroupClosed, defaultSgEvent)).plan).toEqual([]);
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupName: 'web' }] });
    await expect(exercise(defaultSecurityGroupClosed, defaultSgEvent)).rejects.toThrow(/not a default security group/);
  });
});

const keyEvent = finding({
  source: 'guardduty',
  kind: 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS',
  resources: [{ type: 'AwsIamAccessKey', id: 'AKIAEXAMPLEKEY000001', details: { userName: 'ci-deployer' } }],
});

describe('iam-access-key-deactivate', () => {
  it('deactivates the exposed key (never deletes it), verifies, and undo reactivates it', async () => {
    iam
      .on(ListAccessKeysCommand)
      .resolvesOnce({
        AccessKeyMetadata: [
          { AccessKeyId: 'AKIAEXAMPLEKEY000001', Status: 'Active', CreateDate: new Date('2025-01-01T00:00:00Z') },
          { AccessKeyId: 'AKIAEXAMPLEKEY000002', Status: 'Active', CreateDate: new Date('2025-01-01T00:00:00Z') },
        ],
      })
      .resolves({
        AccessKeyMetadata: [
          { AccessKeyId: 'AKIAEXAMPLEKEY000001', Status: 'Inactive' },
          { AccessKeyId: 'AKIAEXAMPLEKEY000002', Status: 'Active' },
        ],
      });
    iam.on(GetAccessKeyLastUsedCommand).resolves({
      AccessKeyLastUsed: { LastUsedDate: new Date('2025-03-14T08:00:00Z'), ServiceName: 's3', Region: REGION },
    });
    iam.on(UpdateAccessKeyCommand).resolves({});
    const run = await exercise(iamAccessKeyDeactivate, keyEvent);
    const { remaining } = await run.apply();
    expect(iam.commandCalls(UpdateAccessKeyCommand).map((c) => c.args[0].input)).toEqual([
      { UserName: 'ci-deployer', AccessKeyId: 'AKIAEXAMPLEKEY000001', Status: 'Inactive' },
    ]);
    expect(remaining).toEqual([]);
    await run.undo();
    expect(iam.commandCalls(UpdateAccessKeyCommand)[1]?.args[0].input).toEqual({
      UserName: 'ci-deployer',
      AccessKeyId: 'AKIAEXAMPLEKEY000001',
      Status: 'Active',
    });
  });

  it('for an unused-credentials finding deactivates only keys unused for 90 days, and plans nothing when all are in use', async () => {
    const userEvent = finding({
      kind: 'IAM.8',
      resources: [{ type: 'AwsIamUser', id: 'arn:aws:iam::210987654321:user/old-batch' }],
    });
    iam.on(ListAccessKeysCommand).resolves({
      AccessKeyMetadata: [
        { AccessKeyId: 'AKIAEXAMPLEKEY000003', Status: 'Active', CreateDate: new Date('2024-01-01T00:00:00Z') },
        { AccessKeyId: 'AKIAEXAMPLEKEY000004', Status: 'Active', CreateDate: new Date('2024-01-01T00:00:00Z') },
      ],
    });
    iam.on(GetAccessKeyLastUsedCommand).resolves({ AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' } });
    iam.on(GetAccessKeyLastUsedCommand, { AccessKeyId: 'AKIAEXAMPLEKEY000004' }).resolves({
      AccessKeyLastUsed: { LastUsedDate: new Date('2025-03-01T00:00:00Z'), ServiceName: 's3', Region: REGION },
    });
    const run = await exercise(iamAccessKeyDeactivate, userEvent);
    expect(run.plan).toEqual([
      {
        service: 'iam',
        action: 'UpdateAccessKey',
        input: { UserName: 'old-batch', AccessKeyId: 'AKIAEXAMPLEKEY000003', Status: 'Inactive' },
      },
    ]);
    iam.on(GetAccessKeyLastUsedCommand).resolves({
      AccessKeyLastUsed: { LastUsedDate: new Date('2025-03-10T00:00:00Z'), ServiceName: 's3', Region: REGION },
    });
    expect((await exercise(iamAccessKeyDeactivate, userEvent)).plan).toEqual([]);
  });

  it('refuses temporary credentials (ASIA...), which cannot be deactivated', () => {
    const temp = finding({
      resources: [{ type: 'AwsIamAccessKey', id: 'ASIAEXAMPLEKEY000001', details: { userName: 'x' } }],
    });
    expect(() => iamAccessKeyDeactivate.target(temp)).toThrow(/temporary credentials/);
  });
});

describe('ebs-snapshot-private', () => {
  const snapEvent = finding({
    kind: 'ModifySnapshotAttribute',
    source: 'cloudtrail',
    resources: [{ type: 'AwsEc2Snapshot', id: 'snap-0123456789abcdef0' }],
  });

  it('removes the public permission of a snapshot, verifies, and undo makes it public again', async () => {
    ec2
      .on(DescribeSnapshotAttributeCommand)
      .resolvesOnce({ CreateVolumePermissions: [{ Group: 'all' }, { UserId: '111122223333' }] })
      .resolves({ CreateVolumePermissions: [{ UserId: '111122223333' }] });
    ec2.on(ModifySnapshotAttributeCommand).resolves({});
    const run = await exercise(ebsSnapshotPrivate, snapEvent);
    const { remaining } = await run.apply();
    expect(ec2.commandCalls(DescribeSnapshotAttributeCommand)[0]?.args[0].input).toEqual({
      SnapshotId: 'snap-0123456789abcdef0',
      Attribute: 'createVolumePermission',
    });
    expect(ec2.commandCalls(ModifySnapshotAttributeCommand)[0]?.args[0].input).toEqual({
      SnapshotId: 'snap-0123456789abcdef0',
      Attribute: 'createVolumePermission',
      OperationType: 'remove',
      GroupNames: ['all'],
    });
    expect(remaining).toEqual([]);
    await run.undo();
    // Undo adds back exactly the public group it removed: not the account share, which was never touched.
    expect(ec2.commandCalls(ModifySnapshotAttributeCommand).map((c) => c.args[0].input)).toEqual([
      {
        SnapshotId: 'snap-0123456789abcdef0',
        Attribute: 'createVolumePermission',
        OperationType: 'remove',
        GroupNames: ['all'],
      },
      {
        SnapshotId: 'snap-0123456789abcdef0',
        Attribute: 'createVolumePermission',
        OperationType: 'add',
        GroupNames: ['all'],
      },
    ]);
  });

  it('plans nothing for a private snapshot, and finds public snapshots for an account-level finding', async () => {
    ec2.on(DescribeSnapshotAttributeCommand).resolves({ CreateVolumePermissions: [] });
    expect((await exercise(ebsSnapshotPrivate, snapEvent)).plan).toEqual([]);
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-0aaaaaaaaaaaaaaaa' }] });
    const run = await exercise(
      ebsSnapshotPrivate,
      finding({ kind: 'EC2.1', resources: [{ type: 'AwsAccount', id: 'AWS::::Account:210987654321' }] }),
    );
    expect(ec2.commandCalls(DescribeSnapshotsCommand)[0]?.args[0].input).toEqual({
      OwnerIds: ['self'],
      RestorableByUserIds: ['all'],
    });
    expect(run.plan.map((c) => c.input.SnapshotId)).toEqual(['snap-0aaaaaaaaaaaaaaaa']);
  });
});

describe('rds-snapshot-private', () => {
  const event = finding({
    kind: 'RDS.1',
    resources: [{ type: 'AwsRdsDbSnapshot', id: 'arn:aws:rds:eu-west-1:210987654321:snapshot:orders-2025-03-01' }],
  });
  const attrs = (values: string[]) => ({
    DBSnapshotAttributesResult: {
      DBSnapshotIdentifier: 'orders-2025-03-01',
      DBSnapshotAttributes: [{ AttributeName: 'restore', AttributeValues: values }],
    },
  });

  it('removes "all" from the restore attribute, verifies, and undo adds it back', async () => {
    rds
      .on(DescribeDBSnapshotAttributesCommand)
      .resolvesOnce(attrs(['all', '111122223333']))
      .resolves(attrs(['111122223333']));
    rds.on(ModifyDBSnapshotAttributeCommand).resolves({});
    const run = await exercise(rdsSnapshotPrivate, event);
    const { remaining } = await run.apply();
    expect(rds.commandCalls(ModifyDBSnapshotAttributeCommand)[0]?.args[0].input).toEqual({
      DBSnapshotIdentifier: 'orders-2025-03-01',
      AttributeName: 'restore',
      ValuesToRemove: ['all'],
    });
    expect(remaining).toEqual([]);
    await run.undo();
    expect(rds.commandCalls(ModifyDBSnapshotAttributeCommand)[1]?.args[0].input).toEqual({
      DBSnapshotIdentifier: 'orders-2025-03-01',
      AttributeName: 'restore',
      ValuesToAdd: ['all'],
    });
  });

  it('plans nothing for a snapshot shared only with named accounts', async () => {
    rds.on(DescribeDBSnapshotAttributesCommand).resolves(attrs(['111122223333']));
    expect((await exercise(rdsSnapshotPrivate, event)).plan).toEqual([]);
  });
});

describe('ebs-encryption-by-default', () => {
  it('enables encryption by default, verifies, and undo disables it again', async () => {
    ec2
      .on(GetEbsEncryptionByDefaultCommand)
      .resolvesOnce({ EbsEncryptionByDefault: false })
      .resolves({ EbsEncryptionByDefault: true });
    ec2.on(EnableEbsEncryptionByDefaultCommand).resolves({ EbsEncryptionByDefault: true });
    ec2.on(DisableEbsEncryptionByDefaultCommand).resolves({ EbsEncryptionByDefault: false });
    const run = await exercise(ebsEncryptionByDefault, finding({ kind: 'EC2.7' }));
    const { remaining } = await run.apply();
    expect(ec2.commandCalls(EnableEbsEncryptionByDefaultCommand)[0]?.args[0].input).toEqual({});
    expect(remaining).toEqual([]);
    expect(await run.undo()).toEqual([{ service: 'ec2', action: 'DisableEbsEncryptionByDefault', input: {} }]);
    expect(ec2.commandCalls(DisableEbsEncryptionByDefaultCommand).map((c) => c.args[0].input)).toEqual([{}]);
  });

  it('plans nothing when encryption by default is on', async () => {
    ec2.on(GetEbsEncryptionByDefaultCommand).resolves({ EbsEncryptionByDefault: true });
    expect((await exercise(ebsEncryptionByDefault, finding({ kind: 'EC2.7' }))).plan).toEqual([]);
  });
});

describe('kms-key-rotation', () => {
  const keyId = '1234abcd-12ab-34cd-56ef-1234567890ab';
  const event = finding({
    kind: 'KMS.4',
    resources: [{ type: 'AwsKmsKey', id: `arn:aws:kms:eu-west-1:210987654321:key/${keyId}` }],
  });
  const meta = {
    KeyId: keyId,
    KeyManager: 'CUSTOMER',
    KeySpec: 'SYMMETRIC_DEFAULT',
    Origin: 'AWS_KMS',
    KeyState: 'Enabled',
  } as const;

  it('enables rotation of a customer-managed symmetric key, verifies, and undo disables it', async () => {
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: meta });
    kms
      .on(GetKeyRotationStatusCommand)
      .resolvesOnce({ KeyRotationEnabled: false })
      .resolves({ KeyRotationEnabled: true });
    kms.on(EnableKeyRotationCommand).resolves({});
    kms.on(DisableKeyRotationCommand).resolves({});
    const run = await exercise(kmsKeyRotation, event);
    const { remaining } = await run.apply();
    expect(kms.commandCalls(EnableKeyRotationCommand)[0]?.args[0].input).toEqual({ KeyId: keyId });
    expect(remaining).toEqual([]);
    await run.undo();
    expect(kms.commandCalls(DisableKeyRotationCommand)[0]?.args[0].input).toEqual({ KeyId: keyId });
  });

  it('plans nothing when rotation is on, or for a key that cannot rotate (asymmetric)', async () => {
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: meta });
    kms.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: true });
    expect((await exercise(kmsKeyRotation, event)).plan).toEqual([]);
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { ...meta, KeySpec: 'RSA_2048' } });
    expect((await exercise(kmsKeyRotation, event)).plan).toEqual([]);
  });
});

describe('cloudtrail-logging', () => {
  const trail = 'arn:aws:cloudtrail:eu-west-1:210987654321:trail/org-trail';
  const event = finding({
    source: 'cloudtrail',
    kind: 'StopLogging',
    resources: [{ type: 'AwsCloudTrailTrail', id: trail }],
  });

  it('restarts logging, verifies, and undo stops it again', async () => {
    cloudtrail.on(GetTrailStatusCommand).resolvesOnce({ IsLogging: false }).resolves({ IsLogging: true });
    cloudtrail.on(StartLoggingCommand).resolves({});
    cloudtrail.on(StopLoggingCommand).resolves({});
    const run = await exercise(cloudTrailLogging, event);
    const { remaining } = await run.apply();
    expect(cloudtrail.commandCalls(StartLoggingCommand)[0]?.args[0].input).toEqual({ Name: trail });
    expect(remaining).toEqual([]);
    await run.undo();
    expect(cloudtrail.commandCalls(StopLoggingCommand)[0]?.args[0].input).toEqual({ Name: trail });
  });

  it('plans nothing for a trail that is logging', async () => {
    cloudtrail.on(GetTrailStatusCommand).resolves({ IsLogging: true });
    expect((await exercise(cloudTrailLogging, event)).plan).toEqual([]);
  });
});

describe('lambda-public-policy', () => {
  const event = finding({
    kind: 'Lambda.1',
    resources: [{ type: 'AwsLambdaFunction', id: 'arn:aws:lambda:eu-west-1:210987654321:function:thumbnailer' }],
  });
  const statement = (sid: string, extra: Record<string, unknown> = {}) => ({
    Sid: sid,
    Effect: 'Allow',
    Principal: '*',
    Action: 'lambda:InvokeFunction',
    Resource: 'arn:aws:lambda:eu-west-1:210987654321:function:thumbnailer',
    ...extra,
  });
  const policy = (...s: unknown[]) => ({ Policy: JSON.stringify({ Version: '2012-10-17', Statement: s }) });

  it('removes the public statement only, verifies, and undo adds it back', async () => {
    const confined = statement('s3-invoke', {
      Principal: { Service: 's3.amazonaws.com' },
      Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::uploads' } },
    });
    lambda
      .on(GetPolicyCommand)
      .resolvesOnce(policy(statement('public-invoke'), confined))
      .resolves(policy(confined));
    lambda.on(RemovePermissionCommand).resolves({});
    lambda.on(AddPermissionCommand).resolves({});
    const run = await exercise(lambdaPublicPolicy, event);
    const { remaining } = await run.apply();
    expect(lambda.commandCalls(RemovePermissionCommand).map((c) => c.args[0].input)).toEqual([
      { FunctionName: 'thumbnailer', StatementId: 'public-invoke' },
    ]);
    expect(remaining).toEqual([]);
    await run.undo();
    expect(lambda.commandCalls(AddPermissionCommand)[0]?.args[0].input).toEqual({
      FunctionName: 'thumbnailer',
      StatementId: 'public-invoke',
      Action: 'lambda:InvokeFunction',
      Principal: '*',
    });
  });

  it('plans nothing when a "*" principal is confined by a source account, or when there is no policy', async () => {
    lambda
      .on(GetPolicyCommand)
      .resolves(policy(statement('x', { Condition: { StringEquals: { 'AWS:SourceAccount': '210987654321' } } })));
    expect((await exercise(lambdaPublicPolicy, event)).plan).toEqual([]);
    lambda.on(GetPolicyCommand).rejects(Object.assign(new Error('no policy'), { name: 'ResourceNotFoundException' }));
    expect((await exercise(lambdaPublicPolicy, event)).plan).toEqual([]);
  });
});

describe('s3-bucket-require-tls', () => {
  const event = finding({ kind: 'S3.5', resources: [{ type: 'AwsS3Bucket', id: 'arn:aws:s3:::exports-bucket' }] });
  const existing = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadForCdn',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111122223333:root' },
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::exports-bucket/*',
      },
    ],
  };
  const tls = {
    Sid: 'SoclessDenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: ['arn:aws:s3:::exports-bucket', 'arn:aws:s3:::exports-bucket/*'],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };

  it('adds a deny-without-TLS statement keeping the existing ones, verifies, and undo restores the old policy', async () => {
    const fixed = { ...existing, Statement: [...existing.Statement, tls] };
    s3.on(GetBucketPolicyCommand)
      .resolvesOnce({ Policy: JSON.stringify(existing) })
      .resolves({ Policy: JSON.stringify(fixed) });
    s3.on(PutBucketPolicyCommand).resolves({});
    const run = await exercise(s3BucketRequireTls, event);
    const { remaining } = await run.apply();
    const put = s3.commandCalls(PutBucketPolicyCommand)[0]?.args[0].input;
    expect(put?.Bucket).toBe('exports-bucket');
    expect(put?.ExpectedBucketOwner).toBe(ACCOUNT);
    expect(JSON.parse(put?.Policy ?? '{}')).toEqual(fixed);
    expect(remaining).toEqual([]);
    await run.undo();
    expect(JSON.parse(s3.commandCalls(PutBucketPolicyCommand)[1]?.args[0].input.Policy ?? '{}')).toEqual(existing);
  });

  it('plans nothing when the policy already denies insecure transport, and undo of "no policy" deletes the policy', async () => {
    s3.on(GetBucketPolicyCommand).resolves({
      Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ ...tls, Sid: 'TheirOwn' }] }),
    });
    expect((await exercise(s3BucketRequireTls, event)).plan).toEqual([]);
    s3.on(GetBucketPolicyCommand).rejects(Object.assign(new Error('none'), { name: 'NoSuchBucketPolicy' }));
    s3.on(DeleteBucketPolicyCommand).resolves({});
    const run = await exercise(s3BucketRequireTls, event);
    expect(run.plan).toEqual([
      {
        service: 's3',
        action: 'PutBucketPolicy',
        input: {
          Bucket: 'exports-bucket',
          ExpectedBucketOwner: ACCOUNT,
          Policy: JSON.stringify({ Version: '2012-10-17', Statement: [tls] }),
        },
      },
    ]);
    await run.undo();
    expect(s3.commandCalls(DeleteBucketPolicyCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'exports-bucket', ExpectedBucketOwner: ACCOUNT },
    ]);
    expect(s3.commandCalls(PutBucketPolicyCommand)).toEqual([]);
  });
});
