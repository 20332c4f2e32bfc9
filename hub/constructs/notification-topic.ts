import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { NOTIFY_TOPIC_NAME } from '../../shared/integration-runtime/deps.ts';

/** Properties of {@link NotificationTopic}. */
export interface NotificationTopicProps {
  /** Encrypts the topic. */
  readonly key: IKey;
  /**
   * Subscribes this address to playbook notifications.
   * @default no subscription (subscribe people or a chat bridge after deploying)
   */
  readonly email?: string;
}

/**
 * The topic playbooks notify through (`notify_email`): separate from the alarm topic, so the SOC can route
 * findings and hub health to different people.
 */
export class NotificationTopic extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: NotificationTopicProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', {
      topicName: NOTIFY_TOPIC_NAME,
      displayName: 'SOCless playbook notifications',
      masterKey: props.key,
      enforceSSL: true,
    });
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));
  }
}
