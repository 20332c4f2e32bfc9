/**
 * Stateful fakes of the kit's first remediations (S3, security groups, EBS and RDS snapshots, KMS, Lambda,
 * CloudTrail, IAM access keys): reads answer from the fake's state, writes change it only as their input says.
 */
import { GetTrailStatusCommand, StartLoggingCommand, StopLoggingCommand } from '@aws-sdk/client-cloudtrail';
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotAttributeCommand,
  DisableEbsEncryptionByDefaultCommand,
  EnableEbsEncryptionByDefaultCommand,
  GetEbsEncryptionByDefaultCommand,
  type IpPermission,
  ModifySnapshotAttributeCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { GetAccessKeyLastUsedCommand, ListAccessKeysCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import {
  DescribeKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyRotationCommand,
  GetKeyRotationStatusCommand,
} from '@aws-sdk/client-kms';
import { AddPermissionCommand, GetPolicyCommand, RemovePermissionCommand } from '@aws-sdk/client-lambda';
import { DescribeDBSnapshotAttributesCommand, ModifyDBSnapshotAttributeCommand } from '@aws-sdk/client-rds';
import {
  DeleteBucketPolicyCommand,
  DeletePublicAccessBlockCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import {
  DeletePublicAccessBlockCommand as DeleteAccountPabCommand,
  GetPublicAccessBlockCommand as GetAccountPabCommand,
  PutPublicAccessBlockCommand as PutAccountPabCommand,
} from '@aws-sdk/client-s3-control';
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
import { ACCOUNT, finding, REGION } from './helpers.ts';
import {
  clone,
  cloudtrail,
  ec2,
  type FakeMode,
  iam,
  kms,
  lambda,
  named,
  rds,
  type StatefulCase,
  s3,
  s3control,
  write,
} from './stateful-fakes.ts';

const BUCKET = 'exports-bucket';
const GROUP = 'sg-0123456789abcdef0';
const bucketEvent = finding({ resources: [{ type: 'AwsS3Bucket', id: `arn:aws:s3:::${BUCKET}` }] });
const BLOCK_NONE = {
  BlockPublicAcls: true,
  IgnorePublicAcls: false,
  BlockPublicPolicy: false,
  RestrictPublicBuckets: false,
};

/** Requests to S3 must name the account as the expected owner, as the remediations do. */
function owned(input: { ExpectedBucketOwner?: string; Bucket?: string }): void {
  if (input.ExpectedBucketOwner !== ACCOUNT || input.Bucket !== BUCKET) throw named('AccessDenied');
}

/**
 * A public access block (a bucket's or the account's) behind `guard`, which throws for another resource: Get
 * answers from the state, or NoSuchPublicAccessBlockConfiguration when there is none; Put sets it; Delete removes it.
 */
function publicAccessBlockState<I>(mode: FakeMode, initial: typeof BLOCK_NONE | null, guard: (input: I) => void) {
  let pab = clone(initial);
  return {
    get: (input: I) => {
      guard(input);
      if (!pab) throw named('NoSuchPublicAccessBlockConfiguration');
      return { PublicAccessBlockConfiguration: clone(pab) };
    },
    put: write(mode, (input: I & { PublicAccessBlockConfiguration?: typeof BLOCK_NONE }) => {
      guard(input);
      pab = clone(input.PublicAccessBlockConfiguration) ?? null;
    }),
    delete: write(mode, (input: I) => {
      guard(input);
      pab = null;
    }),
    snapshot: () => pab,
  };
}

/** A setting that is off or on, behind `guard` (which throws for another resource): `on` and `off` are its writes. */
function switchState<I>(mode: FakeMode, guard: (input: I) => void = () => {}) {
  let enabled = false;
  return {
    read: (input: I) => {
      guard(input);
      return enabled;
    },
    on: write(mode, (input: I) => {
      guard(input);
      enabled = true;
    }),
    off: write(mode, (input: I) => {
      guard(input);
      enabled = false;
    }),
    snapshot: () => enabled,
  };
}

/** Security group rules as EC2 keeps them; revoke removes the rules an IpPermissions list names, authorize adds. */
function securityGroupFake(initial: SecurityGroupRule[], mode: FakeMode, groupName?: string) {
  let rules = clone(initial);
  let next = 100;
  const expand = (perms: IpPermission[] | undefined, egress: boolean): SecurityGroupRule[] =>
    (perms ?? []).flatMap((p) => {
      const base = {
        GroupId: GROUP,
        IsEgress: egress,
        IpProtocol: p.IpProtocol,
        ...(p.IpProtocol === '-1' ? { FromPort: -1, ToPort: -1 } : { FromPort: p.FromPort, ToPort: p.ToPort }),
      };
      return [
        ...(p.IpRanges ?? []).map((r) => ({ ...base, CidrIpv4: r.CidrIp })),
        ...(p.Ipv6Ranges ?? []).map((r) => ({ ...base, CidrIpv6: r.CidrIpv6 })),
        ...(p.UserIdGroupPairs ?? []).map((r) => ({ ...base, ReferencedGroupInfo: { GroupId: r.GroupId } })),
      ];
    });
  const key = (r: SecurityGroupRule) =>
    JSON.stringify([
      r.IsEgress,
      r.IpProtocol,
      r.IpProtocol === '-1' ? -1 : r.FromPort,
      r.IpProtocol === '-1' ? -1 : r.ToPort,
      r.CidrIpv4 ?? r.CidrIpv6 ?? r.ReferencedGroupInfo?.GroupId,
    ]);
  const revoke = (egress: boolean) =>
    write(mode, (input: { GroupId?: string; IpPermissions?: IpPermission[] }) => {
      if (input.GroupId !== GROUP) throw named('InvalidGroup.NotFound');
      const gone = new Set(expand(input.IpPermissions, egress).map(key));
      rules = rules.filter((r) => !gone.has(key(r)));
    });
  const authorize = (egress: boolean) =>
    write(mode, (input: { GroupId?: string; IpPermissions?: IpPermission[] }) => {
      for (const r of expand(input.IpPermissions, egress)) {
        next += 1;
        rules.push({ ...r, SecurityGroupRuleId: `sgr-${next}` });
      }
    });
  if (groupName) {
    ec2
      .on(DescribeSecurityGroupsCommand)
      .callsFake(() => ({ SecurityGroups: [{ GroupId: GROUP, GroupName: groupName }] }));
  }
  ec2.on(DescribeSecurityGroupRulesCommand).callsFake(() => ({ SecurityGroupRules: clone(rules) }));
  ec2.on(RevokeSecurityGroupIngressCommand).callsFake(revoke(false));
  ec2.on(RevokeSecurityGroupEgressCommand).callsFake(revoke(true));
  ec2.on(AuthorizeSecurityGroupIngressCommand).callsFake(authorize(false));
  ec2.on(AuthorizeSecurityGroupEgressCommand).callsFake(authorize(true));
  // Rule ids are EC2's: compare what a rule allows, not which id it got.
  return () => rules.map(({ SecurityGroupRuleId: _id, ...r }) => r).sort((a, b) => key(a).localeCompare(key(b)));
}

export const KIT_CASES: StatefulCase[] = [
  {
    remediation: s3BucketPublicAccessBlock,
    event: bucketEvent,
    install(mode) {
      const pab = publicAccessBlockState(mode, null, owned);
      s3.on(GetPublicAccessBlockCommand).callsFake(pab.get);
      s3.on(PutPublicAccessBlockCommand).callsFake(pab.put);
      s3.on(DeletePublicAccessBlockCommand).callsFake(pab.delete);
      return pab.snapshot;
    },
  },
  {
    remediation: s3AccountPublicAccessBlock,
    event: finding({ kind: 'S3.1' }),
    install(mode) {
      const pab = publicAccessBlockState(mode, BLOCK_NONE, (input: { AccountId?: string }) => {
        if (input.AccountId !== ACCOUNT) throw named('AccessDenied');
      });
      s3control.on(GetAccountPabCommand).callsFake(pab.get);
      s3control.on(PutAccountPabCommand).callsFake(pab.put);
      s3control.on(DeleteAccountPabCommand).callsFake(pab.delete);
      return pab.snapshot;
    },
  },
  {
    remediation: securityGroupOpenIngress,
    event: finding({ kind: 'EC2.19', resources: [{ type: 'AwsEc2SecurityGroup', id: GROUP }] }),
    install: (mode) =>
      securityGroupFake(
        [
          {
            SecurityGroupRuleId: 'sgr-1',
            GroupId: GROUP,
            IsEgress: false,
            IpProtocol: 'tcp',
            FromPort: 22,
            ToPort: 22,
            CidrIpv4: '0.0.0.0/0',
          },
          {
            SecurityGroupRuleId: 'sgr-2',
            GroupId: GROUP,
            IsEgress: false,
            IpProtocol: 'tcp',
            FromPort: 3389,
            ToPort: 3389,
            CidrIpv6: '::/0',
          },
          {
            SecurityGroupRuleId: 'sgr-3',
            GroupId: GROUP,
            IsEgress: false,
            IpProtocol: 'tcp',
            FromPort: 443,
            ToPort: 443,
            CidrIpv4: '0.0.0.0/0',
          },
          {
            SecurityGroupRuleId: 'sgr-4',
            GroupId: GROUP,
            IsEgress: false,
            IpProtocol: 'tcp',
            FromPort: 22,
            ToPort: 22,
            CidrIpv4: '10.0.0.0/8',
          },
          {
            SecurityGroupRuleId: 'sgr-5',
            GroupId: GROUP,
            IsEgress: true,
            IpProtocol: '-1',
            FromPort: -1,
            ToPort: -1,
            CidrIpv4: '0.0.0.0/0',
          },
        ],
        mode,
      ),
  },
  {
    remediation: { ...defaultSecurityGroupClosed, neverAuto: false },
    event: finding({ kind: 'EC2.2', resources: [{ type: 'AwsEc2SecurityGroup', id: GROUP }] }),
    install: (mode) =>
      securityGroupFake(
        [
          {
            SecurityGroupRuleId: 'sgr-1',
            GroupId: GROUP,
            IsEgress: false,
            IpProtocol: '-1',
            FromPort: -1,
            ToPort: -1,
            ReferencedGroupInfo: { GroupId: GROUP },
          },
          {
            SecurityGroupRuleId: 'sgr-2',
            GroupId: GROUP,
            IsEgress: true,
            IpProtocol: '-1',
            FromPort: -1,
            ToPort: -1,
            CidrIpv4: '0.0.0.0/0',
          },
        ],
        mode,
        'default',
      ),
  },
  {
    remediation: iamAccessKeyDeactivate,
    event: finding({
      source: 'guardduty',
      kind: 'UnauthorizedAccess:IAMUser/MaliciousIPCaller',
      resources: [{ type: 'AwsIamAccessKey', id: 'AKIAEXAMPLEKEY000001', details: { userName: 'ci-deployer' } }],
    }),
    install(mode) {
      const keys = [
        { AccessKeyId: 'AKIAEXAMPLEKEY000001', Status: 'Active', CreateDate: new Date('2025-01-01T00:00:00Z') },
        { AccessKeyId: 'AKIAEXAMPLEKEY000002', Status: 'Active', CreateDate: new Date('2025-01-01T00:00:00Z') },
      ];
      iam.on(ListAccessKeysCommand).callsFake((input) => {
        if (input.UserName !== 'ci-deployer') throw named('NoSuchEntity');
        return { AccessKeyMetadata: clone(keys) };
      });
      iam.on(GetAccessKeyLastUsedCommand).resolves({
        AccessKeyLastUsed: { LastUsedDate: new Date('2025-03-14T08:00:00Z'), ServiceName: 's3', Region: REGION },
      });
      iam.on(UpdateAccessKeyCommand).callsFake(
        write(mode, (input) => {
          const key = keys.find((k) => k.AccessKeyId === input.AccessKeyId);
          if (!key || input.UserName !== 'ci-deployer') throw named('NoSuchEntity');
          key.Status = String(input.Status);
        }),
      );
      return () => keys.map((k) => `${k.AccessKeyId}:${k.Status}`);
    },
  },
  {
    remediation: ebsSnapshotPrivate,
    event: finding({ kind: 'EC2.1', resources: [{ type: 'AwsEc2Snapshot', id: 'snap-0123456789abcdef0' }] }),
    install(mode) {
      let perms: Array<{ Group?: string; UserId?: string }> = [{ Group: 'all' }, { UserId: '444455556666' }];
      ec2.on(DescribeSnapshotAttributeCommand).callsFake(() => ({ CreateVolumePermissions: clone(perms) }));
      ec2.on(ModifySnapshotAttributeCommand).callsFake(
        write(mode, (input) => {
          if (input.SnapshotId !== 'snap-0123456789abcdef0') throw named('InvalidSnapshot.NotFound');
          for (const group of input.GroupNames ?? []) {
            perms = perms.filter((p) => p.Group !== group);
            if (input.OperationType === 'add') perms.push({ Group: group });
          }
        }),
      );
      return () => [...perms].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    },
  },
  {
    remediation: rdsSnapshotPrivate,
    event: finding({
      kind: 'RDS.1',
      resources: [{ type: 'AwsRdsDbSnapshot', id: `arn:aws:rds:${REGION}:${ACCOUNT}:snapshot:nightly-2025-03-14` }],
    }),
    install(mode) {
      let values = ['all', '444455556666'];
      rds.on(DescribeDBSnapshotAttributesCommand).callsFake(() => ({
        DBSnapshotAttributesResult: {
          DBSnapshotAttributes: [{ AttributeName: 'restore', AttributeValues: clone(values) }],
        },
      }));
      rds.on(ModifyDBSnapshotAttributeCommand).callsFake(
        write(mode, (input) => {
          if (input.DBSnapshotIdentifier !== 'nightly-2025-03-14' || input.AttributeName !== 'restore') {
            throw named('DBSnapshotNotFound');
          }
          values = values.filter((v) => !(input.ValuesToRemove ?? []).includes(v));
          values.push(...(input.ValuesToAdd ?? []).filter((v: string) => !values.includes(v)));
        }),
      );
      return () => [...values].sort();
    },
  },
  {
    remediation: ebsEncryptionByDefault,
    event: finding({ kind: 'EC2.7' }),
    install(mode) {
      const encryption = switchState(mode);
      ec2
        .on(GetEbsEncryptionByDefaultCommand)
        .callsFake((input) => ({ EbsEncryptionByDefault: encryption.read(input) }));
      ec2.on(EnableEbsEncryptionByDefaultCommand).callsFake(encryption.on);
      ec2.on(DisableEbsEncryptionByDefaultCommand).callsFake(encryption.off);
      return encryption.snapshot;
    },
  },
  {
    remediation: kmsKeyRotation,
    event: finding({
      kind: 'KMS.4',
      resources: [
        { type: 'AwsKmsKey', id: `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab` },
      ],
    }),
    install(mode) {
      const mine = (input: { KeyId?: string }) => {
        if (input.KeyId !== '1234abcd-12ab-34cd-56ef-1234567890ab') throw named('NotFoundException');
      };
      kms.on(DescribeKeyCommand).callsFake((input) => {
        mine(input);
        return {
          KeyMetadata: {
            KeyId: input.KeyId,
            KeyManager: 'CUSTOMER',
            KeySpec: 'SYMMETRIC_DEFAULT',
            Origin: 'AWS_KMS',
            KeyState: 'Enabled',
          },
        };
      });
      const rotation = switchState(mode, mine);
      kms.on(GetKeyRotationStatusCommand).callsFake((input) => ({ KeyRotationEnabled: rotation.read(input) }));
      kms.on(EnableKeyRotationCommand).callsFake(rotation.on);
      kms.on(DisableKeyRotationCommand).callsFake(rotation.off);
      return rotation.snapshot;
    },
  },
  {
    remediation: cloudTrailLogging,
    event: finding({
      source: 'cloudtrail',
      kind: 'StopLogging',
      resources: [{ type: 'AwsCloudTrailTrail', id: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/org-trail` }],
    }),
    install(mode) {
      const mine = (input: { Name?: string }) => {
        if (input.Name !== `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/org-trail`)
          throw named('TrailNotFoundException');
      };
      const logging = switchState(mode, mine);
      cloudtrail.on(GetTrailStatusCommand).callsFake((input) => ({ IsLogging: logging.read(input) }));
      cloudtrail.on(StartLoggingCommand).callsFake(logging.on);
      cloudtrail.on(StopLoggingCommand).callsFake(logging.off);
      return logging.snapshot;
    },
  },
  {
    remediation: lambdaPublicPolicy,
    event: finding({
      kind: 'Lambda.1',
      resources: [{ type: 'AwsLambdaFunction', id: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:export-orders` }],
    }),
    install(mode) {
      const resource = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:export-orders`;
      const statement = (sid: string, principal: unknown, action = 'lambda:InvokeFunction') => ({
        Sid: sid,
        Effect: 'Allow',
        Principal: principal,
        Action: action,
        Resource: resource,
      });
      let statements = [statement('public-invoke', '*'), statement('events', { Service: 'events.amazonaws.com' })];
      lambda.on(GetPolicyCommand).callsFake((input) => {
        if (input.FunctionName !== 'export-orders') throw named('ResourceNotFoundException');
        if (statements.length === 0) throw named('ResourceNotFoundException');
        return { Policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }) };
      });
      lambda.on(RemovePermissionCommand).callsFake(
        write(mode, (input) => {
          statements = statements.filter((s) => s.Sid !== input.StatementId);
        }),
      );
      lambda.on(AddPermissionCommand).callsFake(
        write(mode, (input) => {
          statements.push(statement(String(input.StatementId), input.Principal, input.Action));
        }),
      );
      return () => [...statements].sort((a, b) => a.Sid.localeCompare(b.Sid));
    },
  },
  {
    remediation: s3BucketRequireTls,
    event: finding({ kind: 'S3.5', resources: [{ type: 'AwsS3Bucket', id: `arn:aws:s3:::${BUCKET}` }] }),
    install(mode) {
      let policy: string | null = JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'ReadForAnalytics',
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::444455556666:root' },
            Action: 's3:GetObject',
            Resource: `arn:aws:s3:::${BUCKET}/*`,
          },
        ],
      });
      s3.on(GetBucketPolicyCommand).callsFake((input) => {
        owned(input);
        if (policy === null) throw named('NoSuchBucketPolicy');
        return { Policy: policy };
      });
      s3.on(PutBucketPolicyCommand).callsFake(
        write(mode, (input) => {
          owned(input);
          policy = String(input.Policy);
        }),
      );
      s3.on(DeleteBucketPolicyCommand).callsFake(
        write(mode, (input) => {
          owned(input);
          policy = null;
        }),
      );
      return () => (policy === null ? null : JSON.parse(policy));
    },
  },
];
