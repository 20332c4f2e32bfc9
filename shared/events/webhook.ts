import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { SEVERITY_LABELS, type SeverityLabel, type WebhookSenderConfig, webhookSources } from '../config.ts';
import { type EventBridgeEnvelope, parseEventBridgeEnvelope, readJsonInput } from './envelope.ts';
import { arnParts, type EventNormalizer, isoTime, parseSource, resourceFromId } from './normalizer.ts';
import {
  isSoclessCreateEventsBody,
  SoclessCreateEventsError,
  soclessCreateEventsPayloads,
} from './socless-create-events.ts';
import {
  type EventFlag,
  type InputLimits,
  type NormalizeResult,
  SECURITY_EVENT_STATUSES,
  SEVERITY_DEFAULT_SCORES,
  type SecurityEvent,
  SecurityResourceSchema,
  type SecuritySeverity,
  severityFromLabel,
  severityLabelFromScore,
} from './types.ts';

/** Header that carries the signature (matched case-insensitively). */
export const WEBHOOK_SIGNATURE_HEADER = 'x-socless-signature';
/** Header that names the sender (`config.webhooks[].name`); its secret alone verifies the signature. */
export const WEBHOOK_SENDER_HEADER = 'x-socless-sender';
/** Every webhook event's EventBridge source starts with this, followed by the sender name. */
export const WEBHOOK_SOURCE_PREFIX = 'socless.webhook.';
/** Secrets Manager name of a sender's signing secret (created by the hub stack). */
export function webhookSecretName(sender: string): string {
  return `socless/webhook/${sender}`;
}
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
  /** The sender's id of this event (the SecurityEvent id is `webhook-<sender>-<id>`). */
  id: z.string().min(1, 'must be a non-empty string').max(256),
  /** What happened, e.g. `phishing-report` (the SecurityEvent kind and the EventBridge detail-type). */
  type: z.string().min(1, 'must be a non-empty string').max(256),
  title: z.string().max(1024),
  description: z.string().max(8192).optional(),
  /** A severity label or a 0-100 score. @default MEDIUM */
  severity: z.union([z.enum(SEVERITY_LABELS), z.number().min(0).max(100)]).optional(),
  /** One of the sender's declared sources. @default `socless.webhook.<sender>` (or its only declared source) */
  source: z.string().min(1).max(256).optional(),
  /** When it happened (ISO 8601). @default the signature timestamp */
  time: z.iso.datetime({ offset: true }).optional(),
  /** The account it is about; must be one of the sender's `accounts`. */
  account: z
    .string()
    .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
    .optional(),
  region: z.string().max(64).optional(),
  resources: z.array(SecurityResourceSchema.partial({ type: true })).optional(),
  /** Stable identity of the underlying issue, kept under `webhook:<sender>:`. @default `<type>:<id>` */
  dedupKey: z.string().min(1).max(512).optional(),
  status: z.enum(SECURITY_EVENT_STATUSES).optional(),
});
export type WebhookPayload = z.infer<typeof WebhookPayloadSchema>;

/** A webhook request as the API layer hands it over. */
export interface WebhookRequest {
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The body exactly as received (the signature covers these bytes). */
  readonly body: string;
}

/** A header of a webhook request, by name, case-insensitively. */
export function webhookHeader(request: WebhookRequest, name: string): string | undefined {
  const key = Object.keys(request.headers).find((h) => h.toLowerCase() === name);
  return key === undefined ? undefined : request.headers[key];
}

/**
 * The severity a sender may set: held just below `autoMinSeverity` unless its scope lets it reach the auto floor
 * (with an INFORMATIONAL floor nothing is below it; `mayRemediate` is then the only gate).
 */
export function capWebhookSeverity(
  severity: SecuritySeverity,
  options: { readonly autoMinSeverity: SeverityLabel; readonly severityMayReachAuto: boolean },
): { severity: SecuritySeverity; capped: boolean } {
  if (options.severityMayReachAuto) return { severity, capped: false };
  const floor = SEVERITY_DEFAULT_SCORES[options.autoMinSeverity];
  if (floor === 0 || severity.score < floor) return { severity, capped: false };
  const score = floor - 1;
  return { severity: { label: severityLabelFromScore(score), score }, capped: true };
}

function payloadSeverity(p: Pick<WebhookPayload, 'severity'>): SecuritySeverity {
  return typeof p.severity === 'number'
    ? { label: severityLabelFromScore(p.severity), score: p.severity }
    : severityFromLabel((p.severity as SeverityLabel | undefined) ?? 'MEDIUM');
}

/** The sender a webhook source belongs to (`socless.webhook.<sender>[.<kind>]`). */
export function webhookSenderOf(source: string): string | undefined {
  if (!source.startsWith(WEBHOOK_SOURCE_PREFIX)) return undefined;
  return source.slice(WEBHOOK_SOURCE_PREFIX.length).split('.')[0] || undefined;
}

/**
 * Maps the EventBridge form of a webhook (as the API stores it, source `socless.webhook.<sender>…`) to a
 * SecurityEvent. The event's account is `detail.account` (the API made the envelope account the same after
 * checking the sender's scope; anything else is a claim the pipeline refuses). `mayRemediate` is always false
 * here: only the API, having verified the sender, may grant its scope's permission.
 */
export function normalizeWebhookEnvelope(envelope: EventBridgeEnvelope, raw: unknown): NormalizeResult {
  const parsed = parseSource(WebhookPayloadSchema, envelope.detail, 'webhook payload');
  if (!parsed.ok) return { ...parsed, ...(parsed.field ? { field: `detail.${parsed.field}` } : {}) };
  const p = parsed.data;
  const sender = webhookSenderOf(envelope.source) ?? '';
  return {
    ok: true,
    events: [
      {
        id: envelope.id,
        source: 'webhook',
        kind: p.type,
        account: p.account ?? '',
        region: p.region ?? '',
        time: isoTime(p.time) ?? isoTime(envelope.time) ?? envelope.time,
        severity: payloadSeverity(p),
        title: p.title,
        ...(p.description !== undefined ? { description: p.description } : {}),
        resources: (p.resources ?? []).map((r) =>
          resourceFromId(r.type ?? 'Other', r.id, {
            ...(r.account ? { account: r.account } : {}),
            ...(r.region ? { region: r.region } : {}),
            ...(r.details ? { details: r.details } : {}),
          }),
        ),
        // Always under the sender's name: a chosen key must not collide with (and so silence) another source's.
        dedupKey: `webhook:${sender}:${p.dedupKey ?? `${p.type}:${p.id}`}`,
        status: p.status ?? 'active',
        origin: {
          kind: 'webhook',
          source: envelope.source,
          account: envelope.account,
          ...(p.account ? { accountField: 'detail.account' } : {}),
          sender,
          mayRemediate: false,
        },
        raw,
      },
    ],
  };
}

/** Webhook events in their stored EventBridge form (the sweeper re-drives them from it). */
export const webhookEnvelopeNormalizer: EventNormalizer = {
  id: 'webhook',
  source: `${WEBHOOK_SOURCE_PREFIX}*`,
  detailTypes: [],
  normalize: normalizeWebhookEnvelope,
};

/** One event a webhook request makes. */
export interface WebhookIntakeItem {
  readonly envelope: Record<string, unknown>;
  readonly events: SecurityEvent[];
  readonly flags: EventFlag[];
}

/** Outcome of {@link normalizeWebhookEvent}. */
export type WebhookIntake =
  | {
      readonly ok: true;
      /** The EventBridge form that is stored, routed and re-driven (the first one, for a body of several). */
      readonly envelope: Record<string, unknown>;
      /** The events, with the sender's remediation permission. */
      readonly events: SecurityEvent[];
      readonly flags: EventFlag[];
      /**
       * One per event the request makes, each with its own envelope and flags: one for a webhook payload, one per
       * detail for a SOCless create-events body.
       */
      readonly items: ReadonlyArray<WebhookIntakeItem>;
    }
  /** Not authenticated (401): nothing is stored, and the reason does not say which senders exist. */
  | { readonly ok: false; readonly authenticated: false; readonly reason: string }
  /** Authenticated but refused (400, or 403 outside the sender's scope): recorded as rejected. */
  | {
      readonly ok: false;
      readonly authenticated: true;
      readonly status: 400 | 403;
      readonly reason: string;
      readonly field?: string;
      readonly flags: EventFlag[];
    };

/** An authenticated request refused (400, or 403 outside the sender's scope). */
type WebhookRefusal = Extract<WebhookIntake, { authenticated: true }>;

/** What {@link normalizeWebhookEvent} needs besides the request. */
export interface WebhookIntakeOptions extends InputLimits {
  /** The sender the request names (`X-Socless-Sender`), from config. */
  readonly sender: WebhookSenderConfig;
  /** That sender's secret (several during a rotation). */
  readonly secret: string | readonly string[];
  /** `config.remediation.autoMinSeverity`. */
  readonly autoMinSeverity: SeverityLabel;
  /** Account and region stamped on the envelope of a webhook that names no account. */
  readonly hubAccountId: string;
  readonly region: string;
  /** Current time in milliseconds. @default Date.now() */
  readonly now?: number;
}

// Top-level keys of an EventBridge envelope that a webhook payload never has.
const ENVELOPE_KEYS = ['detail-type', 'detail'] as const;

/**
 * Verifies and normalizes one signed webhook of a known sender. The body is a webhook payload only, never an
 * EventBridge event: a body shaped like one or asking for an `aws.*` source is refused, as is a source outside the
 * sender's declared sources or an account (the payload's or a resource's) outside its `accounts`. The severity is
 * capped below the auto floor unless the scope allows it, and the event carries `origin.mayRemediate` from the
 * scope. Never throws.
 */
export function normalizeWebhookEvent(request: WebhookRequest, options: WebhookIntakeOptions): WebhookIntake {
  const { sender } = options;
  const verification = verifyWebhookSignature({
    rawBody: request.body,
    signatureHeader: webhookHeader(request, WEBHOOK_SIGNATURE_HEADER),
    secret: options.secret,
    ...(options.now !== undefined ? { now: options.now } : {}),
  });
  if (!verification.ok) return { ok: false, authenticated: false, reason: `webhook rejected: ${verification.reason}` };
  const signedAt = verification.timestamp;
  const refuse = (status: 400 | 403, reason: string, flags: EventFlag[], field?: string): WebhookRefusal => ({
    ok: false,
    authenticated: true,
    status,
    reason,
    flags,
    ...(field ? { field } : {}),
  });
  const read = readJsonInput(request.body, options);
  if (!read.ok) return refuse(400, read.reason, [], read.field);
  const value = read.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return refuse(400, 'webhook payload: must be a JSON object', []);
  }
  let bodies = [value as Record<string, unknown>];
  const body = value as Record<string, unknown>;
  if (isSoclessCreateEventsBody(body)) {
    // SOCless's create-events body becomes a webhook payload and then meets the same checks as any other.
    const requestId = createHash('sha256')
      .update(`${verification.timestamp}.${request.body}`)
      .digest('hex')
      .slice(0, 32);
    let payloads: Array<Record<string, unknown>>;
    try {
      payloads = soclessCreateEventsPayloads(body, requestId);
    } catch (err) {
      if (err instanceof SoclessCreateEventsError) return refuse(400, err.message, [], err.field);
      throw err;
    }
    bodies = payloads;
  }
  // Every event of the request meets every check; one refused refuses the request (nothing is half-accepted).
  const items: WebhookIntakeItem[] = [];
  for (const [i, one] of bodies.entries()) {
    const item = intakeOne(one);
    if ('ok' in item) {
      return bodies.length === 1 || item.field === undefined
        ? item
        : { ...item, field: `details[${i}].${item.field}`, reason: `details[${i}]: ${item.reason}` };
    }
    items.push(item);
  }
  const first = items[0] as WebhookIntakeItem;
  return {
    ok: true,
    envelope: first.envelope,
    events: items.flatMap((i) => i.events),
    flags: [...new Set(items.flatMap((i) => i.flags))],
    items,
  };

  function intakeOne(
    body: Record<string, unknown>,
  ): WebhookIntakeItem | Extract<WebhookIntake, { authenticated: true }> {
    const shaped = ENVELOPE_KEYS.find((k) => k in body);
    if (shaped) {
      return refuse(
        400,
        `webhook payload: has "${shaped}": POST /events takes webhook payloads ({id, type, title, ...}), never EventBridge events`,
        ['not-a-webhook'],
        shaped,
      );
    }
    const asked = (body as { source?: unknown }).source;
    if (typeof asked === 'string' && asked.startsWith('aws.')) {
      return refuse(
        400,
        `webhook payload: source "${asked}" is an AWS source; a webhook cannot emit AWS events`,
        ['not-a-webhook'],
        'source',
      );
    }
    const parsed = parseSource(WebhookPayloadSchema, body, 'webhook payload');
    if (!parsed.ok) return refuse(400, parsed.reason, [], parsed.field);
    const p = parsed.data;
    const allowed = webhookSources(sender);
    const source =
      p.source ?? (allowed.length === 1 ? (allowed[0] as string) : `${WEBHOOK_SOURCE_PREFIX}${sender.name}`);
    if (!allowed.includes(source)) {
      return refuse(
        403,
        `webhook payload: source "${source}" is not one of sender ${sender.name}'s sources (${allowed.join(', ')})`,
        ['webhook-scope'],
        'source',
      );
    }
    const named = [
      ...(p.account ? [{ field: 'account', account: p.account }] : []),
      ...(p.resources ?? []).flatMap((r, i) => {
        const account = r.account ?? (r.id.startsWith('arn:') ? arnParts(r.id).account : undefined);
        return account ? [{ field: `resources[${i}]`, account }] : [];
      }),
    ];
    const outside = named.find((n) => !sender.accounts.includes(n.account));
    if (outside) {
      return refuse(
        403,
        `webhook payload: ${outside.field} names account ${outside.account}, which sender ${sender.name} may not name`,
        ['webhook-scope'],
        outside.field,
      );
    }
    // The event acts in one account at most: a resource elsewhere would make it reach past `account`.
    const elsewhere = named.find((n) => n.account !== p.account);
    if (elsewhere) {
      return refuse(
        403,
        `webhook payload: ${elsewhere.field} names account ${elsewhere.account} but the payload's account is ${p.account ?? 'not set'}; one event is about one account`,
        ['account-mismatch'],
        elsewhere.field,
      );
    }
    const { severity, capped } = capWebhookSeverity(payloadSeverity(p), {
      autoMinSeverity: options.autoMinSeverity,
      severityMayReachAuto: sender.severityMayReachAuto,
    });
    const envelope: Record<string, unknown> = {
      version: '0',
      id: `webhook-${sender.name}-${p.id}`,
      'detail-type': p.type,
      source,
      account: p.account ?? options.hubAccountId,
      time: isoTime(p.time) ?? new Date(signedAt * 1000).toISOString(),
      region: options.region,
      resources: [],
      // The stored detail carries the capped severity, so routing and a re-drive see only that.
      detail: { ...(body as Record<string, unknown>), source, ...(capped ? { severity: severity.score } : {}) },
    };
    const checked = parseEventBridgeEnvelope(envelope);
    if (!checked.ok) return refuse(400, `webhook payload: ${checked.reason}`, [], checked.field);
    const normalized = normalizeWebhookEnvelope(checked.envelope, checked.raw);
    if (!normalized.ok) return refuse(400, normalized.reason, [], normalized.field);
    return {
      envelope,
      events: normalized.events.map((e) => ({
        ...e,
        ...(e.origin ? { origin: { ...e.origin, mayRemediate: sender.mayRemediate } } : {}),
      })),
      flags: capped ? ['severity-capped'] : [],
    };
  }
}
