/**
 * Slack Web API client (bot token) and incoming webhooks, plus Slack's request signatures (v0 HMAC-SHA256
 * over `v0:<timestamp>:<raw body>`). The base URL defaults to https://slack.com/api; tests point it at a
 * loopback server that speaks the same protocol.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SoclessError } from '../errors.ts';
import { HttpClient, type HttpResponse, HttpServiceError, type Sleep } from './http.ts';

export const DEFAULT_SLACK_API_URL = 'https://slack.com/api';
/** Slack's replay window for signed requests. */
export const SLACK_SIGNATURE_MAX_AGE_SECONDS = 300;
export const SLACK_SIGNATURE_HEADER = 'X-Slack-Signature';
export const SLACK_TIMESTAMP_HEADER = 'X-Slack-Request-Timestamp';

/** Slack answered `{"ok": false, "error": "<code>"}` (e.g. `channel_not_found`, `invalid_auth`). */
export class SlackApiError extends SoclessError {
  readonly method: string;
  readonly code: string;
  constructor(method: string, code: string) {
    super(`slack ${method}: ${code}`);
    this.method = method;
    this.code = code;
  }
}

export interface SlackClientOptions {
  readonly token: string;
  /** @default https://slack.com/api */
  readonly baseUrl?: string;
  readonly sleep?: Sleep;
  readonly maxAttempts?: number;
}

/** A posted message: where it lives. */
export interface SlackMessageRef {
  readonly channel: string;
  readonly ts: string;
}

/** The Web API methods SOCless calls. */
export class SlackClient {
  private readonly http: HttpClient;

  constructor(options: SlackClientOptions) {
    this.http = new HttpClient({
      service: 'slack',
      baseUrl: options.baseUrl ?? DEFAULT_SLACK_API_URL,
      headers: { authorization: `Bearer ${options.token}` },
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    });
  }

  /** Calls a Web API method with a JSON body; throws SlackApiError on `ok: false`. */
  async call(method: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const res = await this.http.requestOk({ path: method, json: body });
    return okBody(method, res);
  }

  /** chat.postMessage */
  async postMessage(message: {
    channel: string;
    text: string;
    blocks?: unknown[];
    thread_ts?: string;
  }): Promise<SlackMessageRef> {
    const out = await this.call('chat.postMessage', { ...message, unfurl_links: false, unfurl_media: false });
    return { channel: String(out.channel ?? message.channel), ts: String(out.ts ?? '') };
  }

  /** chat.update */
  async updateMessage(message: { channel: string; ts: string; text: string; blocks?: unknown[] }): Promise<void> {
    await this.call('chat.update', message);
  }

  /** usergroups.users.list: the user ids in a user group (needs the `usergroups:read` scope). */
  async userGroupMembers(usergroup: string): Promise<string[]> {
    const res = await this.http.requestOk({
      path: 'usergroups.users.list',
      form: { usergroup },
      retryServerErrors: true,
    });
    const out = okBody('usergroups.users.list', res);
    return Array.isArray(out.users) ? out.users.filter((u): u is string => typeof u === 'string') : [];
  }
}

function okBody(method: string, res: HttpResponse): Record<string, unknown> {
  const json = res.json;
  if (typeof json !== 'object' || json === null) {
    throw new HttpServiceError('slack', 'POST', method, res.status, `not a JSON answer: ${res.text.slice(0, 200)}`);
  }
  const body = json as Record<string, unknown>;
  if (body.ok !== true) throw new SlackApiError(method, typeof body.error === 'string' ? body.error : 'unknown_error');
  return body;
}

/** Posts to an incoming webhook (its URL is the credential); Slack answers `ok` as plain text. */
export async function postSlackWebhook(
  url: string,
  message: { text: string; blocks?: unknown[] },
  options: { sleep?: Sleep; maxAttempts?: number } = {},
): Promise<void> {
  const http = new HttpClient({ service: 'slack-webhook', baseUrl: url, ...options });
  const res = await http.request({ path: url, json: message });
  if (res.status < 200 || res.status > 299) {
    throw new HttpServiceError('slack-webhook', 'POST', url, res.status, res.text);
  }
}

/** The `X-Slack-Signature` value for a body sent at `timestamp` (seconds). */
export function slackSignature(signingSecret: string, timestamp: number | string, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`, 'utf8').digest('hex')}`;
}

export type SlackSignatureCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Verifies a Slack request: both headers present, timestamp within 5 minutes, signature equal in constant time. */
export function verifySlackSignature(input: {
  readonly signingSecret: string;
  readonly rawBody: string;
  readonly signature: string | undefined;
  readonly timestamp: string | undefined;
  readonly now: Date;
}): SlackSignatureCheck {
  if (!input.signature) return { ok: false, reason: `missing ${SLACK_SIGNATURE_HEADER} header` };
  if (!input.timestamp) return { ok: false, reason: `missing ${SLACK_TIMESTAMP_HEADER} header` };
  if (!/^\d{1,12}$/.test(input.timestamp)) return { ok: false, reason: `${SLACK_TIMESTAMP_HEADER} is not a number` };
  const age = Math.abs(Math.floor(input.now.getTime() / 1000) - Number(input.timestamp));
  if (age > SLACK_SIGNATURE_MAX_AGE_SECONDS) {
    return {
      ok: false,
      reason: `stale request: timestamp is ${age} s away from now (limit ${SLACK_SIGNATURE_MAX_AGE_SECONDS} s)`,
    };
  }
  const expected = Buffer.from(slackSignature(input.signingSecret, input.timestamp, input.rawBody), 'utf8');
  const given = Buffer.from(input.signature, 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'signature does not match' };
  }
  return { ok: true };
}
