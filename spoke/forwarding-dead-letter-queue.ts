import { Duration, Lazy, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * Where a forwarding rule puts an event it could not deliver to the hub bus: SSE-SQS encrypted, TLS-only,
 * and writable only by EventBridge on behalf of the rules that name it, with an alarm on its depth.
 */
export class ForwardingDeadLetterQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly alarm: cloudwatch.Alarm;
  private readonly ruleArns: string[] = [];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      // SSE-SQS: EventBridge can write without a KMS key policy in every member account.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Marks it as a dead-letter queue (CT.SQS.PR.1 then requires no DLQ of its own); allowAll is SQS's default.
      redriveAllowPolicy: { redrivePermission: sqs.RedrivePermission.ALLOW_ALL },
    });
    // cdk-nag only recognises DLQs named by an SQS redrive policy or a Lambda, not by an EventBridge target.
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter queue of the SOCless forwarding rules (their EventBridge targets name it in DeadLetterConfig); a DLQ needs no DLQ of its own',
    });
    this.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowForwardingRulesToDeadLetter',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        // Lazily filled: the statement lists exactly the rules registered with allowRule().
        conditions: { ArnEquals: { 'aws:SourceArn': Lazy.list({ produce: () => [...this.ruleArns] }) } },
      }),
    );
    this.alarm = new cloudwatch.Alarm(this, 'DepthAlarm', {
      alarmDescription:
        'SOCless security events could not be forwarded to the hub bus and wait in the dead-letter queue',
      metric: this.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /** Lets EventBridge dead-letter events of the given rule into this queue. */
  allowRule(ruleArn: string): void {
    this.ruleArns.push(ruleArn);
  }
}
