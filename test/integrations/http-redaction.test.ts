import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../../hub/integrations/http-request/integration.ts';
import { toLambdaHandler } from '../../shared/integration-runtime/handler.ts';
import { HttpClient, redact } from '../../shared/integrations/http.ts';
import { INTEGRATION_ENV } from '../../shared/integrations/settings.ts';
import { postSlackWebhook } from '../../shared/integrations/slack.ts';
import { ResultsRepository } from '../../shared/store/results.ts';
import { type Harness, startHarness } from './harness.ts';

const SECRET_PATH = '/services/T0SOC/B0HOOK/s3cr3t-webhook-token';
const SECRET_QUERY = 'sig=SIGNATURE-0123456789&record=alice%40example.com';

/** A server that echoes the request path (as many real ones do on a 404) and fails every call. */
function echoServer(): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end(`Cannot ${req.method} ${decodeURIComponent(req.url ?? '')} (full: ${req.url})`);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, base: `http://127.0.0.1:${port}` });
    });
  });
}

function leaks(text: string): string[] {
  return ['s3cr3t-webhook-token', 'SIGNATURE-0123456789', 'alice', 'B0HOOK'].filter((s) => text.includes(s));
}

describe('HTTP errors never carry the URL path or query', () => {
  let server: Server;
  let base: string;
  let h: Harness;
  beforeAll(async () => {
    ({ server, base } = await echoServer());
    h = await startHarness();
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await h.close();
  });

  it('redacts a URL to scheme://host/…', () => {
    expect(redact(`https://hooks.example.com${SECRET_PATH}?${SECRET_QUERY}`)).toBe('https://hooks.example.com/…');
    expect(redact('https://api.example.com')).toBe('https://api.example.com');
  });

  it('keeps the path and query out of an error status message, also when the body echoes them', async () => {
    const client = new HttpClient({ service: 'partner', baseUrl: base, maxAttempts: 1 });
    const err = await client
      .requestOk({ method: 'GET', path: SECRET_PATH, query: { sig: 'SIGNATURE-0123456789' } })
      .catch((e: Error) => e);
    expect(err).toMatchObject({ name: 'HttpServiceError', status: 404 });
    const error = err as Error & { body: string };
    expect(error.message).toContain(`${base}/…`);
    expect(leaks(error.message)).toEqual([]);
    expect(leaks(error.body)).toEqual([]);
  });

  it('keeps the path of a Slack incoming webhook out of its error', async () => {
    const err = (await postSlackWebhook(`${base}${SECRET_PATH}`, { text: 'hi' }, { maxAttempts: 1 }).catch(
      (e: Error) => e,
    )) as Error;
    expect(err.message).toMatch(/HTTP 404/);
    expect(leaks(err.message)).toEqual([]);
  });

  it('keeps the path out of a transport error', async () => {
    const closed = await echoServer();
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    const client = new HttpClient({ service: 'partner', baseUrl: closed.base, maxAttempts: 1 });
    const err = (await client.request({ path: `${SECRET_PATH}?${SECRET_QUERY}` }).catch((e: Error) => e)) as Error;
    expect(err.name).toBe('HttpTransportError');
    expect(err.message).toContain(`${closed.base}/…`);
    expect(leaks(err.message)).toEqual([]);
  });

  it('records an http_request failure in the results table without the path or query', async () => {
    const run = toLambdaHandler(httpRequest, {
      ...h.deps,
      env: { ...h.deps.env, [INTEGRATION_ENV.httpAllowedHosts]: '127.0.0.1' },
    });
    const meta = {
      state: 'Call_Partner',
      playbook: 'pb',
      execution_id: 'arn:aws:states:us-east-1:000000000000:execution:pb:redact-1',
      investigation_id: 'inv-redact',
    };
    const err = (await run({
      _socless: meta,
      parameters: { url: `${base}${SECRET_PATH}?${SECRET_QUERY}`, method: 'POST', json: {} },
    }).catch((e: Error) => e)) as Error;
    expect(err.name).toBe('HttpServiceError');
    expect(leaks(err.message)).toEqual([]);
    const saved = await new ResultsRepository(h.dynamo.client, 'results').listByExecution(meta.execution_id);
    expect(saved).toHaveLength(1);
    expect(leaks(JSON.stringify(saved))).toEqual([]);
  });
});
