/**
 * The kit's call table: every AWS call a remediation may make, with the IAM action it needs and how it is
 * sent. Plans are data (`{service, action, input}`); this table turns them into SDK commands, so what a
 * dry-run records is byte for byte what auto sends, and the IAM policies are derived from the same table.
 */
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
  DeletePublicAccessBlockCommand as DeleteAccountPublicAccessBlockCommand,
  GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand,
  PutPublicAccessBlockCommand as PutAccountPublicAccessBlockCommand,
  S3ControlClient,
} from '@aws-sdk/client-s3-control';
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
