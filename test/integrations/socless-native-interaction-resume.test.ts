/** The deployed interactions function resumes a request a SOCless-style playbook made with SOCless data. */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createDocumentClient, SIGNATURE_HEADER, signPayload } from '../../hub/functions/http.ts';
import { createInteractionsHandler } from '../../hub/functions/interactions.ts';

const NOW = new Date('2026-05-01T12:00:00Z');
const SECRET = 'interactions-secret-0123456789';
const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);

describe('the interactions function resuming a SOCless-style request', () => {
  afterEach(() => {
    ddb.reset();
    sfn.reset();
  });

  async function answer(item: Record<string, unknown>): Promise<Record<string, unknown>> {
    ddb.on(GetCommand).resolves({
      Item: {
        messageId: 'msg-1',
        taskToken: 'token-abc',
        investigationId: 'inv-1',
        state: 'Approve',
        status: 'pending',
        expiresAt: Math.floor(NOW.getTime() / 1000) + 3600,
        ...item,
      },
    });
    ddb.on(UpdateCommand).resolves({});
    sfn.on(SendTaskSuccessCommand).resolves({});
    const handler = createInteractionsHandler({
      documentClient: createDocumentClient(new DynamoDBClient({ region: 'us-east-1' })),
      sfn: new SFNClient({ region: 'us-east-1' }),
      tableName: 'responses-table',
      readSigningSecret: async () => SECRET,
      sharedSecretResponder: 'soc-relay',
      now: () => NOW,
      logger: new Logger({ logLevel: 'SILENT' }),
    });
    const body = JSON.stringify({ messageId: 'msg-1', decision: 'approve', reason: 'fine' });
    const request = {
      httpMethod: 'POST',
      path: '/interactions/socless',
      resource: '/interactions/{provider}',
      body,
      isBase64Encoded: false,
      headers: { [SIGNATURE_HEADER]: signPayload(body, SECRET, Math.floor(NOW.getTime() / 1000)) },
      multiValueHeaders: {},
      pathParameters: { provider: 'socless' },
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      stageVariables: null,
      requestContext: {} as APIGatewayProxyEvent['requestContext'],
    } as APIGatewayProxyEvent;
    const result = await handler(request);
    expect(result.statusCode, result.body).toBe(200);
    return JSON.parse(String(sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input.output));
  }

  it('resumes with the answer flattened and under the state', async () => {
    const output = await answer({ soclessCompat: true });
    expect(output).toMatchObject({ decision: 'approve', responder: 'soc-relay', Approve: { decision: 'approve' } });
  });

  it('resumes a native playbook with the bare answer', async () => {
    const output = await answer({});
    expect(output).toMatchObject({ decision: 'approve' });
    expect(output.Approve).toBeUndefined();
  });
});
