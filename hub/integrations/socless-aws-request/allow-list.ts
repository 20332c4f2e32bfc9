/**
 * The AWS calls SOCless's AWSRequest may make here: an explicit allow-list of read operations (Describe*, Get*,
 * List*) per service, each one a read the spoke remediation role already carries in its read policy. Anything
 * else (any write, any read not listed) is refused before a session is opened, naming the operation.
 */
import { CALLS, type CallSpec } from '../../../shared/remediation/calls.ts';

/** How an operation pages: the input field that takes the token and the output field that returns it. */
export interface Paging {
  readonly inputToken: string;
  readonly outputToken: string;
}

/** One allowed read. */
export interface AllowedRead {
  /** boto3's service name, as a SOCless playbook writes `service_name`. */
  readonly service: string;
  /** The API operation (`DescribeInstances`). */
  readonly operation: string;
  /** The key of its entry in the remediation call table (how it is sent, which IAM action authorizes it). */
  readonly call: string;
  /** Present when boto3 can paginate it: the result is then `{ResultPages: [...]}` unless pagination is off. */
  readonly paging?: Paging;
}

const NEXT: Paging = { inputToken: 'NextToken', outputToken: 'NextToken' };
const MARKER: Paging = { inputToken: 'Marker', outputToken: 'Marker' };

const read = (service: string, operation: string, call: string, paging?: Paging): AllowedRead => ({
  service,
  operation,
  call,
  ...(paging ? { paging } : {}),
});

/** Every read AWSRequest serves. */
export const AWS_REQUEST_ALLOWED: readonly AllowedRead[] = [
  read('ec2', 'DescribeInstances', 'ec2:DescribeInstances', NEXT),
  read('ec2', 'DescribeInstanceAttribute', 'ec2:DescribeInstanceAttribute'),
  read('ec2', 'DescribeSecurityGroups', 'ec2:DescribeSecurityGroups', NEXT),
  read('ec2', 'DescribeSecurityGroupRules', 'ec2:DescribeSecurityGroupRules', NEXT),
  read('ec2', 'DescribeSnapshots', 'ec2:DescribeSnapshots', NEXT),
  read('ec2', 'DescribeSnapshotAttribute', 'ec2:DescribeSnapshotAttribute'),
  read('ec2', 'DescribeTransitGateways', 'ec2:DescribeTransitGateways', NEXT),
  read('ec2', 'GetEbsEncryptionByDefault', 'ec2:GetEbsEncryptionByDefault'),
  read('iam', 'ListAccessKeys', 'iam:ListAccessKeys', MARKER),
  read('iam', 'GetAccessKeyLastUsed', 'iam:GetAccessKeyLastUsed'),
  read('iam', 'GetRole', 'iam:GetRole'),
  read('iam', 'GetRolePolicy', 'iam:GetRolePolicy'),
  read('iam', 'GetAccountPasswordPolicy', 'iam:GetAccountPasswordPolicy'),
  read('s3', 'GetPublicAccessBlock', 's3:GetPublicAccessBlock'),
  read('s3', 'GetBucketPolicy', 's3:GetBucketPolicy'),
  read('s3', 'GetBucketAcl', 's3:GetBucketAcl'),
  read('s3', 'GetBucketOwnershipControls', 's3:GetBucketOwnershipControls'),
  read('s3control', 'GetPublicAccessBlock', 's3-control:GetPublicAccessBlock'),
  read('rds', 'DescribeDBInstances', 'rds:DescribeDBInstances', MARKER),
  read('rds', 'DescribeDBClusters', 'rds:DescribeDBClusters', MARKER),
  read('rds', 'DescribeDBSnapshotAttributes', 'rds:DescribeDBSnapshotAttributes'),
  read('kms', 'DescribeKey', 'kms:DescribeKey'),
  read('kms', 'GetKeyRotationStatus', 'kms:GetKeyRotationStatus'),
  read('cloudtrail', 'GetTrail', 'cloudtrail:GetTrail'),
  read('cloudtrail', 'GetTrailStatus', 'cloudtrail:GetTrailStatus'),
  read('lambda', 'GetPolicy', 'lambda:GetPolicy'),
  read('redshift', 'DescribeClusters', 'redshift:DescribeClusters', MARKER),
  read('ssm', 'DescribeDocumentPermission', 'ssm:DescribeDocumentPermission'),
  read('ssm', 'GetServiceSetting', 'ssm:GetServiceSetting'),
  read('guardduty', 'ListDetectors', 'guardduty:ListDetectors', NEXT),
  read('guardduty', 'GetDetector', 'guardduty:GetDetector'),
  read('guardduty', 'GetAdministratorAccount', 'guardduty:GetAdministratorAccount'),
  read('sqs', 'GetQueueAttributes', 'sqs:GetQueueAttributes'),
  read('dynamodb', 'DescribeTable', 'dynamodb:DescribeTable'),
  read('ecr', 'DescribeRepositories', 'ecr:DescribeRepositories', {
    inputToken: 'nextToken',
    outputToken: 'nextToken',
  }),
];

/** `describe_instances`, `DescribeInstances` and `describeInstances` all name the same operation. */
const normalize = (name: string): string => name.replace(/_/g, '').toLowerCase();

/** The allowed read a (service_name, operation) pair names, if any. */
export function allowedRead(service: string, operation: string): AllowedRead | undefined {
  const s = service.toLowerCase();
  const op = normalize(operation);
  return AWS_REQUEST_ALLOWED.find((r) => r.service === s && normalize(r.operation) === op);
}

/** The send/IAM entry of an allowed read (always a read: a write entry here is a bug, refused at run time). */
export function callSpecOf(read: AllowedRead): CallSpec | undefined {
  return CALLS[read.call];
}
