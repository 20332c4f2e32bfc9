/**
 * socless-slack PromptForResponse as an Interaction: the message carries a reply field and a send button, the
 * interactions responder resumes the playbook with `text` = the reply, and the local executor does the same.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerInteraction, type InteractionsDeps } from '../../hub/functions/interactions.ts';
import { INTEGRATION_CATALOG } from '../../hub/integrations/index.ts';
import { soclessSlackPrompt } from '../../hub/integrations/socless-slack-prompt/integration.ts';
import { toLambdaHandler } from '../../shared/integration-runtime/handler.ts';
import { INTEGRATION_ENV } from '../../shared/integrations/settings.ts';
import { REASON_ACTION_ID, REASON_BLOCK_ID } from '../../shared/integrations/slack-blocks.ts';
import { LocalCallbackStore } from '../../shared/local/callback-store.ts';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { runLocalExecution } from '../../shared/local/executor.ts';
import { createLocalDeps } from '../../shared/local/local-deps.ts';
import { buildExecutionInput, compilePlaybook, loadPlaybookSource } from '../../shared/playbook/index.ts';

const DIR = fileURLToPath(new URL('../fixtures/socless/playbooks/ask_reply/', import.meta.url));
const TOKEN = 'xoxb-test-token';
let server: Server;
let base: string;
let dynamo: LocalDynamo;
const posted: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return res.end(JSON.stringify({ ok: false }));
      if (req.url?.endsWith('chat.postMessage')) {
        posted.push(body);
        return res.end(JSON.stringify({ ok: true, channel: 'C0SECOPS1', ts: '1700000000.000100' }));
      }
      return res.end(JSON.stringify({ ok: false, error: 'unknown_method' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await dynamo.close();
});

function deps() {
  const local = createLocalDeps({
    documentClient: dynamo.client,
    secrets: { 'secret:socless/slack/bot-token': TOKEN },
  });
  return {
    ...local,
    env: {
      ...local.env,
      [INTEGRATION_ENV.slackBotTokenSecret]: 'socless/slack/bot-token',
      [INTEGRATION_ENV.slackApiUrl]: `${base}/api`,
    },
  };
}

async function run(executionName: string, reply: (id: string, callbacks: LocalCallbackStore) => void) {
  const compiled = compilePlaybook(loadPlaybookSource(DIR), { integrations: INTEGRATION_CATALOG });
  if (!compiled.ok) throw new Error(compiled.problems.map((p) => `${p.path}: ${p.reason}`).join('\n'));
  const callbacks = new LocalCallbackStore();
  callbacks.onPending((p) => reply(p.id, callbacks));
  const input = buildExecutionInput({
    event: {
      id: `evt-${executionName}`,
      investigation_id: `evt-${executionName}`,
      event_type: 'login',
      created_at: '2026-01-01T00:00:00Z',
      playbook: 'ask_reply',
      details: { analyst: 'alice' },
    },
    execution_id: executionName,
    account: { id: '111122223333', mode: 'notify' },
  });
  const result = await runLocalExecution(compiled.playbook.definition, input, {
    handlers: new Map([['socless_slack_prompt', toLambdaHandler(soclessSlackPrompt, deps())]]),
    callbacks,
    executionName,
  });
  return { compiled, result };
}

describe('PromptForResponse', () => {
  it('is served as an Interaction and resumes the playbook with text = the reply, which it branches on', async () => {
    const { compiled, result } = await run('ask-1', (id, callbacks) =>
      callbacks.answer(id, 'approve', 'U0ALICE01', { text: 'travel' }),
    );
    const ask = (compiled.playbook.definition.States as Record<string, Record<string, unknown>>).Ask_Analyst;
    expect(ask?.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    const output = result.output as { results: Record<string, unknown> };
    expect(output.results).toMatchObject({ text: 'travel', Ask_Analyst: { text: 'travel' } });
    // The question was posted with its legacy {context.x} text rendered, a reply field and a send button.
    const message = posted.at(-1) as { text: string; blocks: Array<Record<string, unknown>> };
    expect(message.text).toBe('Why did alice sign in from abroad?');
    expect(message.blocks.find((b) => b.type === 'input')).toMatchObject({
      block_id: REASON_BLOCK_ID,
      label: { text: 'Reason for the sign-in' },
      element: { action_id: REASON_ACTION_ID },
    });

    const other = await run('ask-2', (id, callbacks) =>
      callbacks.answer(id, 'approve', 'U0ALICE01', { text: 'no idea' }),
    );
    expect(other.result.status).toBe('FAILED');
    expect(other.result.error).toBe('Unexpected');
  });

  it('is answered through the interactions responder: the reply resumes the task, an empty one is refused', async () => {
    // The Interaction stores its record and posts; the responder then answers it as a signed Slack click would.
    const handler = toLambdaHandler(soclessSlackPrompt, deps());
    await handler({
      _socless: {
        state: 'Ask_Analyst',
        playbook: 'ask_reply',
        execution_id: 'arn:aws:states:us-east-1:000000000000:execution:ask_reply:ask-3',
        investigation_id: 'inv-3',
        compat: 'socless',
        operation: 'PromptForResponse',
      },
      parameters: { target: 'C0SECOPS1', target_type: 'slack_id', message_template: 'Why?' },
      context: { artifacts: {}, results: {} },
      task_token: 'token-3',
    });
    const messageId = (posted.at(-1) as { blocks: Array<{ elements?: Array<{ value?: string }> }> }).blocks.find(
      (b) => b.elements,
    )?.elements?.[0]?.value as string;
    const stored = await dynamo.client.send(new GetCommand({ TableName: 'message_responses', Key: { messageId } }));
    expect(stored.Item).toMatchObject({ answerShape: 'socless-response', taskToken: 'token-3', state: 'Ask_Analyst' });

    const sent: Array<{ token: string; output?: string; error?: string }> = [];
    const interactions: InteractionsDeps = {
      documentClient: dynamo.client,
      tableName: 'message_responses',
      tasks: {
        succeed: async (token, output) => {
          sent.push({ token, output });
        },
        fail: async (token, error) => {
          sent.push({ token, error });
        },
      },
      readSigningSecret: async () => 'unused',
      now: () => new Date(),
      logger: new Logger({ logLevel: 'SILENT' }),
    };
    const who = { provider: 'local', id: 'local:operator' } as const;
    const empty = await answerInteraction(
      interactions,
      { messageId, decision: 'approve', responder: who.id, reason: ' ' },
      who,
    );
    expect(empty.statusCode).toBe(400);
    const no = await answerInteraction(
      interactions,
      { messageId, decision: 'reject', responder: who.id, reason: 'x' },
      who,
    );
    expect(no.statusCode).toBe(400);
    expect(sent).toEqual([]);

    const ok = await answerInteraction(
      interactions,
      { messageId, decision: 'approve', responder: who.id, reason: 'travelling to Lisbon' },
      who,
    );
    expect(ok.statusCode).toBe(200);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.token).toBe('token-3');
    expect(JSON.parse(sent[0]?.output as string)).toEqual({
      Ask_Analyst: { text: 'travelling to Lisbon', user: { id: who.id }, message_id: messageId },
      text: 'travelling to Lisbon',
      user: { id: who.id },
      message_id: messageId,
    });
    const again = await answerInteraction(
      interactions,
      { messageId, decision: 'approve', responder: who.id, reason: 'x' },
      who,
    );
    expect(again.statusCode).toBe(409);
  });
});
