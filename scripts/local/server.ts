import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { HUB_REMEDIATION_ROLE_ENV } from '../../hub/integrations/remediate/integration.ts';
import { SoclessError } from '../../shared/errors.ts';
import { UnknownInteractionError } from '../../shared/local/callback-store.ts';
import type { Resolution } from '../../shared/pipeline/lifecycle.ts';
import { InvestigationNotFoundError } from '../../shared/store/investigations.ts';
import type { LocalHub } from './hub.ts';
import { outcomeLine } from './report.ts';

const MAX_BODY_BYTES = 1024 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw Object.assign(new Error(`request body is over ${MAX_BODY_BYTES} bytes`), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Header that carries the per-run token (besides `Authorization: Bearer <token>`). */
export const LOCAL_TOKEN_HEADER = 'x-socless-token';

/** Where a running local hub leaves its URL and token for `socless local answer` (mode 0600). */
export function localTokenFile(dataDir: string | undefined, port: number): string {
  return join(dataDir ?? join(homedir(), '.socless'), `local-hub-${port}.json`);
}

/** What the token file holds. */
export interface LocalTokenFile {
  readonly url: string;
  readonly token: string;
  readonly pid: number;
}

export interface LocalServerOptions {
  /** @default 127.0.0.1 (loopback only) */
  readonly host?: string;
  /** The per-run token. @default 32 random bytes, base64url */
  readonly token?: string;
  /**
   * Serve without the token check. Refused for a hub that remediates through real AWS sessions (`--aws`).
   * @default false
   */
  readonly insecureNoToken?: boolean;
  /** Write the URL and token here (mode 0600) for `socless local answer`; removed when the server closes. */
  readonly tokenFile?: (boundPort: number) => string;
}

export interface LocalServer {
  readonly server: Server;
  /** Base URL, e.g. `http://127.0.0.1:4850`. */
  readonly url: string;
  /** The per-run token every state-changing or data-revealing route needs; undefined only when disabled. */
  readonly token?: string;
  /** The URL to open, with the token, like a notebook server prints it. */
  readonly openUrl: string;
  readonly tokenFile?: string;
}

/**
 * The local hub's HTTP API on loopback: `POST /events` (one EventBridge event or an array), `GET /health`,
 * `GET /investigations` (`?view=lifecycle[&status=open|closed]`: one line per investigation), `GET
 * /investigations/<id>`, `POST /investigations/<id>/close` (`{"resolution", "reason", "duplicateOf"?}`),
 * `GET /interactions`, `POST /interactions/<id>` (`{"decision":"approve"|"reject",
 * "reason"?, "responder"?}`), and `POST /interactions/webhook|slack` answered by the deployed interactions
 * handler (signed requests).
 *
 * What protects it (the hub can act with the operator's AWS credentials under `--aws`):
 * - it listens on loopback, and only `Host: 127.0.0.1:<port>` or `localhost:<port>` is served (else 421), so
 *   a DNS-rebinding page cannot reach it under its own name; a cross-site `Origin` is refused (403);
 * - every POST must be `Content-Type: application/json` (415; Slack's signed form body only on
 *   `/interactions/slack`), so a web page cannot send a "simple" text/plain or form POST;
 * - every route but a bare `GET /health` needs the per-run token in `Authorization: Bearer <token>` or
 *   `X-Socless-Token` (a GET may also carry `?token=`), else 401;
 * - an answer given with the token is the local operator's (`local:<user>`); a `responder` in the body is a
 *   note only.
 */
export async function serveLocalHub(
  hub: LocalHub,
  port: number,
  options: LocalServerOptions = {},
): Promise<LocalServer> {
  const host = options.host ?? '127.0.0.1';
  if (options.insecureNoToken && hub.integrationDeps.env[HUB_REMEDIATION_ROLE_ENV] !== undefined) {
    throw new SoclessError(
      'refusing to serve a local hub that remediates through real AWS sessions (--aws) without its per-run token',
    );
  }
  const token = options.insecureNoToken ? undefined : (options.token ?? randomBytes(32).toString('base64url'));
  let bound = port;
  const server = createServer((req, res) => {
    handle(hub, req, res, { port: bound, ...(token ? { token } : {}) }).catch((err: unknown) => {
      const status = (err as { status?: number }).status ?? 500;
      send(res, status, { error: err instanceof Error ? err.message : String(err) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  bound = (server.address() as AddressInfo).port;
  const url = `http://${host}:${bound}`;
  const openUrl = token ? `${url}/?token=${token}` : `${url}/`;
  let tokenFile: string | undefined;
  if (token && options.tokenFile) {
    tokenFile = options.tokenFile(bound);
    writeTokenFile(tokenFile, { url, token, pid: process.pid });
    const file = tokenFile;
    server.once('close', () => rmSync(file, { force: true }));
  }
  return { server, url, openUrl, ...(token ? { token } : {}), ...(tokenFile ? { tokenFile } : {}) };
}

/** Writes the token file readable by its owner only (the directory too, when it creates it). */
function writeTokenFile(file: string, content: LocalTokenFile): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(content)}\n`, { mode: 0o600 });
  // writeFileSync keeps the mode of an existing file: set it again.
  chmodSync(file, 0o600);
}

interface Guard {
  readonly port: number;
  readonly token?: string;
}

function sameToken(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Undefined when the request may proceed, else the refusal to send. */
function refusal(req: IncomingMessage, url: URL, guard: Guard): { status: number; error: string } | undefined {
  const allowedHosts = [`127.0.0.1:${guard.port}`, `localhost:${guard.port}`];
  const hostHeader = (req.headers.host ?? '').toLowerCase();
  if (!allowedHosts.includes(hostHeader)) {
    return { status: 421, error: `Host "${hostHeader}" is not served here; use http://127.0.0.1:${guard.port}` };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !allowedHosts.map((h) => `http://${h}`).includes(origin.toLowerCase())) {
    return { status: 403, error: `cross-origin request from ${origin} refused` };
  }
  if (req.headers['sec-fetch-site'] === 'cross-site') return { status: 403, error: 'cross-site request refused' };
  if (req.method === 'POST') {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const slackForm = url.pathname === '/interactions/slack' && type === 'application/x-www-form-urlencoded';
    if (type !== 'application/json' && !slackForm) {
      return { status: 415, error: `Content-Type must be application/json (got "${type || 'none'}")` };
    }
  }
  if (!guard.token) return undefined;
  if (req.method === 'GET' && url.pathname === '/health') return undefined;
  const given = authToken(req, url);
  if (!sameToken(given, guard.token)) {
    return {
      status: 401,
      error: `${given ? 'wrong' : 'missing'} token: send the token socless local printed as "Authorization: Bearer <token>"`,
    };
  }
  return undefined;
}

async function handle(hub: LocalHub, req: IncomingMessage, res: ServerResponse, guard: Guard): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const refused = refusal(req, url, guard);
  if (refused) {
    send(res, refused.status, { error: refused.error });
    return;
  }
  const route = `${req.method} ${url.pathname}`;
  if (route === 'GET /health') {
    const authenticated = guard.token === undefined || sameToken(authToken(req, url), guard.token);
    send(
      res,
      200,
      authenticated
        ? { status: 'ok', playbooks: hub.playbooks.map((p) => p.name), accounts: hub.accounts.length }
        : { status: 'ok' },
    );
    return;
  }
  if (route === 'GET /investigations') {
    // `?view=lifecycle`: one line per investigation (status, resolution, occurrences); else every event recorded.
    const view = url.searchParams.get('view');
    if (view === 'lifecycle') {
      const status = url.searchParams.get('status');
      send(res, 200, await hub.investigationRecords().list(status === 'open' || status === 'closed' ? { status } : {}));
      return;
    }
    send(res, 200, await hub.investigations());
    return;
  }
  const investigation = /^(GET|POST) \/investigations\/([^/]+)(\/close)?$/.exec(route);
  if (investigation) {
    const id = decodeURIComponent(investigation[2] as string);
    const closing = investigation[1] === 'POST' && investigation[3] === '/close';
    if (!closing && (investigation[1] !== 'GET' || investigation[3])) {
      send(res, 404, { error: `no route ${route}; try GET /investigations/<id> or POST /investigations/<id>/close` });
      return;
    }
    try {
      if (!closing) {
        send(res, 200, await hub.investigationRecords().show(id));
        return;
      }
      let body: { resolution?: unknown; reason?: unknown; duplicateOf?: unknown };
      try {
        body = JSON.parse((await readBody(req)) || '{}') as typeof body;
      } catch (err) {
        send(res, 400, { error: `body is not JSON (${(err as Error).message})` });
        return;
      }
      // The token holder is the operator who started this hub: that, not the body, is who closed it.
      const closed = await hub.investigationRecords().close(id, {
        resolution: String(body.resolution ?? '') as Resolution,
        reason: typeof body.reason === 'string' ? body.reason.slice(0, 2000) : '',
        by: `local:${localUser()}`,
        ...(typeof body.duplicateOf === 'string' ? { duplicateOf: body.duplicateOf } : {}),
        at: new Date().toISOString(),
      });
      send(res, 200, closed);
    } catch (err) {
      if (err instanceof InvestigationNotFoundError) send(res, 404, { error: err.message });
      else if (err instanceof SoclessError) send(res, 400, { error: err.message });
      else throw err;
    }
    return;
  }
  if (route === 'GET /interactions') {
    send(res, 200, hub.pendingInteractions());
    return;
  }
  if (route === 'POST /events' && req.headers['x-socless-sender'] !== undefined) {
    // A webhook sender, as the deployed API sees it: its own secret, its declared scope, never an AWS event.
    const result = await hub.postWebhook({ body: await readBody(req), headers: headersOf(req) });
    res.writeHead(result.statusCode, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(result.body),
    });
    res.end(result.body);
    return;
  }
  if (route === 'POST /events') {
    // The token holder stands in for the org's event bus: bodies are EventBridge events as a spoke delivers them.
    const text = await readBody(req);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: the pipeline records it as rejected with the reason, like any other bad input.
      parsed = undefined;
    }
    const bodies = Array.isArray(parsed) ? parsed : [parsed === undefined ? text : parsed];
    const results = [];
    for (const [i, body] of bodies.entries()) {
      results.push(outcomeLine(`request[${i}]`, await hub.submit(body, 'local-http')));
    }
    send(res, 200, results);
    return;
  }
  const provider = /^POST \/interactions\/(webhook|socless|slack)$/.exec(route);
  if (provider) {
    // The deployed interactions handler: signed answers (x-socless-signature, or Slack's v0 signature).
    const result = await hub.respond(provider[1] as string, { body: await readBody(req), headers: headersOf(req) });
    const text = result.body;
    res.writeHead(result.statusCode, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
    return;
  }
  const answer = /^POST \/interactions\/([^/]+)$/.exec(route);
  if (answer) {
    let body: { decision?: unknown; responder?: unknown; reason?: unknown };
    try {
      body = JSON.parse((await readBody(req)) || '{}') as typeof body;
    } catch (err) {
      send(res, 400, { error: `body is not JSON (${(err as Error).message})` });
      return;
    }
    if (body.decision !== 'approve' && body.decision !== 'reject') {
      send(res, 400, { error: 'body.decision must be "approve" or "reject"' });
      return;
    }
    // The token holder is the operator who started this hub: that, not the body, is who answered.
    const operator = `local:${localUser()}`;
    const id = decodeURIComponent(answer[1] as string);
    try {
      const out = await hub.answer(id, body.decision, operator, {
        ...(typeof body.reason === 'string' && body.reason ? { reason: body.reason.slice(0, 2000) } : {}),
        ...(typeof body.responder === 'string' && body.responder && body.responder !== operator
          ? { note: body.responder.slice(0, 256) }
          : {}),
      });
      send(res, out.statusCode, out.body);
    } catch (err) {
      if (err instanceof UnknownInteractionError) {
        send(res, 404, { error: err.message });
        return;
      }
      throw err;
    }
    return;
  }
  send(res, 404, {
    error: `no route ${route}; try GET /health, POST /events, GET /investigations, GET /investigations/<id>, GET /interactions`,
  });
}

/** The token a request carries: a header, or (GET only, for a browser) the `token` query parameter. */
function authToken(req: IncomingMessage, url: URL): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim();
  const header = req.headers[LOCAL_TOKEN_HEADER];
  if (typeof header === 'string') return header;
  return req.method === 'GET' ? (url.searchParams.get('token') ?? undefined) : undefined;
}

function localUser(): string {
  try {
    return userInfo().username || 'operator';
  } catch {
    return process.env.USER ?? 'operator';
  }
}

function headersOf(req: IncomingMessage): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]));
}
