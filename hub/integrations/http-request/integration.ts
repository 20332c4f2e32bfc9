/**
 * http_request: one HTTPS call to a host on the configured allow-list (`httpAllowedHosts`; exact names or
 * `*.example.com`). Header values may hold `{{secret:…}}` references (resolved by the runtime, never logged).
 * Plain http is accepted only for loopback hosts (local testing). No redirects are followed, so an allowed
 * host cannot bounce the call elsewhere.
 */
import { z } from 'zod';
import { defineIntegration } from '../../../shared/integration-runtime/define.ts';
import { IntegrationParameterError } from '../../../shared/integration-runtime/errors.ts';
import { HttpClient, HttpServiceError } from '../../../shared/integrations/http.ts';
import { envList, INTEGRATION_ENV } from '../../../shared/integrations/settings.ts';

export const HttpRequestParameters = z.object({
  url: z.url('must be an absolute URL'),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  /** Sent as JSON. */
  json: z.unknown().optional(),
  /** Sent as is (with the content-type header you give). */
  body: z
    .string()
    .max(256 * 1024)
    .optional(),
  /** Statuses that count as success. @default any 2xx */
  expect_status: z.array(z.number().int().min(100).max(599)).optional(),
  /** Retry 5xx and transport errors (only for idempotent calls). @default true for GET */
  retry: z.boolean().optional(),
});

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Whether `host` is on the allow-list (exact, or a `*.` suffix that needs at least one more label). */
export function hostAllowed(host: string, allowed: readonly string[]): boolean {
  const h = host.toLowerCase();
  return allowed.some((a) => (a.startsWith('*.') ? h.endsWith(a.slice(1)) && h.length > a.length - 1 : h === a));
}

export const httpRequest = defineIntegration({
  id: 'http_request',
  references: ['socless.HttpRequest', 'socless.http_request'],
  description: 'Calls an HTTPS endpoint on the configured host allow-list and returns status and body.',
  parameters: HttpRequestParameters,
  secretParameters: ['headers', 'url'],
  deployment: { tables: [], timeoutSeconds: 30 },
  async run(params, ctx) {
    const url = new URL(params.url);
    const fail = (parameter: string, reason: string) =>
      new IntegrationParameterError({ state: ctx.state, integration: 'http_request', parameter, reason });
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
      throw fail('url', `must use https (got ${url.protocol})`);
    }
    if (url.username || url.password) throw fail('url', 'must not carry credentials; put them in a header secret');
    const allowed = envList(ctx.deps.env, INTEGRATION_ENV.httpAllowedHosts);
    if (!hostAllowed(url.hostname, allowed)) {
      throw fail(
        'url',
        `host ${url.hostname} is not in httpAllowedHosts (${allowed.length > 0 ? allowed.join(', ') : 'empty: add hosts to the socless configuration'})`,
      );
    }
    if (params.json !== undefined && params.body !== undefined)
      throw fail('body', 'give either json or body, not both');
    const client = new HttpClient({ service: `http ${url.hostname}`, baseUrl: url.origin });
    const res = await client.request({
      method: params.method,
      path: url.toString(),
      headers: params.headers,
      ...(params.json !== undefined ? { json: params.json } : {}),
      ...(params.body !== undefined ? { rawBody: params.body } : {}),
      ...(params.retry !== undefined ? { retryServerErrors: params.retry } : {}),
    });
    const ok = params.expect_status ? params.expect_status.includes(res.status) : res.status >= 200 && res.status < 300;
    // The whole URL goes in so its path and query are scrubbed from the echoed body too; only the origin is shown.
    if (!ok) throw new HttpServiceError(`http ${url.hostname}`, params.method, url.toString(), res.status, res.text);
    return {
      status: res.status,
      content_type: res.headers.get('content-type') ?? '',
      ...(res.json !== undefined ? { json: res.json } : { text: res.text.slice(0, 100_000) }),
    };
  },
});
