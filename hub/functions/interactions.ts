/**
 * Interactions Lambda: a human's answer to a playbook that waits (`Interaction` state →
 * `lambda:invoke.waitForTaskToken`).
 *
 * Entry point: `handler` (bundled from this file by the hub stack's InteractionsFunction), behind
 * `POST /interactions/{provider}`. The generic `socless` provider takes a JSON body
 * `{messageId, decision: 'approve'|'reject', responder, reason?}` signed with `x-socless-signature` (see
 * endpoint.ts). It looks the task token up in `message_responses`, claims the answer with a conditional update
 * (a second answer is refused), then calls Step Functions SendTaskSuccess (approve) or SendTaskFailure (reject).
 * Other providers (Slack) come later; an unknown provider gets a 404 naming the supported ones.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { z } from 'zod';
import { jsonPath } from '../../shared/errors.ts';
import { TABLES } from '../../shared/tables.ts';
import {
  createDocumentClient,
  createSecretReader,
  headerValue,
  jsonResponse,
  requestBody,
  requireEnv,
  SIGNATURE_HEADER,
  verifySignature,
} from './http.ts';

/** Environment variables the interactions function reads at cold start. */
export const INTERACTIONS_ENV = {
  responsesTable: TABLES.message_responses.envVar,
  signingSecretArn: 'SOCLESS_SIGNING_SECRET_ARN',
} as const;

/** Providers this function answers for; the path parameter `{provider}` must be one of them. */
export const INTERACTION_PROVIDERS = ['socless'] as const;
export type InteractionProvider = (typeof INTERACTION_PROVIDERS)[number];

/** Error name a playbook's Catch sees when a human rejects. */
export const REJECTED_ERROR = 'Socless.InteractionRejected';

/** Body of a generic signed response. */
export const InteractionResponseSchema = z.strictObject({
  messageId: z.string().min(1).max(256),
  decision: z.enum(['approve', 'reject']),
  responder: z.string().min(1).max(256),
  reason: z.string().max(2000).optional(),
});
export type InteractionResponse = z.infer<typeof InteractionResponseSchema>;

/** Everything the handler uses; tests inject mocked clients and a fixed clock. */
export interface InteractionsDeps {
  readonly documentClient: DynamoDBDocumentClient;
  readonly sfn: SFNClient;
  readonly tableName: string;
  readonly readSigningSecret: () => Promise<string>;
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
  const raw = requestBody(event);
  let secret: string;
  try {
    secret = await deps.readSigningSecret();
  } catch (err) {
    deps.logger.error('cannot read the signing secret', { error: err as Error });
    return jsonResponse(503, { error: 'cannot verify signatures right now; retry later' });
  }
  const now = deps.now();
  const check = verifySignature(headerValue(event, SIGNATURE_HEADER), raw, secret, now);
  if (!check.ok) {
    deps.logger.warn('refused an unsigned or badly signed response', { reason: check.reason });
    return jsonResponse(401, { error: check.reason });
  }

  const parsed = parseResponse(raw);
  if (!parsed.ok) return jsonResponse(400, { error: parsed.reason });
  const answer = parsed.value;

  const found = await deps.documentClient.send(
    new GetCommand({ TableName: deps.tableName, Key: { messageId: answer.messageId }, ConsistentRead: true }),
  );
  const item = found.Item;
  if (!item) return jsonResponse(404, { error: `no pending interaction with messageId "${answer.messageId}"` });
  if (typeof item.taskToken !== 'string' || item.taskToken.length === 0) {
    return jsonResponse(409, {
      error: `interaction "${answer.messageId}" has no task token: nothing is waiting for it`,
    });
  }
  if (typeof item.expiresAt === 'number' && item.expiresAt * 1000 < now.getTime()) {
    return jsonResponse(410, {
      error: `interaction "${answer.messageId}" expired at ${new Date(item.expiresAt * 1000).toISOString()}`,
    });
  }

  const answeredAt = now.toISOString();
  try {
    await deps.documentClient.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: { messageId: answer.messageId },
        UpdateExpression:
          'SET answeredAt = :answeredAt, decision = :decision, responder = :responder, answerReason = :reason, #status = :answered',
        ConditionExpression: 'attribute_exists(messageId) AND attribute_not_exists(answeredAt)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':answeredAt': answeredAt,
          ':decision': answer.decision,
          ':responder': answer.responder,
          ':reason': answer.reason ?? null,
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
      return jsonResponse(409, { error: `interaction "${answer.messageId}" was already answered by ${by} at ${at}` });
    }
    throw err;
  }

  const result = {
    messageId: answer.messageId,
    decision: answer.decision,
    responder: answer.responder,
    reason: answer.reason,
    answeredAt,
  };
  try {
    if (answer.decision === 'approve') {
      await deps.sfn.send(new SendTaskSuccessCommand({ taskToken: item.taskToken, output: JSON.stringify(result) }));
    } else {
      await deps.sfn.send(
        new SendTaskFailureCommand({ taskToken: item.taskToken, error: REJECTED_ERROR, cause: JSON.stringify(result) }),
      );
    }
  } catch (err) {
    const name = (err as Error).name;
    if (GONE_ERRORS.has(name)) {
      // The answer stays recorded (it is what the human said); the playbook simply stopped waiting.
      deps.logger.warn('the execution no longer waits for this answer', { messageId: answer.messageId, error: name });
      return jsonResponse(410, { error: `the playbook is no longer waiting for this answer (${name})` });
    }
    deps.logger.error('could not deliver the answer to Step Functions; releasing the claim', {
      messageId: answer.messageId,
      error: err as Error,
    });
    await releaseClaim(deps, answer, answeredAt);
    return jsonResponse(502, { error: 'the answer could not be delivered to the playbook; retry' });
  }

  deps.logger.info('interaction answered', {
    messageId: answer.messageId,
    decision: answer.decision,
    responder: answer.responder,
  });
  return jsonResponse(200, { messageId: answer.messageId, decision: answer.decision, status: 'delivered' });
}

/** Undoes our own claim (only if it is still ours) so the responder can retry after a Step Functions outage. */
async function releaseClaim(deps: InteractionsDeps, answer: InteractionResponse, answeredAt: string): Promise<void> {
  try {
    await deps.documentClient.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: { messageId: answer.messageId },
        UpdateExpression: 'REMOVE answeredAt, decision, responder, answerReason SET #status = :pending',
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

function parseResponse(raw: string): { ok: true; value: InteractionResponse } | { ok: false; reason: string } {
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
  return {
    documentClient: createDocumentClient(),
    sfn: new SFNClient({}),
    tableName: vars.responsesTable,
    readSigningSecret: createSecretReader(new SecretsManagerClient({}), vars.signingSecretArn),
    now: () => new Date(),
    logger: new Logger({ serviceName: 'socless-interactions' }),
  };
}

let interactionsHandler: ReturnType<typeof createInteractionsHandler> | undefined;

/** Lambda entry point of the interactions function. */
export async function handler(event: APIGatewayProxyEvent, context?: Context): Promise<APIGatewayProxyResult> {
  interactionsHandler ??= createInteractionsHandler(interactionsDepsFromEnv());
  return interactionsHandler(event, context);
}
