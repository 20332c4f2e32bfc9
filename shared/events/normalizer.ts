import type { z } from 'zod';
import { type EventBridgeEnvelope, EventBridgeEnvelopeSchema, rejectionFromZod } from './envelope.ts';
import type { AccountClaim, NormalizeResult, SecurityEventOrigin, SecurityEventSource } from './types.ts';

/** One source's normalizer: which events it owns (source + detail-type) and how it maps them. */
export interface EventNormalizer {
  readonly id: SecurityEventSource;
  /**
   * EventBridge `source` of the events it owns: one exact source, or a prefix ending in `.` followed by `*`
   * (`aws.*` = any AWS service, `socless.webhook.*`). Only `aws.` sources are AWS findings.
   */
  readonly source: string;
  /** EventBridge `detail-type` values it owns. */
  readonly detailTypes: readonly string[];
  /** Maps a checked envelope (and the parsed input it came from) to SecurityEvents, or rejects it. */
  normalize(envelope: EventBridgeEnvelope, raw: unknown): NormalizeResult;
}

/**
 * One finding of an event that carries `detail.findings[]` (Security Hub, ASFF or OCSF): its SecurityEvent id
 * (`<event id>#<index>` when there are several) and the raw event narrowed to that finding alone, so routing
 * and re-drives see only it.
 */
export function findingSlice(
  eventId: string,
  raw: unknown,
  index: number,
  count: number,
): { id: string; raw: unknown } {
  if (count === 1) return { id: eventId, raw };
  const event = raw as Record<string, unknown> & { detail: Record<string, unknown> & { findings: unknown[] } };
  return {
    id: `${eventId}#${index}`,
    raw: { ...event, detail: { ...event.detail, findings: [event.detail.findings[index]] } },
  };
}

/** Envelope schema whose `detail` is the given source schema. */
export function envelopeWith<T extends z.ZodType>(detail: T) {
  return EventBridgeEnvelopeSchema.extend({ detail });
}

/** Validates `raw` against a source schema; the rejection names the source and the field. */
export function parseSource<T extends z.ZodType>(
  schema: T,
  raw: unknown,
  what: string,
): { ok: true; data: z.output<T> } | { ok: false; reason: string; field?: string } {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, data: parsed.data };
  return rejectionFromZod(parsed.error, `${what}: `);
}

/** Normalizes a timestamp to ISO 8601 UTC; undefined when it cannot be read as a time. */
export function isoTime(value: string | number | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Account and region of an ARN (`arn:partition:service:region:account:resource`), where it has them. */
export function arnParts(arn: string): { account?: string; region?: string } {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return {};
  const out: { account?: string; region?: string } = {};
  if (parts[3]) out.region = parts[3];
  if (parts[4]) out.account = parts[4];
  return out;
}

/** A resource entry with `arn`, `account` and `region` filled from the id when it is an ARN. */
export function resourceFromId(
  type: string,
  id: string,
  extra: { account?: string; region?: string; details?: Record<string, unknown> } = {},
) {
  const isArn = id.startsWith('arn:');
  const fromArn = isArn ? arnParts(id) : {};
  const account = extra.account ?? fromArn.account;
  const region = extra.region ?? fromArn.region;
  return {
    type,
    id,
    ...(isArn ? { arn: id } : {}),
    ...(account ? { account } : {}),
    ...(region ? { region } : {}),
    ...(extra.details ? { details: extra.details } : {}),
  };
}

/** Whether an EventBridge source is an AWS service's (only AWS can emit `aws.*`; PutEvents refuses it). */
export function isAwsSource(source: string): boolean {
  return source.startsWith('aws.');
}

/** Whether a normalizer's `source` (exact, or `prefix.*`) covers an event source. */
export function sourceMatches(owned: string, source: string): boolean {
  if (owned.endsWith('.*')) return source.startsWith(owned.slice(0, -1)) && source.length > owned.length - 1;
  return owned === source;
}

/**
 * The origin of an event read from an EventBridge envelope: the envelope account spoke; `accountField` names the
 * detail field the event's account was read from (checked against the envelope account by the pipeline).
 */
export function envelopeOrigin(
  envelope: Pick<EventBridgeEnvelope, 'source' | 'account'>,
  extra: Partial<Pick<SecurityEventOrigin, 'accountField' | 'aggregator' | 'hubSession'>> & {
    readonly claims?: readonly AccountClaim[];
  } = {},
): SecurityEventOrigin {
  const aws = isAwsSource(envelope.source);
  const claims = (extra.claims ?? []).filter((c) => c.account !== '' && c.account !== envelope.account);
  return {
    kind: aws ? 'aws' : 'custom',
    source: envelope.source,
    account: envelope.account,
    ...(extra.accountField ? { accountField: extra.accountField } : {}),
    ...(extra.aggregator ? { aggregator: extra.aggregator } : {}),
    ...(claims.length > 0 ? { claims } : {}),
    // A custom source is any principal of the sending account that may call PutEvents: it informs, never fixes.
    mayRemediate: aws,
    ...(extra.hubSession ? { hubSession: extra.hubSession } : {}),
  };
}
