import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpServiceError, retryAfterMs } from '../../shared/integrations/http.ts';
import {
  postSlackWebhook,
  SlackApiError,
  SlackClient,
  slackSignature,
  verifySlackSignature,
} from '../../shared/integrations/slack.ts';
import { type FakeSlack, startFakeSlack } from './fake-slack.ts';

const TOKEN = 'xoxb-client-test';

describe('SlackClient against a loopback Slack', () => {
  let slack: FakeSlack;
  const sleeps: number[] = [];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
  };
  beforeAll(async () => {
    slack = await startFakeSlack({ token: TOKEN });
  });
  afterAll(async () => {
    await slack.close();
  });

  it('posts a message with the bot token and returns where it lives', async () => {
    const client = new SlackClient({ token: TOKEN, baseUrl: slack.apiUrl, sleep });
    const ref = await client.postMessage({ channel: 'C0SOC00001', text: 'hello', blocks: [] });
    expect(ref.channel).toBe('C0SOC00001');
    expect(ref.ts).toMatch(/^\d+\.\d+$/);
    expect(slack.calls.at(-1)?.headers['content-type']).toContain('application/json');
  });

  it('turns ok:false into a SlackApiError carrying the code', async () => {
    const client = new SlackClient({ token: 'xoxb-wrong', baseUrl: slack.apiUrl, sleep });
    await expect(client.postMessage({ channel: 'C0SOC00001', text: 'x' })).rejects.toMatchObject({
      name: 'SlackApiError',
      code: 'invalid_auth',
    });
    await expect(
      new SlackClient({ token: TOKEN, baseUrl: slack.apiUrl }).postMessage({ channel: '', text: 'x' }),
    ).rejects.toBeInstanceOf(SlackApiError);
  });

  it('waits the Retry-After of a 429 and then succeeds', async () => {
    sleeps.length = 0;
    slack.script({ status: 429, headers: { 'retry-after': '3' }, body: { ok: false, error: 'ratelimited' } });
    const client = new SlackClient({ token: TOKEN, baseUrl: slack.apiUrl, sleep });
    await client.updateMessage({ channel: 'C0SOC00001', ts: '1.2', text: 'updated' });
    expect(sleeps).toEqual([3000]);
  });

  it('gives up after the last attempt and reports the status', async () => {
    slack.script({ status: 429, headers: { 'retry-after': '1' } }, { status: 429, headers: { 'retry-after': '1' } });
    const client = new SlackClient({ token: TOKEN, baseUrl: slack.apiUrl, sleep, maxAttempts: 2 });
    await expect(client.postMessage({ channel: 'C0SOC00001', text: 'x' })).rejects.toMatchObject({
      name: 'HttpServiceError',
      status: 429,
    });
  });

  it('does not retry a 5xx on a POST (it may have been posted) but does on a read', async () => {
    sleeps.length = 0;
    slack.script({ status: 503, body: 'down' });
    const client = new SlackClient({ token: TOKEN, baseUrl: slack.apiUrl, sleep });
    await expect(client.postMessage({ channel: 'C0SOC00001', text: 'x' })).rejects.toBeInstanceOf(HttpServiceError);
    slack.groups.set('S0SOC00001', ['U0ALICE001']);
    slack.script({ status: 500, body: 'oops' });
    expect(await client.userGroupMembers('S0SOC00001')).toEqual(['U0ALICE001']);
    expect(sleeps).toHaveLength(1);
  });

  it('posts to an incoming webhook and refuses a 4xx', async () => {
    await postSlackWebhook(slack.webhookUrl, { text: 'hi' });
    expect(slack.calls.at(-1)?.body).toEqual({ text: 'hi' });
    slack.script({ status: 404, body: 'no_service' });
    await expect(postSlackWebhook(slack.webhookUrl, { text: 'hi' })).rejects.toThrow(/HTTP 404: no_service/);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates and ignores junk', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs('Wed, 01 May 2024 12:00:10 GMT', Date.parse('2024-05-01T12:00:00Z'))).toBe(10_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});

describe('verifySlackSignature', () => {
  const secret = 'signing-secret';
  const now = new Date('2024-05-01T12:00:00Z');
  const ts = String(Math.floor(now.getTime() / 1000));
  const body = 'payload=%7B%7D';

  it('accepts the v0 signature of the raw body', () => {
    const signature = slackSignature(secret, ts, body);
    expect(signature).toMatch(/^v0=[0-9a-f]{64}$/);
    expect(verifySlackSignature({ signingSecret: secret, rawBody: body, signature, timestamp: ts, now })).toEqual({
      ok: true,
    });
  });

  it('refuses a changed body, a stale timestamp and missing headers, saying why', () => {
    const signature = slackSignature(secret, ts, body);
    const check = (over: Partial<Parameters<typeof verifySlackSignature>[0]>) =>
      verifySlackSignature({ signingSecret: secret, rawBody: body, signature, timestamp: ts, now, ...over });
    expect(check({ rawBody: `${body}x` })).toEqual({ ok: false, reason: 'signature does not match' });
    expect(check({ now: new Date(now.getTime() + 301_000) })).toMatchObject({ ok: false, reason: /stale request/ });
    expect(check({ signature: undefined })).toEqual({ ok: false, reason: 'missing X-Slack-Signature header' });
    expect(check({ timestamp: 'yesterday' })).toMatchObject({ ok: false, reason: /not a number/ });
  });
});
