import { readFileSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUB_REMEDIATION_ROLE_ENV } from '../../hub/integrations/remediate/integration.ts';
import { LocalHub } from '../../scripts/local/hub.ts';
import { type LocalServer, localTokenFile, serveLocalHub } from '../../scripts/local/server.ts';

const EVENT = JSON.stringify({
  version: '0',
  id: 'csrf-1',
  'detail-type': 'Thing',
  source: 'acme.app',
  account: '123456789012',
  time: '2024-05-01T12:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: { a: 1 },
});

/** A raw request, so the test controls every header (fetch will not send a foreign Host). */
function raw(
  url: string,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: u.hostname,
        port: u.port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: options.headers ?? {},
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('local hub HTTP server: loopback, JSON only, per-run token', () => {
  let hub: LocalHub;
  let served: LocalServer;
  let host: string;
  beforeAll(async () => {
    hub = await LocalHub.start({ executionWaitMs: 0 });
    served = await serveLocalHub(hub, 0, { tokenFile: (port) => localTokenFile(undefined, port + 100_000) });
    host = new URL(served.url).host;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => served.server.close(() => resolve()));
    await hub.close();
  });

  const recorded = async () => (await hub.investigations()).filter((i) => i.origin === 'local-http').length;

  it('prints a URL with a random token and writes it to a file only its owner can read', () => {
    expect(served.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(served.openUrl).toBe(`${served.url}/?token=${served.token}`);
    const file = served.tokenFile as string;
    expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ url: served.url, token: served.token });
  });

  it('refuses a CSRF-style text/plain POST /events, with or without the token', async () => {
    const csrf = await raw(served.url, {
      method: 'POST',
      path: '/events',
      headers: { host, 'content-type': 'text/plain' },
      body: EVENT,
    });
    const withToken = await raw(served.url, {
      method: 'POST',
      path: '/events',
      headers: { host, 'content-type': 'text/plain', authorization: `Bearer ${served.token}` },
      body: EVENT,
    });
    expect([csrf.status, withToken.status]).toEqual([415, 415]);
    expect(await recorded()).toBe(0);
  });

  it('refuses a foreign Host header (DNS rebinding) and a cross-site Origin', async () => {
    const rebound = await raw(served.url, {
      method: 'POST',
      path: '/events',
      headers: { host: 'attacker.example:80', 'content-type': 'application/json', 'x-socless-token': served.token! },
      body: EVENT,
    });
    const crossOrigin = await raw(served.url, {
      method: 'POST',
      path: '/events',
      headers: {
        host,
        origin: 'https://attacker.example',
        'content-type': 'application/json',
        'x-socless-token': served.token!,
      },
      body: EVENT,
    });
    const rebindGet = await raw(served.url, {
      path: `/investigations?token=${served.token}`,
      headers: { host: 'evil:1' },
    });
    expect([rebound.status, crossOrigin.status, rebindGet.status]).toEqual([421, 403, 421]);
    expect(await recorded()).toBe(0);
  });

  it("sends POST /events with X-Socless-Sender to the webhook endpoint, which checks that sender's own signature", async () => {
    const forged = await raw(served.url, {
      method: 'POST',
      path: '/events',
      headers: {
        host,
        'content-type': 'application/json',
        'x-socless-token': served.token!,
        'x-socless-sender': 'acme-siem',
        'x-socless-signature': 'sha256=00',
      },
      body: JSON.stringify({ ...JSON.parse(EVENT), source: 'aws.guardduty' }),
    });
    // Not a bus delivery: the endpoint's answer (no such sender), and nothing recorded as a local event.
    expect(forged.status).toBeGreaterThanOrEqual(400);
    expect(JSON.parse(forged.body).error).toMatch(/sender|signature/);
    expect(await recorded()).toBe(0);
  });

  it('answers 401 to a missing or wrong token on state-changing and data routes', async () => {
    const json = { host, 'content-type': 'application/json' };
    const statuses = await Promise.all([
      raw(served.url, { method: 'POST', path: '/events', headers: json, body: EVENT }),
      raw(served.url, {
        method: 'POST',
        path: '/events',
        headers: { ...json, authorization: 'Bearer wrong' },
        body: EVENT,
      }),
      raw(served.url, {
        method: 'POST',
        path: '/interactions/i-1',
        headers: json,
        body: '{"decision":"approve"}',
      }),
      // A token in the query string is for a browser's GET only.
      raw(served.url, { method: 'POST', path: `/events?token=${served.token}`, headers: json, body: EVENT }),
      raw(served.url, { path: '/investigations', headers: { host } }),
      raw(served.url, { path: '/interactions', headers: { host } }),
    ]);
    expect(statuses.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 401]);
    expect(await recorded()).toBe(0);
    const health = await raw(served.url, { path: '/health', headers: { host } });
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' });
  });

  it('works with the right token (header, or ?token= on a GET)', async () => {
    const posted = await raw(served.url, {
      method: 'POST',
      path: '/events',
      headers: {
        host: `localhost:${new URL(served.url).port}`,
        'content-type': 'application/json; charset=utf-8',
        'x-socless-token': served.token!,
      },
      body: EVENT,
    });
    expect(posted.status).toBe(200);
    expect(await recorded()).toBe(1);
    const list = await raw(served.url, { path: `/investigations?token=${served.token}`, headers: { host } });
    expect(list.status).toBe(200);
  });

  it('refuses to serve a hub that remediates in AWS without the token', async () => {
    const awsLike = Object.create(hub, {
      integrationDeps: {
        value: { ...hub.integrationDeps, env: { ...hub.integrationDeps.env, [HUB_REMEDIATION_ROLE_ENV]: 'arn' } },
      },
    }) as LocalHub;
    await expect(serveLocalHub(awsLike, 0, { insecureNoToken: true })).rejects.toThrow(
      /--aws\) without its per-run token/,
    );
  });
});
