// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/** Turns on all four S3 Block Public Access settings of one bucket. */
import { PUBLIC_ACL_GRANTEES, PUBLIC_CANNED_ACLS } from '../../shared/events/cloudtrail.ts';
import { defineRemediation } from '../../shared/remediation/types.ts';
import { readOr, s3BucketTarget } from './support.ts';

/** A bucket's Block Public Access settings (null: none configured). */
export interface PublicAccessBlockState {
  readonly config: {
    readonly BlockPublicAcls?: boolean;
    readonly IgnorePublicAcls?: boolean;
    readonly BlockPublicPolicy?: boolean;
    readonly RestrictPublicBuckets?: boolean;
  } | null;
}

export const BLOCK_ALL = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
} as const;

/** True when every setting is on. */
export function blocksAll(config: PublicAccessBlockState['config']): boolean {
  return config !== null && Object.keys(BLOCK_ALL).every((k) => config[k as keyof typeof BLOCK_ALL] === true);
}

const ID = 's3-bucket-public-access-block';
const BUCKET = 'arn:${AWS::Partition}:s3:::${Target:bucket}';

export const s3BucketPublicAccessBlock = defineRemediation<{ bucket: string }, PublicAccessBlockState>({
  id: ID,
  title: 'S3 bucket: block public access',
  description: 'Enables all four Block Public Access settings on the bucket the finding names.',
  findings: {
    securityHubControls: ['S3.2', 'S3.3', 'S3.8'],
    guardDutyTypes: [
      'Policy:S3/BucketBlockPublicAccessDisabled',
      'Policy:S3/BucketAnonymousAccessGranted',
      'Policy:S3/BucketPublicAccessGranted',
    ],
    configRules: [
      's3-bucket-level-public-access-prohibited',
      's3-bucket-public-read-prohibited',
      's3-bucket-public-write-prohibited',
    ],
    cloudTrail: {
      eventSource: 's3.amazonaws.com',
      eventNames: ['DeleteBucketPublicAccessBlock', 'PutBucketAcl', 'PutObjectAcl'],
      // An ACL call counts only when it grants AllUsers or AuthenticatedUsers (a grant, or a canned ACL).
      conditions: [
        {
          eventNames: ['PutBucketAcl', 'PutObjectAcl'],
          detail: {
            requestParameters: {
              AccessControlPolicy: { AccessControlList: { Grant: { Grantee: { URI: [...PUBLIC_ACL_GRANTEES] } } } },
            },
          },
        },
        {
          eventNames: ['PutBucketAcl', 'PutObjectAcl'],
          detail: { requestParameters: { 'x-amz-acl': [...PUBLIC_CANNED_ACLS] } },
        },
      ],
    },
    // IAM Access Analyzer: a bucket shared publicly.
    accessAnalyzer: { resourceTypes: ['AWS::S3::Bucket'], publicOnly: true },
  },
  permissions: [
    { calls: ['s3:GetPublicAccessBlock'], resources: [BUCKET] },
    { purpose: 'fix', calls: ['s3:PutPublicAccessBlock'], resources: [BUCKET] },
    // Undo puts the old configuration back, or deletes it (authorized by the same Put action).
    { purpose: 'undo', calls: ['s3:PutPublicAccessBlock', 's3:DeletePublicAccessBlock'], resources: [BUCKET] },
  ],
  target(event) {
    return s3BucketTarget(ID, event);
  },
  async readState(call, { target, account }) {
    const out = await readOr(
      () =>
        call({
          service: 's3',
          action: 'GetPublicAccessBlock',
          input: { Bucket: target.bucket, ExpectedBucketOwner: account },
        }),
      ['NoSuchPublicAccessBlockConfiguration'],
      {},
    );
    const config = (out.PublicAccessBlockConfiguration as PublicAccessBlockState['config']) ?? null;
    return { config };
  },
  stateFromFinding: () => ({ config: null }),
  plan(state, { target, account }) {
    if (blocksAll(state.config)) return [];
    return [
      {
        service: 's3',
        action: 'PutPublicAccessBlock',
        input: {
          Bucket: target.bucket,
          ExpectedBucketOwner: account,
          PublicAccessBlockConfiguration: { ...BLOCK_ALL },
        },
      },
    ];
  },
  undo(before, { target, account }) {
    if (before.config === null) {
      return [
        {
          service: 's3',
          action: 'DeletePublicAccessBlock',
          input: { Bucket: target.bucket, ExpectedBucketOwner: account },
        },
      ];
    }
    return [
      {
        service: 's3',
        action: 'PutPublicAccessBlock',
        input: {
          Bucket: target.bucket,
          ExpectedBucketOwner: account,
          PublicAccessBlockConfiguration: { ...before.config },
        },
      },
    ];
  },
});
