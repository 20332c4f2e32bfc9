/**
 * Stateful fakes of the Security Hub control remediations: each keeps the one resource a remediation reads and
 * writes; reads answer from it and writes change it only as their input says, so verify holds only because apply
 * sent the right call.
 */
import { GetTrailCommand, UpdateTrailCommand } from '@aws-sdk/client-cloudtrail';
import { BatchGetProjectsCommand, UpdateProjectCommand } from '@aws-sdk/client-codebuild';
import { DescribeTableCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeInstancesCommand,
  DescribeTransitGatewaysCommand,
  ModifyInstanceMetadataOptionsCommand,
  ModifyTransitGatewayCommand,
} from '@aws-sdk/client-ec2';
import { DescribeRepositoriesCommand, PutImageScanningConfigurationCommand } from '@aws-sdk/client-ecr';
import {
  CreateDetectorCommand,
  GetAdministratorAccountCommand,
  GetDetectorCommand,
  ListDetectorsCommand,
  UpdateDetectorCommand,
} from '@aws-sdk/client-guardduty';
import {
  DeleteAccountPasswordPolicyCommand,
  GetAccountPasswordPolicyCommand,
  UpdateAccountPasswordPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  ModifyDBInstanceCommand,
} from '@aws-sdk/client-rds';
import { DescribeClustersCommand, ModifyClusterCommand } from '@aws-sdk/client-redshift';
import {
  DeleteBucketOwnershipControlsCommand,
  GetBucketAclCommand,
  GetBucketOwnershipControlsCommand,
  type Grant,
  PutBucketAclCommand,
  PutBucketOwnershipControlsCommand,
} from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import {
  DescribeDocumentPermissionCommand,
  GetServiceSettingCommand,
  ModifyDocumentPermissionCommand,
  UpdateServiceSettingCommand,
} from '@aws-sdk/client-ssm';
import { cloudTrailLogFileValidation } from '../../hub/remediations/cloudtrail-log-file-validation.ts';
import { codeBuildNoPrivilegedMode } from '../../hub/remediations/codebuild-no-privileged-mode.ts';
import { dynamoDbDeletionProtection } from '../../hub/remediations/dynamodb-deletion-protection.ts';
import { ec2Imdsv2Required } from '../../hub/remediations/ec2-imdsv2-required.ts';
import { ec2TransitGatewayNoAutoAccept } from '../../hub/remediations/ec2-transit-gateway-no-auto-accept.ts';
import { ecrScanOnPush } from '../../hub/remediations/ecr-scan-on-push.ts';
import { guardDutyEnabled } from '../../hub/remediations/guardduty-enabled.ts';
import { iamPasswordPolicy } from '../../hub/remediations/iam-password-policy.ts';
import { rdsAutoMinorVersionUpgrade } from '../../hub/remediations/rds-auto-minor-version-upgrade.ts';
import { rdsDeletionProtection } from '../../hub/remediations/rds-deletion-protection.ts';
import { rdsInstanceNotPublic } from '../../hub/remediations/rds-instance-not-public.ts';
import { redshiftClusterNotPublic } from '../../hub/remediations/redshift-cluster-not-public.ts';
import { s3BucketAclsDisabled } from '../../hub/remediations/s3-bucket-acls-disabled.ts';
import { sqsQueueEncryption } from '../../hub/remediations/sqs-queue-encryption.ts';
import { PUBLIC_SHARING_SETTING, ssmBlockPublicSharing } from '../../hub/remediations/ssm-block-public-sharing.ts';
import { ssmDocumentNotPublic } from '../../hub/remediations/ssm-document-not-public.ts';
import { ACCOUNT, finding, REGION } from './helpers.ts';
import {
  clone,
  cloudtrail,
  codebuild,
  dynamodb,
  ec2,
  ecr,
  type FakeMode,
  guardduty,
  iam,
  named,
  rds,
  redshift,
  type StatefulCase,
  s3,
  sqs,
  ssm,
  write,
} from './stateful-fakes.ts';

export const DB = 'orders-db';
export const CLUSTER = 'orders-aurora';

/** One DB instance: the three settings the RDS remediations change, each only by ModifyDBInstance's input. */
export function dbInstanceFake(mode: FakeMode) {
  const db = { PubliclyAccessible: true, AutoMinorVersionUpgrade: false, DeletionProtection: false };
  rds.on(DescribeDBInstancesCommand).callsFake((input) => {
    if (input.DBInstanceIdentifier !== DB) throw named('DBInstanceNotFound');
    return { DBInstances: [{ DBInstanceIdentifier: DB, ...clone(db) }] };
  });
  rds.on(ModifyDBInstanceCommand).callsFake(
    write(mode, (input) => {
      if (input.DBInstanceIdentifier !== DB) throw named('DBInstanceNotFound');
      for (const k of ['PubliclyAccessible', 'AutoMinorVersionUpgrade', 'DeletionProtection'] as const) {
        if (input[k] !== undefined) db[k] = input[k];
      }
    }),
  );
  return () => clone(db);
}

const dbEvent = (kind: string) =>
  finding({ kind, resources: [{ type: 'AwsRdsDbInstance', id: `arn:aws:rds:${REGION}:${ACCOUNT}:db:${DB}` }] });

/** A bucket's ownership setting and ACL, with S3's rule that BucketOwnerEnforced needs an owner-only ACL. */
export function bucketAclFake(mode: FakeMode) {
  const owner = { ID: 'c0ffee-owner-canonical-id', DisplayName: 'owner' };
  const ownerOnly: Grant[] = [{ Grantee: { Type: 'CanonicalUser', ID: owner.ID }, Permission: 'FULL_CONTROL' }];
  let ownership: string | null = 'ObjectWriter';
  let grants: Grant[] = [
    ...clone(ownerOnly),
    { Grantee: { Type: 'CanonicalUser', ID: 'partner-canonical-id' }, Permission: 'WRITE' },
  ];
  const mine = (input: { Bucket?: string; ExpectedBucketOwner?: string }) => {
    if (input.Bucket !== 'exports-bucket' || input.ExpectedBucketOwner !== ACCOUNT) throw named('AccessDenied');
  };
  s3.on(GetBucketOwnershipControlsCommand).callsFake((input) => {
    mine(input);
    if (ownership === null) throw named('OwnershipControlsNotFoundError');
    return { OwnershipControls: { Rules: [{ ObjectOwnership: ownership }] } };
  });
  s3.on(GetBucketAclCommand).callsFake((input) => {
    mine(input);
    return { Owner: clone(owner), Grants: clone(grants) };
  });
  s3.on(PutBucketOwnershipControlsCommand).callsFake(
    write(mode, (input) => {
      mine(input);
      const rule = String(input.OwnershipControls?.Rules?.[0]?.ObjectOwnership);
      if (rule === 'BucketOwnerEnforced' && JSON.stringify(grants) !== JSON.stringify(ownerOnly)) {
        throw named('InvalidBucketAclWithObjectOwnership');
      }
      ownership = rule;
    }),
  );
  s3.on(DeleteBucketOwnershipControlsCommand).callsFake(
    write(mode, (input) => {
      mine(input);
      ownership = null;
    }),
  );
  s3.on(PutBucketAclCommand).callsFake(
    write(mode, (input) => {
      mine(input);
      if (ownership === 'BucketOwnerEnforced') throw named('AccessControlListNotSupported');
      grants = input.ACL === 'private' ? clone(ownerOnly) : clone(input.AccessControlPolicy?.Grants ?? []);
    }),
  );
  return () => ({ ownership, grants: clone(grants) });
}

export const CONTROL_CASES: StatefulCase[] = [
  { remediation: rdsInstanceNotPublic, event: dbEvent('RDS.2'), install: dbInstanceFake },
  { remediation: rdsAutoMinorVersionUpgrade, event: dbEvent('RDS.13'), install: dbInstanceFake },
  {
    remediation: rdsDeletionProtection,
    event: finding({
      kind: 'RDS.7',
      resources: [{ type: 'AwsRdsDbCluster', id: `arn:aws:rds:${REGION}:${ACCOUNT}:cluster:${CLUSTER}` }],
    }),
    install(mode) {
      let protection = false;
      rds.on(DescribeDBClustersCommand).callsFake((input) => {
        if (input.DBClusterIdentifier !== CLUSTER) throw named('DBClusterNotFoundFault');
        return { DBClusters: [{ DBClusterIdentifier: CLUSTER, DeletionProtection: protection }] };
      });
      rds.on(ModifyDBClusterCommand).callsFake(
        write(mode, (input) => {
          if (input.DBClusterIdentifier !== CLUSTER) throw named('DBClusterNotFoundFault');
          if (input.DeletionProtection !== undefined) protection = input.DeletionProtection;
        }),
      );
      return () => protection;
    },
  },
  {
    remediation: redshiftClusterNotPublic,
    event: finding({
      kind: 'Redshift.1',
      resources: [{ type: 'AwsRedshiftCluster', id: `arn:aws:redshift:${REGION}:${ACCOUNT}:cluster:analytics` }],
    }),
    install(mode) {
      let publiclyAccessible = true;
      redshift.on(DescribeClustersCommand).callsFake((input) => {
        if (input.ClusterIdentifier !== 'analytics') throw named('ClusterNotFound');
        return { Clusters: [{ ClusterIdentifier: 'analytics', PubliclyAccessible: publiclyAccessible }] };
      });
      redshift.on(ModifyClusterCommand).callsFake(
        write(mode, (input) => {
          if (input.ClusterIdentifier !== 'analytics') throw named('ClusterNotFound');
          if (input.PubliclyAccessible !== undefined) publiclyAccessible = input.PubliclyAccessible;
        }),
      );
      return () => publiclyAccessible;
    },
  },
  {
    remediation: ssmDocumentNotPublic,
    event: finding({
      kind: 'SSM.4',
      resources: [{ type: 'AwsSsmDocument', id: `arn:aws:ssm:${REGION}:${ACCOUNT}:document/patch-fleet` }],
    }),
    install(mode) {
      // SSM lists a public share as "all"; callers send "All".
      let accounts = ['all', '444455556666'];
      const mine = (input: { Name?: string; PermissionType?: string }) => {
        if (input.Name !== 'patch-fleet' || input.PermissionType !== 'Share') throw named('InvalidDocument');
      };
      ssm.on(DescribeDocumentPermissionCommand).callsFake((input) => {
        mine(input);
        return { AccountIds: clone(accounts) };
      });
      ssm.on(ModifyDocumentPermissionCommand).callsFake(
        write(mode, (input) => {
          mine(input);
          const norm = (a: string) => (a.toLowerCase() === 'all' ? 'all' : a);
          const gone = new Set((input.AccountIdsToRemove ?? []).map(norm));
          accounts = accounts.filter((a) => !gone.has(a));
          for (const a of (input.AccountIdsToAdd ?? []).map(norm)) if (!accounts.includes(a)) accounts.push(a);
        }),
      );
      return () => [...accounts].sort();
    },
  },
  {
    remediation: ssmBlockPublicSharing,
    event: finding({ kind: 'SSM.7', resources: [{ type: 'AwsAccount', id: `AWS::::Account:${ACCOUNT}` }] }),
    install(mode) {
      let value = 'Enable';
      ssm.on(GetServiceSettingCommand).callsFake((input) => {
        if (input.SettingId !== PUBLIC_SHARING_SETTING) throw named('ServiceSettingNotFound');
        return { ServiceSetting: { SettingId: PUBLIC_SHARING_SETTING, SettingValue: value } };
      });
      ssm.on(UpdateServiceSettingCommand).callsFake(
        write(mode, (input) => {
          if (input.SettingId !== PUBLIC_SHARING_SETTING) throw named('ServiceSettingNotFound');
          value = String(input.SettingValue);
        }),
      );
      return () => value;
    },
  },
  {
    remediation: ec2Imdsv2Required,
    event: finding({
      kind: 'EC2.8',
      resources: [{ type: 'AwsEc2Instance', id: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0abc1234def567890` }],
    }),
    install(mode) {
      let tokens = 'optional';
      ec2.on(DescribeInstancesCommand).callsFake((input) => {
        if (input.InstanceIds?.[0] !== 'i-0abc1234def567890') throw named('InvalidInstanceID.NotFound');
        return {
          Reservations: [
            {
              Instances: [
                { InstanceId: 'i-0abc1234def567890', MetadataOptions: { HttpTokens: tokens, HttpEndpoint: 'enabled' } },
              ],
            },
          ],
        };
      });
      ec2.on(ModifyInstanceMetadataOptionsCommand).callsFake(
        write(mode, (input) => {
          if (input.InstanceId !== 'i-0abc1234def567890') throw named('InvalidInstanceID.NotFound');
          if (input.HttpTokens) tokens = input.HttpTokens;
        }),
      );
      return () => tokens;
    },
  },
  {
    remediation: cloudTrailLogFileValidation,
    event: finding({
      kind: 'CloudTrail.4',
      resources: [{ type: 'AwsCloudTrailTrail', id: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/audit` }],
    }),
    install(mode) {
      const arn = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/audit`;
      let validation = false;
      cloudtrail.on(GetTrailCommand).callsFake((input) => {
        if (input.Name !== arn) throw named('TrailNotFoundException');
        return {
          Trail: { Name: 'audit', TrailARN: arn, IsOrganizationTrail: false, LogFileValidationEnabled: validation },
        };
      });
      cloudtrail.on(UpdateTrailCommand).callsFake(
        write(mode, (input) => {
          if (input.Name !== arn) throw named('TrailNotFoundException');
          if (input.EnableLogFileValidation !== undefined) validation = input.EnableLogFileValidation;
        }),
      );
      return () => validation;
    },
  },
  {
    remediation: guardDutyEnabled,
    event: finding({ kind: 'GuardDuty.1', resources: [{ type: 'AwsAccount', id: `AWS::::Account:${ACCOUNT}` }] }),
    install(mode) {
      const detectors = new Map([['d0a1b2c3d4e5f6', 'DISABLED']]);
      const mine = (input: { DetectorId?: string }) => {
        if (!detectors.has(String(input.DetectorId))) throw named('BadRequestException');
      };
      guardduty.on(ListDetectorsCommand).callsFake(() => ({ DetectorIds: [...detectors.keys()] }));
      guardduty.on(GetAdministratorAccountCommand).callsFake((input) => {
        mine(input);
        return {};
      });
      guardduty.on(GetDetectorCommand).callsFake((input) => {
        mine(input);
        return { Status: detectors.get(String(input.DetectorId)), ServiceRole: 'r', CreatedAt: 'now' };
      });
      guardduty.on(UpdateDetectorCommand).callsFake(
        write(mode, (input) => {
          mine(input);
          if (input.Enable !== undefined)
            detectors.set(String(input.DetectorId), input.Enable ? 'ENABLED' : 'DISABLED');
        }),
      );
      guardduty.on(CreateDetectorCommand).callsFake(
        write(mode, (input) => {
          detectors.set('d0new', input.Enable ? 'ENABLED' : 'DISABLED');
          return { DetectorId: 'd0new' };
        }),
      );
      return () => Object.fromEntries(detectors);
    },
  },
  {
    remediation: iamPasswordPolicy,
    event: finding({ kind: 'IAM.7', resources: [{ type: 'AwsAccount', id: `AWS::::Account:${ACCOUNT}` }] }),
    install(mode) {
      // IAM replaces the whole policy on update: settings left out take their defaults.
      type Stored = Record<string, number | boolean>;
      const store = (i: Record<string, unknown>): Stored =>
        Object.fromEntries(
          Object.entries({
            MinimumPasswordLength: i.MinimumPasswordLength ?? 6,
            RequireSymbols: i.RequireSymbols ?? false,
            RequireNumbers: i.RequireNumbers ?? false,
            RequireUppercaseCharacters: i.RequireUppercaseCharacters ?? false,
            RequireLowercaseCharacters: i.RequireLowercaseCharacters ?? false,
            AllowUsersToChangePassword: i.AllowUsersToChangePassword ?? false,
            MaxPasswordAge: i.MaxPasswordAge,
            PasswordReusePrevention: i.PasswordReusePrevention,
            HardExpiry: i.HardExpiry ?? false,
          }).filter(([, v]) => v !== undefined),
        ) as Stored;
      let policy: Stored | null = store({ MinimumPasswordLength: 8, RequireNumbers: true, MaxPasswordAge: 60 });
      iam.on(GetAccountPasswordPolicyCommand).callsFake(() => {
        if (!policy) throw named('NoSuchEntity');
        return { PasswordPolicy: { ...clone(policy), ExpirePasswords: policy.MaxPasswordAge !== undefined } };
      });
      iam.on(UpdateAccountPasswordPolicyCommand).callsFake(
        write(mode, (input) => {
          policy = store(input as Record<string, unknown>);
        }),
      );
      iam.on(DeleteAccountPasswordPolicyCommand).callsFake(
        write(mode, () => {
          policy = null;
        }),
      );
      return () => clone(policy);
    },
  },
  {
    remediation: codeBuildNoPrivilegedMode,
    event: finding({
      kind: 'CodeBuild.5',
      resources: [{ type: 'AwsCodeBuildProject', id: `arn:aws:codebuild:${REGION}:${ACCOUNT}:project/image-builder` }],
    }),
    install(mode) {
      let environment: Record<string, unknown> = {
        type: 'LINUX_CONTAINER',
        image: 'aws/codebuild/standard:7.0',
        computeType: 'BUILD_GENERAL1_SMALL',
        privilegedMode: true,
        environmentVariables: [{ name: 'STAGE', value: 'prod', type: 'PLAINTEXT' }],
      };
      codebuild.on(BatchGetProjectsCommand).callsFake((input) => ({
        projects:
          input.names?.[0] === 'image-builder' ? [{ name: 'image-builder', environment: clone(environment) }] : [],
        projectsNotFound: input.names?.[0] === 'image-builder' ? [] : input.names,
      }));
      codebuild.on(UpdateProjectCommand).callsFake(
        write(mode, (input) => {
          if (input.name !== 'image-builder') throw named('ResourceNotFoundException');
          // UpdateProject replaces the environment whole: a partial one would lose settings.
          if (input.environment) environment = clone(input.environment) as Record<string, unknown>;
        }),
      );
      return () => clone(environment);
    },
  },
  {
    remediation: sqsQueueEncryption,
    event: finding({
      kind: 'SQS.1',
      resources: [{ type: 'AwsSqsQueue', id: `arn:aws:sqs:${REGION}:${ACCOUNT}:orders-queue` }],
    }),
    install(mode) {
      const url = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/orders-queue`;
      const attributes: Record<string, string> = { SqsManagedSseEnabled: 'false', VisibilityTimeout: '30' };
      sqs.on(GetQueueAttributesCommand).callsFake((input) => {
        if (input.QueueUrl !== url) throw named('QueueDoesNotExist');
        const names = input.AttributeNames ?? [];
        return {
          Attributes: Object.fromEntries(Object.entries(attributes).filter(([k]) => names.includes(k as never))),
        };
      });
      sqs.on(SetQueueAttributesCommand).callsFake(
        write(mode, (input) => {
          if (input.QueueUrl !== url) throw named('QueueDoesNotExist');
          Object.assign(attributes, input.Attributes);
        }),
      );
      return () => clone(attributes);
    },
  },
  {
    remediation: dynamoDbDeletionProtection,
    event: finding({
      kind: 'DynamoDB.6',
      resources: [{ type: 'AwsDynamoDbTable', id: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders` }],
    }),
    install(mode) {
      let protection = false;
      dynamodb.on(DescribeTableCommand).callsFake((input) => {
        if (input.TableName !== 'orders') throw named('ResourceNotFoundException');
        return { Table: { TableName: 'orders', DeletionProtectionEnabled: protection } };
      });
      dynamodb.on(UpdateTableCommand).callsFake(
        write(mode, (input) => {
          if (input.TableName !== 'orders') throw named('ResourceNotFoundException');
          if (input.DeletionProtectionEnabled !== undefined) protection = input.DeletionProtectionEnabled;
        }),
      );
      return () => protection;
    },
  },
  {
    remediation: ec2TransitGatewayNoAutoAccept,
    event: finding({
      kind: 'EC2.23',
      resources: [
        { type: 'AwsEc2TransitGateway', id: `arn:aws:ec2:${REGION}:${ACCOUNT}:transit-gateway/tgw-0123456789abcdef0` },
      ],
    }),
    install(mode) {
      const options = { AutoAcceptSharedAttachments: 'enable', DefaultRouteTableAssociation: 'enable' };
      ec2.on(DescribeTransitGatewaysCommand).callsFake((input) => {
        if (input.TransitGatewayIds?.[0] !== 'tgw-0123456789abcdef0') throw named('InvalidTransitGatewayID.NotFound');
        return { TransitGateways: [{ TransitGatewayId: 'tgw-0123456789abcdef0', Options: clone(options) }] };
      });
      ec2.on(ModifyTransitGatewayCommand).callsFake(
        write(mode, (input) => {
          if (input.TransitGatewayId !== 'tgw-0123456789abcdef0') throw named('InvalidTransitGatewayID.NotFound');
          if (input.Options?.AutoAcceptSharedAttachments) {
            options.AutoAcceptSharedAttachments = input.Options.AutoAcceptSharedAttachments;
          }
        }),
      );
      return () => clone(options);
    },
  },
  {
    remediation: ecrScanOnPush,
    event: finding({
      kind: 'ECR.1',
      resources: [{ type: 'AwsEcrRepository', id: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/team/api` }],
    }),
    install(mode) {
      let scanOnPush = false;
      ecr.on(DescribeRepositoriesCommand).callsFake((input) => {
        if (input.repositoryNames?.[0] !== 'team/api') throw named('RepositoryNotFoundException');
        return { repositories: [{ repositoryName: 'team/api', imageScanningConfiguration: { scanOnPush } }] };
      });
      ecr.on(PutImageScanningConfigurationCommand).callsFake(
        write(mode, (input) => {
          if (input.repositoryName !== 'team/api') throw named('RepositoryNotFoundException');
          scanOnPush = input.imageScanningConfiguration?.scanOnPush === true;
        }),
      );
      return () => scanOnPush;
    },
  },
  {
    remediation: s3BucketAclsDisabled,
    event: finding({ kind: 'S3.12', resources: [{ type: 'AwsS3Bucket', id: 'arn:aws:s3:::exports-bucket' }] }),
    install: bucketAclFake,
  },
];
