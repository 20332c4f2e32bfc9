/**
 * Interactions Lambda: a human's answer to a playbook that waits (`Interaction` state →
 * `lambda:invoke.waitForTaskToken`).
 *
 * Entry point: `handler` (bundled from this file by the hub stack's InteractionsFunction), behind
 * `POST /interactions/{provider}`:
 * - `webhook` (alias `socless`, its first name): a JSON body `{messageId, decision: 'approve'|'reject',
 *   reason?, responder?}` from a named responder (`x-socless-responder`), signed with that responder's own
 *   secret in `x-socless-signature` (see endpoint.ts), for teams without Slack.
 * - `slack`: Slack's interactivity request (`payload=` form body, `block_actions`) signed with Slack's v0
 *   scheme, from the configured workspace; the message is updated to show the decision.
 *
 * Who answered is always the verified sender: the Slack user id of the signed payload, the webhook responder
 * whose secret signed the body, or the local operator (the local hub's token holder). A `responder` name in a
 * webhook body is kept only as `responderNote`. Every path goes through the same allow-list check
 * ({@link authorizeResponder}) before anything is claimed; with nobody allowed, nobody can answer.
 *
 * All look the task token up in `message_responses`, claim the answer with a conditional update (a second
 * answer is refused), then call Step Functions SendTaskSuccess (approve) or SendTaskFailure (reject); the
 * output carries the request's `plan_hash` (the plan the approver saw). An unknown provider gets a 404 naming
 * the supported ones.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { z } from 'zod';
import { jsonPath, SoclessError } from '../../shared/errors.ts';
import { envList, INTEGRATION_ENV } from '../../shared/integrations/settings.ts';
import {
  SLACK_SIGNATURE_HEADER,
  SLACK_TIMESTAMP_HEADER,
  SlackClient,
  verifySlackSignature,
} from '../../shared/integrations/slack.ts';
import {
  APPROVE_ACTION_ID,
  decisionBlocks,
  REASON_ACTION_ID,
  REASON_BLOCK_ID,
  REJECT_ACTION_ID,
} from '../../shared/integrations/slack-blocks.ts';
import {
  soclessConfirmationOutput,
  soclessResponseOutput,
  soclessStateOutput,
} from '../../shared/integrations/socless-answers.ts';
import { TABLES } from '../../shared/tables.ts';
import {
  createDocumentClient,
  createSecretReader,
  headerValue,
  jsonResponse,
  requestBody,
  requireEnv,
  verifiedBody,
} from './http.ts';

/** Environment variables the interactions function reads at cold start. */
export const INTERACTIONS_ENV = {
  responsesTable: TABLES.message_responses.envVar,
  signingSecretArn: 'SOCLESS_SIGNING_SECRET_ARN',
} as const;

/** Optional environment of the webhook provider's responders (set by the stack from the configuration). */
export const WEBHOOK_RESPONDER_ENV = {
  /** The responder name the shared signing secret (`SOCLESS_SIGNING_SECRET_ARN`) speaks for. */
  sharedSecretResponder: 'SOCLESS_INTERACTION_WEBHOOK_RESPONDER',
  /** JSON object: responder name → Secrets Manager id/ARN of that responder's own signing secret. */
  responderSecrets: 'SOCLESS_INTERACTION_RESPONDER_SECRETS',
} as const;

/** Header naming the webhook responder whose secret signed the request. */
export const RESPONDER_HEADER = 'x-socless-responder';

/** Webhook responder names: what `x-socless-responder` may say (also the stack's secret names). */
export const RESPONDER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;

/** Providers this function answers for; the path parameter `{provider}` must be one of them. */
export const INTERACTION_PROVIDERS = ['webhook', 'slack', 'socless'] as const;
export type InteractionProvider = (typeof INTERACTION_PROVIDERS)[number];

/** Error name a playbook's Catch sees when a human rejects. */
export const REJECTED_ERROR = 'Socless.InteractionRejected';

/**
 * Body of a generic signed response. `responder` is what the body claims about its author: it is recorded as
 * a note only; the identity is the responder whose secret signed the request.
 */
export const InteractionResponseSchema = z.strictObject({
  messageId: z.string().min(1).max(256),
  decision: z.enum(['approve', 'reject']),
  responder: z.string().min(1).max(256).optional(),
  reason: z.string().max(2000).optional(),
});

/** Who answers, as the verified sender identifies them. */
export interface ResponderIdentity {
  readonly provider: 'slack' | 'webhook' | 'local' | 'aws';
  /**
   * Slack user id, webhook responder name, `local:<user>`, or (`aws`) the IAM principal ARN of an operator
   * answering with their own credentials (`socless console --aws`). Recorded as `responder` / `approvedBy`.
   */
  readonly id: string;
}

/** An answer with its verified responder. */
export interface InteractionAnswer {
  readonly messageId: string;
  readonly decision: 'approve' | 'reject';
  /** The verified identity (never taken from a request body). */
  readonly responder: string;
  readonly reason?: string;
  /** A name the body claimed, kept as a note when it differs from `responder`. */
  readonly note?: string;
}

/**
 * Resumes a waiting execution: Step Functions in AWS, the local callback store in the local hub. An error
 * named TaskTimedOut, TaskDoesNotExist or InvalidToken means nothing waits for this token any more.
 */
export interface TaskResponder {
  succeed(taskToken: string, output: string): Promise<void>;
  fail(taskToken: string, error: string, cause: string): Promise<void>;
}

/** SendTaskSuccess / SendTaskFailure. */
export function sfnTaskResponder(sfn: SFNClient): TaskResponder {
  return {
    async succeed(taskToken, output) {
      await sfn.send(new SendTaskSuccessCommand({ taskToken, output }));
    },
    async fail(taskToken, error, cause) {
      await sfn.send(new SendTaskFailureCommand({ taskToken, error, cause }));
    },
  };
}

/** The Slack provider's settings and clients; absent when Slack is not configured. */
export interface SlackInteractionsDeps {
  readonly readSigningSecret: () => Promise<string>;
  /** A Web API client with the bot token (message updates, user group look-ups). */
  readonly client: () => Promise<SlackClient>;
  /** Slack user ids allowed to answer. */
  readonly allowedUserIds: readonly string[];
  /** Slack user group ids whose members may answer. */
  readonly allowedUserGroupIds: readonly string[];
  /** When set, answers from another workspace are refused. */
  readonly teamId?: string;
}

/** Everything the handler uses; tests inject mocked clients and a fixed clock. */
export interface InteractionsDeps {
  readonly documentClient: DynamoDBDocumentClient;
  /** Step Functions; used unless `tasks` is given. */
  readonly sfn?: SFNClient;
  /** Overrides `sfn` (the local hub resumes its in-process executions). */
  readonly tasks?: TaskResponder;
  readonly tableName: string;
  /** The shared webhook signing secret; it answers only as {@link InteractionsDeps.sharedSecretResponder}. */
  readonly readSigningSecret: () => Promise<string>;
  /** The responder the shared signing secret is bound to. @default none: the shared secret answers nothing */
  readonly sharedSecretResponder?: string;
  /** Webhook responders with their own signing secrets, by name. @default none */
  readonly responderSecrets?: Readonly<Record<string, () => Promise<string>>>;
  readonly slack?: SlackInteractionsDeps;
  readonly now: () => Date;
  readonly logger: Logger;
}

/** Step Functions errors meaning the execution no longer waits for this token: answering again cannot help. */
const GONE_ERRORS = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/** Builds the interactions handler around injected dependencies. */
export function createInteractionsHandler(
  deps: InteractionsDeps,
): (event: APIGatewayProxyEvent, context?: Context) => Promise<APIGatewayProxyResult> {
  return async (event, context) => {
    if (context) deps.logger.addContext(context);
    const provider = event.pathParameters?.provider ?? '';
    if (!(INTERACTION_PROVIDERS as readonly string[]).includes(provider)) {
      return jsonResponse(404, {
        error: `unknown interaction provider "${provider}"; supported providers: ${INTERACTION_PROVIDERS.join(', ')}`,
      });
    }
    try {
      if (provider === 'slack') return await answerSlackAction(deps, event);
      return await answerSignedResponse(deps, event);
    } catch (err) {
      deps.logger.error('interaction failed on an infrastructure error', { error: err as Error });
      return jsonResponse(503, { error: 'the answer could not be recorded right now; retry' });
    }
  };
}

async function answerSignedResponse(
  deps: InteractionsDeps,
  event: APIGatewayProxyEvent,
): Promise<APIGatewayProxyResult> {
  const now = deps.now();
  const named = headerValue(event, RESPONDER_HEADER)?.trim();
  const responder = named || deps.sharedSecretResponder;
  if (!responder) {
    return jsonResponse(403, {
      error: `name the responder in the ${RESPONDER_HEADER} header (no webhook responder is bound to the shared secret)`,
    });
  }
  const readSecret = webhookSecretOf(deps, responder);
  if (!readSecret) {
    deps.logger.warn('refused an answer from an unknown webhook responder', { responder: responder.slice(0, 128) });
    return jsonResponse(403, {
      error: `webhook responder "${responder.slice(0, 128)}" is not allowed to answer (not a configured responder)`,
    });
  }
  const verified = await verifiedBody(event, { readSigningSecret: readSecret, logger: deps.logger }, now);
  if (!verified.ok) return verified.response;
  const parsed = parseResponse(verified.raw);
  if (!parsed.ok) return jsonResponse(400, { error: parsed.reason });
  const { responder: claimed, ...rest } = parsed.value;
  const answer: InteractionAnswer = {
    ...rest,
    responder,
    ...(claimed !== undefined && claimed !== responder ? { note: claimed } : {}),
  };
  const delivered = await answerInteraction(deps, answer, { provider: 'webhook', id: responder }, now);
  return jsonResponse(delivered.statusCode, delivered.body);
}

/** The signing secret of a webhook responder: its own, or the shared one when it is bound to that name. */
function webhookSecretOf(deps: InteractionsDeps, responder: string): (() => Promise<string>) | undefined {
  if (!RESPONDER_NAME.test(responder)) return undefined;
  const own = deps.responderSecrets && Object.hasOwn(deps.responderSecrets, responder);
  if (own) return deps.responderSecrets?.[responder];
  return responder === deps.sharedSecretResponder ? deps.readSigningSecret : undefined;
}

/** The outcome of delivering an answer, before it is shaped into a provider's HTTP response. */
export interface Delivery {
  readonly statusCode: number;
  readonly body: Record<string, unknown>;
  /** The interaction's record (present once it was found). */
  readonly item?: Record<string, unknown>;
}

/**
 * The one allow-list every responder path applies: undefined when `who` may answer `item`, else the reason it
 * may not. Slack: a configured user, a member of a configured user group, or one of the request's approvers
 * (nobody when none is configured). Webhook: a configured responder (its own secret, or the shared secret's
 * bound name) — `who` is already that. Local: the operator holding the local hub's per-run token. AWS: an
 * operator's IAM principal (from GetCallerIdentity), whose own credentials must be allowed SendTaskSuccess.
 */
export async function authorizeResponder(
  deps: Pick<InteractionsDeps, 'slack' | 'sharedSecretResponder' | 'responderSecrets'>,
  who: ResponderIdentity,
  item: Record<string, unknown>,
): Promise<string | undefined> {
  if (who.provider === 'local') return who.id.startsWith('local:') ? undefined : `"${who.id}" is not a local operator`;
  // IAM already decided: the operator's own credentials read this item and will call SendTaskSuccess/Failure.
  if (who.provider === 'aws') {
    return /^arn:aws[a-z-]*:(sts|iam)::\d{12}:/.test(who.id) ? undefined : `"${who.id}" is not an IAM principal ARN`;
  }
  if (who.provider === 'webhook') {
    const known =
      (deps.responderSecrets !== undefined && Object.hasOwn(deps.responderSecrets, who.id)) ||
      who.id === deps.sharedSecretResponder;
    return known ? undefined : `webhook responder "${who.id}" is not allowed to answer (not a configured responder)`;
  }
  if (!deps.slack) return 'the slack provider is not configured';
  return authorizeSlackUser(deps.slack, who.id, item);
}

/**
 * Delivers an answer whose responder is already verified: finds the interaction, checks it can still be
 * answered and by this responder ({@link authorizeResponder}), claims it once, and resumes the execution with
 * the request's `plan_hash`. Nothing changes unless every check passes. The local hub calls it for its
 * operator; the HTTP providers call it after their signature checks.
 */
export async function answerInteraction(
  deps: InteractionsDeps,
  answer: InteractionAnswer,
  who: ResponderIdentity,
  now: Date = deps.now(),
): Promise<Delivery> {
  if (answer.responder !== who.id) throw new Error('interactions: the answer must carry the verified responder');
  return deliverAnswer(deps, answer, now, (item) => authorizeResponder(deps, who, item));
}

async function deliverAnswer(
  deps: InteractionsDeps,
  answer: InteractionAnswer,
  now: Date,
  authorize: (item: Record<string, unknown>) => Promise<string | undefined>,
): Promise<Delivery> {
  const found = await deps.documentClient.send(
    new GetCommand({ TableName: deps.tableName, Key: { messageId: answer.messageId }, ConsistentRead: true }),
  );
  const item = found.Item;
  if (!item) return { statusCode: 404, body: { error: `no pending interaction with messageId "${answer.messageId}"` } };
  if (typeof item.taskToken !== 'string' || item.taskToken.length === 0) {
    return {
      statusCode: 409,
      body: { error: `interaction "${answer.messageId}" has no task token: nothing is waiting for it` },
      item,
    };
  }
  if (typeof item.answeredAt === 'string') {
    const by = typeof item.responder === 'string' ? item.responder : 'someone';
    return {
      statusCode: 409,
      body: { error: `interaction "${answer.messageId}" was already answered by ${by} at ${item.answeredAt}` },
      item,
    };
  }
  if (typeof item.expiresAt === 'number' && item.expiresAt * 1000 < now.getTime()) {
    return {
      statusCode: 410,
      body: { error: `interaction "${answer.messageId}" expired at ${new Date(item.expiresAt * 1000).toISOString()}` },
      item,
    };
  }
  // A PromptForResponse is answered by a reply (the reason field, or a signed response's reason), never by "no".
  const reply = answer.reason?.trim();
  if (item.answerShape === 'socless-response' && (answer.decision !== 'approve' || !reply)) {
    return {
      statusCode: 400,
      body: {
        error: `interaction "${answer.messageId}" asks for a reply: send it as the reason with the approve decision (the Send button); an empty reply or a rejection is not an answer`,
      },
      item,
    };
  }
  const refusal = await authorize(item);
  if (refusal) {
    deps.logger.warn('refused an answer from a responder who may not answer', {
      messageId: answer.messageId,
      responder: answer.responder,
    });
    return { statusCode: 403, body: { error: refusal }, item };
  }

  const answeredAt = now.toISOString();
  try {
    await deps.documentClient.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: { messageId: answer.messageId },
        UpdateExpression:
          'SET answeredAt = :answeredAt, decision = :decision, responder = :responder, answerReason = :reason, responderNote = :note, #status = :answered',
        ConditionExpression: 'attribute_exists(messageId) AND attribute_not_exists(answeredAt)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':answeredAt': answeredAt,
          ':decision': answer.decision,
          ':responder': answer.responder,
          ':reason': answer.reason ?? null,
          ':note': answer.note ?? null,
          ':answered': 'answered',
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) {
      const previous = err.Item ?? {};
      const by = previous.responder?.S ?? 'someone';
      const at = previous.answeredAt?.S ?? 'earlier';
      return {
        statusCode: 409,
        body: { error: `interaction "${answer.messageId}" was already answered by ${by} at ${at}` },
        item,
      };
    }
    throw err;
  }

  const hash = typeof item.planHash === 'string' ? item.planHash : undefined;
  const result = {
    messageId: answer.messageId,
    decision: answer.decision,
    responder: answer.responder,
    reason: answer.reason,
    answeredAt,
    ...(answer.note !== undefined ? { responder_note: answer.note } : {}),
    ...(hash ? { plan_hash: hash } : {}),
  };
  const tasks = deps.tasks ?? (deps.sfn ? sfnTaskResponder(deps.sfn) : undefined);
  if (!tasks) throw new Error('interactions: neither a Step Functions client nor a task responder was given');
  try {
    if (item.answerShape === 'socless-response') {
      const output = soclessResponseOutput(String(item.state), {
        text: reply as string,
        responder: answer.responder,
        messageId: answer.messageId,
      });
      await tasks.succeed(item.taskToken, JSON.stringify(output));
    } else if (item.answerShape === 'socless-confirmation') {
      // A socless-slack PromptForConfirmation: yes and no both resume the playbook, with SOCless data.
      const output = soclessConfirmationOutput(String(item.state), answer);
      await tasks.succeed(item.taskToken, JSON.stringify(output));
    } else if (answer.decision === 'approve') {
      const output = item.soclessCompat ? soclessStateOutput(String(item.state), result) : result;
      await tasks.succeed(item.taskToken, JSON.stringify(output));
    } else {
      await tasks.fail(item.taskToken, REJECTED_ERROR, JSON.stringify(result));
    }
  } catch (err) {
    const name = (err as Error).name;
    if (GONE_ERRORS.has(name)) {
      // The answer stays recorded (it is what the human said); the playbook simply stopped waiting.
      deps.logger.warn('the execution no longer waits for this answer', { messageId: answer.messageId, error: name });
      return { statusCode: 410, body: { error: `the playbook is no longer waiting for this answer (${name})` }, item };
    }
    deps.logger.error('could not deliver the answer to Step Functions; releasing the claim', {
      messageId: answer.messageId,
      error: err as Error,
    });
    await releaseClaim(deps, answer, answeredAt);
    return { statusCode: 502, body: { error: 'the answer could not be delivered to the playbook; retry' }, item };
  }

  deps.logger.info('interaction answered', {
    messageId: answer.messageId,
    decision: answer.decision,
    responder: answer.responder,
  });
  return {
    statusCode: 200,
    body: {
      messageId: answer.messageId,
      decision: answer.decision,
      responder: answer.responder,
      status: 'delivered',
      ...(hash ? { plan_hash: hash } : {}),
    },
    item: { ...item, answeredAt, decision: answer.decision, responder: answer.responder },
  };
}

/** The parts of a Slack `block_actions` payload the handler reads. */
const SlackActionPayloadSchema = z.object({
  type: z.literal('block_actions'),
  user: z.object({ id: z.string().min(1), username: z.string().optional(), name: z.string().optional() }),
  team: z.object({ id: z.string() }).nullish(),
  actions: z
    .array(z.object({ action_id: z.string(), value: z.string().optional() }))
    .min(1, 'must hold the clicked button'),
  state: z
    .object({
      values: z.record(z.string(), z.record(z.string(), z.object({ value: z.string().nullish() }).loose())),
    })
    .optional(),
  container: z.object({ channel_id: z.string().optional(), message_ts: z.string().optional() }).loose().optional(),
});

/**
 * Slack's interactivity request: verify the v0 signature over the raw body, parse `payload=`, check the
 * workspace and the responder, deliver, then replace the buttons with the decision. Slack needs an answer
 * within 3 seconds; a refusal is a 4xx with a JSON reason (shown in the app's request log).
 */
async function answerSlackAction(deps: InteractionsDeps, event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const slack = deps.slack;
  if (!slack)
    return jsonResponse(404, {
      error: 'the slack provider is not configured (add "slack" to the socless configuration)',
    });
  const raw = requestBody(event);
  let secret: string;
  try {
    secret = await slack.readSigningSecret();
  } catch (err) {
    deps.logger.error('cannot read the Slack signing secret', { error: err as Error });
    return jsonResponse(503, { error: 'cannot verify signatures right now; retry later' });
  }
  const now = deps.now();
  const check = verifySlackSignature({
    signingSecret: secret,
    rawBody: raw,
    signature: headerValue(event, SLACK_SIGNATURE_HEADER),
    timestamp: headerValue(event, SLACK_TIMESTAMP_HEADER),
    now,
  });
  if (!check.ok) {
    deps.logger.warn('refused a Slack request with a bad signature', { reason: check.reason });
    return jsonResponse(401, { error: check.reason });
  }
  const payloadText = new URLSearchParams(raw).get('payload');
  if (!payloadText)
    return jsonResponse(400, { error: 'body has no payload= field (expected a Slack interactivity request)' });
  let json: unknown;
  try {
    json = JSON.parse(payloadText);
  } catch (err) {
    return jsonResponse(400, { error: `payload is not JSON (${(err as Error).message})` });
  }
  const parsed = SlackActionPayloadSchema.safeParse(json);
  if (!parsed.success) {
    const type = (json as { type?: unknown } | null)?.type;
    if (typeof type === 'string' && type !== 'block_actions') {
      return jsonResponse(400, { error: `payload.type "${type}" is not handled (only block_actions)` });
    }
    return jsonResponse(400, {
      error: parsed.error.issues.map((i) => `payload${jsonPath(i.path).slice(1)}: ${i.message}`).join('; '),
    });
  }
  const payload = parsed.data;
  if (slack.teamId && payload.team?.id !== slack.teamId) {
    return jsonResponse(403, {
      error: `request from workspace ${payload.team?.id ?? '(none)'}, expected ${slack.teamId}`,
    });
  }
  const action = payload.actions.find((a) => a.action_id === APPROVE_ACTION_ID || a.action_id === REJECT_ACTION_ID);
  if (!action) {
    // Link buttons also send block_actions; they carry nothing to record.
    return jsonResponse(200, { status: 'ignored', reason: 'no approve/reject action in the payload' });
  }
  if (!action.value) return jsonResponse(400, { error: 'payload.actions[].value: missing (the message id)' });
  const reasonValue = payload.state?.values?.[REASON_BLOCK_ID]?.[REASON_ACTION_ID]?.value ?? undefined;
  // The user of the signed payload is who answered: Slack signed it.
  const answer: InteractionAnswer = {
    messageId: action.value,
    decision: action.action_id === APPROVE_ACTION_ID ? 'approve' : 'reject',
    responder: payload.user.id,
    ...(reasonValue ? { reason: reasonValue.slice(0, 2000) } : {}),
  };
  const delivery = await answerInteraction(deps, answer, { provider: 'slack', id: payload.user.id }, now);
  if (delivery.statusCode === 200 && delivery.item) {
    await showDecision(deps, slack, delivery.item, answer, now);
  }
  return jsonResponse(delivery.statusCode, delivery.body);
}

/** Undefined when the user may answer, else the reason they may not. */
async function authorizeSlackUser(
  slack: SlackInteractionsDeps,
  userId: string,
  item: Record<string, unknown>,
): Promise<string | undefined> {
  const perRequest = Array.isArray(item.approvers) ? (item.approvers as string[]) : [];
  const users = new Set([...slack.allowedUserIds, ...perRequest]);
  if (users.size === 0 && slack.allowedUserGroupIds.length === 0) {
    // Fail closed: a request nobody was allowed to answer is not answerable by whoever sees it.
    return `Slack user ${userId} is not allowed to answer: no Slack responder is allowed (configure interactions.slack.allowedUserIds or allowedUserGroupIds, or the request's approvers)`;
  }
  if (users.has(userId)) return undefined;
  if (slack.allowedUserGroupIds.length > 0) {
    const client = await slack.client();
    for (const group of slack.allowedUserGroupIds) {
      if ((await client.userGroupMembers(group)).includes(userId)) return undefined;
    }
  }
  return `Slack user ${userId} is not allowed to answer this request (not an allowed user or a member of an allowed user group)`;
}

/** Replaces the question with the decision; a failure here is logged, the answer is already delivered. */
async function showDecision(
  deps: InteractionsDeps,
  slack: SlackInteractionsDeps,
  item: Record<string, unknown>,
  answer: InteractionAnswer,
  now: Date,
): Promise<void> {
  if (typeof item.slackChannel !== 'string' || typeof item.slackTs !== 'string') return;
  const title = typeof item.title === 'string' ? item.title : 'SOCless approval';
  try {
    const client = await slack.client();
    await client.updateMessage({
      channel: item.slackChannel,
      ts: item.slackTs,
      text: `${title}: ${answer.decision === 'approve' ? 'approved' : 'rejected'} by ${answer.responder}`,
      blocks: decisionBlocks({
        title,
        decision: answer.decision,
        responder: answer.responder,
        at: now.toISOString(),
        ...(answer.reason ? { reason: answer.reason } : {}),
      }),
    });
  } catch (err) {
    deps.logger.warn('answer delivered, but the Slack message could not be updated', {
      messageId: answer.messageId,
      error: err as Error,
    });
  }
}

/** Undoes our own claim (only if it is still ours) so the responder can retry after a Step Functions outage. */
async function releaseClaim(deps: InteractionsDeps, answer: InteractionAnswer, answeredAt: string): Promise<void> {
  try {
    await deps.documentClient.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: { messageId: answer.messageId },
        UpdateExpression: 'REMOVE answeredAt, decision, responder, answerReason, responderNote SET #status = :pending',
        ConditionExpression: 'answeredAt = :answeredAt AND responder = :responder',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':answeredAt': answeredAt, ':responder': answer.responder, ':pending': 'pending' },
      }),
    );
  } catch (err) {
    deps.logger.error('could not release the claim; the interaction stays answered', {
      messageId: answer.messageId,
      error: err as Error,
    });
  }
}

function parseResponse(
  raw: string,
): { ok: true; value: z.output<typeof InteractionResponseSchema> } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return { ok: false, reason: `body is not JSON (${(err as Error).message})` };
  }
  const result = InteractionResponseSchema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, reason: result.error.issues.map((i) => `${jsonPath(i.path)}: ${i.message}`).join('; ') };
}

/** Production dependencies, from the environment; throws at cold start when a variable is missing. */
export function interactionsDepsFromEnv(env: NodeJS.ProcessEnv = process.env): InteractionsDeps {
  const vars = requireEnv(INTERACTIONS_ENV, env);
  const secretsManager = new SecretsManagerClient({});
  const slack = slackDepsFromEnv(env, (id) => createSecretReader(secretsManager, id));
  const webhook = webhookRespondersFromEnv(env, (id) => createSecretReader(secretsManager, id));
  return {
    documentClient: createDocumentClient(),
    sfn: new SFNClient({}),
    tableName: vars.responsesTable,
    readSigningSecret: createSecretReader(secretsManager, vars.signingSecretArn),
    ...webhook,
    ...(slack ? { slack } : {}),
    now: () => new Date(),
    logger: new Logger({ serviceName: 'socless-interactions' }),
  };
}

/**
 * The Slack provider's dependencies from the environment (secret ids, API URL, allow-lists); undefined when
 * the signing secret is not set, i.e. Slack is not configured. `secretReader` returns a cached reader.
 */
export function slackDepsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  secretReader: (secretId: string) => () => Promise<string>,
): SlackInteractionsDeps | undefined {
  const signing = env[INTEGRATION_ENV.slackSigningSecret];
  if (!signing) return undefined;
  const token = env[INTEGRATION_ENV.slackBotTokenSecret];
  const readToken = token ? secretReader(token) : undefined;
  const baseUrl = env[INTEGRATION_ENV.slackApiUrl];
  const teamId = env[INTEGRATION_ENV.slackTeamId];
  return {
    readSigningSecret: secretReader(signing),
    client: async () => {
      if (!readToken) throw new Error(`${INTEGRATION_ENV.slackBotTokenSecret} is not set: no Slack bot token`);
      return new SlackClient({ token: (await readToken()).trim(), ...(baseUrl ? { baseUrl } : {}) });
    },
    allowedUserIds: envList(env, INTEGRATION_ENV.slackAllowedUserIds),
    allowedUserGroupIds: envList(env, INTEGRATION_ENV.slackAllowedUserGroupIds),
    ...(teamId ? { teamId } : {}),
  };
}

/**
 * The webhook responders from the environment: the name bound to the shared signing secret and the responders
 * with their own secrets. Throws at cold start on a malformed value, naming the variable.
 */
export function webhookRespondersFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  secretReader: (secretId: string) => () => Promise<string>,
): Pick<InteractionsDeps, 'sharedSecretResponder' | 'responderSecrets'> {
  const bound = env[WEBHOOK_RESPONDER_ENV.sharedSecretResponder]?.trim();
  if (bound && !RESPONDER_NAME.test(bound)) {
    throw new SoclessError(`${WEBHOOK_RESPONDER_ENV.sharedSecretResponder}: "${bound}" is not a responder name`);
  }
  const text = env[WEBHOOK_RESPONDER_ENV.responderSecrets]?.trim();
  const secrets: Record<string, () => Promise<string>> = {};
  if (text) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new SoclessError(`${WEBHOOK_RESPONDER_ENV.responderSecrets}: not JSON (${(err as Error).message})`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new SoclessError(`${WEBHOOK_RESPONDER_ENV.responderSecrets}: must be an object of responder -> secret id`);
    }
    for (const [name, id] of Object.entries(parsed)) {
      if (!RESPONDER_NAME.test(name) || typeof id !== 'string' || id.length === 0) {
        throw new SoclessError(
          `${WEBHOOK_RESPONDER_ENV.responderSecrets}: entry "${name}" must map a name to a secret id`,
        );
      }
      secrets[name] = secretReader(id);
    }
  }
  return {
    ...(bound ? { sharedSecretResponder: bound } : {}),
    ...(Object.keys(secrets).length > 0 ? { responderSecrets: secrets } : {}),
  };
}

let interactionsHandler: ReturnType<typeof createInteractionsHandler> | undefined;

/** Lambda entry point of the interactions function. */
export async function handler(event: APIGatewayProxyEvent, context?: Context): Promise<APIGatewayProxyResult> {
  interactionsHandler ??= createInteractionsHandler(interactionsDepsFromEnv());
  return interactionsHandler(event, context);
}
