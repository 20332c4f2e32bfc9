import { Logger } from '@aws-lambda-powertools/logger';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createDocumentClient, SIGNATURE_HEADER, signPayload } from '../../hub/functions/http.ts';
import {
  createInteractionsHandler,
  type InteractionsDeps,
  interactionsDepsFromEnv,
  REJECTED_ERROR,
} from '../../hub/functions/interactions.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);

afterEach(() => {
  ddb.reset();
  sfn.reset();
});

const NOW = new Date('2024-05-01T12:00:00Z');
const SECRET = 'interactions-secret-0123456789';
const PENDING = {
  messageId: 'msg-1',
  taskToken: 'token-abc',
  investigationId: 'inv-1',
  status: 'pending',
  expiresAt: Math.floor(NOW.getTime() / 1000) + 3600,
};

function deps(): InteractionsDeps {
  return {
    documentClient: createDocumentClient(new DynamoDBClient({ region: 'us-east-1' })),
    sfn: new SFNClient({ region: 'us-east-1' }),
    tableName: 'responses-table',
    readSigningSecret: async () => SECRET,
    now: () => NOW,
    logger: new Logger({ logLevel: 'SILENT' }),
  };
}

function request(body: unknown, options: { provider?: string; sign?: boolean } = {}): APIGatewayProxyEvent {
  const raw = JSON.stringify(body);
  const headers: Record<string, string> =
    options.sign === false ? {} : { [SIGNATURE_HEADER]: signPayload(raw, SECRET, Math.floor(NOW.getTime() / 1000)) };
  return {
    httpMethod: 'POST',
    path: `/interactions/${options.provider ?? 'socless'}`,
    resource: '/interactions/{provider}',
    body: raw,
    isBase64Encoded: false,
    headers,
    multiValueHeaders: {},
    pathParameters: { provider: options.provider ?? 'socless' },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {} as APIGatewayProxyEvent['requestContext'],
  };
}

const approve = { messageId: 'msg-1', decision: 'approve', responder: 'alice@example.com', reason: 'looks right' };

describe('interactions handler', () => {
  it('answers 404 naming the supported providers for an unknown provider', async () => {
    const handler = createInteractionsHandler(deps());

    const result = await handler(request(approve, { provider: 'teams' }));

    expect(result.statusCode).toBe(404);
    expect(JSON.parse(result.body).error).toBe(
      'unknown interaction provider "teams"; supported providers: webhook, slack, socless',
    );
  });

  it('refuses an unsigned answer before touching any table', async () => {
    const handler = createInteractionsHandler(deps());

    const result = await handler(request(approve, { sign: false }));

    expect(result.statusCode).toBe(401);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('answers 400 naming the invalid field', async () => {
    const handler = createInteractionsHandler(deps());

    const result = await handler(request({ ...approve, decision: 'maybe' }));

    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body).error).toContain('$.decision');
  });

  it('answers 404 when no interaction has that message id', async () => {
    ddb.on(GetCommand).resolves({});
    const handler = createInteractionsHandler(deps());

    const result = await handler(request(approve));

    expect(result.statusCode).toBe(404);
    expect(JSON.parse(result.body).error).toBe('no pending interaction with messageId "msg-1"');
  });

  it('claims the answer once and resumes the playbook with SendTaskSuccess on approve', async () => {
    ddb.on(GetCommand).resolves({ Item: PENDING });
    ddb.on(UpdateCommand).resolves({});
    sfn.on(SendTaskSuccessCommand).resolves({});
    const handler = createInteractionsHandler(deps());

    const result = await handler(request(approve));

    expect(result.statusCode).toBe(200);
    const update = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(update.ConditionExpression).toBe('attribute_exists(messageId) AND attribute_not_exists(answeredAt)');
    expect(update.ExpressionAttributeValues).toMatchObject({
      ':decision': 'approve',
      ':responder': 'alice@example.com',
    });
    const success = sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input;
    expect(success.taskToken).toBe('token-abc');
    expect(JSON.parse(success.output!)).toEqual({
      messageId: 'msg-1',
      decision: 'approve',
      responder: 'alice@example.com',
      reason: 'looks right',
      answeredAt: NOW.toISOString(),
    });
  });

  it('fails the waiting task with Socless.InteractionRejected on reject', async () => {
    ddb.on(GetCommand).resolves({ Item: PENDING });
    ddb.on(UpdateCommand).resolves({});
    sfn.on(SendTaskFailureCommand).resolves({});
    const handler = createInteractionsHandler(deps());

    const result = await handler(request({ ...approve, decision: 'reject' }));

    expect(result.statusCode).toBe(200);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    expect(sfn.commandCalls(SendTaskFailureCommand)[0]!.args[0].input).toMatchObject({
      taskToken: 'token-abc',
      error: REJECTED_ERROR,
    });
  });

  it('refuses a second answer with 409 naming who answered first', async () => {
    ddb.on(GetCommand).resolves({ Item: PENDING });
    ddb.on(UpdateCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: { responder: { S: 'bob@example.com' }, answeredAt: { S: '2024-05-01T11:00:00.000Z' } },
      }),
    );
    const handler = createInteractionsHandler(deps());

    const result = await handler(request(approve));

    expect(result.statusCode).toBe(409);
    expect(JSON.parse(result.body).error).toBe(
      'interaction "msg-1" was already answered by bob@example.com at 2024-05-01T11:00:00.000Z',
    );
    expect(sfn.calls()).toHaveLength(0);
  });

  it('answers 410 for an interaction past its expiry', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...PENDING, expiresAt: Math.floor(NOW.getTime() / 1000) - 1 } });
    const handler = createInteractionsHandler(deps());

    const result = await handler(request(approve));

    expect(result.statusCode).toBe(410);
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('keeps the recorded answer and answers 410 when the execution stopped waiting', async () => {
    ddb.on(GetCommand).resolves({ Item: PENDING });
    ddb.on(UpdateCommand).resolves({});
    sfn.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
    const handler = createInteractionsHandler(deps());

    const result = await handler(request(approve));

    expect(result.statusCode).toBe(410);
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(1);
  });

  it('releases its claim and answers 502 when Step Functions is unavailable, so the responder can retry', async () => {
    ddb.on(GetCommand).resolves({ Item: PENDING });
    ddb.on(UpdateCommand).resolves({});
    sfn.on(SendTaskSuccessCommand).rejects(Object.assign(new Error('unavailable'), { name: 'ServiceUnavailable' }));
    const handler = createInteractionsHandler(deps());

    const result = await handler(request(approve));

    expect(result.statusCode).toBe(502);
    const release = ddb.commandCalls(UpdateCommand)[1]!.args[0].input;
    expect(release.UpdateExpression).toContain('REMOVE answeredAt');
    expect(release.ConditionExpression).toBe('answeredAt = :answeredAt AND responder = :responder');
  });

  it('answers 503 when the table cannot be read', async () => {
    ddb.on(GetCommand).rejects(Object.assign(new Error('down'), { name: 'InternalServerError' }));
    const handler = createInteractionsHandler(deps());

    const result = await handler(request(approve));

    expect(result.statusCode).toBe(503);
  });
});

describe('interactionsDepsFromEnv', () => {
  it('names every missing environment variable at cold start', () => {
    expect(() => interactionsDepsFromEnv({ SOCLESS_SIGNING_SECRET_ARN: 'arn' })).toThrow(
      'missing required environment variable(s): SOCLESS_MESSAGE_RESPONSES_TABLE',
    );
  });
});
