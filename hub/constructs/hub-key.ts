import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** Properties of {@link HubKey}. */
export interface HubKeyProps {
  /**
   * Alias of the key, without the `alias/` prefix.
   * @default 'socless-hub'
   */
  readonly aliasName?: string;
}

/**
 * The one customer-managed KMS key of the hub: every table, bucket, queue, topic, secret and log group is
 * encrypted with it, so one key policy says which services may use it. Rotation is on.
 */
export class HubKey extends Construct {
  readonly key: Key;

  constructor(scope: Construct, id: string, props: HubKeyProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);

    this.key = new Key(this, 'Key', {
      alias: `alias/${props.aliasName ?? 'socless-hub'}`,
      description: 'SOCless hub: tables, buckets, queues, topic, secrets and log groups',
      enableKeyRotation: true,
      // Losing the key loses every audit record it protects: keep it if the stack goes.
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });

    // CloudWatch Logs encrypts log groups with the key itself; the context condition keeps it to this account's groups.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchLogsForHubLogGroups',
        principals: [new ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:*`,
          },
        },
      }),
    );

    // CloudWatch alarms publish to the encrypted alarm topic; EventBridge delivers to encrypted queues.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowAlarmsAndEventBridgeToUseEncryptedTopicsAndQueues',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com'), new ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
  }
}
