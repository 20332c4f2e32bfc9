/**
 * The kit's call table: every AWS call a remediation may make, with the IAM action it needs and how it is
 * sent. Plans are data (`{service, action, input}`); this table turns them into SDK commands, so what a
 * dry-run records is byte for byte what auto sends, and the IAM policies are derived from the same table.
 */
import {
  CloudTrailClient,
  GetTrailCommand,
  GetTrailStatusCommand,
  StartLoggingCommand,
  StopLoggingCommand,
  UpdateTrailCommand,
} from '@aws-sdk/client-cloudtrail';
import { BatchGetProjectsCommand, CodeBuildClient, UpdateProjectCommand } from '@aws-sdk/client-codebuild';
import { DescribeTableCommand, DynamoDBClient, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  DescribeTransitGatewaysCommand,
  DisableEbsEncryptionByDefaultCommand,
  EC2Client,
  EnableEbsEncryptionByDefaultCommand,
  GetEbsEncryptionByDefaultCommand,
  ModifyInstanceAttributeCommand,
  ModifyInstanceMetadataOptionsCommand,
  ModifyNetworkInterfaceAttributeCommand,
  ModifySnapshotAttributeCommand,
  ModifyTransitGatewayCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { DescribeRepositoriesCommand, ECRClient, PutImageScanningConfigurationCommand } from '@aws-sdk/client-ecr';
import {
  CreateDetectorCommand,
  GetAdministratorAccountCommand,
  GetDetectorCommand,
  GuardDutyClient,
  ListDetectorsCommand,
  UpdateDetectorCommand,
} from '@aws-sdk/client-guardduty';
import {
  DeleteAccountPasswordPolicyCommand,
  DeleteRolePolicyCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountPasswordPolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  PutRolePolicyCommand,
  UpdateAccessKeyCommand,
  UpdateAccountPasswordPolicyCommand,
} from '@aws-sdk/client-iam';
import {
  DescribeKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyRotationCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
} from '@aws-sdk/client-kms';
import { AddPermissionCommand, GetPolicyCommand, LambdaClient, RemovePermissionCommand } from '@aws-sdk/client-lambda';
import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotAttributesCommand,
  ModifyDBClusterCommand,
  ModifyDBInstanceCommand,
  ModifyDBSnapshotAttributeCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { DescribeClustersCommand, ModifyClusterCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import {
  DeleteBucketOwnershipControlsCommand,
  DeleteBucketPolicyCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAclCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  PutBucketAclCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  DeletePublicAccessBlockCommand as DeleteAccountPublicAccessBlockCommand,
  GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand,
  PutPublicAccessBlockCommand as PutAccountPublicAccessBlockCommand,
  S3ControlClient,
} from '@aws-sdk/client-s3-control';
import { GetQueueAttributesCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  DescribeDocumentPermissionCommand,
  GetServiceSettingCommand,
  ModifyDocumentPermissionCommand,
  SSMClient,
  UpdateServiceSettingCommand,
} from '@aws-sdk/client-ssm';
import type { PlannedCall } from './types.ts';

/** Temporary credentials of a spoke session. */
export interface SpokeCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** SDK clients in one spoke account and region, created on first use. */
export interface SpokeClients {
  readonly s3: S3Client;
  readonly 's3-control': S3ControlClient;
  readonly ec2: EC2Client;
  readonly iam: IAMClient;
  readonly rds: RDSClient;
  readonly kms: KMSClient;
  readonly cloudtrail: CloudTrailClient;
  readonly lambda: LambdaClient;
  readonly redshift: RedshiftClient;
  readonly ssm: SSMClient;
  readonly guardduty: GuardDutyClient;
  readonly codebuild: CodeBuildClient;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly ecr: ECRClient;
}

export type SpokeService = keyof SpokeClients;

/** Builds lazy clients from a spoke session's credentials (or the default chain when none are given). */
export function createSpokeClients(region: string, credentials?: SpokeCredentials): SpokeClients {
  const config = { region, ...(credentials ? { credentials } : {}) };
  const cache = new Map<string, unknown>();
  const lazy = <C>(name: string, make: () => C): C => {
    if (!cache.has(name)) cache.set(name, make());
    return cache.get(name) as C;
  };
  return {
    get s3() {
      return lazy('s3', () => new S3Client(config));
    },
    get 's3-control'() {
      return lazy('s3-control', () => new S3ControlClient(config));
    },
    get ec2() {
      return lazy('ec2', () => new EC2Client(config));
    },
    get iam() {
      return lazy('iam', () => new IAMClient(config));
    },
    get rds() {
      return lazy('rds', () => new RDSClient(config));
    },
    get kms() {
      return lazy('kms', () => new KMSClient(config));
    },
    get cloudtrail() {
      return lazy('cloudtrail', () => new CloudTrailClient(config));
    },
    get lambda() {
      return lazy('lambda', () => new LambdaClient(config));
    },
    get redshift() {
      return lazy('redshift', () => new RedshiftClient(config));
    },
    get ssm() {
      return lazy('ssm', () => new SSMClient(config));
    },
    get guardduty() {
      return lazy('guardduty', () => new GuardDutyClient(config));
    },
    get codebuild() {
      return lazy('codebuild', () => new CodeBuildClient(config));
    },
    get sqs() {
      return lazy('sqs', () => new SQSClient(config));
    },
    get dynamodb() {
      return lazy('dynamodb', () => new DynamoDBClient(config));
    },
    get ecr() {
      return lazy('ecr', () => new ECRClient(config));
    },
  };
}

/** How one call is authorized and sent. */
export interface CallSpec {
  readonly service: SpokeService;
  /** The IAM action that authorizes it (not always the API name: S3's PublicAccessBlock calls differ). */
  readonly iamAction: string;
  /** Whether it changes state (writes are what a dry-run withholds). */
  readonly write: boolean;
  // biome-ignore lint/suspicious/noExplicitAny: each entry pairs one client with its own command types
  send(clients: SpokeClients, input: any): Promise<unknown>;
}

const spec = (
  service: SpokeService,
  iamAction: string,
  write: boolean,
  // biome-ignore lint/suspicious/noExplicitAny: see CallSpec.send
  send: (clients: SpokeClients, input: any) => Promise<unknown>,
): CallSpec => ({ service, iamAction, write, send });

/** Every call any remediation may make, keyed `service:Action`. */
export const CALLS: Readonly<Record<string, CallSpec>> = {
  's3:GetPublicAccessBlock': spec('s3', 's3:GetBucketPublicAccessBlock', false, (c, i) =>
    c.s3.send(new GetPublicAccessBlockCommand(i)),
  ),
  's3:PutPublicAccessBlock': spec('s3', 's3:PutBucketPublicAccessBlock', true, (c, i) =>
    c.s3.send(new PutPublicAccessBlockCommand(i)),
  ),
  // S3 authorizes deleting a bucket's block with the Put action.
  's3:DeletePublicAccessBlock': spec('s3', 's3:PutBucketPublicAccessBlock', true, (c, i) =>
    c.s3.send(new DeletePublicAccessBlockCommand(i)),
  ),
  's3:GetBucketPolicy': spec('s3', 's3:GetBucketPolicy', false, (c, i) => c.s3.send(new GetBucketPolicyCommand(i))),
  's3:PutBucketPolicy': spec('s3', 's3:PutBucketPolicy', true, (c, i) => c.s3.send(new PutBucketPolicyCommand(i))),
  's3:DeleteBucketPolicy': spec('s3', 's3:DeleteBucketPolicy', true, (c, i) =>
    c.s3.send(new DeleteBucketPolicyCommand(i)),
  ),
  's3-control:GetPublicAccessBlock': spec('s3-control', 's3:GetAccountPublicAccessBlock', false, (c, i) =>
    c['s3-control'].send(new GetAccountPublicAccessBlockCommand(i)),
  ),
  's3-control:PutPublicAccessBlock': spec('s3-control', 's3:PutAccountPublicAccessBlock', true, (c, i) =>
    c['s3-control'].send(new PutAccountPublicAccessBlockCommand(i)),
  ),
  's3-control:DeletePublicAccessBlock': spec('s3-control', 's3:PutAccountPublicAccessBlock', true, (c, i) =>
    c['s3-control'].send(new DeleteAccountPublicAccessBlockCommand(i)),
  ),
  'ec2:DescribeSecurityGroups': spec('ec2', 'ec2:DescribeSecurityGroups', false, (c, i) =>
    c.ec2.send(new DescribeSecurityGroupsCommand(i)),
  ),
  'ec2:DescribeSecurityGroupRules': spec('ec2', 'ec2:DescribeSecurityGroupRules', false, (c, i) =>
    c.ec2.send(new DescribeSecurityGroupRulesCommand(i)),
  ),
  'ec2:RevokeSecurityGroupIngress': spec('ec2', 'ec2:RevokeSecurityGroupIngress', true, (c, i) =>
    c.ec2.send(new RevokeSecurityGroupIngressCommand(i)),
  ),
  'ec2:RevokeSecurityGroupEgress': spec('ec2', 'ec2:RevokeSecurityGroupEgress', true, (c, i) =>
    c.ec2.send(new RevokeSecurityGroupEgressCommand(i)),
  ),
  'ec2:AuthorizeSecurityGroupIngress': spec('ec2', 'ec2:AuthorizeSecurityGroupIngress', true, (c, i) =>
    c.ec2.send(new AuthorizeSecurityGroupIngressCommand(i)),
  ),
  'ec2:AuthorizeSecurityGroupEgress': spec('ec2', 'ec2:AuthorizeSecurityGroupEgress', true, (c, i) =>
    c.ec2.send(new AuthorizeSecurityGroupEgressCommand(i)),
  ),
  'ec2:DescribeSnapshots': spec('ec2', 'ec2:DescribeSnapshots', false, (c, i) =>
    c.ec2.send(new DescribeSnapshotsCommand(i)),
  ),
  'ec2:DescribeSnapshotAttribute': spec('ec2', 'ec2:DescribeSnapshotAttribute', false, (c, i) =>
    c.ec2.send(new DescribeSnapshotAttributeCommand(i)),
  ),
  'ec2:ModifySnapshotAttribute': spec('ec2', 'ec2:ModifySnapshotAttribute', true, (c, i) =>
    c.ec2.send(new ModifySnapshotAttributeCommand(i)),
  ),
  'ec2:GetEbsEncryptionByDefault': spec('ec2', 'ec2:GetEbsEncryptionByDefault', false, (c, i) =>
    c.ec2.send(new GetEbsEncryptionByDefaultCommand(i)),
  ),
  'ec2:EnableEbsEncryptionByDefault': spec('ec2', 'ec2:EnableEbsEncryptionByDefault', true, (c, i) =>
    c.ec2.send(new EnableEbsEncryptionByDefaultCommand(i)),
  ),
  'ec2:DisableEbsEncryptionByDefault': spec('ec2', 'ec2:DisableEbsEncryptionByDefault', true, (c, i) =>
    c.ec2.send(new DisableEbsEncryptionByDefaultCommand(i)),
  ),
  'iam:ListAccessKeys': spec('iam', 'iam:ListAccessKeys', false, (c, i) => c.iam.send(new ListAccessKeysCommand(i))),
  'iam:GetAccessKeyLastUsed': spec('iam', 'iam:GetAccessKeyLastUsed', false, (c, i) =>
    c.iam.send(new GetAccessKeyLastUsedCommand(i)),
  ),
  'iam:UpdateAccessKey': spec('iam', 'iam:UpdateAccessKey', true, (c, i) => c.iam.send(new UpdateAccessKeyCommand(i))),
  'rds:DescribeDBSnapshotAttributes': spec('rds', 'rds:DescribeDBSnapshotAttributes', false, (c, i) =>
    c.rds.send(new DescribeDBSnapshotAttributesCommand(i)),
  ),
  'rds:ModifyDBSnapshotAttribute': spec('rds', 'rds:ModifyDBSnapshotAttribute', true, (c, i) =>
    c.rds.send(new ModifyDBSnapshotAttributeCommand(i)),
  ),
  'kms:DescribeKey': spec('kms', 'kms:DescribeKey', false, (c, i) => c.kms.send(new DescribeKeyCommand(i))),
  'kms:GetKeyRotationStatus': spec('kms', 'kms:GetKeyRotationStatus', false, (c, i) =>
    c.kms.send(new GetKeyRotationStatusCommand(i)),
  ),
  'kms:EnableKeyRotation': spec('kms', 'kms:EnableKeyRotation', true, (c, i) =>
    c.kms.send(new EnableKeyRotationCommand(i)),
  ),
  'kms:DisableKeyRotation': spec('kms', 'kms:DisableKeyRotation', true, (c, i) =>
    c.kms.send(new DisableKeyRotationCommand(i)),
  ),
  'cloudtrail:GetTrailStatus': spec('cloudtrail', 'cloudtrail:GetTrailStatus', false, (c, i) =>
    c.cloudtrail.send(new GetTrailStatusCommand(i)),
  ),
  'cloudtrail:StartLogging': spec('cloudtrail', 'cloudtrail:StartLogging', true, (c, i) =>
    c.cloudtrail.send(new StartLoggingCommand(i)),
  ),
  'cloudtrail:StopLogging': spec('cloudtrail', 'cloudtrail:StopLogging', true, (c, i) =>
    c.cloudtrail.send(new StopLoggingCommand(i)),
  ),
  'lambda:GetPolicy': spec('lambda', 'lambda:GetPolicy', false, (c, i) => c.lambda.send(new GetPolicyCommand(i))),
  'lambda:RemovePermission': spec('lambda', 'lambda:RemovePermission', true, (c, i) =>
    c.lambda.send(new RemovePermissionCommand(i)),
  ),
  'lambda:AddPermission': spec('lambda', 'lambda:AddPermission', true, (c, i) =>
    c.lambda.send(new AddPermissionCommand(i)),
  ),
  'iam:GetRole': spec('iam', 'iam:GetRole', false, (c, i) => c.iam.send(new GetRoleCommand(i))),
  'iam:GetRolePolicy': spec('iam', 'iam:GetRolePolicy', false, (c, i) => c.iam.send(new GetRolePolicyCommand(i))),
  'iam:PutRolePolicy': spec('iam', 'iam:PutRolePolicy', true, (c, i) => c.iam.send(new PutRolePolicyCommand(i))),
  'iam:DeleteRolePolicy': spec('iam', 'iam:DeleteRolePolicy', true, (c, i) =>
    c.iam.send(new DeleteRolePolicyCommand(i)),
  ),
  'iam:GetAccountPasswordPolicy': spec('iam', 'iam:GetAccountPasswordPolicy', false, (c, i) =>
    c.iam.send(new GetAccountPasswordPolicyCommand(i)),
  ),
  'iam:UpdateAccountPasswordPolicy': spec('iam', 'iam:UpdateAccountPasswordPolicy', true, (c, i) =>
    c.iam.send(new UpdateAccountPasswordPolicyCommand(i)),
  ),
  'iam:DeleteAccountPasswordPolicy': spec('iam', 'iam:DeleteAccountPasswordPolicy', true, (c, i) =>
    c.iam.send(new DeleteAccountPasswordPolicyCommand(i)),
  ),
  'ec2:DescribeInstances': spec('ec2', 'ec2:DescribeInstances', false, (c, i) =>
    c.ec2.send(new DescribeInstancesCommand(i)),
  ),
  'ec2:DescribeInstanceAttribute': spec('ec2', 'ec2:DescribeInstanceAttribute', false, (c, i) =>
    c.ec2.send(new DescribeInstanceAttributeCommand(i)),
  ),
  'ec2:CreateSecurityGroup': spec('ec2', 'ec2:CreateSecurityGroup', true, (c, i) =>
    c.ec2.send(new CreateSecurityGroupCommand(i)),
  ),
  'ec2:ModifyNetworkInterfaceAttribute': spec('ec2', 'ec2:ModifyNetworkInterfaceAttribute', true, (c, i) =>
    c.ec2.send(new ModifyNetworkInterfaceAttributeCommand(i)),
  ),
  'ec2:CreateSnapshot': spec('ec2', 'ec2:CreateSnapshot', true, (c, i) => c.ec2.send(new CreateSnapshotCommand(i))),
  'ec2:ModifyInstanceAttribute': spec('ec2', 'ec2:ModifyInstanceAttribute', true, (c, i) =>
    c.ec2.send(new ModifyInstanceAttributeCommand(i)),
  ),
  'ec2:CreateTags': spec('ec2', 'ec2:CreateTags', true, (c, i) => c.ec2.send(new CreateTagsCommand(i))),
  'ec2:DeleteTags': spec('ec2', 'ec2:DeleteTags', true, (c, i) => c.ec2.send(new DeleteTagsCommand(i))),
  'ec2:ModifyInstanceMetadataOptions': spec('ec2', 'ec2:ModifyInstanceMetadataOptions', true, (c, i) =>
    c.ec2.send(new ModifyInstanceMetadataOptionsCommand(i)),
  ),
  'ec2:DescribeTransitGateways': spec('ec2', 'ec2:DescribeTransitGateways', false, (c, i) =>
    c.ec2.send(new DescribeTransitGatewaysCommand(i)),
  ),
  'ec2:ModifyTransitGateway': spec('ec2', 'ec2:ModifyTransitGateway', true, (c, i) =>
    c.ec2.send(new ModifyTransitGatewayCommand(i)),
  ),
  'rds:DescribeDBInstances': spec('rds', 'rds:DescribeDBInstances', false, (c, i) =>
    c.rds.send(new DescribeDBInstancesCommand(i)),
  ),
  'rds:ModifyDBInstance': spec('rds', 'rds:ModifyDBInstance', true, (c, i) =>
    c.rds.send(new ModifyDBInstanceCommand(i)),
  ),
  'rds:DescribeDBClusters': spec('rds', 'rds:DescribeDBClusters', false, (c, i) =>
    c.rds.send(new DescribeDBClustersCommand(i)),
  ),
  'rds:ModifyDBCluster': spec('rds', 'rds:ModifyDBCluster', true, (c, i) => c.rds.send(new ModifyDBClusterCommand(i))),
  'redshift:DescribeClusters': spec('redshift', 'redshift:DescribeClusters', false, (c, i) =>
    c.redshift.send(new DescribeClustersCommand(i)),
  ),
  'redshift:ModifyCluster': spec('redshift', 'redshift:ModifyCluster', true, (c, i) =>
    c.redshift.send(new ModifyClusterCommand(i)),
  ),
  'ssm:DescribeDocumentPermission': spec('ssm', 'ssm:DescribeDocumentPermission', false, (c, i) =>
    c.ssm.send(new DescribeDocumentPermissionCommand(i)),
  ),
  'ssm:ModifyDocumentPermission': spec('ssm', 'ssm:ModifyDocumentPermission', true, (c, i) =>
    c.ssm.send(new ModifyDocumentPermissionCommand(i)),
  ),
  'ssm:GetServiceSetting': spec('ssm', 'ssm:GetServiceSetting', false, (c, i) =>
    c.ssm.send(new GetServiceSettingCommand(i)),
  ),
  'ssm:UpdateServiceSetting': spec('ssm', 'ssm:UpdateServiceSetting', true, (c, i) =>
    c.ssm.send(new UpdateServiceSettingCommand(i)),
  ),
  'cloudtrail:GetTrail': spec('cloudtrail', 'cloudtrail:GetTrail', false, (c, i) =>
    c.cloudtrail.send(new GetTrailCommand(i)),
  ),
  'cloudtrail:UpdateTrail': spec('cloudtrail', 'cloudtrail:UpdateTrail', true, (c, i) =>
    c.cloudtrail.send(new UpdateTrailCommand(i)),
  ),
  'guardduty:ListDetectors': spec('guardduty', 'guardduty:ListDetectors', false, (c, i) =>
    c.guardduty.send(new ListDetectorsCommand(i)),
  ),
  'guardduty:GetDetector': spec('guardduty', 'guardduty:GetDetector', false, (c, i) =>
    c.guardduty.send(new GetDetectorCommand(i)),
  ),
  'guardduty:GetAdministratorAccount': spec('guardduty', 'guardduty:GetAdministratorAccount', false, (c, i) =>
    c.guardduty.send(new GetAdministratorAccountCommand(i)),
  ),
  'guardduty:CreateDetector': spec('guardduty', 'guardduty:CreateDetector', true, (c, i) =>
    c.guardduty.send(new CreateDetectorCommand(i)),
  ),
  'guardduty:UpdateDetector': spec('guardduty', 'guardduty:UpdateDetector', true, (c, i) =>
    c.guardduty.send(new UpdateDetectorCommand(i)),
  ),
  'codebuild:BatchGetProjects': spec('codebuild', 'codebuild:BatchGetProjects', false, (c, i) =>
    c.codebuild.send(new BatchGetProjectsCommand(i)),
  ),
  'codebuild:UpdateProject': spec('codebuild', 'codebuild:UpdateProject', true, (c, i) =>
    c.codebuild.send(new UpdateProjectCommand(i)),
  ),
  'sqs:GetQueueAttributes': spec('sqs', 'sqs:GetQueueAttributes', false, (c, i) =>
    c.sqs.send(new GetQueueAttributesCommand(i)),
  ),
  'sqs:SetQueueAttributes': spec('sqs', 'sqs:SetQueueAttributes', true, (c, i) =>
    c.sqs.send(new SetQueueAttributesCommand(i)),
  ),
  'dynamodb:DescribeTable': spec('dynamodb', 'dynamodb:DescribeTable', false, (c, i) =>
    c.dynamodb.send(new DescribeTableCommand(i)),
  ),
  'dynamodb:UpdateTable': spec('dynamodb', 'dynamodb:UpdateTable', true, (c, i) =>
    c.dynamodb.send(new UpdateTableCommand(i)),
  ),
  'ecr:DescribeRepositories': spec('ecr', 'ecr:DescribeRepositories', false, (c, i) =>
    c.ecr.send(new DescribeRepositoriesCommand(i)),
  ),
  'ecr:PutImageScanningConfiguration': spec('ecr', 'ecr:PutImageScanningConfiguration', true, (c, i) =>
    c.ecr.send(new PutImageScanningConfigurationCommand(i)),
  ),
  's3:GetBucketOwnershipControls': spec('s3', 's3:GetBucketOwnershipControls', false, (c, i) =>
    c.s3.send(new GetBucketOwnershipControlsCommand(i)),
  ),
  's3:PutBucketOwnershipControls': spec('s3', 's3:PutBucketOwnershipControls', true, (c, i) =>
    c.s3.send(new PutBucketOwnershipControlsCommand(i)),
  ),
  // S3 authorizes deleting a bucket's ownership controls with the Put action.
  's3:DeleteBucketOwnershipControls': spec('s3', 's3:PutBucketOwnershipControls', true, (c, i) =>
    c.s3.send(new DeleteBucketOwnershipControlsCommand(i)),
  ),
  's3:GetBucketAcl': spec('s3', 's3:GetBucketAcl', false, (c, i) => c.s3.send(new GetBucketAclCommand(i))),
  's3:PutBucketAcl': spec('s3', 's3:PutBucketAcl', true, (c, i) => c.s3.send(new PutBucketAclCommand(i))),
};

/** `service:Action` key of a planned call. */
export function callKey(call: Pick<PlannedCall, 'service' | 'action'>): string {
  return `${call.service}:${call.action}`;
}

/** The IAM action a call key needs; throws for a call missing from the table. */
export function iamActionOf(key: string): string {
  const found = CALLS[key];
  if (!found) throw new Error(`call "${key}" is not in the remediation call table (shared/remediation/calls.ts)`);
  return found.iamAction;
}

/** The AWS error code of an SDK error (`name` in SDK v3, `Code` on some XML services). */
export function awsErrorCode(err: unknown): string {
  if (typeof err !== 'object' || err === null) return 'Error';
  const e = err as { name?: unknown; Code?: unknown; code?: unknown };
  for (const v of [e.Code, e.code, e.name]) if (typeof v === 'string' && v !== '' && v !== 'Error') return v;
  return 'Error';
}

/** Strips the SDK's `$metadata` so recorded outputs are plain data. */
export function plainOutput(out: unknown): Record<string, unknown> {
  if (typeof out !== 'object' || out === null) return {};
  const { $metadata: _m, ...rest } = out as Record<string, unknown>;
  return rest;
}

const OUTPUT_REF = /^<output:([a-z0-9-]+:[A-Za-z]+)\.([A-Za-z]+)>$/;

/**
 * A value of a planned call's input that stands for a field of an earlier call's output in the same run, for ids
 * AWS assigns at apply time (the group CreateSecurityGroup creates). Plans stay data: the reference is what a
 * dry-run records, and apply substitutes the output of the last such call its session made.
 */
export function outputRef(call: string, field: string): string {
  const ref = `<output:${call}.${field}>`;
  if (!OUTPUT_REF.test(ref)) throw new Error(`outputRef: "${call}" / "${field}" is not a call key and field`);
  return ref;
}

const OUTPUT_VALUE = /^<output-value:([a-z0-9-]+:[A-Za-z]+)\.([A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*)>$/;

/**
 * A value of a planned call's input that stands for any JSON value at a dotted path of an earlier call's output in
 * the same session (`projects.0.environment.environmentVariables`). For values a plan must send back but must not
 * hold, such as a CodeBuild project's plaintext environment variables: the plan, the write-ahead record and the
 * outcome keep the reference; only the request sent at apply time carries the values, read just before.
 */
export function outputValue(call: string, path: string): string {
  const ref = `<output-value:${call}.${path}>`;
  if (!OUTPUT_VALUE.test(ref)) throw new Error(`outputValue: "${call}" / "${path}" is not a call key and dotted path`);
  return ref;
}

/**
 * `input` with every output reference replaced by the value `outputs` holds; throws naming the reference when an
 * earlier call of this session did not produce it (e.g. a redriven run that resumed after the creating call:
 * running the remediation again finds the created resource by its name).
 */
export function resolveOutputRefs(input: unknown, outputs: ReadonlyMap<string, Record<string, unknown>>): unknown {
  if (typeof input === 'string') {
    const v = OUTPUT_VALUE.exec(input);
    if (v) {
      let node: unknown = outputs.get(v[1] as string);
      for (const key of (v[2] as string).split('.')) {
        node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
      }
      if (node === undefined) {
        throw new Error(
          `${input}: no earlier ${v[1]} call of this session returned ${v[2]}; run the remediation again`,
        );
      }
      return node;
    }
    const m = OUTPUT_REF.exec(input);
    if (!m) return input;
    const value = outputs.get(m[1] as string)?.[m[2] as string];
    if (typeof value !== 'string' || value === '') {
      throw new Error(`${input}: no earlier ${m[1]} call of this session returned ${m[2]}; run the remediation again`);
    }
    return value;
  }
  if (Array.isArray(input)) return input.map((v) => resolveOutputRefs(v, outputs));
  if (typeof input === 'object' && input !== null) {
    return Object.fromEntries(Object.entries(input).map(([k, v]) => [k, resolveOutputRefs(v, outputs)]));
  }
  return input;
}
