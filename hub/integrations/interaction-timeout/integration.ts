/**
 * interaction_timeout: what a playbook calls from the `Catch` of `States.Timeout` on an Interaction. It applies
 * the configured default decision (`interactions.timeoutDecision`, reject unless set), closes the request in
 * `message_responses` so a late click changes nothing, and edits the Slack message to say so. The result has
 * the shape of a human answer (`decision`, `responder: "timeout"`, the request's `plan_hash`), so the playbook
 * routes on it the same way.
 */
import { z } from 'zod';
import { defineIntegration } from '../../../shared/integration-runtime/define.ts';
import { MessageResponsesRepository } from '../../../shared/integrations/message-responses.ts';
import { INTEGRATION_ENV, readSecret } from '../../../shared/integrations/settings.ts';
import { SlackClient } from '../../../shared/integrations/slack.ts';
import { decisionBlocks } from '../../../shared/integrations/slack-blocks.ts';

export const InteractionTimeoutParameters = z.object({
  /** The Interaction state that timed out. */
  interaction_state: z.string().min(1, 'must name the Interaction state that timed out'),
  /** Overrides the configured default for this playbook. */
  decision: z.enum(['approve', 'reject']).optional(),
});

export const interactionTimeout = defineIntegration({
  id: 'interaction_timeout',
  references: ['socless.InteractionTimeout', 'socless.interaction_timeout'],
  description: 'Applies the configured default decision to an unanswered Interaction and marks the request closed.',
  parameters: InteractionTimeoutParameters,
  deployment: {
    tables: [{ table: 'message_responses', access: 'rw' }],
    timeoutSeconds: 30,
  },
  async run(params, ctx) {
    const env = ctx.deps.env;
    const configured = env[INTEGRATION_ENV.timeoutDecision];
    if (configured !== undefined && configured !== 'approve' && configured !== 'reject') {
      throw new Error(
        `interaction_timeout: ${INTEGRATION_ENV.timeoutDecision} must be approve or reject, not "${configured}"`,
      );
    }
    const decision = params.decision ?? (configured as 'approve' | 'reject' | undefined) ?? 'reject';
    const at = ctx.now().toISOString();
    const reason = `nobody answered "${params.interaction_state}" in time; default decision: ${decision}`;
    const repo = new MessageResponsesRepository(ctx.deps.documentClient, ctx.tableName('message_responses'));
    const requests = await repo.findByState(ctx.investigationId, ctx.executionId, params.interaction_state);
    const closed: string[] = [];
    // The plan the (newest) closed request showed: a default approval binds to it like a human one.
    let hash: string | undefined;
    for (const item of requests) {
      if (item.answeredAt) continue;
      if (!(await repo.claim(item.messageId, { decision, responder: 'timeout', reason, at, status: 'timed-out' })))
        continue;
      closed.push(item.messageId);
      hash ??= item.planHash;
      const tokenSecret = env[INTEGRATION_ENV.slackBotTokenSecret];
      if (item.slackChannel && item.slackTs && tokenSecret) {
        try {
          const slack = new SlackClient({
            token: await readSecret(ctx.deps.secrets, tokenSecret),
            ...(env[INTEGRATION_ENV.slackApiUrl] ? { baseUrl: env[INTEGRATION_ENV.slackApiUrl] } : {}),
          });
          await slack.updateMessage({
            channel: item.slackChannel,
            ts: item.slackTs,
            text: `${item.title}: ${decision === 'approve' ? 'approved' : 'rejected'} by default (no answer in time)`,
            blocks: decisionBlocks({ title: item.title, decision, responder: 'timeout', at, timedOut: true }),
          });
        } catch (err) {
          // The decision stands; a stale message is cosmetic, and the buttons now answer "already closed".
          ctx.logger.warn('could not update the Slack message after the timeout', { error: String(err) });
        }
      }
    }
    ctx.logger.info('interaction timed out', { state: params.interaction_state, decision, closed });
    return {
      decision,
      responder: 'timeout',
      reason,
      answered_at: at,
      message_ids: closed,
      ...(hash ? { plan_hash: hash } : {}),
    };
  },
});
