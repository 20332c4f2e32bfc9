/** Helpers the remediation files share: picking targets out of findings, reading optional state. */
import { RemediationApiError, RemediationTargetError } from '../../shared/remediation/errors.ts';
import type { CallRunner, RemediationEvent } from '../../shared/remediation/types.ts';

/** The first resource of one of `types`, with its index (for error messages). */
export function findResource(
  event: RemediationEvent,
  types: readonly string[],
): { resource: RemediationEvent['resources'][number]; index: number } | undefined {
  const index = event.resources.findIndex((r) => types.includes(r.type));
  const resource = event.resources[index];
  return resource ? { resource, index } : undefined;
}

/** The resource id of the first resource of one of `types`, or a RemediationTargetError naming the field. */
export function requireResourceId(
  remediationId: string,
  event: RemediationEvent,
  types: readonly string[],
): {
  id: string;
  field: string;
  details: Record<string, unknown>;
} {
  const found = findResource(event, types);
  if (!found) {
    throw new RemediationTargetError(remediationId, 'resources', `names no resource of type ${types.join(' or ')}`);
  }
  return { id: found.resource.id, field: `resources[${found.index}].id`, details: found.resource.details ?? {} };
}

/** The bucket a finding names (an `AwsS3Bucket` / `AWS::S3::Bucket` resource), checked as an S3 bucket name. */
export function s3BucketTarget(remediationId: string, event: RemediationEvent): { bucket: string } {
  const { id, field } = requireResourceId(remediationId, event, ['AwsS3Bucket', 'AWS::S3::Bucket']);
  return {
    bucket: checkId(remediationId, field, lastSegment(id), /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name'),
  };
}

/**
 * The trail a finding names (an `AwsCloudTrailTrail` / `AWS::CloudTrail::Trail` resource), by its name or its ARN
 * (both work with the CloudTrail calls): the trail as named, its name, and the field it came from.
 */
export function trailTarget(
  remediationId: string,
  event: RemediationEvent,
): { trail: string; trailName: string; field: string } {
  const { id, field } = requireResourceId(remediationId, event, ['AwsCloudTrailTrail', 'AWS::CloudTrail::Trail']);
  const trail = checkId(
    remediationId,
    field,
    id,
    /^(arn:[^:]+:cloudtrail:[^:]+:\d{12}:trail\/)?[A-Za-z0-9._-]{3,128}$/,
    'a trail name or ARN',
  );
  return { trail, trailName: trail.split('/').at(-1) as string, field };
}

/** The last segment of an ARN resource (`arn:aws:s3:::bucket` → `bucket`, `.../security-group/sg-1` → `sg-1`). */
export function lastSegment(id: string, separators = /[/:]/): string {
  if (!id.startsWith('arn:')) return id;
  const resource = id.split(':').slice(5).join(':');
  return resource.split(separators).at(-1) ?? resource;
}

/** Reads through `read`, returning `fallback` when AWS answers with one of `codes` (e.g. "no such policy"). */
export async function readOr<T>(read: () => Promise<T>, codes: readonly string[], fallback: T): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof RemediationApiError && codes.includes(err.code)) return fallback;
    throw err;
  }
}

/** A value at a path of nested records, or undefined. */
export function at(obj: unknown, ...path: Array<string | number>): unknown {
  let node = obj;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/** Checks an identifier against a pattern, or throws RemediationTargetError naming the field. */
export function checkId(remediationId: string, field: string, value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) {
    throw new RemediationTargetError(remediationId, field, `is "${value}", not ${what}`);
  }
  return value;
}

/** An RDS identifier (DB instance or cluster): a letter, then letters, digits and single hyphens, at most 63. */
const RDS_IDENTIFIER = /^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,62}$/;

/**
 * The DB instance or cluster a finding names (its ARN `...:db:<id>` / `...:cluster:<id>`, or the bare identifier),
 * checked as an RDS identifier; a RemediationTargetError names the field otherwise.
 */
export function rdsTarget(
  remediationId: string,
  event: RemediationEvent,
  kinds: ReadonlyArray<'instance' | 'cluster'>,
): { kind: 'instance' | 'cluster'; identifier: string } {
  const types = {
    instance: ['AwsRdsDbInstance', 'AWS::RDS::DBInstance'],
    cluster: ['AwsRdsDbCluster', 'AWS::RDS::DBCluster'],
  } as const;
  for (const kind of kinds) {
    const found = findResource(event, types[kind]);
    if (!found) continue;
    const field = `resources[${found.index}].id`;
    const identifier = lastSegment(found.resource.id, /:/);
    return {
      kind,
      identifier: checkId(remediationId, field, identifier, RDS_IDENTIFIER, `an RDS DB ${kind} identifier`),
    };
  }
  throw new RemediationTargetError(
    remediationId,
    'resources',
    `names no resource of type ${kinds.flatMap((k) => types[k]).join(' or ')}`,
  );
}

/** A boolean setting of one DB instance as DescribeDBInstances reports it (absent reads as false). */
export async function dbInstanceFlag(
  call: CallRunner,
  dbInstance: string,
  setting: 'AutoMinorVersionUpgrade' | 'DeletionProtection' | 'PubliclyAccessible',
): Promise<boolean> {
  const out = await call({
    service: 'rds',
    action: 'DescribeDBInstances',
    input: { DBInstanceIdentifier: dbInstance },
  });
  return at(out, 'DBInstances', 0, setting) === true;
}

/** The resource name after `marker` in an ARN (`...:project/<name>`), or the id itself when it is no ARN. */
export function arnName(id: string, marker: string): string {
  if (!id.startsWith('arn:')) return id;
  const at = id.indexOf(marker);
  return at < 0 ? '' : id.slice(at + marker.length);
}
