import { BootstraplessSynthesizer, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { SoclessConfig } from '../shared/config.ts';
import { NAMES } from '../shared/names.ts';
import { FORWARDED_EVENTS, forwardedEventPattern } from './forwarded-events.ts';
import { ForwardingDeadLetterQueue } from './forwarding-dead-letter-queue.ts';
import { ForwardingRule } from './forwarding-rule.ts';
import { addHubBusArnParameter } from './spoke-parameters.ts';

/** Properties of {@link SpokeRegionalStack}. */
export interface SpokeRegionalStackProps extends StackProps {
  /** The validated configuration: the hub bus default and `riskyApiNames` come from it. */
  readonly config: SoclessConfig;
}

/**
 * The spoke's per-region part, deployed in every member account and enabled region: rules on the default bus
 * that forward security events to the hub bus through the account's forwarding role, with EventBridge's
 * default retries (24 hours, 185 attempts) and a dead-letter queue. CloudTrail API-call events reach EventBridge only while a trail logs the account.
 */
export class SpokeRegionalStack extends Stack {
  readonly deadLetterQueue: ForwardingDeadLetterQueue;
  readonly rules: readonly ForwardingRule[];

  constructor(scope: Construct, id: string, props: SpokeRegionalStackProps) {
    super(scope, id, {
      description: 'SOCless spoke (regional): forward security events to the hub bus',
      analyticsReporting: false,
      synthesizer: new BootstraplessSynthesizer(),
      ...props,
    });
    const hubBusArn = addHubBusArnParameter(this, props.config).valueAsString;
    // Created by the global stack of the same account; referenced by name so the stacks stay independent.
    const roleArn = Fn.sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${NAMES.spokeForwardingRoleName}`);
    this.deadLetterQueue = new ForwardingDeadLetterQueue(this, 'DeadLetterQueue');
    this.rules = FORWARDED_EVENTS.map(
      (definition) =>
        new ForwardingRule(this, definition.id, {
          definition,
          pattern: forwardedEventPattern(definition, props.config.riskyApiNames),
          hubBusArn,
          roleArn,
          deadLetterQueue: this.deadLetterQueue,
        }),
    );
  }
}
