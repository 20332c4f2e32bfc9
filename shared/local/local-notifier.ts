/** The local hub's notification channel: keeps what would have been published, in order. */
import type { Notification, Notifier } from '../integration-runtime/notifier.ts';

export interface SentNotification extends Notification {
  readonly messageId: string;
  readonly sentAt: string;
}

export class RecordingNotifier implements Notifier {
  readonly sent: SentNotification[] = [];

  constructor(private readonly onPublish?: (n: SentNotification) => void) {}

  async publish(n: Notification): Promise<{ messageId: string }> {
    const sent: SentNotification = {
      ...n,
      messageId: `local-${this.sent.length + 1}`,
      sentAt: new Date().toISOString(),
    };
    this.sent.push(sent);
    this.onPublish?.(sent);
    return { messageId: sent.messageId };
  }
}
