import { Aws } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { NAMES } from '../shared/names.ts';
import type { ForwardingDeadLetterQueue } from './forwarding-dead-letter-queue.ts';

/** Properties of {@link HubBusPutEventsRole}. */
export interface HubBusPutEventsRoleProps {
  /** ARN of the hub bus: the only resource the role may put events on. */
  readonly hubBusArn: string;
  /** What the role is for (IAM description). */
  readonly description: string;
  /** A fixed role name. @default a name CloudFormation generates */
  readonly roleName?: string;
}

/**
 * A role that only EventBridge acting for this account's own rules may assume, and that may only `events:PutEvents`
 * on the hub bus: what a rule needs to target a bus in another account. Every SOCless rule that forwards to the
 * hub bus uses one (the spoke's regional rules, the management account's org-events rule, the custom-action rule).
 */
export class HubBusPutEventsRole extends iam.Role {
  constructor(scope: Construct, id: string, props: HubBusPutEventsRoleProps) {
    super(scope, id, {
      ...(props.roleName !== undefined ? { roleName: props.roleName } : {}),
      description: props.description,
      // Only EventBridge acting for this account's own rules (confused-deputy guard).
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      }),
      inlinePolicies: {
        PutEventsOnHubBus: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'PutEventsOnHubBus',
              actions: ['events:PutEvents'],
              resources: [props.hubBusArn],
            }),
          ],
        }),
      },
    });
  }
}

/** Properties of {@link HubBusForwardingRule}. */
export interface HubBusForwardingRuleProps {
  /** The rule's description. */
  readonly description: string;
  /** The events it forwards. */
  readonly eventPattern: object;
  /** ARN of the hub bus. */
  readonly hubBusArn: string;
  /** ARN of the role that puts events on the hub bus (a {@link HubBusPutEventsRole}). */
  readonly roleArn: string;
  /** Where undeliverable events go; the rule is allowed to write there. */
  readonly deadLetterQueue: ForwardingDeadLetterQueue;
}

/**
 * An enabled rule on this account's default bus with one target, the hub bus (`SoclessHubBus`), put there with
 * `roleArn` and dead-lettered into `deadLetterQueue`, whose policy then lets this rule write to it.
 */
export class HubBusForwardingRule extends events.CfnRule {
  constructor(scope: Construct, id: string, props: HubBusForwardingRuleProps) {
    super(scope, id, {
      description: props.description,
      state: 'ENABLED',
      eventPattern: props.eventPattern,
      targets: [
        {
          id: 'SoclessHubBus',
          arn: props.hubBusArn,
          roleArn: props.roleArn,
          deadLetterConfig: { arn: props.deadLetterQueue.queue.queueArn },
        },
      ],
    });
    props.deadLetterQueue.allowRule(this.attrArn);
  }
}

/** Properties of {@link EventForwardingRole}. */
export interface EventForwardingRoleProps {
  /** ARN of the hub bus (the `HubBusArn` parameter): the only resource the role may put events on. */
  readonly hubBusArn: string;
}

/**
 * `SoclessEventForwardingRole`: the role every regional forwarding rule of this account uses to put events on
 * the hub bus (cross-account bus targets require one). IAM is global, so it lives in the global stack; its name is
 * fixed because the regional StackSet's rules name it without a cross-stack reference.
 */
export class EventForwardingRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: EventForwardingRoleProps) {
    super(scope, id);
    this.role = new HubBusPutEventsRole(this, 'Role', {
      roleName: NAMES.spokeForwardingRoleName,
      description: 'Used by the SOCless forwarding rules to put security events on the hub bus',
      hubBusArn: props.hubBusArn,
    });
  }
}
