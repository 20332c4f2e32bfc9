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
  RESPONDER_HEADER,
  webhookRespondersFromEnv,
} from '../../hub/functions/interactions.ts';
import { slackSignature } from '../../shared/integrations/slack.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);

afterEach(() => {
  ddb.reset();
  sfn.reset();
});

const NOW = new Date('2024-05-01T12:00:00Z');
const SECRET = 'interactions-secret-0123456789';
const ALICE_SECRET = 'alice-own-secret-0123456789';
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
    // The shared signing secret speaks for one configured responder, whatever the body says.
    sharedSecretResponder: 'soc-relay',
    responderSecrets: { 'alice@example.com': async () => ALICE_SECRET },
    now: () => NOW,
    logger: new Logger({ logLevel: 'SILENT' }),
  };
}

function request(
  body: unknown,
  options: { provider?: string; sign?: boolean; secret?: string; responder?: string } = {},
): APIGatewayProxyEvent {
  const raw = JSON.stringify(body);
  const headers: Record<string, string> =
    options.sign === false
      ? {}
      : { [SIGNATURE_HEADER]: signPayload(raw, options.secret ?? SECRET, Math.floor(NOW.getTime() / 1000)) };
  if (options.responder) headers[RESPONDER_HEADER] = options.responder;
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
      ':responder': 'soc-relay',
      ':note': 'alice@example.com',
    });
    const success = sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input;
    expect(success.taskToken).toBe('token-abc');
    expect(JSON.parse(success.output!)).toEqual({
      messageId: 'msg-1',
      decision: 'approve',
      responder: 'soc-relay',
      responder_note: 'alice@example.com',
      reason: 'looks right',
      answeredAt: NOW.toISOString(),
    });
  });

  it('refuses with 403 a webhook responder that is not a configured responder, before touching any table', async () => {
    const handler = createInteractionsHandler(deps());

    const result = await handler(request(approve, { responder: 'mallory' }));

    expect(result.statusCode).toBe(403);
    expect(JSON.parse(result.body).error).toContain('"mallory" is not allowed to answer');
    expect(ddb.calls()).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
  });

  it('refuses the shared secret when no responder is bound to it', async () => {
    const { sharedSecretResponder: _bound, ...unbound } = deps();
    const handler = createInteractionsHandler(unbound);

    const result = await handler(request(approve));

    expect(result.statusCode).toBe(403);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('records the signing responder, not the name the body claims, as who approved', async () => {
    ddb.on(GetCommand).resolves({ Item: PENDING });
    ddb.on(UpdateCommand).resolves({});
    sfn.on(SendTaskSuccessCommand).resolves({});
    const handler = createInteractionsHandler(deps());

    const result = await handler(
      request({ ...approve, responder: 'ciso@example.com' }, { responder: 'alice@example.com', secret: ALICE_SECRET }),
    );

    expect(result.statusCode).toBe(200);
    const update = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(update.ExpressionAttributeValues).toMatchObject({
      ':responder': 'alice@example.com',
      ':note': 'ciso@example.com',
    });
    const output = JSON.parse(sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input.output!);
    expect(output.responder).toBe('alice@example.com');
    expect(output.responder_note).toBe('ciso@example.com');
  });

  it("refuses a responder signing with another responder's secret", async () => {
    const handler = createInteractionsHandler(deps());

    const result = await handler(request(approve, { responder: 'alice@example.com', secret: SECRET }));

    expect(result.statusCode).toBe(401);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('carries the plan hash stored with the request back to the playbook', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...PENDING, planHash: 'ab'.repeat(32) } });
    ddb.on(UpdateCommand).resolves({});
    sfn.on(SendTaskSuccessCommand).resolves({});
    const handler = createInteractionsHandler(deps());

    const result = await handler(request(approve));

    expect(JSON.parse(result.body)).toMatchObject({ status: 'delivered', plan_hash: 'ab'.repeat(32) });
    const output = JSON.parse(sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input.output!);
    expect(output.plan_hash).toBe('ab'.repeat(32));
  });

  it('refuses every Slack user when no Slack responder is allowed', async () => {
    ddb.on(GetCommand).resolves({ Item: PENDING });
    const slackSecret = 'slack-signing-secret-0123456789';
    const handler = createInteractionsHandler({
      ...deps(),
      slack: {
        readSigningSecret: async () => slackSecret,
        client: async () => {
          throw new Error('no Slack client in this test');
        },
        allowedUserIds: [],
        allowedUserGroupIds: [],
      },
    });
    const payload = {
      type: 'block_actions',
      user: { id: 'U0ANYONE01' },
      actions: [{ action_id: 'socless_approve', value: 'msg-1' }],
    };
    const raw = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const ts = Math.floor(NOW.getTime() / 1000);
    const event = {
      ...request({}, { provider: 'slack', sign: false }),
      body: raw,
      headers: { 'x-slack-signature': slackSignature(slackSecret, ts, raw), 'x-slack-request-timestamp': String(ts) },
    };

    const result = await handler(event);

    expect(result.statusCode).toBe(403);
    expect(JSON.parse(result.body).error).toContain('no Slack responder is allowed');
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
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
    expect(release.ExpressionAttributeValues).toMatchObject({ ':responder': 'soc-relay' });
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

  it('reads the webhook responders and refuses a malformed list', () => {
    const reader = (id: string) => async () => id;
    const out = webhookRespondersFromEnv(
      {
        SOCLESS_INTERACTION_WEBHOOK_RESPONDER: 'soc-relay',
        SOCLESS_INTERACTION_RESPONDER_SECRETS: '{"alice@example.com":"socless/interactions/responders/alice"}',
      },
      reader,
    );
    expect(out.sharedSecretResponder).toBe('soc-relay');
    expect(Object.keys(out.responderSecrets ?? {})).toEqual(['alice@example.com']);
    expect(() => webhookRespondersFromEnv({ SOCLESS_INTERACTION_RESPONDER_SECRETS: '[1]' }, reader)).toThrow(
      /SOCLESS_INTERACTION_RESPONDER_SECRETS/,
    );
  });
});
