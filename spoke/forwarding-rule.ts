import type * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { HubBusForwardingRule } from './event-forwarding-role.ts';
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
}

/**
 * One rule on the member account's default bus that forwards one kind of security event to the hub bus.
 *
 * The target carries no RetryPolicy: the CDK's EventBus target documents that a retry policy is not supported
 * for event bus targets, and EventBridge's own default for a rule target (retry for 24 hours, up to 185 times,
 * exponential back-off with jitter — "How EventBridge retries delivering events") is already the longest
 * policy there is. What is still undelivered then goes to the dead-letter queue (DeadLetterConfig, which the
 * EventBus target does support). See README "Deployment notes".
 */
export class ForwardingRule extends Construct {
  readonly rule: events.CfnRule;

  constructor(scope: Construct, id: string, props: ForwardingRuleProps) {
    super(scope, id);
    const { definition } = props;
    this.rule = new HubBusForwardingRule(this, 'Rule', {
      description: `SOCless: forward ${definition.description} to the hub bus`,
      eventPattern: props.pattern,
      hubBusArn: props.hubBusArn,
      roleArn: props.roleArn,
      deadLetterQueue: props.deadLetterQueue,
    });
  }
}
