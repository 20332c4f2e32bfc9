import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Properties of {@link HubBuckets}. */
export interface HubBucketsProps {
  /** Key of the vault bucket (SSE-KMS). */
  readonly key: IKey;
  /**
   * Days the logs bucket keeps server access logs.
   * @default 365
   */
  readonly logRetentionDays?: number;
  /**
   * Days objects under the vault's `tmp/` prefix live.
   * @default 1
   */
  readonly vaultTmpExpirationDays?: number;
}

/**
 * The S3 vault (investigation artefacts, SSE-KMS with the hub key) and the logs bucket that receives the vault's
 * server access logs. Both block public access, refuse plain HTTP, keep versions and expire what they should.
 */
export class HubBuckets extends Construct {
  readonly vault: Bucket;
  readonly logs: Bucket;

  constructor(scope: Construct, id: string, props: HubBucketsProps) {
    super(scope, id);

    this.logs = new Bucket(this, 'Logs', {
      // SSE-S3, not SSE-KMS: the S3 user guide documents SSE-S3 as the encryption for server access log
      // destination buckets, and log delivery does not request KMS keys on our behalf.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: Duration.days(props.logRetentionDays ?? 365),
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.vault = new Bucket(this, 'Vault', {
      encryption: BucketEncryption.KMS,
      encryptionKey: props.key,
      // Bucket keys cut KMS requests (and cost) for many small artefacts.
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: this.logs,
      serverAccessLogsPrefix: 'vault/',
      lifecycleRules: [
        {
          id: 'expire-tmp',
          prefix: 'tmp/',
          expiration: Duration.days(props.vaultTmpExpirationDays ?? 1),
          noncurrentVersionExpiration: Duration.days(1),
        },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
