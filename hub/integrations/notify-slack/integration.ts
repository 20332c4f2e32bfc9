/**
 * notify_slack: a Block Kit message about a finding (severity, account, resource, what happened, what was or
 * will be done, links to the console and the execution) through the bot token (chat.postMessage) or, without
 * one, the incoming webhook. Both credentials come from Secrets Manager; 429s are retried after Retry-After.
 */
import { z } from 'zod';
import { defineIntegration } from '../../../shared/integration-runtime/define.ts';
import { FindingMessageParameters, toFindingMessage } from '../../../shared/integrations/finding-message.ts';
import { INTEGRATION_ENV, IntegrationNotConfiguredError, readSecret } from '../../../shared/integrations/settings.ts';
import { postSlackWebhook, SlackClient } from '../../../shared/integrations/slack.ts';
import { findingBlocks, findingText } from '../../../shared/integrations/slack-blocks.ts';

export const NotifySlackParameters = FindingMessageParameters.extend({
  /** Slack channel id; @default the configured slack.defaultChannel (bot token only) */
  channel: z
    .string()
    .regex(/^[CGD][A-Z0-9]{6,}$/, 'must be a Slack channel id such as C0123ABCD')
    .optional(),
  /** Reply in the thread of this message (bot token only). */
  thread_ts: z
    .string()
    .regex(/^\d+\.\d+$/, 'must be a Slack message ts such as 1700000000.000100')
    .optional(),
});

export const notifySlack = defineIntegration({
  id: 'notify_slack',
  references: ['socless.NotifySlack', 'socless.notify_slack', 'socless.SendMessage'],
  description: 'Posts a Block Kit finding message to Slack (bot token, or an incoming webhook).',
  parameters: NotifySlackParameters,
  deployment: { tables: [], timeoutSeconds: 30 },
  async run(params, ctx) {
    const env = ctx.deps.env;
    const message = toFindingMessage(params, ctx.executionId);
    const text = findingText(message);
    const blocks = findingBlocks(message);
    const tokenSecret = env[INTEGRATION_ENV.slackBotTokenSecret];
    if (tokenSecret) {
      const channel = params.channel ?? env[INTEGRATION_ENV.slackDefaultChannel];
      if (!channel) {
        throw new IntegrationNotConfiguredError(
          'notify_slack',
          INTEGRATION_ENV.slackDefaultChannel,
          'slack.defaultChannel (or the state parameter "channel")',
        );
      }
      const slack = new SlackClient({
        token: await readSecret(ctx.deps.secrets, tokenSecret),
        ...(env[INTEGRATION_ENV.slackApiUrl] ? { baseUrl: env[INTEGRATION_ENV.slackApiUrl] } : {}),
      });
      const posted = await slack.postMessage({
        channel,
        text,
        blocks,
        ...(params.thread_ts ? { thread_ts: params.thread_ts } : {}),
      });
      return { via: 'bot', channel: posted.channel, ts: posted.ts };
    }
    const webhookSecret = env[INTEGRATION_ENV.slackWebhookSecret];
    if (!webhookSecret) {
      throw new IntegrationNotConfiguredError(
        'notify_slack',
        INTEGRATION_ENV.slackBotTokenSecret,
        'slack (and set the bot token or webhook URL secret)',
      );
    }
    const url = await readSecret(ctx.deps.secrets, webhookSecret);
    await postSlackWebhook(url, { text, blocks });
    return { via: 'webhook' };
  },
});
