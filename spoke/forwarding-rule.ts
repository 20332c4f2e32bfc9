import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import type { ForwardedEventDefinition, ForwardedEventPattern } from './forwarded-events.ts';
import type { ForwardingDeadLetterQueue } from './forwarding-dead-letter-queue.ts';

/** Properties of {@link ForwardingRule}. */
export interface ForwardingRuleProps {
  /** What to forward. */
  readonly definition: ForwardedEventDefinition;
  /** The rule's event pattern (from `forwardedEventPattern`). */
  readonly pattern: ForwardedEventPattern;
  /** ARN of the hub bus. */
  readonly hubBusArn: string;
  /** ARN of the role that puts events on the hub bus (cross-account bus targets require one). */
  readonly roleArn: string;
  /** Where undeliverable events go. */
  readonly deadLetterQueue: ForwardingDeadLetterQueue;
  /**
   * How long EventBridge keeps retrying an event.
   * @default Duration.hours(24) (the maximum: an event should wait out a hub outage, not be dropped)
   */
  readonly maxEventAge?: Duration;
  /**
   * How many times EventBridge retries an event.
   * @default 185 (the maximum)
   */
  readonly retryAttempts?: number;
}

/** One rule on the member account's default bus that forwards one kind of security event to the hub bus. */
export class ForwardingRule extends Construct {
  readonly rule: events.CfnRule;

  constructor(scope: Construct, id: string, props: ForwardingRuleProps) {
    super(scope, id);
    const { definition } = props;
    const maxEventAgeSeconds = (props.maxEventAge ?? Duration.hours(24)).toSeconds();
    const retryAttempts = props.retryAttempts ?? 185;
    if (maxEventAgeSeconds < 60 || maxEventAgeSeconds > 86_400) {
      throw new RangeError(`ForwardingRule ${id}: maxEventAge must be 60 s to 24 h, got ${maxEventAgeSeconds} s`);
    }
    if (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > 185) {
      throw new RangeError(`ForwardingRule ${id}: retryAttempts must be an integer 0 to 185, got ${retryAttempts}`);
    }
    this.rule = new events.CfnRule(this, 'Rule', {
      description: `SOCless: forward ${definition.description} to the hub bus`,
      state: 'ENABLED',
      eventPattern: props.pattern,
      targets: [
        {
          id: 'SoclessHubBus',
          arn: props.hubBusArn,
          roleArn: props.roleArn,
          retryPolicy: {
            maximumEventAgeInSeconds: maxEventAgeSeconds,
            maximumRetryAttempts: retryAttempts,
          },
          deadLetterConfig: { arn: props.deadLetterQueue.queue.queueArn },
        },
      ],
    });
    props.deadLetterQueue.allowRule(this.rule.attrArn);
  }
}
