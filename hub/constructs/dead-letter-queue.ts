import { Duration } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption, RedrivePermission } from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';

/** Properties of {@link DeadLetterQueue}. */
export interface DeadLetterQueueProps {
  /** Key that encrypts the messages. */
  readonly key: IKey;
  /** What fails into this queue, for the console and the alarm description. */
  readonly description: string;
}

/**
 * An encrypted, TLS-only SQS queue that catches what an asynchronous hop could not deliver (Lambda async
 * invocations, EventBridge targets, the ingest queue). Messages stay 14 days, the SQS maximum, so nothing is
 * lost over a long weekend. Every instance in a stack gets an alarm: see {@link DeadLetterQueue.findAll}.
 */
export class DeadLetterQueue extends Construct {
  readonly queue: Queue;
  readonly description: string;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.description = props.description;
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Marks it as a dead-letter queue (CT.SQS.PR.1 then requires no DLQ of its own); allowAll is SQS's default.
      redriveAllowPolicy: { redrivePermission: RedrivePermission.ALLOW_ALL },
    });
  }

  /** Every dead-letter queue under a scope, so monitoring can alarm on each one without a hand-kept list. */
  static findAll(scope: IConstruct): DeadLetterQueue[] {
    return scope.node.findAll().filter((c): c is DeadLetterQueue => c instanceof DeadLetterQueue);
  }
}
