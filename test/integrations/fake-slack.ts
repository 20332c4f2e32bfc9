/**
 * A loopback HTTP server that speaks the part of Slack's Web API SOCless calls (chat.postMessage, chat.update,
 * usergroups.users.list) and incoming webhooks: real requests, bearer-token checks, `ok:false` errors and
 * scripted HTTP statuses (429 with Retry-After, 5xx) for the next calls.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Record<string, unknown>;
  readonly raw: string;
}

export interface FakeSlack {
  /** e.g. `http://127.0.0.1:54321/api` */
  readonly apiUrl: string;
  /** An incoming webhook URL on the same server. */
  readonly webhookUrl: string;
  readonly calls: RecordedCall[];
  /** Makes the next request(s) answer with this status, headers and body (first in, first used). */
  script(...responses: Array<{ status: number; headers?: Record<string, string>; body?: unknown }>): void;
  /** User group id → member ids. */
  readonly groups: Map<string, string[]>;
  /** Resolves with the first call to `path` (now, if it already happened). */
  waitFor(path: string): Promise<RecordedCall>;
  close(): Promise<void>;
}

export async function startFakeSlack(options: { token: string }): Promise<FakeSlack> {
  const calls: RecordedCall[] = [];
  const scripted: Array<{ status: number; headers?: Record<string, string>; body?: unknown }> = [];
  const groups = new Map<string, string[]>();
  const waiters: Array<{ path: string; resolve: (c: RecordedCall) => void }> = [];
  let ts = 1_700_000_000;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const type = req.headers['content-type'] ?? '';
      const body = type.startsWith('application/json')
        ? (JSON.parse(raw || '{}') as Record<string, unknown>)
        : Object.fromEntries(new URLSearchParams(raw));
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const call = { method: req.method ?? '', path, headers: req.headers, body, raw };
      calls.push(call);
      for (const w of waiters.filter((x) => x.path === path)) w.resolve(call);
      const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
        res.writeHead(status, {
          'content-type': typeof payload === 'string' ? 'text/plain' : 'application/json',
          ...headers,
        });
        res.end(text);
      };
      const next = scripted.shift();
      if (next) return reply(next.status, next.body ?? '', next.headers);
      if (path === '/services/T000/B000/XXXX') return reply(200, 'ok');
      if (req.headers.authorization !== `Bearer ${options.token}`)
        return reply(200, { ok: false, error: 'invalid_auth' });
      if (path === '/api/chat.postMessage') {
        if (typeof body.channel !== 'string' || !body.channel)
          return reply(200, { ok: false, error: 'channel_not_found' });
        ts += 1;
        return reply(200, { ok: true, channel: body.channel, ts: `${ts}.000100`, message: { text: body.text } });
      }
      if (path === '/api/chat.update') return reply(200, { ok: true, channel: body.channel, ts: body.ts });
      if (path === '/api/usergroups.users.list') {
        const users = groups.get(String(body.usergroup));
        return users ? reply(200, { ok: true, users }) : reply(200, { ok: false, error: 'no_such_subteam' });
      }
      return reply(404, { ok: false, error: 'unknown_method' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/api`,
    webhookUrl: `http://127.0.0.1:${port}/services/T000/B000/XXXX`,
    calls,
    groups,
    script: (...r) => scripted.push(...r),
    waitFor: (path) => {
      const done = calls.find((c) => c.path === path);
      if (done) return Promise.resolve(done);
      return new Promise((resolve) => waiters.push({ path, resolve }));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
