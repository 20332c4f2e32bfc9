/**
 * When a remediation cannot act, and why: the one place that decides whether an error met while picking the
 * target, reading the state or planning is a refusal (the run succeeds as `not-applicable`, with the reason) or a
 * failure (the run fails and the playbook's Catch sees it).
 *
 * Refusals:
 * - a RemediationTargetError from `target`, `readState` or `plan`: the finding names something the remediation
 *   does not act on (a wrong kind of target, a service-linked role, one of SOCless's own roles, an organization
 *   trail seen from a member account, an Auto Scaling instance config does not allow);
 * - a RemediationApiError whose code says the resource the finding names no longer exists (TARGET_GONE_CODES and
 *   EC2's `Invalid<Thing>.NotFound` codes), met while reading.
 *
 * Everything else is a failure, on purpose:
 * - AccessDenied / UnauthorizedOperation / AccessDeniedException: the spoke role lacks a permission the
 *   remediation declares, or a service control policy or permissions boundary denies it. That is a
 *   configuration error of the deployment (the spoke stack is out of date, or the organization denies the call),
 *   not a fact about the target, and hiding it as "not applicable" would silently stop remediation everywhere;
 * - throttling, timeouts, 5xx: infrastructure errors the state machine retries;
 * - a not-found code from a write: the resource vanished between the read and the write, and the write-ahead
 *   record shows what was applied (undo it, or redrive).
 * Codes that mean "this optional configuration is absent" (NoSuchBucketPolicy, NoSuchPublicAccessBlockConfiguration,
 * OwnershipControlsNotFoundError, IAM's NoSuchEntity from GetAccountPasswordPolicy) are state, not refusals: each
 * remediation reads them with `readOr` before they could reach this module.
 */
import { RemediationApiError, RemediationTargetError } from './errors.ts';

/**
 * AWS error codes, by service, that a read answers when the resource it names does not exist. Both the wire
 * code (`DBInstanceNotFound`) and the SDK v3 exception name (`DBInstanceNotFoundFault`) are listed where they
 * differ.
 */
export const TARGET_GONE_CODES: Readonly<Record<string, readonly string[]>> = {
  s3: ['NoSuchBucket'],
  iam: ['NoSuchEntity', 'NoSuchEntityException'],
  // EC2's not-found codes all have the form Invalid<Thing>.NotFound (see isTargetGone).
  ec2: [
    'InvalidGroup.NotFound',
    'InvalidInstanceID.NotFound',
    'InvalidSnapshot.NotFound',
    'InvalidTransitGatewayID.NotFound',
    'InvalidNetworkInterfaceID.NotFound',
    'InvalidVolume.NotFound',
  ],
  rds: [
    'DBInstanceNotFound',
    'DBInstanceNotFoundFault',
    'DBClusterNotFoundFault',
    'DBSnapshotNotFound',
    'DBSnapshotNotFoundFault',
  ],
  redshift: ['ClusterNotFound', 'ClusterNotFoundFault'],
  kms: ['NotFoundException'],
  lambda: ['ResourceNotFoundException'],
  dynamodb: ['ResourceNotFoundException'],
  ecr: ['RepositoryNotFoundException'],
  sqs: ['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'],
  // DescribeDocumentPermission on a document that does not exist.
  ssm: ['InvalidDocument'],
  cloudtrail: ['TrailNotFoundException'],
};

const GONE = new Set(Object.values(TARGET_GONE_CODES).flat());

/** Whether an AWS error code says the resource a read named does not exist. */
export function isTargetGone(code: string): boolean {
  return GONE.has(code) || /^Invalid[A-Za-z]+(ID|Id)?\.NotFound$/.test(code);
}

/** Why a remediation cannot act, as the outcome's `notApplicable` carries it. */
export interface Refusal {
  readonly reason: string;
  /** The event (or target) field it could not use. */
  readonly field?: string;
}

/** Where in a run the error was met: target and plan refuse only by RemediationTargetError; a read also when gone. */
export type RefusalPhase = 'target' | 'read' | 'plan';

/**
 * The refusal an error stands for, or undefined when it is a failure (see the module comment for which is which).
 */
export function refusalOf(err: unknown, phase: RefusalPhase): Refusal | undefined {
  if (err instanceof RemediationTargetError) return { reason: err.message, field: err.field };
  if (phase === 'read' && err instanceof RemediationApiError && isTargetGone(err.code)) {
    return { reason: `the resource is gone: ${err.message}` };
  }
  return undefined;
}
