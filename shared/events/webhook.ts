import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { SEVERITY_LABELS, type SeverityLabel } from '../config.ts';
import { readJsonInput } from './envelope.ts';
import { isoTime, parseSource, resourceFromId } from './normalizer.ts';
import {
  type InputLimits,
  type NormalizeResult,
  SECURITY_EVENT_STATUSES,
  SecurityResourceSchema,
  severityFromLabel,
  severityLabelFromScore,
} from './types.ts';

/** Header that carries the signature (matched case-insensitively). */
export const WEBHOOK_SIGNATURE_HEADER = 'x-socless-signature';
/** Accepted clock difference between the sender's timestamp and ours, either way. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** Outcome of {@link verifyWebhookSignature}. */
export type WebhookVerification =
  | { readonly ok: true; readonly timestamp: number }
  | { readonly ok: false; readonly reason: string };

/** Hex HMAC-SHA256 of `<timestamp>.<raw body>`: what a sender puts in `v1=`. */
export function signWebhookPayload(secret: string, timestamp: number, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${rawBody}`, 'utf8').digest('hex');
}

/**
 * Verifies a signed webhook.
 *
 * Header format (`X-Socless-Signature`): `t=<unix seconds>,v1=<hex HMAC-SHA256>` where the HMAC is computed with
 * the shared secret over the exact bytes `<t>.<raw request body>`. Several `v1=` entries may be sent (secret
 * rotation); one matching is enough. Several secrets may be passed for the same reason. The timestamp must be
 * within {@link WEBHOOK_TOLERANCE_SECONDS} of `now` (past or future), which bounds replays; signatures are
 * compared in constant time.
 */
export function verifyWebhookSignature(input: {
  readonly rawBody: string;
  readonly signatureHeader: string | undefined;
  readonly secret: string | readonly string[];
  /** Current time in milliseconds. @default Date.now() */
  readonly now?: number;
  /** @default 300 */
  readonly toleranceSeconds?: number;
}): WebhookVerification {
  const header = input.signatureHeader;
  if (!header) return { ok: false, reason: `missing ${WEBHOOK_SIGNATURE_HEADER} header` };
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0)
      return { ok: false, reason: `malformed ${WEBHOOK_SIGNATURE_HEADER} header: expected t=<seconds>,v1=<hex>` };
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value))
        return { ok: false, reason: 'malformed signature timestamp: expected unix seconds' };
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/i.test(value))
        return { ok: false, reason: 'malformed v1 signature: expected 64 hex digits' };
      signatures.push(value.toLowerCase());
    }
  }
  if (timestamp === undefined || signatures.length === 0) {
    return { ok: false, reason: `malformed ${WEBHOOK_SIGNATURE_HEADER} header: expected t=<seconds>,v1=<hex>` };
  }
  const nowSeconds = Math.floor((input.now ?? Date.now()) / 1000);
  const tolerance = input.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS;
  if (Math.abs(nowSeconds - timestamp) > tolerance) {
    return {
      ok: false,
      reason: `signature timestamp is ${timestamp < nowSeconds ? 'too old' : 'in the future'} (outside the ${tolerance}s window)`,
    };
  }
  const secrets = typeof input.secret === 'string' ? [input.secret] : input.secret;
  let matched = false;
  for (const secret of secrets) {
    if (secret === '') continue;
    const expected = Buffer.from(signWebhookPayload(secret, timestamp, input.rawBody), 'hex');
    for (const signature of signatures) {
      // Evaluate every candidate: no early exit that would reveal which one matched.
      if (timingSafeEqual(expected, Buffer.from(signature, 'hex'))) matched = true;
    }
  }
  return matched ? { ok: true, timestamp } : { ok: false, reason: 'signature does not match' };
}

/** The JSON body a webhook sender posts. */
export const WebhookPayloadSchema = z.looseObject({
  /** The sender's id of this event (also the SecurityEvent id). */
  id: z.string().min(1, 'must be a non-empty string').max(256),
  /** What happened, e.g. `phishing-report` (the SecurityEvent kind). */
  type: z.string().min(1, 'must be a non-empty string').max(256),
  title: z.string().max(1024),
  description: z.string().max(8192).optional(),
  /** A severity label or a 0-100 score. @default MEDIUM */
  severity: z.union([z.enum(SEVERITY_LABELS), z.number().min(0).max(100)]).optional(),
  /** When it happened (ISO 8601). @default the signature timestamp */
  time: z.iso.datetime({ offset: true }).optional(),
  account: z
    .string()
    .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
    .optional(),
  region: z.string().optional(),
  resources: z.array(SecurityResourceSchema.partial({ type: true })).optional(),
  /** Stable identity of the underlying issue. @default `webhook:<type>:<id>` */
  dedupKey: z.string().min(1).max(512).optional(),
  status: z.enum(SECURITY_EVENT_STATUSES).optional(),
});

/** A webhook request as the API layer hands it over. */
export interface WebhookRequest {
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The body exactly as received (the signature covers these bytes). */
  readonly body: string;
}

/**
 * Verifies and normalizes a signed webhook into a SecurityEvent (source `webhook`). Never throws: a bad signature,
 * stale timestamp, oversize/deep/invalid body or schema violation is rejected with a reason.
 */
export function normalizeWebhookEvent(
  request: WebhookRequest,
  options: InputLimits & { readonly secret: string | readonly string[]; readonly now?: number },
): NormalizeResult {
  const headerName = Object.keys(request.headers).find((h) => h.toLowerCase() === WEBHOOK_SIGNATURE_HEADER);
  const verification = verifyWebhookSignature({
    rawBody: request.body,
    signatureHeader: headerName ? request.headers[headerName] : undefined,
    secret: options.secret,
    ...(options.now !== undefined ? { now: options.now } : {}),
  });
  if (!verification.ok) return { ok: false, reason: `webhook rejected: ${verification.reason}` };
  const read = readJsonInput(request.body, options);
  if (!read.ok) return read;
  const parsed = parseSource(WebhookPayloadSchema, read.value, 'webhook payload');
  if (!parsed.ok) return parsed;
  const p = parsed.data;
  const severity =
    typeof p.severity === 'number'
      ? { label: severityLabelFromScore(p.severity), score: p.severity }
      : severityFromLabel((p.severity as SeverityLabel | undefined) ?? 'MEDIUM');
  return {
    ok: true,
    events: [
      {
        id: p.id,
        source: 'webhook',
        kind: p.type,
        account: p.account ?? '',
        region: p.region ?? '',
        time: isoTime(p.time) ?? new Date(verification.timestamp * 1000).toISOString(),
        severity,
        title: p.title,
        ...(p.description !== undefined ? { description: p.description } : {}),
        resources: (p.resources ?? []).map((r) =>
          resourceFromId(r.type ?? 'Other', r.id, {
            ...(r.account ? { account: r.account } : {}),
            ...(r.region ? { region: r.region } : {}),
            ...(r.details ? { details: r.details } : {}),
          }),
        ),
        dedupKey: p.dedupKey ?? `webhook:${p.type}:${p.id}`,
        status: p.status ?? 'active',
        raw: read.value,
      },
    ],
  };
}
