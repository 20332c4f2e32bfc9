import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostAllowed, httpRequest } from '../../hub/integrations/http-request/integration.ts';
import { notifySlack } from '../../hub/integrations/notify-slack/integration.ts';
import { toLambdaHandler } from '../../shared/integration-runtime/handler.ts';
import { StaticSecretResolver } from '../../shared/integration-runtime/secrets.ts';
import { INTEGRATION_ENV } from '../../shared/integrations/settings.ts';
import { type FakeSlack, startFakeSlack } from './fake-slack.ts';
import { type Harness, startHarness } from './harness.ts';

const META = { state: 'Notify', playbook: 'p', execution_id: 'exec-1', investigation_id: 'inv-1' };

describe('notify_slack', () => {
  let h: Harness;
  let slack: FakeSlack;
  beforeAll(async () => {
    h = await startHarness();
    slack = await startFakeSlack({ token: 'xoxb-n' });
  });
  afterAll(async () => {
    await slack.close();
    await h.close();
  });

  const run = (env: Record<string, string>, parameters: Record<string, unknown>) =>
    toLambdaHandler(notifySlack, {
      ...h.deps,
      secrets: new StaticSecretResolver({ 'secret:bot': 'xoxb-n', 'secret:hook': slack.webhookUrl }),
      env: { ...h.deps.env, [INTEGRATION_ENV.slackApiUrl]: slack.apiUrl, ...env },
    })({ _socless: META, parameters });

  it('posts escaped Block Kit with severity, account, resource and links through the bot', async () => {
    const out = await run(
      { [INTEGRATION_ENV.slackBotTokenSecret]: 'bot', [INTEGRATION_ENV.slackDefaultChannel]: 'C0SOC00001' },
      {
        title: 'Public bucket',
        summary: 'Made public by <!channel>',
        severity: 'HIGH',
        account: '123456789012',
        resource: 'arn:aws:s3:::b',
        actions: ['Blocked public access'],
        links: [{ text: 'Console', url: 'https://console.aws.amazon.com/s3' }],
      },
    );
    expect(out).toMatchObject({ via: 'bot', channel: 'C0SOC00001' });
    const blocks = JSON.stringify(slack.calls.at(-1)?.body.blocks);
    expect(blocks).toContain('&lt;!channel&gt;');
    expect(blocks).toContain('123456789012');
    expect(blocks).toContain('https://console.aws.amazon.com/s3');
  });

  it('falls back to the incoming webhook without a bot token', async () => {
    expect(await run({ [INTEGRATION_ENV.slackWebhookSecret]: 'hook' }, { title: 't' })).toEqual({ via: 'webhook' });
    expect(slack.calls.at(-1)?.path).toBe('/services/T000/B000/XXXX');
  });

  it('names the missing setting when Slack is not configured, and bad parameters', async () => {
    await expect(run({}, { title: 't' })).rejects.toThrow(/SOCLESS_SLACK_BOT_TOKEN_SECRET is not set/);
    await expect(run({}, { title: '' })).rejects.toThrow(/parameter "title" must not be empty/);
  });
});

describe('http_request', () => {
  let h: Harness;
  let server: Server;
  let base: string;
  let next: { status: number; body: string } | undefined;
  const seen: Array<{ auth?: string; body: string }> = [];
  beforeAll(async () => {
    h = await startHarness();
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        seen.push({ ...(req.headers.authorization ? { auth: req.headers.authorization } : {}), body });
        const reply = next ?? { status: 200, body: JSON.stringify({ ok: true, path: req.url }) };
        next = undefined;
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(reply.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await h.close();
  });

  // The playbook wrote the Authorization header as a template, so the compiler lists it.
  const run = (
    parameters: Record<string, unknown>,
    allowed = '127.0.0.1',
    templates: string[] | null = ['$.headers.Authorization'],
  ) =>
    toLambdaHandler(httpRequest, {
      ...h.deps,
      secrets: new StaticSecretResolver({ 'secret:api': 'Bearer s3cr3t' }),
      env: { ...h.deps.env, [INTEGRATION_ENV.httpAllowedHosts]: allowed },
    })({ _socless: { ...META, ...(templates ? { templates } : {}) }, parameters });

  it('calls an allowed host with a secret header and returns the JSON answer', async () => {
    const out = await run({
      url: `${base}/hook?x=1`,
      method: 'POST',
      json: { a: 1 },
      headers: { Authorization: '{{secret:api}}' },
    });
    expect(out).toMatchObject({ status: 200, json: { ok: true, path: '/hook?x=1' } });
    expect(seen.at(-1)).toEqual({ auth: 'Bearer s3cr3t', body: '{"a":1}' });
  });

  it('does not resolve a secret reference that arrived as data (no template list)', async () => {
    await run({ url: `${base}/hook`, headers: { Authorization: '{{secret:api}}' } }, '127.0.0.1', null);
    expect(seen.at(-1)?.auth).toBe('{{secret:api}}');
  });

  it('refuses hosts off the allow-list, plain http off loopback, and reports error statuses', async () => {
    await expect(run({ url: `${base}/` }, 'api.example.com')).rejects.toThrow(
      /host 127.0.0.1 is not in httpAllowedHosts/,
    );
    await expect(run({ url: 'http://api.example.com/' }, 'api.example.com')).rejects.toThrow(/must use https/);
    next = { status: 403, body: '{"error":"forbidden"}' };
    await expect(run({ url: `${base}/x`, method: 'POST', json: {} })).rejects.toMatchObject({
      name: 'HttpServiceError',
      status: 403,
    });
  });

  it('matches wildcard hosts on whole labels only', () => {
    expect(hostAllowed('hooks.example.com', ['*.example.com'])).toBe(true);
    expect(hostAllowed('example.com', ['*.example.com'])).toBe(false);
    expect(hostAllowed('evilexample.com', ['*.example.com'])).toBe(false);
  });
});
