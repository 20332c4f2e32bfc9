import { Stack } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import { CfnActionTarget } from 'aws-cdk-lib/aws-securityhub';
import { Construct } from 'constructs';
import {
  customActionArn,
  customActionEventPattern,
  SOCLESS_CUSTOM_ACTIONS,
} from '../../shared/remediation/custom-actions.ts';
import { HubBusForwardingRule, HubBusPutEventsRole } from '../../spoke/event-forwarding-role.ts';
import { ForwardingDeadLetterQueue } from '../../spoke/forwarding-dead-letter-queue.ts';

/** Properties of {@link SecurityHubCustomActions}. */
export interface SecurityHubCustomActionsProps {
  /** Only these decisions get an action. @default every SOCless custom action */
  readonly decisions?: readonly string[];
  /**
   * The hub bus ARN: when set, a rule on this account's default bus (where Security Hub sends the actions'
   * events) forwards them there, with a role that may put events on that bus only and a dead-letter queue.
   * @default no forwarding (the events stay on the default bus)
   */
  readonly forwardTo?: string;
}

/**
 * SOCless's Security Hub custom actions, in the account and region where Security Hub's administrator lives (the
 * hub, or the delegated administrator's `SoclessSecurityHubActions` stack). Their events reach EventBridge there
 * only, on the default bus: `forwardTo` sends exactly these actions' events (matched by their ARNs) to the hub bus.
 */
export class SecurityHubCustomActions extends Construct {
  /** The ARNs of the actions, as Security Hub names them. */
  readonly actionArns: readonly string[];
  /** The EventBridge pattern that matches these actions' events. */
  readonly eventPattern: Record<string, unknown>;
  /** The forwarding rule (with `forwardTo`). */
  readonly rule?: events.CfnRule;
  readonly deadLetterQueue?: ForwardingDeadLetterQueue;

  constructor(scope: Construct, id: string, props: SecurityHubCustomActionsProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const actions = SOCLESS_CUSTOM_ACTIONS.filter((a) => !props.decisions || props.decisions.includes(a.decision));
    const targets = actions.map(
      (action) =>
        new CfnActionTarget(this, action.id, { id: action.id, name: action.name, description: action.description }),
    );
    this.actionArns = actions.map((a) => customActionArn(stack.partition, stack.region, stack.account, a.id));
    this.eventPattern = customActionEventPattern(this.actionArns);
    if (props.forwardTo === undefined) return;

    const role = new HubBusPutEventsRole(this, 'ForwardingRole', {
      description: 'Used by the SOCless custom-action rule to put Security Hub custom action events on the hub bus',
      hubBusArn: props.forwardTo,
    });
    this.deadLetterQueue = new ForwardingDeadLetterQueue(this, 'DeadLetter');
    this.rule = new HubBusForwardingRule(this, 'ForwardCustomActions', {
      description: "SOCless: forward SOCless's Security Hub custom action events to the hub bus",
      eventPattern: this.eventPattern,
      hubBusArn: props.forwardTo,
      roleArn: role.roleArn,
      deadLetterQueue: this.deadLetterQueue,
    });
    // The ARNs the pattern names exist once the actions do.
    for (const target of targets) this.rule.addDependency(target);
  }
}
