/**
 * SOCless's create-events body on `POST /events`: `{event_type, playbook, details: dict | [dict], created_at?,
 * data_types?, event_meta?, dedup_keys?, add_to_details?}`, turned into webhook payloads, so it goes through
 * the same signed, scoped intake as every webhook (the sender's sources and accounts, severity cap, no AWS
 * events). The dedup key is SOCless's hash: md5 of `event_type` lower-cased followed by the sorted, lower-cased
 * values of `details[k]` for each k in `dedup_keys`.
 *
 * A body of several details makes one payload (one event, one execution) per detail, each meeting the sender's
 * scope on its own; one that cannot become an event refuses the request, naming `details[i]`.
 *
 * The SOCless details travel as `soclessDetails` in the stored detail; a SOCless-style playbook reads them at
 * `artifacts.event.details.<key>` (see buildExecutionInput). `playbook` is kept as `soclessPlaybook`: it does not
 * route by itself (a sender must not pick any playbook); a playbook opts in with a Trigger on its sender's source
 * and `detail.soclessPlaybook`.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

const Detail = z.record(z.string(), z.unknown());

export const SoclessCreateEventsSchema = z
  .object({
    event_type: z.string().min(1).max(256),
    playbook: z.string().min(1).max(256).optional(),
    details: z.union([Detail, z.array(Detail).min(1).max(100)]),
    created_at: z.string().optional(),
    data_types: z.record(z.string(), z.unknown()).optional(),
    event_meta: z.record(z.string(), z.unknown()).optional(),
    dedup_keys: z.array(z.string().min(1)).max(20).optional(),
    add_to_details: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type SoclessCreateEventsBody = z.output<typeof SoclessCreateEventsSchema>;

/** Whether a webhook body is SOCless's create-events body rather than a webhook payload. */
export function isSoclessCreateEventsBody(body: Record<string, unknown>): boolean {
  return 'event_type' in body && 'details' in body && !('type' in body) && !('title' in body);
}

/** SOCless's dedup hash of one detail; throws naming the key when a dedup value is not a string. */
export function soclessDedupHash(eventType: string, details: Record<string, unknown>, dedupKeys: readonly string[]) {
  const values = dedupKeys.map((k) => {
    const v = details[k];
    if (typeof v !== 'string') {
      throw new SoclessCreateEventsError(
        `details.${k}: a dedup key's value must be a string, got ${JSON.stringify(v)}`,
        `details.${k}`,
      );
    }
    return v.toLowerCase();
  });
  return createHash('md5')
    .update(`${eventType.toLowerCase()}${values.sort().join('')}`)
    .digest('hex');
}

/** A create-events body that cannot become events; `field` names the offending field. */
export class SoclessCreateEventsError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'SoclessCreateEventsError';
  }
}

/**
 * One webhook payload per detail. `requestId` (unique per request, e.g. a hash of the signed bytes) makes the
 * ids, so a retried request is the same events. Throws SoclessCreateEventsError naming the field.
 */
export function soclessCreateEventsPayloads(body: unknown, requestId: string): Array<Record<string, unknown>> {
  const parsed = SoclessCreateEventsSchema.safeParse(body);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    const field = issue?.path.join('.') || '(body)';
    throw new SoclessCreateEventsError(`create-events body: ${field}: ${issue?.message ?? 'is invalid'}`, field);
  }
  const b = parsed.data;
  const details = Array.isArray(b.details) ? b.details : [b.details];
  const dedupHash = (merged: Record<string, unknown>, keys: readonly string[], i: number): string => {
    try {
      return soclessDedupHash(b.event_type, merged, keys);
    } catch (err) {
      // Several details: say which one.
      if (!(err instanceof SoclessCreateEventsError) || !Array.isArray(b.details)) throw err;
      const field = err.field.replace(/^details/, `details[${i}]`);
      throw new SoclessCreateEventsError(err.message.replace(err.field, field), field);
    }
  };
  return details.map((detail, i) => {
    const merged = { ...detail, ...(b.add_to_details ?? {}) };
    const title = typeof merged.title === 'string' && merged.title.length > 0 ? merged.title : b.event_type;
    return {
      id: `${requestId}-${i}`,
      type: b.event_type,
      title: title.slice(0, 1024),
      ...(b.dedup_keys && b.dedup_keys.length > 0 ? { dedupKey: dedupHash(merged, b.dedup_keys, i) } : {}),
      soclessDetails: merged,
      ...(b.playbook !== undefined ? { soclessPlaybook: b.playbook } : {}),
      ...(b.data_types !== undefined ? { soclessDataTypes: b.data_types } : {}),
      ...(b.event_meta !== undefined ? { soclessEventMeta: b.event_meta } : {}),
    };
  });
}
