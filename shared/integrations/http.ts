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
  constructor(service: string, method: string, url: string, status: number, body: string) {
    super(`${service}: ${method} ${url} answered HTTP ${status}${body ? `: ${body.slice(0, 300)}` : ''}`);
    this.service = service;
    this.status = status;
    this.body = body.slice(0, 2000);
  }
}

/** The request never got an HTTP answer (DNS, connection refused, TLS, timeout). */
export class HttpTransportError extends SoclessError {
  readonly service: string;
  constructor(service: string, method: string, url: string, reason: string, options?: { cause?: unknown }) {
    super(`${service}: ${method} ${url} failed before an answer: ${reason}`, options);
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
        throw new HttpTransportError(service, method, redact(url), (err as Error).message, { cause: err });
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
        redact(this.url(req.path)),
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

/** Hides what looks like a secret in a URL (Slack webhook paths, query tokens) before it reaches a message. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.hostname === 'hooks.slack.com') return `${u.origin}/services/…`;
    for (const key of [...u.searchParams.keys()]) {
      if (/token|key|secret|sig|password/i.test(key)) u.searchParams.set(key, '…');
    }
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}
