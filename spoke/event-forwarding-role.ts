import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { NAMES } from '../shared/names.ts';

/** Properties of {@link EventForwardingRole}. */
export interface EventForwardingRoleProps {
  /** ARN of the hub bus (the `HubBusArn` parameter): the only resource the role may put events on. */
  readonly hubBusArn: string;
}

/**
 * `SoclessEventForwardingRole`: the role every regional forwarding rule of this account uses to put events on
 * the hub bus (cross-account bus targets require one). IAM is global, so it lives in the global stack.
 */
export class EventForwardingRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: EventForwardingRoleProps) {
    super(scope, id);
    this.role = new iam.Role(this, 'Role', {
      roleName: NAMES.spokeForwardingRoleName,
      description: 'Used by the SOCless forwarding rules to put security events on the hub bus',
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
