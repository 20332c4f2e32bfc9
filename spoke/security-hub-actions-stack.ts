import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { SecurityHubCustomActions } from '../hub/constructs/security-hub-custom-actions.ts';
import type { SoclessConfig } from '../shared/config.ts';
import { defaultHubBusArn } from './spoke-parameters.ts';

/** Stack name of the delegated administrator's custom actions in `region`. */
export function securityHubActionsStackName(region: string): string {
  return `SoclessSecurityHubActions-${region}`;
}

/** Regions SOCless's custom actions are created in: `securityHub.customActions.regions`, else the home region. */
export function customActionRegions(config: Pick<SoclessConfig, 'homeRegion' | 'securityHub'>): string[] {
  const regions = config.securityHub.customActions.regions;
  return regions.length > 0 ? [...regions] : [config.homeRegion];
}

/** Properties of {@link SecurityHubActionsStack}. */
export interface SecurityHubActionsStackProps extends StackProps {
  readonly config: SoclessConfig;
}

/**
 * `SoclessSecurityHubActions-<region>`, deployed in the Security Hub delegated administrator account
 * (`securityHub.customActions.where: delegated-admin`), once per region in `securityHub.customActions.regions`:
 * SOCless's three custom actions, and one rule that forwards their events (and only theirs, matched by ARN) from
 * the account's default bus to the hub bus. StackSets do not deploy to one chosen account per region with its own
 * resources, so this is a stack of its own, like SoclessOrgEvents; its role may put events on the hub bus only.
 */
export class SecurityHubActionsStack extends Stack {
  readonly actions: SecurityHubCustomActions;

  constructor(scope: Construct, id: string, props: SecurityHubActionsStackProps) {
    const where = props.config.securityHub.customActions;
    super(scope, id, {
      description:
        'SOCless Security Hub custom actions in the delegated administrator account, forwarded to the hub bus',
      ...props,
      env: props.env ?? { account: where.account, region: props.config.homeRegion },
    });
    this.actions = new SecurityHubCustomActions(this, 'CustomActions', { forwardTo: defaultHubBusArn(props.config) });
  }
}
