/**
 * socless_slack_prompt (Interaction): socless-slack's PromptForConfirmation. It records the task token in
 * `message_responses` (answer shape `socless-confirmation`) before it posts the question with a yes and a no
 * button, so a click can never find no record. The interactions function checks the signed click and who may
 * answer, as for every approval, and resumes the playbook with `actions.value` "true" or "false".
 *
 * PromptForResponse asks for a text reply the same way (answer shape `socless-response`): the message carries a
 * reply field and a send button; the interactions function resumes the playbook with `text` = the reply.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { defineIntegration, type IntegrationContext } from '../../../shared/integration-runtime/define.ts';
import { MessageResponsesRepository } from '../../../shared/integrations/message-responses.ts';
import {
  APPROVE_ACTION_ID,
  REASON_ACTION_ID,
  REASON_BLOCK_ID,
  REJECT_ACTION_ID,
} from '../../../shared/integrations/slack-blocks.ts';
import { SOCLESS_SLACK_PROMPT_INTEGRATION } from '../../../shared/playbook/socless-aliases.ts';
import { fail, legacyText, parse, resolveTarget, slackFor, TargetType } from '../socless-slack/operations.ts';

/** The parameters both prompts take besides their question. */
const PROMPT_FIELDS = {
  target: z.string().min(1),
  target_type: TargetType,
  receiver: z.string().min(1).optional(),
  /** Slack user ids who may answer, besides interactions.slack.allowedUserIds. */
  approvers: z.array(z.string().regex(/^[UW][A-Z0-9]{6,}$/, 'must be a Slack user id such as U0123ABCD')).default([]),
  /** How long the question can be answered; keep it equal to the state's TimeoutSeconds. @default 86400 */
  timeout_seconds: z
    .number()
    .int()
    .min(60)
    .max(365 * 86_400)
    .default(86_400),
  token: z.string().min(1).optional(),
};

const PromptForConfirmationParameters = z.object({
  ...PROMPT_FIELDS,
  text: z.string().min(1),
  prompt_text: z.string().min(1).default('Please confirm'),
  yes_text: z.string().min(1).max(75).default('Yes'),
  no_text: z.string().min(1).max(75).default('No'),
});

const PromptForResponseParameters = z.object({
  ...PROMPT_FIELDS,
  message_template: z.string().min(1),
  /** What the reply field asks for. */
  response_desc: z.string().min(1).max(150).default('Your reply'),
});

type PromptCommon = Pick<
  z.output<typeof PromptForConfirmationParameters>,
  'target' | 'target_type' | 'receiver' | 'approvers' | 'timeout_seconds'
>;

export const soclessSlackPrompt = defineIntegration({
  id: SOCLESS_SLACK_PROMPT_INTEGRATION,
  references: [],
  operations: ['PromptForConfirmation', 'PromptForResponse'],
  interaction: true,
  description:
    'socless-slack PromptForConfirmation (asks yes/no in Slack, waits for the click) and PromptForResponse (waits for a text reply).',
  parameters: z.record(z.string(), z.unknown()),
  secretParameters: ['token'],
  deployment: { tables: [{ table: 'message_responses', access: 'rw' }], timeoutSeconds: 30 },
  async run(params, ctx) {
    if (ctx.operation !== 'PromptForConfirmation' && ctx.operation !== 'PromptForResponse') {
      return fail(ctx, '(state)', `socless_slack_prompt has no operation "${ctx.operation ?? '(none)'}"`);
    }
    if (!ctx.taskToken) return fail(ctx, '(state)', `${ctx.operation} must run in an Interaction state`);
    if (ctx.operation === 'PromptForResponse') return promptForResponse(params, ctx, ctx.taskToken);
    const p = parse(PromptForConfirmationParameters, params, ctx);
    return ask(
      params,
      ctx,
      ctx.taskToken,
      p,
      { text: p.text, field: 'text' },
      'socless-confirmation',
      (messageId, text) => [
        { type: 'section', text: { type: 'mrkdwn', text } },
        {
          type: 'actions',
          block_id: 'socless_decision',
          elements: [
            {
              type: 'button',
              action_id: APPROVE_ACTION_ID,
              value: messageId,
              style: 'primary',
              text: { type: 'plain_text', text: p.yes_text },
            },
            {
              type: 'button',
              action_id: REJECT_ACTION_ID,
              value: messageId,
              text: { type: 'plain_text', text: p.no_text },
            },
          ],
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: p.prompt_text }] },
      ],
    );
  },
});

/** PromptForResponse: records the task token, then posts the question with a reply field and a send button. */
function promptForResponse(params: Record<string, unknown>, ctx: IntegrationContext, taskToken: string) {
  const p = parse(PromptForResponseParameters, params, ctx);
  const question = { text: p.message_template, field: 'message_template' };
  return ask(params, ctx, taskToken, p, question, 'socless-response', (messageId, text) => [
    { type: 'section', text: { type: 'mrkdwn', text } },
    {
      type: 'input',
      block_id: REASON_BLOCK_ID,
      label: { type: 'plain_text', text: p.response_desc },
      element: { type: 'plain_text_input', action_id: REASON_ACTION_ID, max_length: 2000, multiline: true },
    },
    {
      type: 'actions',
      block_id: 'socless_decision',
      elements: [
        {
          type: 'button',
          action_id: APPROVE_ACTION_ID,
          value: messageId,
          style: 'primary',
          text: { type: 'plain_text', text: 'Send' },
        },
      ],
    },
  ]);
}

/**
 * What both prompts do: resolve where to ask, record the task token under a new message id (before the question
 * is posted, so a click can never find no record), post the blocks, and keep the posted message's address.
 */
async function ask(
  params: Record<string, unknown>,
  ctx: IntegrationContext,
  taskToken: string,
  p: PromptCommon,
  question: { readonly text: string; readonly field: string },
  answerShape: 'socless-confirmation' | 'socless-response',
  blocksFor: (messageId: string, text: string) => unknown[],
) {
  const slack = await slackFor(params, ctx);
  const channel = await resolveTarget(slack, p.target, p.target_type, ctx);
  const text = legacyText(question.text, question.field, ctx);
  const messageId = `prompt-${(ctx.deps.newId ?? randomUUID)()}`;
  const now = ctx.now();
  const repo = new MessageResponsesRepository(ctx.deps.documentClient, ctx.tableName('message_responses'));
  await repo.create({
    messageId,
    taskToken,
    investigationId: ctx.investigationId,
    executionId: ctx.executionId,
    playbook: ctx.playbook,
    // SOCless's receiver is the state the answer belongs to.
    state: ctx.state,
    status: 'pending',
    provider: 'slack',
    title: text.slice(0, 200),
    createdAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + p.timeout_seconds,
    answerShape,
    ...(p.approvers.length > 0 ? { approvers: p.approvers } : {}),
  });
  const response = await slack.call('chat.postMessage', { channel, text, blocks: blocksFor(messageId, text) });
  const postedChannel = typeof response.channel === 'string' ? response.channel : channel;
  if (typeof response.ts === 'string') await repo.attachSlackMessage(messageId, postedChannel, response.ts);
  return { message_id: messageId, slack_id: postedChannel, receiver: p.receiver ?? ctx.state };
}
