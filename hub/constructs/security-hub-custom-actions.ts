import { Stack } from 'aws-cdk-lib';
import { CfnActionTarget } from 'aws-cdk-lib/aws-securityhub';
import { Construct } from 'constructs';
import {
  customActionArn,
  customActionEventPattern,
  SOCLESS_CUSTOM_ACTIONS,
} from '../../shared/remediation/custom-actions.ts';

/** Properties of {@link SecurityHubCustomActions}. */
export interface SecurityHubCustomActionsProps {
  /** Only these decisions get an action. @default every SOCless custom action */
  readonly decisions?: readonly string[];
}

/**
 * SOCless's Security Hub custom actions, in the account and region where Security Hub's administrator lives (the
 * hub, or the delegated administrator the org rollout deploys to). Their events reach EventBridge there only.
 */
export class SecurityHubCustomActions extends Construct {
  /** The ARNs of the actions, as Security Hub names them. */
  readonly actionArns: readonly string[];
  /** The EventBridge pattern that matches these actions' events. */
  readonly eventPattern: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: SecurityHubCustomActionsProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const actions = SOCLESS_CUSTOM_ACTIONS.filter((a) => !props.decisions || props.decisions.includes(a.decision));
    for (const action of actions) {
      new CfnActionTarget(this, action.id, { id: action.id, name: action.name, description: action.description });
    }
    this.actionArns = actions.map((a) => customActionArn(stack.partition, stack.region, stack.account, a.id));
    this.eventPattern = customActionEventPattern(this.actionArns);
  }
}
