import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { z } from 'zod';
import { exceedsJsonDepth } from '../event-pattern/json-depth.ts';
import type { InputLimits } from './types.ts';

export const DEFAULT_MAX_BYTES = 256 * 1024;
export const DEFAULT_MAX_DEPTH = 64;

/** A rejected input: what is wrong and, where it is one field, which. */
export interface Rejection {
  readonly ok: false;
  readonly reason: string;
  readonly field?: string;
}

/** The EventBridge envelope (Powertools' schema) with `detail` required to be a JSON object. */
export const EventBridgeEnvelopeSchema = EventBridgeSchema.extend({
  // EventBridge always stamps these: anything else did not come from EventBridge.
  account: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'must be an AWS region name such as us-east-1'),
  detail: z.record(z.string(), z.unknown()),
});
export type EventBridgeEnvelope = z.infer<typeof EventBridgeEnvelopeSchema>;

/** Outcome of {@link parseEventBridgeEnvelope}: the typed envelope plus the parsed input, or a rejection. */
export type EnvelopeResult =
  | { readonly ok: true; readonly envelope: EventBridgeEnvelope; readonly raw: unknown }
  | Rejection;

/** Field path in dotted form, e.g. `detail.findings[0].Severity.Label`. */
export function fieldPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (typeof s === 'string' && /^[A-Za-z_$][\w$-]*$/.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(String(s))}]`;
  }
  return out;
}

/** Turns the first zod issue into a rejection naming the field. */
export function rejectionFromZod(error: z.ZodError, prefix = ''): Rejection {
  const issue = error.issues[0];
  if (!issue) return { ok: false, reason: `${prefix}invalid input` };
  const field = fieldPath(issue.path);
  // zod says "received undefined" for a missing field; say so plainly.
  const message = /received undefined$/.test(issue.message)
    ? `is required (${issue.message.replace(/^Invalid input: /, '').replace(/, received undefined$/, '')})`
    : issue.message;
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem(s))` : '';
  return field === ''
    ? { ok: false, reason: `${prefix}${message}${more}` }
    : { ok: false, reason: `${prefix}${field}: ${message}${more}`, field };
}

/**
 * Reads untrusted input (JSON text or an already parsed value) under size and depth limits. Depth is checked
 * iteratively before anything recursive (JSON.stringify, zod) touches the value.
 */
export function readJsonInput(raw: unknown, limits: InputLimits = {}): { ok: true; value: unknown } | Rejection {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  let value: unknown = raw;
  if (typeof raw === 'string' || raw instanceof Uint8Array) {
    const bytes = typeof raw === 'string' ? Buffer.byteLength(raw, 'utf8') : raw.byteLength;
    if (bytes > maxBytes) return { ok: false, reason: `payload is ${bytes} bytes; the limit is ${maxBytes} bytes` };
    const text = typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8');
    try {
      value = JSON.parse(text);
    } catch (err) {
      return { ok: false, reason: `payload is not valid JSON (${(err as Error).message})` };
    }
    if (exceedsJsonDepth(value, maxDepth)) {
      return { ok: false, reason: `payload nests deeper than ${maxDepth} levels` };
    }
    return { ok: true, value };
  }
  if (exceedsJsonDepth(value, maxDepth)) return { ok: false, reason: `payload nests deeper than ${maxDepth} levels` };
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    return { ok: false, reason: `payload is not JSON data (${(err as Error).message})` };
  }
  if (text === undefined) return { ok: false, reason: `payload is not JSON data (got ${typeof value})` };
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) return { ok: false, reason: `payload is ${bytes} bytes; the limit is ${maxBytes} bytes` };
  return { ok: true, value };
}

/**
 * Parses and checks an EventBridge envelope (`version`, `id`, `source`, `account`, `time`, `region`,
 * `resources`, `detail-type`, `detail`). Accepts JSON text or a parsed value; never throws.
 */
export function parseEventBridgeEnvelope(raw: unknown, limits: InputLimits = {}): EnvelopeResult {
  const read = readJsonInput(raw, limits);
  if (!read.ok) return read;
  if (typeof read.value !== 'object' || read.value === null || Array.isArray(read.value)) {
    return { ok: false, reason: 'an EventBridge event must be a JSON object' };
  }
  const parsed = EventBridgeEnvelopeSchema.safeParse(read.value);
  if (!parsed.success) return rejectionFromZod(parsed.error, 'not an EventBridge event: ');
  return { ok: true, envelope: parsed.data, raw: read.value };
}
