/** notify_email: e-mails the SOC through the hub SNS topic (its e-mail subscriptions). */
import { z } from 'zod';
import { defineIntegration } from '../../../shared/integration-runtime/define.ts';
import { NOTIFY_TOPIC_ENV } from '../../../shared/integration-runtime/deps.ts';

export const NotifyEmailParameters = z.object({
  subject: z.string().min(1, 'must not be empty'),
  message: z.string().min(1, 'must not be empty'),
  /** Becomes a message attribute subscribers can filter on. */
  severity: z.string().optional(),
  attributes: z.record(z.string(), z.string()).default({}),
  /** Facts appended to the message as `key: value` lines (objects as JSON), e.g. `"account.$": "$.results.Enrich"`. */
  details: z.record(z.string(), z.unknown()).default({}),
});

/** The message body: the text, then one line per detail. */
export function emailBody(message: string, details: Readonly<Record<string, unknown>>): string {
  const lines = Object.entries(details).map(
    ([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v, null, 2)}`,
  );
  return lines.length > 0 ? `${message}\n\n${lines.join('\n')}` : message;
}

/** SNS e-mail subjects: printable ASCII, no line breaks, under 100 characters. */
export function emailSubject(text: string): string {
  const clean = text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[^\x20-\x7E]/g, '?')
    .trim();
  return clean.length > 99 ? `${clean.slice(0, 96)}...` : clean || 'SOCless notification';
}

export const notifyEmail = defineIntegration({
  id: 'notify_email',
  references: ['socless.NotifyEmail', 'socless.notify_email'],
  description: 'Publishes a notification to the hub SNS topic, which e-mails its subscribers.',
  parameters: NotifyEmailParameters,
  environment: [NOTIFY_TOPIC_ENV],
  deployment: {
    tables: [],
    notifies: true,
    timeoutSeconds: 10,
  },
  async run(params, ctx) {
    const notifier = ctx.deps.notifier;
    if (!notifier) throw new Error(`notify_email: no notifier configured (${NOTIFY_TOPIC_ENV})`);
    const subject = emailSubject(params.subject);
    const attributes = {
      ...params.attributes,
      ...(params.severity ? { severity: params.severity } : {}),
      playbook: ctx.playbook,
      investigation_id: ctx.investigationId,
    };
    const { messageId } = await notifier.publish({
      subject,
      message: emailBody(params.message, params.details),
      attributes,
    });
    return { message_id: messageId, subject };
  },
});
