// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${AWS::...} are CloudFormation pseudo-parameters, substituted per account
/** Adds a statement to a bucket policy that denies every request not made over TLS. */
import { defineRemediation } from '../../shared/remediation/types.ts';
import { readOr, s3BucketTarget } from './support.ts';

const ID = 's3-bucket-require-tls';
const BUCKET = 'arn:${AWS::Partition}:s3:::${Target:bucket}';
/** Sid of the statement this remediation adds (and recognizes). */
export const TLS_STATEMENT_SID = 'SoclessDenyInsecureTransport';

interface Statement {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Principal?: unknown;
  readonly Action?: unknown;
  readonly Resource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** Whether a policy already denies `s3:*` on the bucket and its objects when aws:SecureTransport is false. */
export function requiresTls(policy: { Statement?: Statement[] } | null, bucketArn: string): boolean {
  if (!policy) return false;
  const list = (v: unknown) => (Array.isArray(v) ? v : v === undefined ? [] : [v]) as unknown[];
  return (policy.Statement ?? []).some((s) => {
    if (s.Effect !== 'Deny') return false;
    const secure = s.Condition?.Bool?.['aws:SecureTransport'];
    if (String(secure).toLowerCase() !== 'false') return false;
    const actions = list(s.Action);
    if (!actions.includes('s3:*')) return false;
    const resources = list(s.Resource);
    return resources.includes(bucketArn) && resources.includes(`${bucketArn}/*`);
  });
}

export const s3BucketRequireTls = defineRemediation<{ bucket: string }, { policy: { Statement?: Statement[] } | null }>(
  {
    id: ID,
    title: 'S3 bucket policy: require TLS',
    description:
      'Adds a Deny statement for requests without aws:SecureTransport to the bucket policy, keeping the rest.',
    findings: {
      securityHubControls: ['S3.5'],
      configRules: ['s3-bucket-ssl-requests-only'],
      cloudTrail: { eventSource: 's3.amazonaws.com', eventNames: ['PutBucketPolicy', 'DeleteBucketPolicy'] },
    },
    permissions: [
      { calls: ['s3:GetBucketPolicy'], resources: [BUCKET] },
      { purpose: 'fix', calls: ['s3:PutBucketPolicy'], resources: [BUCKET] },
      // Undo restores the old policy, or deletes the one the fix created.
      { purpose: 'undo', calls: ['s3:PutBucketPolicy', 's3:DeleteBucketPolicy'], resources: [BUCKET] },
    ],
    target(event) {
      return s3BucketTarget(ID, event);
    },
    async readState(call, { target, account }) {
      const out = await readOr(
        () =>
          call({
            service: 's3',
            action: 'GetBucketPolicy',
            input: { Bucket: target.bucket, ExpectedBucketOwner: account },
          }),
        ['NoSuchBucketPolicy'],
        {},
      );
      return { policy: typeof out.Policy === 'string' ? JSON.parse(out.Policy) : null };
    },
    stateFromFinding: () => ({ policy: null }),
    plan(state, { target, account, partition }) {
      const bucketArn = `arn:${partition}:s3:::${target.bucket}`;
      if (requiresTls(state.policy, bucketArn)) return [];
      const statements = (state.policy?.Statement ?? []).filter((s) => s.Sid !== TLS_STATEMENT_SID);
      const policy = {
        Version: '2012-10-17',
        ...(state.policy ?? {}),
        Statement: [
          ...statements,
          {
            Sid: TLS_STATEMENT_SID,
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [bucketArn, `${bucketArn}/*`],
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      };
      return [
        {
          service: 's3',
          action: 'PutBucketPolicy',
          input: { Bucket: target.bucket, ExpectedBucketOwner: account, Policy: JSON.stringify(policy) },
        },
      ];
    },
    undo(before, { target, account }) {
      if (before.policy === null) {
        return [
          {
            service: 's3',
            action: 'DeleteBucketPolicy',
            input: { Bucket: target.bucket, ExpectedBucketOwner: account },
          },
        ];
      }
      return [
        {
          service: 's3',
          action: 'PutBucketPolicy',
          input: { Bucket: target.bucket, ExpectedBucketOwner: account, Policy: JSON.stringify(before.policy) },
        },
      ];
    },
  },
);
