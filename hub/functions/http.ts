/**
 * Helpers the HTTP-facing hub functions share: environment checks, API Gateway bodies and headers, JSON
 * responses, and request signatures (the scheme of shared/events/webhook.ts).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { SoclessError } from '../../shared/errors.ts';
import { createSecretFetcher } from '../../shared/events/secrets.ts';
import { signWebhookPayload, verifyWebhookSignature, WEBHOOK_SIGNATURE_HEADER } from '../../shared/events/webhook.ts';
import { documentClientFrom } from '../../shared/store/clients.ts';

/** One DynamoDB document client per container, around an injectable low-level client. */
export function createDocumentClient(client: DynamoDBClient = new DynamoDBClient({})): DynamoDBDocumentClient {
  return documentClientFrom(client);
}

/** Header that carries the request signature: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. */
export const SIGNATURE_HEADER = WEBHOOK_SIGNATURE_HEADER;

export type SignatureCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** The header value a sender puts on a request. */
export function signPayload(rawBody: string, secret: string, timestampSeconds: number): string {
  return `t=${timestampSeconds},v1=${signWebhookPayload(secret, timestampSeconds, rawBody)}`;
}

/** Checks a request signature: well formed, within the 5-minute window, matching in constant time. */
export function verifySignature(
  header: string | undefined,
  rawBody: string,
  secret: string,
  now: Date,
): SignatureCheck {
  const result = verifyWebhookSignature({ rawBody, signatureHeader: header, secret, now: now.getTime() });
  return result.ok ? { ok: true } : { ok: false, reason: result.reason };
}

/**
 * Reads the raw body of a signed request and checks its signature with the current signing secret: the body
 * when it is good, else the response to send (503 when the secret cannot be read, 401 when the signature fails).
 */
export async function verifiedBody(
  event: APIGatewayProxyEvent,
  deps: {
    readonly readSigningSecret: () => Promise<string>;
    readonly logger: Pick<Logger, 'error' | 'warn'>;
  },
  now: Date,
): Promise<{ ok: true; raw: string } | { ok: false; response: APIGatewayProxyResult }> {
  const raw = requestBody(event);
  let secret: string;
  try {
    secret = await deps.readSigningSecret();
  } catch (err) {
    deps.logger.error('cannot read the signing secret', { error: err as Error });
    return { ok: false, response: jsonResponse(503, { error: 'cannot verify signatures right now; retry later' }) };
  }
  const check = verifySignature(headerValue(event, SIGNATURE_HEADER), raw, secret, now);
  if (!check.ok) {
    // Unsigned requests change nothing and are not stored.
    deps.logger.warn('refused an unsigned or badly signed request', {
      reason: check.reason,
      sourceIp: event.requestContext?.identity?.sourceIp,
    });
    return { ok: false, response: jsonResponse(401, { error: check.reason }) };
  }
  return { ok: true, raw };
}

/** Reads one secret string, cached for `ttlMs` so a rotation is seen within minutes. */
export function createSecretReader(
  client: SecretsManagerClient,
  secretId: string,
  ttlMs = 5 * 60_000,
  clock: () => number = Date.now,
): () => Promise<string> {
  const fetch = createSecretFetcher(client, { ttlMs, now: clock });
  return () => fetch(secretId);
}

export { SecretsManagerClient };

/** Reads required environment variables; the error names every missing one. */
export function requireEnv<K extends string>(
  names: Readonly<Record<K, string>>,
  env: NodeJS.ProcessEnv,
): Record<K, string> {
  const missing = Object.values<string>(names).filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new SoclessError(`missing required environment variable(s): ${missing.join(', ')}`);
  }
  return Object.fromEntries(Object.entries<string>(names).map(([key, name]) => [key, env[name] as string])) as Record<
    K,
    string
  >;
}

/** The raw request body as the sender signed it (API Gateway base64-encodes binary bodies). */
export function requestBody(event: APIGatewayProxyEvent): string {
  if (event.body == null) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** A header by name, case-insensitively (REST API proxy events keep the sender's spelling). */
export function headerValue(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/** A JSON API Gateway response. */
export function jsonResponse(statusCode: number, body: Record<string, unknown>): APIGatewayProxyResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
