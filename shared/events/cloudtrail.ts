import { z } from 'zod';
import type { SeverityLabel } from '../config.ts';
import { NAMES } from '../names.ts';
import {
  type EventNormalizer,
  envelopeOrigin,
  envelopeWith,
  isoTime,
  parseSource,
  resourceFromId,
} from './normalizer.ts';
import {
  type NormalizeResult,
  type SecurityEventOrigin,
  type SecurityResource,
  type SecuritySeverity,
  severityFromLabel,
} from './types.ts';

const NonEmpty = z.string().min(1, 'must be a non-empty string');

/** `detail` of an "AWS API Call via CloudTrail" event (the fields the normalizer reads). */
export const CloudTrailApiCallSchema = z.looseObject({
  eventVersion: z.string().optional(),
  userIdentity: z.looseObject({
    type: NonEmpty,
    principalId: z.string().optional(),
    arn: z.string().optional(),
    accountId: z.string().optional(),
    userName: z.string().optional(),
    invokedBy: z.string().optional(),
    sessionContext: z
      .looseObject({
        sessionIssuer: z
          .looseObject({ type: z.string().optional(), arn: z.string().optional(), userName: z.string().optional() })
          .optional(),
      })
      .optional(),
  }),
  eventTime: z.string().optional(),
  eventSource: NonEmpty,
  eventName: NonEmpty,
  awsRegion: NonEmpty,
  sourceIPAddress: z.string().optional(),
  userAgent: z.string().optional(),
  requestParameters: z.record(z.string(), z.unknown()).nullable().optional(),
  responseElements: z.record(z.string(), z.unknown()).nullable().optional(),
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
  eventID: z.string().optional(),
  recipientAccountId: z.string().optional(),
  resources: z
    .array(z.looseObject({ ARN: z.string().optional(), type: z.string().optional(), accountId: z.string().optional() }))
    .optional(),
});
export type CloudTrailApiCall = z.infer<typeof CloudTrailApiCallSchema>;

export const CloudTrailEventSchema = envelopeWith(CloudTrailApiCallSchema);

/** Severity of a successful call by API name; anything not listed is MEDIUM (it was forwarded as risky). */
export const CLOUDTRAIL_API_SEVERITY: Readonly<Record<string, SeverityLabel>> = {
  StopLogging: 'HIGH',
  DeleteTrail: 'HIGH',
  UpdateTrail: 'MEDIUM',
  DeleteDetector: 'HIGH',
  DisableSecurityHub: 'HIGH',
  DeleteBucketPublicAccessBlock: 'HIGH',
  DeletePublicAccessBlock: 'HIGH',
  PutBucketPolicy: 'MEDIUM',
  PutBucketAcl: 'MEDIUM',
  AuthorizeSecurityGroupIngress: 'MEDIUM',
  ModifySnapshotAttribute: 'MEDIUM',
  ModifyDBSnapshotAttribute: 'MEDIUM',
  DisableEbsEncryptionByDefault: 'MEDIUM',
  DisableKeyRotation: 'MEDIUM',
  CreateAccessKey: 'LOW',
  AddPermission: 'MEDIUM',
};

// Request parameters that name the resource an API acts on, in order of preference.
const RESOURCE_PARAMETERS: ReadonlyArray<[parameter: string, type: string]> = [
  ['name', 'AwsCloudTrailTrail'],
  ['trailName', 'AwsCloudTrailTrail'],
  ['groupId', 'AwsEc2SecurityGroup'],
  ['bucketName', 'AwsS3Bucket'],
  ['snapshotId', 'AwsEc2Snapshot'],
  ['dBSnapshotIdentifier', 'AwsRdsDbSnapshot'],
  ['instanceId', 'AwsEc2Instance'],
  ['keyId', 'AwsKmsKey'],
  ['functionName', 'AwsLambdaFunction'],
  ['detectorId', 'AwsGuardDutyDetector'],
  ['roleName', 'AwsIamRole'],
  ['userName', 'AwsIamUser'],
];

/** Whether an AuthorizeSecurityGroupIngress call opens a port to the whole internet. */
function opensToWorld(params: Record<string, unknown> | null | undefined): boolean {
  const text = JSON.stringify(params ?? {});
  return text.includes('"0.0.0.0/0"') || text.includes('"::/0"');
}

/** Grantee groups that make an S3 ACL public: everyone, or every AWS account. */
export const PUBLIC_ACL_GRANTEES: readonly string[] = [
  'http://acs.amazonaws.com/groups/global/AllUsers',
  'http://acs.amazonaws.com/groups/global/AuthenticatedUsers',
];
/** Canned ACLs (`x-amz-acl`) that make a bucket or object public. */
export const PUBLIC_CANNED_ACLS: readonly string[] = ['public-read', 'public-read-write', 'authenticated-read'];

/** Whether a PutBucketAcl/PutObjectAcl call grants AllUsers or AuthenticatedUsers (a grant or a canned ACL). */
export function grantsPublicAcl(params: Record<string, unknown> | null | undefined): boolean {
  if (!params) return false;
  const canned = params['x-amz-acl'];
  const cannedValues = Array.isArray(canned) ? canned : [canned];
  if (cannedValues.some((v) => typeof v === 'string' && PUBLIC_CANNED_ACLS.includes(v))) return true;
  const policy = params.AccessControlPolicy as { AccessControlList?: { Grant?: unknown } } | undefined;
  const grant = policy?.AccessControlList?.Grant;
  const grants = Array.isArray(grant) ? grant : grant ? [grant] : [];
  return grants.some((g) => {
    const uri = (g as { Grantee?: { URI?: unknown } } | null)?.Grantee?.URI;
    return typeof uri === 'string' && PUBLIC_ACL_GRANTEES.includes(uri);
  });
}

function cloudTrailSeverity(d: CloudTrailApiCall): SecuritySeverity {
  // A failed call changed nothing: keep it visible but low.
  if (d.errorCode) return severityFromLabel('LOW');
  if (d.eventName === 'AuthorizeSecurityGroupIngress' && opensToWorld(d.requestParameters)) {
    return severityFromLabel('HIGH');
  }
  if ((d.eventName === 'PutBucketAcl' || d.eventName === 'PutObjectAcl') && grantsPublicAcl(d.requestParameters)) {
    return severityFromLabel('HIGH');
  }
  // An access key made for another user is a persistence pattern.
  if (d.eventName === 'CreateAccessKey' && keyForAnotherUser(d)) return severityFromLabel('HIGH');
  return severityFromLabel(CLOUDTRAIL_API_SEVERITY[d.eventName] ?? 'MEDIUM');
}

function principalOf(d: CloudTrailApiCall): string {
  return d.userIdentity.arn ?? d.userIdentity.principalId ?? d.userIdentity.invokedBy ?? d.userIdentity.type;
}

/** The key a CreateAccessKey call made, and whether the caller is someone other than the key's user. */
function createdKey(d: CloudTrailApiCall): { accessKeyId: string; userName: string } | undefined {
  const key = (d.responseElements?.accessKey ?? undefined) as { accessKeyId?: unknown; userName?: unknown } | undefined;
  const userName = key?.userName ?? d.requestParameters?.userName;
  if (typeof key?.accessKeyId !== 'string' || typeof userName !== 'string') return undefined;
  return { accessKeyId: key.accessKeyId, userName };
}

/** A CreateAccessKey call for a user other than the caller (an IAM user acting on itself is not). */
export function keyForAnotherUser(d: CloudTrailApiCall): boolean {
  const key = createdKey(d);
  if (!key) return false;
  return !(d.userIdentity.type === 'IAMUser' && d.userIdentity.userName === key.userName);
}

function cloudTrailResources(d: CloudTrailApiCall, account: string): SecurityResource[] {
  const key = d.eventName === 'CreateAccessKey' ? createdKey(d) : undefined;
  if (key) {
    return [
      {
        type: 'AwsIamAccessKey',
        id: key.accessKeyId,
        account,
        region: d.awsRegion,
        details: {
          userName: key.userName,
          createdBy: principalOf(d),
          createdForAnotherUser: keyForAnotherUser(d),
        },
      },
    ];
  }
  const listed = (d.resources ?? []).flatMap((r) =>
    r.ARN ? [resourceFromId(r.type ?? 'Other', r.ARN, r.accountId ? { account: r.accountId } : {})] : [],
  );
  if (listed.length > 0) return listed;
  const params = d.requestParameters ?? {};
  for (const [parameter, type] of RESOURCE_PARAMETERS) {
    const value = params[parameter];
    if (typeof value === 'string' && value !== '') {
      return [resourceFromId(type, value, { account, region: d.awsRegion, details: { requestParameters: params } })];
    }
  }
  return [];
}

/** The spoke roles the hub's own sessions use: a call made through them is the hub's doing. */
export const HUB_SESSION_ROLES: readonly string[] = [NAMES.spokeRemediationRoleName, NAMES.spokeUndoRoleName];

/**
 * The hub session a call claims to come from: an AssumedRole session of a hub spoke role in the account the call
 * was made in (`sessionContext.sessionIssuer.arn`, or the assumed-role `arn`), with its session name (the last
 * part of the assumed-role ARN). Only a claim: whoever administers the account can create a role of that name
 * where the hub has none, so the pipeline checks the session name against the hub's session ledger.
 */
export function hubSessionOf(d: CloudTrailApiCall, account: string): SecurityEventOrigin['hubSession'] {
  const identity = d.userIdentity;
  if (identity.type !== 'AssumedRole' || !identity.arn) return undefined;
  const session = /^arn:[a-z-]+:sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/([\w+=,.@-]{2,64})$/.exec(identity.arn);
  if (!session || session[1] !== account || !HUB_SESSION_ROLES.includes(session[2] as string)) return undefined;
  const issuer = identity.sessionContext?.sessionIssuer?.arn;
  // When CloudTrail names the issuer too, it must be the same role of the same account.
  if (issuer && issuer.replace(/^arn:[a-z-]+:iam::/, '') !== `${account}:role/${session[2]}`) return undefined;
  return { role: session[2] as string, arn: identity.arn, sessionName: session[3] as string };
}

/**
 * EventBridge delivers a service's CloudTrail API events with source `aws.<service>` for the event source
 * `<service>.amazonaws.com` (e.g. `aws.s3` ↔ `s3.amazonaws.com`, `aws.monitoring` ↔ `monitoring.amazonaws.com`).
 */
export function cloudTrailSourceOf(eventSource: string): string | undefined {
  const match = /^([a-z0-9-]+)\.amazonaws\.com$/.exec(eventSource);
  return match ? `aws.${match[1]}` : undefined;
}

/** CloudTrail management events forwarded for risky API names; only from `aws.<service>` sources that match. */
export const cloudTrailNormalizer: EventNormalizer = {
  id: 'cloudtrail',
  source: 'aws.*',
  detailTypes: ['AWS API Call via CloudTrail'],
  normalize(_envelope, raw): NormalizeResult {
    const parsed = parseSource(CloudTrailEventSchema, raw, 'CloudTrail API call');
    if (!parsed.ok) return parsed;
    const event = parsed.data;
    const d = event.detail;
    const expected = cloudTrailSourceOf(d.eventSource);
    if (expected !== event.source) {
      return {
        ok: false,
        field: 'detail.eventSource',
        reason: `CloudTrail API call: detail.eventSource "${d.eventSource}" is not the service of source "${event.source}" (EventBridge delivers <service>.amazonaws.com calls as aws.<service>)`,
      };
    }
    const account = d.recipientAccountId ?? event.account;
    const hubSession = hubSessionOf(d, account);
    const principal = principalOf(d);
    const resources = cloudTrailResources(d, account);
    const resourceKey = resources[0]?.id ?? '*';
    const outcome = d.errorCode ? ` (failed: ${d.errorCode})` : '';
    return {
      ok: true,
      events: [
        {
          id: event.id,
          source: 'cloudtrail',
          kind: d.eventName,
          account,
          region: d.awsRegion,
          time: isoTime(d.eventTime ?? event.time) ?? event.time,
          severity: cloudTrailSeverity(d),
          title: `${d.eventName} called by ${principal}${outcome}`,
          description: `${d.eventSource} ${d.eventName} in ${account}/${d.awsRegion} from ${d.sourceIPAddress ?? 'unknown address'}`,
          resources,
          dedupKey: `cloudtrail:${account}:${d.eventName}:${principal}:${resourceKey}`,
          status: 'active',
          origin: envelopeOrigin(event, {
            ...(d.recipientAccountId ? { accountField: 'detail.recipientAccountId' } : {}),
            ...(hubSession ? { hubSession } : {}),
          }),
          raw,
        },
      ],
    };
  },
};
