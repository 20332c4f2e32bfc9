import { Stage, type StageProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { NAMES } from '../../shared/names.ts';
import { HubStack, type HubStackProps } from '../hub-stack.ts';

/** Properties of {@link SoclessHubStage}. */
export interface SoclessHubStageProps extends StageProps {
  /** What app.ts gives the hub: config, integrations, compiled playbooks. */
  readonly hub: HubStackProps;
}

/**
 * The hub as a pipeline stage: the same HubStack, under the same stack name (`SoclessHub`), so a hub deployed by
 * hand and one deployed by the pipeline are one stack. It also lets CodeStar Notifications publish the pipeline's
 * notifications to the hub's encrypted alarm topic.
 */
export class SoclessHubStage extends Stage {
  readonly hub: HubStack;

  constructor(scope: Construct, id: string, props: SoclessHubStageProps) {
    super(scope, id, props);
    this.hub = new HubStack(this, NAMES.stacks.hub, { ...props.hub, stackName: NAMES.stacks.hub });
    const notifications = new iam.ServicePrincipal('codestar-notifications.amazonaws.com');
    const topic = this.hub.monitoring.alarmTopic;
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CodeStarNotificationsPublish',
        principals: [notifications],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': this.hub.account } },
      }),
    );
    // The topic is encrypted with the hub key: the publisher needs a data key.
    this.hub.key.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CodeStarNotificationsUseKey',
        principals: [notifications],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.hub.account } },
      }),
    );
  }
}
