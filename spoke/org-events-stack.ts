import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { SoclessConfig } from '../shared/config.ts';
import { ORGANIZATIONS_TAG_CHANGE_PATTERN } from '../shared/org/registry-sync.ts';
import { HubBusForwardingRule, HubBusPutEventsRole } from './event-forwarding-role.ts';
import { ForwardingDeadLetterQueue } from './forwarding-dead-letter-queue.ts';
import { defaultHubBusArn } from './spoke-parameters.ts';

/** EventBridge delivers Organizations events in the management account, in this region only. */
export const ORGANIZATIONS_EVENTS_REGION = 'us-east-1';

/** Properties of {@link OrgEventsStack}. */
export interface OrgEventsStackProps extends StackProps {
  readonly config: SoclessConfig;
}

/**
 * `SoclessOrgEvents`, deployed once in the organization's management account (us-east-1): one rule that forwards
 * account tag changes (`TagResource` / `UntagResource` through CloudTrail) to the hub bus, where the hub's
 * registry-sync Lambda applies them to the accounts registry. StackSets cannot reach the management account, so
 * this is a stack of its own; its role may put events on the hub bus and nothing else.
 */
export class OrgEventsStack extends Stack {
  readonly rule: events.CfnRule;
  readonly role: iam.Role;
  readonly deadLetterQueue: ForwardingDeadLetterQueue;

  constructor(scope: Construct, id: string, props: OrgEventsStackProps) {
    super(scope, id, {
      description: 'SOCless org events: forwards account tag changes from the management account to the hub bus',
      ...props,
      env: props.env ?? { region: ORGANIZATIONS_EVENTS_REGION },
    });
    const hubBusArn = defaultHubBusArn(props.config);
    this.role = new HubBusPutEventsRole(this, 'ForwardingRole', {
      description: 'Used by the SOCless org-events rule to put account tag changes on the hub bus',
      hubBusArn,
    });
    this.deadLetterQueue = new ForwardingDeadLetterQueue(this, 'DeadLetter');
    this.rule = new HubBusForwardingRule(this, 'AccountTagChanges', {
      description: 'SOCless: forward account TagResource/UntagResource calls to the hub bus (accounts registry)',
      eventPattern: ORGANIZATIONS_TAG_CHANGE_PATTERN,
      hubBusArn,
      roleArn: this.role.roleArn,
      deadLetterQueue: this.deadLetterQueue,
    });
  }
}
