/**
 * Sends notifications for the notify integrations: the hub SNS topic in AWS (e-mail subscriptions), a
 * recording notifier in the local hub.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';

/** One notification. */
export interface Notification {
  /** E-mail subject; SNS limits it to 100 printable ASCII characters. */
  readonly subject: string;
  readonly message: string;
  /** Message attributes subscribers can filter on (e.g. severity, account). */
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface Notifier {
  publish(notification: Notification): Promise<{ messageId: string }>;
}

/** Publishes to one SNS topic. */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly sns: SNSClient,
    readonly topicArn: string,
  ) {}

  async publish(n: Notification): Promise<{ messageId: string }> {
    const attributes = Object.fromEntries(
      Object.entries(n.attributes ?? {}).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
    );
    const out = await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: n.subject,
        Message: n.message,
        ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
      }),
    );
    return { messageId: out.MessageId ?? '' };
  }
}
