import { z } from 'zod';
import type { SeverityLabel } from '../config.ts';
import { type EventNormalizer, envelopeWith, isoTime, parseSource, resourceFromId } from './normalizer.ts';
import { type NormalizeResult, type SecurityResource, type SecuritySeverity, severityFromLabel } from './types.ts';

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
  }),
  eventTime: z.string().optional(),
  eventSource: NonEmpty,
  eventName: NonEmpty,
  awsRegion: NonEmpty,
  sourceIPAddress: z.string().optional(),
  userAgent: z.string().optional(),
  requestParameters: z.record(z.string(), z.unknown()).nullable().optional(),
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

function cloudTrailSeverity(d: CloudTrailApiCall): SecuritySeverity {
  // A failed call changed nothing: keep it visible but low.
  if (d.errorCode) return severityFromLabel('LOW');
  if (d.eventName === 'AuthorizeSecurityGroupIngress' && opensToWorld(d.requestParameters)) {
    return severityFromLabel('HIGH');
  }
  return severityFromLabel(CLOUDTRAIL_API_SEVERITY[d.eventName] ?? 'MEDIUM');
}

function principalOf(d: CloudTrailApiCall): string {
  return d.userIdentity.arn ?? d.userIdentity.principalId ?? d.userIdentity.invokedBy ?? d.userIdentity.type;
}

function cloudTrailResources(d: CloudTrailApiCall, account: string): SecurityResource[] {
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

/** CloudTrail management events forwarded for risky API names. */
export const cloudTrailNormalizer: EventNormalizer = {
  id: 'cloudtrail',
  source: '*',
  detailTypes: ['AWS API Call via CloudTrail'],
  normalize(_envelope, raw): NormalizeResult {
    const parsed = parseSource(CloudTrailEventSchema, raw, 'CloudTrail API call');
    if (!parsed.ok) return parsed;
    const event = parsed.data;
    const d = event.detail;
    const account = d.recipientAccountId ?? event.account;
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
          raw,
        },
      ],
    };
  },
};
