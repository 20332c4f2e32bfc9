/**
 * request_approval (Interaction): records the task token in `message_responses` under a new message id, then
 * asks in Slack (Approve / Reject buttons and a reason field) when a bot token is configured. The playbook
 * waits until the interactions function (Slack click or signed webhook) or the local hub answers.
 *
 * The planned remediation calls among `actions` are fingerprinted (`planHash`): the hash is stored with the
 * request, shown in the message, returned as `plan_hash`, and carried back in the answer, so the playbook can
 * pass it to remediate as `approved_plan_hash` and a plan that changed since the approver saw it is not applied.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { defineIntegration } from '../../../shared/integration-runtime/define.ts';
import { IntegrationParameterError } from '../../../shared/integration-runtime/errors.ts';
import { FindingMessageParameters, toFindingMessage } from '../../../shared/integrations/finding-message.ts';
import { MessageResponsesRepository } from '../../../shared/integrations/message-responses.ts';
import { INTEGRATION_ENV, IntegrationNotConfiguredError, readSecret } from '../../../shared/integrations/settings.ts';
import { SlackClient } from '../../../shared/integrations/slack.ts';
import { approvalBlocks, findingText } from '../../../shared/integrations/slack-blocks.ts';
import { planHash } from '../../../shared/remediation/plan-hash.ts';

export const RequestApprovalParameters = FindingMessageParameters.extend({
  question: z.string().min(1).max(500).default('Apply the planned fix?'),
  /** Slack channel id; @default the configured slack.defaultChannel */
  channel: z
    .string()
    .regex(/^[CGD][A-Z0-9]{6,}$/, 'must be a Slack channel id such as C0123ABCD')
    .optional(),
  /** Slack user ids who may answer this request, in addition to interactions.slack.allowedUserIds. */
  approvers: z.array(z.string().regex(/^[UW][A-Z0-9]{6,}$/, 'must be a Slack user id such as U0123ABCD')).default([]),
  /** How long the request can be answered; keep it equal to the state's TimeoutSeconds. @default 86400 */
  timeout_seconds: z
    .number()
    .int()
    .min(60)
    .max(365 * 86_400)
    .default(86_400),
});

export const requestApproval = defineIntegration({
  id: 'request_approval',
  references: ['socless.RequestApproval', 'socless.request_approval', 'socless.HumanApproval'],
  description: 'Asks a human to approve or reject (Slack buttons or the signed webhook) and waits for the answer.',
  parameters: RequestApprovalParameters,
  interaction: true,
  deployment: {
    tables: [{ table: 'message_responses', access: 'rw' }],
    timeoutSeconds: 30,
  },
  async run(params, ctx) {
    if (!ctx.taskToken) {
      throw new IntegrationParameterError({
        state: ctx.state,
        integration: 'request_approval',
        parameter: '(state)',
        reason: 'request_approval must run in an Interaction state (it needs the task token)',
      });
    }
    const env = ctx.deps.env;
    const tokenSecret = env[INTEGRATION_ENV.slackBotTokenSecret];
    const provider = tokenSecret ? 'slack' : 'webhook';
    const channel = params.channel ?? env[INTEGRATION_ENV.slackDefaultChannel];
    if (provider === 'slack' && !channel) {
      throw new IntegrationNotConfiguredError(
        'request_approval',
        INTEGRATION_ENV.slackDefaultChannel,
        'slack.defaultChannel (or the state parameter "channel")',
      );
    }
    const messageId = `req-${(ctx.deps.newId ?? randomUUID)()}`;
    const plan = plannedCallsOf(params.actions);
    const hash = plan.length > 0 ? planHash(plan) : undefined;
    const now = ctx.now();
    const expiresAt = Math.floor(now.getTime() / 1000) + params.timeout_seconds;
    const repo = new MessageResponsesRepository(ctx.deps.documentClient, ctx.tableName('message_responses'));
    // Written before the question is posted: a click can never find no record.
    await repo.create({
      messageId,
      taskToken: ctx.taskToken,
      investigationId: ctx.investigationId,
      executionId: ctx.executionId,
      playbook: ctx.playbook,
      state: ctx.state,
      status: 'pending',
      provider,
      title: params.title,
      createdAt: now.toISOString(),
      expiresAt,
      ...(params.approvers.length > 0 ? { approvers: params.approvers } : {}),
      ...(hash ? { planHash: hash } : {}),
      // A SOCless-style playbook reads the answer as SOCless data (flattened and under the state).
      ...(ctx.soclessContext ? { soclessCompat: true } : {}),
    });
    const base = {
      message_id: messageId,
      provider,
      expires_at: new Date(expiresAt * 1000).toISOString(),
      ...(hash ? { plan_hash: hash } : {}),
    };
    if (provider === 'webhook' || !tokenSecret || !channel) {
      ctx.logger.info('approval recorded; answer through POST /interactions/webhook', { messageId });
      return base;
    }
    const slack = new SlackClient({
      token: await readSecret(ctx.deps.secrets, tokenSecret),
      ...(env[INTEGRATION_ENV.slackApiUrl] ? { baseUrl: env[INTEGRATION_ENV.slackApiUrl] } : {}),
    });
    const shown = toFindingMessage(params, ctx.executionId);
    // First among the facts, so the approver sees exactly which plan the answer binds to.
    const message = hash ? { ...shown, facts: { 'Plan SHA-256': hash, ...shown.facts } } : shown;
    const posted = await slack.postMessage({
      channel,
      text: `Approval needed: ${findingText(message)}`,
      blocks: approvalBlocks({ ...message, question: params.question, messageId }),
    });
    await repo.attachSlackMessage(messageId, posted.channel, posted.ts);
    ctx.logger.info('approval requested in Slack', { messageId, channel: posted.channel, ts: posted.ts });
    return { ...base, channel: posted.channel, ts: posted.ts };
  },
});

/** The planned AWS calls among a message's actions (text lines are not part of the plan). */
function plannedCallsOf(
  actions: z.output<typeof RequestApprovalParameters>['actions'],
): Array<{ service: string; action: string; input: Record<string, unknown> }> {
  return actions.flatMap((a) =>
    typeof a === 'string' ? [] : [{ service: a.service, action: a.action, input: a.input ?? {} }],
  );
}
