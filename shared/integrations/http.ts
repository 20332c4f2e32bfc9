/**
 * The one HTTP client the Slack, Jira and generic HTTP integrations share: a base URL (so tests point it at a
 * loopback server), JSON in and out, a per-request timeout, and retries on HTTP 429 (honouring `Retry-After`)
 * and 5xx with an injected sleep, so tests never wait for real.
 */
import { SoclessError } from '../errors.ts';

/** A service answered with an error status (after retries, where they apply). */
export class HttpServiceError extends SoclessError {
  readonly service: string;
  readonly status: number;
  /** The start of the response body, for the message and the results table (never a credential). */
  readonly body: string;
  /**
   * `url` may be the full request URL: only its origin reaches the message (see {@link redact}), and the
   * path and query are scrubbed from the echoed body too, since a path can hold a token (webhook URLs).
   */
  constructor(service: string, method: string, url: string, status: number, body: string) {
    const shown = scrubUrl(body, url);
    super(`${service}: ${method} ${redact(url)} answered HTTP ${status}${shown ? `: ${shown.slice(0, 300)}` : ''}`);
    this.service = service;
    this.status = status;
    this.body = shown.slice(0, 2000);
  }
}

/** The request never got an HTTP answer (DNS, connection refused, TLS, timeout). */
export class HttpTransportError extends SoclessError {
  readonly service: string;
  constructor(service: string, method: string, url: string, reason: string, options?: { cause?: unknown }) {
    super(`${service}: ${method} ${redact(url)} failed before an answer: ${scrubUrl(reason, url)}`, options);
    this.service = service;
  }
}

/** Waits `ms`; injected so tests run retries without waiting. */
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface HttpClientOptions {
  /** Names the service in errors and logs, e.g. `slack`. */
  readonly service: string;
  /** e.g. `https://slack.com/api`; paths are appended to it. */
  readonly baseUrl: string;
  /** Headers sent with every request (authorization). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Attempts in all, the first included. @default 4 */
  readonly maxAttempts?: number;
  /** Longest wait honoured from a `Retry-After` header (ms); longer waits fail instead. @default 30000 */
  readonly maxRetryAfterMs?: number;
  /** Per-request timeout (ms). @default 10000 */
  readonly timeoutMs?: number;
  /** @default real timers */
  readonly sleep?: Sleep;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

export interface HttpRequest {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Appended to the base URL; an absolute URL is used as is (e.g. a Slack webhook). */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  /** Sent as JSON unless `form` or `rawBody` is given. */
  readonly json?: unknown;
  /** Sent as application/x-www-form-urlencoded. */
  readonly form?: Readonly<Record<string, string>>;
  readonly rawBody?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Retry on 5xx too (only for idempotent calls). @default true for GET, false otherwise */
  readonly retryServerErrors?: boolean;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
}

/** Seconds or an HTTP date, as RFC 9110 allows for `Retry-After`; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A small JSON-over-HTTPS client with retries. */
export class HttpClient {
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: Sleep;

  constructor(readonly options: HttpClientOptions) {
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.sleep = options.sleep ?? realSleep;
  }

  /** The full URL of a path. */
  url(path: string, query?: Readonly<Record<string, string>>): string {
    const absolute = /^https?:\/\//i.test(path);
    const url = new URL(absolute ? path : `${this.options.baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`);
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
    return url.toString();
  }

  /**
   * Sends a request; retries 429 (after `Retry-After`, else exponential backoff) and, where allowed, 5xx and
   * transport failures. Returns any other status to the caller, who decides what is an error.
   */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const method = req.method ?? (req.json !== undefined || req.form || req.rawBody !== undefined ? 'POST' : 'GET');
    const url = this.url(req.path, req.query);
    const headers: Record<string, string> = { accept: 'application/json', ...this.options.headers, ...req.headers };
    let body: string | undefined;
    if (req.rawBody !== undefined) body = req.rawBody;
    else if (req.form) {
      body = new URLSearchParams(req.form as Record<string, string>).toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    } else if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] ??= 'application/json; charset=utf-8';
    }
    const maxAttempts = this.options.maxAttempts ?? 4;
    const retryServer = req.retryServerErrors ?? method === 'GET';
    const service = this.options.service;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetchImpl(url, {
          method,
          headers,
          ...(body !== undefined ? { body } : {}),
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
          redirect: 'error',
        });
      } catch (err) {
        if (retryServer && attempt < maxAttempts) {
          await this.sleep(backoffMs(attempt));
          continue;
        }
        // The cause keeps the fetch error (its message can hold the URL) out of the message; logs see `message`.
        throw new HttpTransportError(service, method, url, transportReason(err));
      }
      const text = await response.text();
      if (attempt < maxAttempts && (response.status === 429 || (retryServer && response.status >= 500))) {
        const wait = retryAfterMs(response.headers.get('retry-after')) ?? backoffMs(attempt);
        if (wait <= (this.options.maxRetryAfterMs ?? 30_000)) {
          await this.sleep(wait);
          continue;
        }
      }
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: response.status, headers: response.headers, text, json };
    }
  }

  /** Like `request`, but any status outside 2xx is an HttpServiceError. */
  async requestOk(req: HttpRequest): Promise<HttpResponse> {
    const res = await this.request(req);
    if (res.status < 200 || res.status > 299) {
      throw new HttpServiceError(
        this.options.service,
        req.method ?? 'POST',
        this.url(req.path, req.query),
        res.status,
        res.text,
      );
    }
    return res;
  }
}

function backoffMs(attempt: number): number {
  return Math.min(8_000, 500 * 2 ** (attempt - 1));
}

/** The reason of a failed fetch: its message, and its cause's code (ECONNREFUSED, ENOTFOUND…) when it has one. */
function transportReason(err: unknown): string {
  const e = err as Error & { cause?: { code?: unknown; message?: unknown } };
  const code = typeof e.cause?.code === 'string' ? e.cause.code : undefined;
  const message = e instanceof Error ? e.message : String(err);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

/**
 * A URL as messages, logs, results and e-mails may show it: `scheme://host[:port]/…`. The path and query are
 * dropped (they carry webhook tokens, signed-URL signatures, record ids), so every error says where it went
 * but never what it asked for.
 */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname === '/' && u.search === '' && u.hash === '' ? u.origin : `${u.origin}/…`;
  } catch {
    return '(invalid URL)';
  }
}

/** Removes the path and query of `url` (and the URL itself) wherever they appear in `text`. */
export function scrubUrl(text: string, url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return text.split(url).join('(invalid URL)');
  }
  let out = text.split(u.toString()).join(redact(url)).split(url).join(redact(url));
  const secretParts = [`${u.pathname}${u.search}`, u.search, u.pathname].filter((p) => p.length > 1);
  for (const part of secretParts) {
    out = out.split(part).join('…');
    // Servers often echo the path URL-decoded.
    const decoded = safeDecode(part);
    if (decoded.length > 1 && decoded !== part) out = out.split(decoded).join('…');
  }
  return out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
