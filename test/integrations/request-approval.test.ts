import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interactionTimeout } from '../../hub/integrations/interaction-timeout/integration.ts';
import { requestApproval } from '../../hub/integrations/request-approval/integration.ts';
import { toLambdaHandler } from '../../shared/integration-runtime/handler.ts';
import { StaticSecretResolver } from '../../shared/integration-runtime/secrets.ts';
import { INTEGRATION_ENV, SLACK_BOT_TOKEN_SECRET_NAME } from '../../shared/integrations/settings.ts';
import { planHash } from '../../shared/remediation/plan-hash.ts';
import { type FakeSlack, startFakeSlack } from './fake-slack.ts';
import { type Harness, startHarness } from './harness.ts';

const TOKEN = 'xoxb-approval-test';
const META = {
  state: 'Ask_Approval',
  playbook: 'approve-then-remediate',
  execution_id: 'arn:aws:states:eu-west-1:111111111111:execution:approve-then-remediate:exec-1',
  investigation_id: 'inv-approval',
};
const PARAMS = {
  title: 'S3 bucket: block public access in 123456789012',
  severity: 'MEDIUM',
  account: '123456789012',
  actions: [{ service: 's3', action: 'PutPublicAccessBlock', input: { Bucket: 'b' } }],
};

describe('request_approval and interaction_timeout', () => {
  let h: Harness;
  let slack: FakeSlack;
  beforeAll(async () => {
    h = await startHarness();
    slack = await startFakeSlack({ token: TOKEN });
  });
  afterAll(async () => {
    await slack.close();
    await h.close();
  });

  const withSlack = () => ({
    ...h.deps,
    secrets: new StaticSecretResolver({ [`secret:${SLACK_BOT_TOKEN_SECRET_NAME}`]: TOKEN }),
    env: {
      ...h.deps.env,
      [INTEGRATION_ENV.slackBotTokenSecret]: SLACK_BOT_TOKEN_SECRET_NAME,
      [INTEGRATION_ENV.slackApiUrl]: slack.apiUrl,
      [INTEGRATION_ENV.slackDefaultChannel]: 'C0SOC00001',
      [INTEGRATION_ENV.timeoutDecision]: 'approve',
    },
  });
  const get = async (messageId: string) =>
    (await h.dynamo.client.send(new GetCommand({ TableName: 'message_responses', Key: { messageId } }))).Item;

  it('stores the task token before posting Approve/Reject buttons, then the Slack message reference', async () => {
    const out = await toLambdaHandler(
      requestApproval,
      withSlack(),
    )({
      _socless: META,
      parameters: PARAMS,
      task_token: 'token-1',
    });
    expect(out).toMatchObject({ provider: 'slack', channel: 'C0SOC00001' });
    const item = await get(String(out.message_id));
    expect(item).toMatchObject({
      taskToken: 'token-1',
      status: 'pending',
      investigationId: 'inv-approval',
      slackTs: out.ts,
    });
    const blocks = JSON.stringify(slack.calls.at(-1)?.body.blocks);
    expect(blocks).toContain('"action_id":"socless_approve"');
    expect(blocks).toContain(String(out.message_id));
    expect(blocks).toContain('s3:PutPublicAccessBlock');
    expect(blocks).toContain('/states/home?region=eu-west-1');
  });

  it('stores, shows and returns the hash of the plan the approver sees', async () => {
    const hash = planHash([{ service: 's3', action: 'PutPublicAccessBlock', input: { Bucket: 'b' } }]);
    const out = await toLambdaHandler(
      requestApproval,
      withSlack(),
    )({ _socless: META, parameters: PARAMS, task_token: 'token-hash' });
    expect(out.plan_hash).toBe(hash);
    expect(await get(String(out.message_id))).toMatchObject({ planHash: hash });
    expect(JSON.stringify(slack.calls.at(-1)?.body.blocks)).toContain(hash);
    const other = await toLambdaHandler(
      requestApproval,
      h.deps,
    )({
      _socless: META,
      parameters: { ...PARAMS, actions: [{ service: 's3', action: 'PutPublicAccessBlock', input: { Bucket: 'c' } }] },
      task_token: 'token-hash-2',
    });
    expect(other.plan_hash).not.toBe(hash);
  });

  it('records a webhook-answered request when Slack is not configured, posting nothing', async () => {
    const before = slack.calls.length;
    const out = await toLambdaHandler(
      requestApproval,
      h.deps,
    )({ _socless: META, parameters: PARAMS, task_token: 'tok-w' });
    expect(out).toMatchObject({ provider: 'webhook' });
    expect(out.channel).toBeUndefined();
    expect(await get(String(out.message_id))).toMatchObject({
      taskToken: 'tok-w',
      provider: 'webhook',
      status: 'pending',
    });
    expect(slack.calls.length).toBe(before);
  });

  it('refuses to run outside an Interaction state and names a bad channel', async () => {
    await expect(h.invoke(requestApproval, PARAMS)).rejects.toMatchObject({ name: 'IntegrationParameterError' });
    await expect(
      toLambdaHandler(
        requestApproval,
        withSlack(),
      )({
        _socless: META,
        parameters: { ...PARAMS, channel: '#general' },
        task_token: 't',
      }),
    ).rejects.toThrow(/parameter "channel" must be a Slack channel id/);
  });

  it('fails the state on a Slack error (the record stays for the webhook)', async () => {
    slack.script({ status: 200, body: { ok: false, error: 'not_in_channel' } });
    await expect(
      toLambdaHandler(requestApproval, withSlack())({ _socless: META, parameters: PARAMS, task_token: 'token-2' }),
    ).rejects.toMatchObject({ name: 'SlackApiError', code: 'not_in_channel' });
  });

  it('applies the configured default on a timeout, once, and edits the Slack message', async () => {
    const meta = { ...META, investigation_id: 'inv-timeout' };
    const asked = await toLambdaHandler(
      requestApproval,
      withSlack(),
    )({ _socless: meta, parameters: PARAMS, task_token: 'tok' });
    const handler = toLambdaHandler(interactionTimeout, withSlack());
    const first = await handler({
      _socless: { ...meta, state: 'Apply_Timeout_Default' },
      parameters: { interaction_state: 'Ask_Approval' },
    });
    expect(first).toMatchObject({
      decision: 'approve',
      responder: 'timeout',
      message_ids: [asked.message_id],
      plan_hash: asked.plan_hash,
    });
    expect(await get(String(asked.message_id))).toMatchObject({ status: 'timed-out', decision: 'approve' });
    expect(JSON.stringify(slack.calls.at(-1)?.body.blocks)).toContain('by default');
    const second = await handler({
      _socless: { ...meta, state: 'Apply_Timeout_Default' },
      parameters: { interaction_state: 'Ask_Approval' },
    });
    expect(second.message_ids).toEqual([]);
  });
});
