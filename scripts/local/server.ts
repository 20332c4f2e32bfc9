import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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

/**
 * The local hub's HTTP API on loopback: `POST /events` (one EventBridge event or an array), `GET /health`,
 * `GET /investigations`, `GET /interactions`, `POST /interactions/<id>` (`{"decision":"approve"|"reject","responder":"..."}`),
 * and `POST /interactions/webhook|slack` answered by the deployed interactions handler (signed requests).
 */
export async function serveLocalHub(
  hub: LocalHub,
  port: number,
  host = '127.0.0.1',
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    handle(hub, req, res).catch((err: unknown) => {
      const status = (err as { status?: number }).status ?? 500;
      send(res, status, { error: err instanceof Error ? err.message : String(err) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return { server, url: `http://${host}:${bound}` };
}

async function handle(hub: LocalHub, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const route = `${req.method} ${url.pathname}`;
  if (route === 'GET /health') {
    send(res, 200, { status: 'ok', playbooks: hub.playbooks.map((p) => p.name), accounts: hub.accounts.length });
    return;
  }
  if (route === 'GET /investigations') {
    send(res, 200, await hub.investigations());
    return;
  }
  if (route === 'GET /interactions') {
    send(res, 200, hub.pendingInteractions());
    return;
  }
  if (route === 'POST /events') {
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
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v]),
    );
    const result = await hub.respond(provider[1] as string, { body: await readBody(req), headers });
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
    const body = JSON.parse((await readBody(req)) || '{}') as { decision?: unknown; responder?: unknown };
    if (body.decision !== 'approve' && body.decision !== 'reject') {
      send(res, 400, { error: 'body.decision must be "approve" or "reject"' });
      return;
    }
    const responder = typeof body.responder === 'string' && body.responder ? body.responder : 'local-user';
    try {
      hub.answer(decodeURIComponent(answer[1] as string), body.decision, responder);
    } catch (err) {
      send(res, 404, { error: err instanceof Error ? err.message : String(err) });
      return;
    }
    send(res, 200, { id: answer[1], decision: body.decision, responder });
    return;
  }
  send(res, 404, { error: `no route ${route}; try GET /health, POST /events, GET /investigations, GET /interactions` });
}
