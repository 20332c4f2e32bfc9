/**
 * The operations console: a small server-rendered web app (Hono + hono/jsx) over a {@link ConsoleBackend}, served on
 * loopback only.
 *
 * Security model (the console reads attacker-controlled event data and changes state in the hub):
 * - a per-run token, printed as `http://127.0.0.1:<port>/?token=<token>`, is exchanged once for an HttpOnly,
 *   SameSite=Strict session cookie derived from it; scripts may send `Authorization: Bearer <token>` instead;
 * - only `Host: 127.0.0.1:<port>` or `localhost:<port>` is served (421 otherwise), against DNS rebinding;
 * - every POST must come from the console's own origin (`Origin`, `Sec-Fetch-Site`) and carry the per-run CSRF
 *   token in the `_csrf` form field (403 otherwise);
 * - every response carries a strict Content-Security-Policy (no inline script, nothing from elsewhere);
 * - pages render every string through hono/jsx, which escapes it: event text is never markup.
 * The operator (who answers, closes, undoes) comes from the options, never from the request.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie, setCookie } from 'hono/cookie';
import { SoclessError } from '../../shared/errors.ts';
import { RESOLUTIONS } from '../../shared/pipeline/lifecycle.ts';
import type { ConsoleBackend, InvestigationFilter } from './backend.ts';
import { AccountsPage } from './pages/accounts.tsx';
import { ApprovalsPage } from './pages/approvals.tsx';
import { ExecutionPage } from './pages/execution.tsx';
import { InvestigationPage } from './pages/investigation.tsx';
import { InvestigationsPage } from './pages/investigations.tsx';
import { ErrorPage, type PageContext } from './pages/layout.tsx';
import { PlaybookPage, PlaybooksPage } from './pages/playbooks.tsx';

/** The prefix of the session cookie's name. */
export const CONSOLE_COOKIE_PREFIX = 'socless_console';

/**
 * The session cookie's name for the console on `port`. Browsers keep cookies per host, not per port, so two
 * consoles on 127.0.0.1 (the local hub's and `socless console` on another port) would overwrite one cookie.
 */
export function consoleCookie(port: number): string {
  return `${CONSOLE_COOKIE_PREFIX}_${port}`;
}

export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Investigations per page. */
export const DEFAULT_PAGE_SIZE = 50;

/** Longest reason or other free text a form may send. */
const MAX_TEXT = 2000;
const MAX_BODY_BYTES = 64 * 1024;

export interface ConsoleAppOptions {
  /** The per-run token (what the printed URL carries). */
  readonly token: string;
  /** The port the console is bound to (known only after listening): the Host and Origin checks use it. */
  readonly port: () => number;
  /** Who holds the console (`local:<os user>`, the caller's ARN): every action is recorded as this operator. */
  readonly operator: string;
  /** @default {@link DEFAULT_PAGE_SIZE} */
  readonly pageSize?: number;
}

/** Derives a per-run secret from the token: the session cookie value (`session`) and the CSRF token (`csrf`). */
export function deriveSecret(token: string, label: 'session' | 'csrf'): string {
  return createHmac('sha256', token).update(label).digest('base64url');
}

function same(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const STYLESHEET = readFileSync(new URL('./static/console.css', import.meta.url), 'utf8');

/** A form field that failed validation: rendered as 400 naming the field. */
class FormError extends SoclessError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

function field(form: Record<string, unknown>, name: string, options: { required: boolean }): string | undefined {
  const value = form[name];
  if (value === undefined || value === '') {
    if (options.required) throw new FormError(name, 'is required');
    return undefined;
  }
  if (typeof value !== 'string') throw new FormError(name, 'must be a single text value');
  if (value.length > MAX_TEXT) throw new FormError(name, `is longer than ${MAX_TEXT} characters`);
  return value;
}

/** Status for an error a backend raised: unknown ids are 404, refusals ours are 409, the rest 500. */
function statusOf(err: unknown): 400 | 404 | 409 | 500 {
  if (err instanceof FormError) return 400;
  if (err instanceof Error && (/NotFound/.test(err.name) || err.name === 'UnknownInteractionError')) return 404;
  if (err instanceof SoclessError) return 409;
  return 500;
}

/** The Hono app of the console; `serveConsole` listens with it. */
export function createConsoleApp(backend: ConsoleBackend, options: ConsoleAppOptions): Hono {
  const { token, operator } = options;
  const session = deriveSecret(token, 'session');
  const csrf = deriveSecret(token, 'csrf');
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const app = new Hono();

  const context = (c: Context): PageContext => ({
    label: backend.label,
    operator,
    csrf,
    path: new URL(c.req.url).pathname,
    done: c.req.query('done'),
  });
  const fail = (c: Context, status: 400 | 401 | 403 | 404 | 409 | 421 | 500, title: string, message: string) =>
    c.html(
      ErrorPage({ ctx: status === 401 || status === 421 ? undefined : context(c), status, title, message }),
      status,
    );

  app.use(async (c, next) => {
    await next();
    c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    c.header('X-Content-Type-Options', 'nosniff');
    // Not no-referrer: under it a browser sends `Origin: null` on the console's own form POSTs, which the Origin
    // check must refuse. same-origin still sends nothing to other sites.
    c.header('Referrer-Policy', 'same-origin');
    c.header('X-Frame-Options', 'DENY');
    c.header('Cross-Origin-Opener-Policy', 'same-origin');
    c.header('Cross-Origin-Resource-Policy', 'same-origin');
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
  });

  // DNS rebinding: a page on another name that resolves to 127.0.0.1 sends its own Host.
  app.use(async (c, next) => {
    const host = c.req.header('host') ?? new URL(c.req.url).host;
    const port = options.port();
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      return fail(c, 421, 'Wrong host', `This console answers only to 127.0.0.1:${port} or localhost:${port}.`);
    }
    return next();
  });

  app.get('/health', (c) => c.json({ ok: true }));

  // Authentication: ?token= once (then the cookie), the cookie, or a Bearer token.
  app.use(async (c, next) => {
    const url = new URL(c.req.url);
    const given = url.searchParams.get('token');
    if (c.req.method === 'GET' && given !== null) {
      if (!same(given, token))
        return fail(c, 401, 'Wrong token', 'Open the address the console printed when it started.');
      setCookie(c, consoleCookie(options.port()), session, { httpOnly: true, sameSite: 'Strict', path: '/' });
      url.searchParams.delete('token');
      return c.redirect(`${url.pathname}${url.search}`, 302);
    }
    const bearer = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
    if (!same(getCookie(c, consoleCookie(options.port())), session) && !same(bearer, token)) {
      return fail(
        c,
        401,
        'Not signed in',
        'Open the address the console printed when it started (http://127.0.0.1:<port>/?token=…).',
      );
    }
    return next();
  });

  // Same-origin and CSRF checks on every state-changing request.
  app.use(async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const port = options.port();
    const origin = c.req.header('origin');
    if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) {
      return fail(c, 403, 'Refused', 'The request came from another site.');
    }
    if (c.req.header('sec-fetch-site') === 'cross-site') {
      return fail(c, 403, 'Refused', 'The request came from another site.');
    }
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/x-www-form-urlencoded\b|^multipart\/form-data\b/.test(type)) {
      return fail(c, 403, 'Refused', 'Actions are sent as forms from the console pages.');
    }
    return next();
  });
  app.post(
    '*',
    bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => fail(c, 400, 'Too large', 'The form is too large.') }),
    async (c, next) => {
      const form = await c.req.parseBody();
      const given = form._csrf;
      if (typeof given !== 'string' || !same(given, csrf)) {
        return fail(c, 403, 'Refused', 'The form is missing its _csrf token or it is stale: reload the page.');
      }
      c.set('form' as never, form as never);
      return next();
    },
  );
  const formOf = (c: Context): Record<string, unknown> => c.get('form' as never) as Record<string, unknown>;

  app.get('/static/console.css', (c) => {
    c.header('Cache-Control', 'private, max-age=300');
    return c.body(STYLESHEET, 200, { 'Content-Type': 'text/css; charset=utf-8' });
  });

  app.get('/', (c) => c.redirect('/investigations', 302));
  // Browsers ask for an icon: answer with nothing rather than a 404 page.
  app.get('/favicon.ico', (c) => c.body(null, 204));

  app.get('/investigations', async (c) => {
    const q = (name: string) => {
      const v = c.req.query(name);
      return v === undefined || v === '' ? undefined : v.slice(0, 200);
    };
    const status = q('status');
    if (status !== undefined && status !== 'open' && status !== 'closed') {
      return fail(c, 400, 'Bad filter', 'status: must be open or closed');
    }
    const pageText = q('page') ?? '1';
    if (!/^[1-9][0-9]{0,6}$/.test(pageText)) return fail(c, 400, 'Bad filter', 'page: must be a whole number from 1');
    const filter: InvestigationFilter = {
      ...(q('account') ? { account: q('account') } : {}),
      ...(q('ou') ? { ou: q('ou') } : {}),
      ...(status ? { status } : {}),
      ...(q('severity') ? { severity: q('severity') } : {}),
      ...(q('source') ? { source: q('source') } : {}),
      ...(q('playbook') ? { playbook: q('playbook') } : {}),
    };
    const result = await backend.listInvestigations(filter, Number(pageText), pageSize);
    return c.html(InvestigationsPage({ ctx: context(c), filter, result }));
  });

  app.get('/investigations/:id', async (c) => {
    const id = c.req.param('id');
    const investigation = await backend.investigation(id);
    if (!investigation) return fail(c, 404, 'Not found', `No investigation has the id ${id}.`);
    return c.html(InvestigationPage({ ctx: context(c), investigation }));
  });

  app.post('/investigations/:id/close', async (c) => {
    const id = c.req.param('id');
    const form = formOf(c);
    const resolution = field(form, 'resolution', { required: true }) as string;
    if (!(RESOLUTIONS as readonly string[]).includes(resolution)) {
      throw new FormError('resolution', `must be one of ${RESOLUTIONS.join(', ')}`);
    }
    const reason = field(form, 'reason', { required: true }) as string;
    const duplicateOf = field(form, 'duplicateOf', { required: resolution === 'duplicate-of' });
    if (duplicateOf !== undefined && resolution !== 'duplicate-of') {
      throw new FormError('duplicateOf', 'is only for the duplicate-of resolution');
    }
    const result = await backend.close(id, { resolution, reason, ...(duplicateOf ? { duplicateOf } : {}) }, operator);
    if (!result.ok) return fail(c, 409, 'Not closed', result.message);
    return c.redirect(`/investigations/${encodeURIComponent(id)}?done=${encodeURIComponent(result.message)}`, 303);
  });

  app.get('/executions/:arn', async (c) => {
    const arn = c.req.param('arn');
    const execution = await backend.execution(arn);
    if (!execution) return fail(c, 404, 'Not found', `No execution has the ARN ${arn}.`);
    return c.html(ExecutionPage({ ctx: context(c), execution }));
  });

  app.post('/executions/:arn/undo', async (c) => {
    const arn = c.req.param('arn');
    const confirm = field(formOf(c), 'confirm', { required: true });
    if (confirm !== arn) throw new FormError('confirm', 'type the execution ARN exactly to confirm the undo');
    const result = await backend.undo(arn, operator);
    if (!result.ok) return fail(c, 409, 'Not undone', result.message);
    return c.redirect(`/executions/${encodeURIComponent(arn)}?done=${encodeURIComponent(result.message)}`, 303);
  });

  app.get('/approvals', async (c) => {
    const approvals = await backend.approvals();
    return c.html(ApprovalsPage({ ctx: context(c), approvals }));
  });

  app.post('/approvals/:id', async (c) => {
    const id = c.req.param('id');
    const form = formOf(c);
    const decision = field(form, 'decision', { required: true });
    if (decision !== 'approve' && decision !== 'reject') throw new FormError('decision', 'must be approve or reject');
    const reason = field(form, 'reason', { required: decision === 'reject' }) ?? '';
    const result = await backend.answer(id, decision, operator, reason);
    if (!result.ok) return fail(c, 409, 'Not answered', result.message);
    return c.redirect(`/approvals?done=${encodeURIComponent(result.message)}`, 303);
  });

  app.get('/accounts', async (c) => {
    const accounts = await backend.accounts();
    return c.html(AccountsPage({ ctx: context(c), accounts }));
  });

  app.get('/playbooks', async (c) => {
    const playbooks = await backend.playbooks();
    return c.html(PlaybooksPage({ ctx: context(c), playbooks }));
  });

  app.get('/playbooks/:name', async (c) => {
    const name = c.req.param('name');
    const playbook = (await backend.playbooks()).find((p) => p.name === name);
    if (!playbook) return fail(c, 404, 'Not found', `No playbook is named ${name}.`);
    const executions = await backend.recentExecutions(name, 20);
    return c.html(PlaybookPage({ ctx: context(c), playbook, executions }));
  });

  app.notFound((c) => fail(c, 404, 'Not found', `Nothing is at ${new URL(c.req.url).pathname}.`));
  app.onError((err, c) => {
    const status = statusOf(err);
    if (status === 500) console.error(err);
    const title = status === 400 ? 'Bad input' : status === 404 ? 'Not found' : status === 409 ? 'Refused' : 'Error';
    return fail(c, status, title, err instanceof Error ? err.message : String(err));
  });
  return app;
}

export interface ServeConsoleOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** The name the printed address uses: 127.0.0.1 (the default) or localhost; the socket binds 127.0.0.1 either way. */
  readonly host?: '127.0.0.1' | 'localhost';
  /** @default 32 random bytes, base64url */
  readonly token?: string;
  readonly operator: string;
  readonly pageSize?: number;
}

export interface ConsoleServer {
  readonly url: string;
  /** The address to open: `<url>/?token=<token>`. */
  readonly openUrl: string;
  readonly token: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Serves the console on loopback (never on another interface). */
export async function serveConsole(backend: ConsoleBackend, options: ServeConsoleOptions): Promise<ConsoleServer> {
  const host = options.host ?? '127.0.0.1';
  if (host !== '127.0.0.1' && host !== 'localhost') throw new SoclessError('the console listens on loopback only');
  const token = options.token ?? randomBytes(32).toString('base64url');
  let bound = options.port;
  const app = createConsoleApp(backend, {
    token,
    port: () => bound,
    operator: options.operator,
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port, hostname: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  if (address.address !== '127.0.0.1') {
    server.close();
    throw new SoclessError(`the console bound ${address.address}, not 127.0.0.1: refusing to serve`);
  }
  bound = address.port;
  const url = `http://${host}:${bound}`;
  return {
    url,
    openUrl: `${url}/?token=${token}`,
    token,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
