/**
 * The socless-slack names on the local executor: test/fixtures/socless/playbooks/slack_tour runs against a
 * loopback Slack that checks the bearer token, with PromptForConfirmation answered yes and no.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { answerInteraction } from '../../hub/functions/interactions.ts';
import { INTEGRATION_CATALOG } from '../../hub/integrations/index.ts';
import { soclessSlack } from '../../hub/integrations/socless-slack/integration.ts';
import { soclessSlackPrompt } from '../../hub/integrations/socless-slack-prompt/integration.ts';
import { toLambdaHandler } from '../../shared/integration-runtime/handler.ts';
import { INTEGRATION_ENV } from '../../shared/integrations/settings.ts';
import { soclessConfirmationOutput } from '../../shared/integrations/socless-answers.ts';
import { LocalCallbackStore } from '../../shared/local/callback-store.ts';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { runLocalExecution } from '../../shared/local/executor.ts';
import { createLocalDeps } from '../../shared/local/local-deps.ts';
import { buildExecutionInput, compilePlaybook, loadPlaybookSource } from '../../shared/playbook/index.ts';

const TOUR_DIR = fileURLToPath(new URL('../fixtures/socless/playbooks/slack_tour/', import.meta.url));
const TOKEN = 'xoxb-test-token';

interface Call {
  readonly method: string;
  readonly body: Record<string, unknown>;
}

let server: Server;
let base: string;
const calls: Call[] = [];
const members = new Map<string, string[]>();
let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const reply = (body: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (path === '/upload/F1') {
        calls.push({ method: 'upload', body: { raw } });
        res.end('OK');
        return;
      }
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return reply({ ok: false, error: 'invalid_auth' });
      const method = path.replace('/api/', '');
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      calls.push({ method, body });
      switch (method) {
        case 'users.list':
          return reply({
            ok: true,
            members: [
              { id: 'UBOT00001', name: 'alice', is_bot: true, profile: {} },
              { id: 'U0ALICE01', name: 'alice', real_name: 'Alice Analyst', profile: { display_name: 'alice' } },
            ],
            response_metadata: { next_cursor: '' },
          });
        case 'conversations.create':
          return reply({ ok: true, channel: { id: 'C0WARROOM', name: body.name } });
        case 'conversations.setTopic':
          return reply({ ok: true, channel: { id: body.channel, topic: { value: body.topic } } });
        case 'conversations.invite':
          members.set(String(body.channel), String(body.users).split(','));
          return reply({ ok: true, channel: { id: body.channel } });
        case 'conversations.members':
          return reply({ ok: true, members: members.get(String(body.channel)) ?? [], response_metadata: {} });
        case 'chat.postMessage':
          return reply({
            ok: true,
            channel: String(body.channel).startsWith('#') ? 'C0SECOPS1' : body.channel,
            ts: '1700000000.000100',
          });
        case 'files.getUploadURLExternal':
          return reply({ ok: true, upload_url: `${base}/upload/F1`, file_id: 'F1' });
        case 'files.completeUploadExternal':
          return reply({ ok: true, files: [{ id: 'F1', title: 'The event' }] });
        default:
          return reply({ ok: false, error: 'unknown_method' });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await dynamo.close();
});

beforeEach(() => {
  calls.length = 0;
  members.clear();
});

async function runTour(executionName: string, click: 'approve' | 'reject') {
  const compiled = compilePlaybook(loadPlaybookSource(TOUR_DIR), { integrations: INTEGRATION_CATALOG });
  if (!compiled.ok) throw new Error(compiled.problems.map((p) => `${p.path}: ${p.reason}`).join('\n'));
  const local = createLocalDeps({
    documentClient: dynamo.client,
    secrets: { 'secret:socless/slack/bot-token': TOKEN },
  });
  const deps = {
    ...local,
    env: {
      ...local.env,
      [INTEGRATION_ENV.slackBotTokenSecret]: 'socless/slack/bot-token',
      [INTEGRATION_ENV.slackApiUrl]: `${base}/api`,
    },
  };
  const callbacks = new LocalCallbackStore();
  callbacks.onPending((p) => callbacks.answer(p.id, click, 'U0ALICE01'));
  const input = buildExecutionInput({
    event: {
      id: `evt-${executionName}`,
      investigation_id: `evt-${executionName}`,
      event_type: 'login',
      created_at: '2026-01-01T00:00:00Z',
      playbook: 'slack_tour',
      details: { analyst: 'alice', ticket: 'SEC-42', title: 'a console login from a new country' },
    },
    execution_id: executionName,
    account: { id: '111122223333', mode: 'notify' },
  });
  const result = await runLocalExecution(compiled.playbook.definition, input, {
    handlers: new Map([
      ['socless_slack', toLambdaHandler(soclessSlack, deps)],
      ['socless_slack_prompt', toLambdaHandler(soclessSlackPrompt, deps)],
    ]),
    callbacks,
    executionName,
  });
  return { compiled, result };
}

describe('socless-slack names', () => {
  it('resolve to the Slack built-ins, PromptForConfirmation as an Interaction', () => {
    const compiled = compilePlaybook(loadPlaybookSource(TOUR_DIR), { integrations: INTEGRATION_CATALOG });
    expect(compiled.ok && compiled.playbook.integrations).toEqual(['socless_slack', 'socless_slack_prompt']);
    expect(compiled.ok && compiled.playbook.workflow).toBe('standard');
  });

  it('run every Slack operation with socless-slack parameters and results, and continue on a yes', async () => {
    const { result } = await runTour('slack-yes', 'approve');
    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    expect(result.states).toEqual([
      'Find_Analyst',
      'Analyst_Found',
      'Open_War_Room',
      'Set_Topic',
      'Invite_Analyst',
      'Check_Member',
      'Post_Alert',
      'Upload_Event',
      'Ask_Analyst',
      'Was_It_Them',
      'Stand_Down',
    ]);
    const byMethod = (m: string) => calls.filter((c) => c.method === m).map((c) => c.body);
    // FindUser skipped the bot of the same name.
    expect(byMethod('conversations.create')).toEqual([{ name: 'inc-sec-42', is_private: true }]);
    expect(byMethod('conversations.setTopic')).toEqual([
      { channel: 'C0WARROOM', topic: 'Investigating a console login from a new country' },
    ]);
    expect(byMethod('conversations.invite')).toEqual([{ channel: 'C0WARROOM', users: 'U0ALICE01' }]);
    const posts = byMethod('chat.postMessage');
    expect(posts[0]).toMatchObject({
      channel: 'C0WARROOM',
      text: 'Alert: a console login from a new country (analyst alice)',
    });
    // The prompt went to the analyst by user id, with the legacy {context.x} text rendered.
    expect(posts[1]).toMatchObject({
      channel: 'U0ALICE01',
      text: 'Was a console login from a new country you, Alice Analyst?',
    });
    const blocks = (posts[1]?.blocks ?? []) as Array<{ elements?: Array<{ text: { text: string } }> }>;
    const buttons = blocks[1]?.elements;
    expect(buttons?.map((b) => b.text.text)).toEqual(['It was me', 'Not me']);
    expect(posts[2]).toMatchObject({ channel: 'C0WARROOM', text: 'Confirmed by the analyst: standing down' });
    // `{{ … | tojson }}` reads as a literal and becomes an object again (as in socless_python); UploadFile
    // sends an object as indented JSON.
    expect(calls.find((c) => c.method === 'upload')?.body.raw).toBe(
      JSON.stringify({ analyst: 'alice', ticket: 'SEC-42', title: 'a console login from a new country' }, null, 2),
    );
    expect(byMethod('files.completeUploadExternal')).toEqual([
      { files: [{ id: 'F1', title: 'The event' }], channel_id: 'C0WARROOM' },
    ]);
    const output = result.output as { results: Record<string, unknown> };
    expect(output.results).toMatchObject({ Stand_Down: { slack_id: 'C0WARROOM' }, slack_id: 'C0WARROOM' });
  });

  it('branch on $.results.actions.value "false" when the analyst clicks no', async () => {
    const { result } = await runTour('slack-no', 'reject');
    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    expect(result.states.slice(-3)).toEqual(['Ask_Analyst', 'Was_It_Them', 'Escalate']);
    expect(calls.filter((c) => c.method === 'chat.postMessage').at(-1)?.body).toMatchObject({
      channel: '#secops',
      text: 'Analyst says it was not them: escalating SEC-42',
    });
  });

  it('record the prompt with the SOCless answer shape the interactions function delivers', async () => {
    await runTour('slack-record', 'approve');
    const prompt = calls.filter((c) => c.method === 'chat.postMessage')[1];
    const blocks = (prompt?.body.blocks ?? []) as Array<{ elements?: Array<{ value: string }> }>;
    const messageId = blocks[1]?.elements?.[0]?.value;
    const item = await dynamo.client.send(new GetCommand({ TableName: 'message_responses', Key: { messageId } }));
    expect(item.Item).toMatchObject({ state: 'Ask_Analyst', answerShape: 'socless-confirmation', provider: 'slack' });
    expect(soclessConfirmationOutput('Ask_Analyst', { decision: 'reject', responder: 'U1', messageId: 'm' })).toEqual({
      Ask_Analyst: { actions: { value: 'false' }, user: { id: 'U1' }, message_id: 'm' },
      actions: { value: 'false' },
      user: { id: 'U1' },
      message_id: 'm',
    });
  });

  it('fail the state naming the parameter when the legacy text refers to nothing', async () => {
    const compiled = compilePlaybook(loadPlaybookSource(TOUR_DIR), { integrations: INTEGRATION_CATALOG });
    if (!compiled.ok) throw new Error('does not compile');
    const local = createLocalDeps({
      documentClient: dynamo.client,
      secrets: { 'secret:socless/slack/bot-token': TOKEN },
    });
    const handler = toLambdaHandler(soclessSlack, {
      ...local,
      env: {
        ...local.env,
        [INTEGRATION_ENV.slackBotTokenSecret]: 'socless/slack/bot-token',
        [INTEGRATION_ENV.slackApiUrl]: `${base}/api`,
      },
    });
    await expect(
      handler({
        _socless: {
          state: 'Post',
          playbook: 'slack_tour',
          execution_id: 'arn:aws:states:us-east-1:000000000000:execution:x:e1',
          investigation_id: 'i1',
          compat: 'socless',
          operation: 'SendMessage',
          templates: [],
        },
        parameters: {
          target: 'C0WARROOM',
          target_type: 'slack_id',
          message_template: 'Hi {context.results.Nobody.name}',
        },
        context: { artifacts: {}, results: {}, errors: {} },
      }),
    ).rejects.toThrow(
      'state "Post" (socless_slack SendMessage): parameter "message_template" refers to {context.results.Nobody.name}, which does not exist',
    );
  });

  it('are answered by the deployed interactions function with SOCless data, a no included', async () => {
    const sent: Array<{ token: string; output?: string; error?: string }> = [];
    for (const [messageId, decision] of [
      ['prompt-yes', 'approve'],
      ['prompt-no', 'reject'],
    ] as const) {
      await dynamo.client.send(
        new PutCommand({
          TableName: 'message_responses',
          Item: {
            messageId,
            taskToken: `token-${messageId}`,
            investigationId: 'i1',
            executionId: 'e1',
            playbook: 'slack_tour',
            state: 'Ask_Analyst',
            status: 'pending',
            provider: 'slack',
            title: 'Was it you?',
            createdAt: '2026-01-01T00:00:00.000Z',
            expiresAt: Math.floor(Date.parse('2026-01-02T00:00:00Z') / 1000),
            answerShape: 'socless-confirmation',
          },
        }),
      );
      const delivery = await answerInteraction(
        {
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
          now: () => new Date('2026-01-01T01:00:00Z'),
          logger: new Logger({ logLevel: 'SILENT' }),
        },
        { messageId, decision, responder: 'local:operator' },
        { provider: 'local', id: 'local:operator' },
      );
      expect(delivery.statusCode).toBe(200);
    }
    expect(sent.map((s) => [s.token, s.error, s.output && JSON.parse(s.output).actions])).toEqual([
      ['token-prompt-yes', undefined, { value: 'true' }],
      ['token-prompt-no', undefined, { value: 'false' }],
    ]);
    expect(JSON.parse(sent[1]?.output ?? '{}').Ask_Analyst).toEqual({
      actions: { value: 'false' },
      user: { id: 'local:operator' },
      message_id: 'prompt-no',
    });
  });
});
