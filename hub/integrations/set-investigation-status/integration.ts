/**
 * set_investigation_status: records where an investigation stands on its event item; closing it also
 * closes the dedup record, so the next occurrence of the same finding opens a new investigation.
 */
import { z } from 'zod';
import { defineIntegration } from '../../../shared/integration-runtime/define.ts';
import { InvestigationNotFoundError } from '../../../shared/integration-runtime/errors.ts';
import { DedupCloser } from '../../../shared/store/dedup.ts';
import { EventsStatusRepository, INVESTIGATION_STATUSES } from '../../../shared/store/events.ts';

export const SetInvestigationStatusParameters = z.object({
  status: z.enum(INVESTIGATION_STATUSES),
  /** The event item to update. @default artifacts.event.id, else the execution's investigation id */
  event_id: z.string().min(1).optional(),
  /** SOCless's name for the same id (the investigation id is the id of the event that opened it). */
  investigation_id: z.string().min(1).optional(),
  /** @default artifacts.event.details.dedupKey, else the event item's dedupKey */
  dedup_key: z.string().min(1).optional(),
});

function pick(obj: unknown, ...path: string[]): string | undefined {
  let node = obj;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'string' && node.length > 0 ? node : undefined;
}

export const setInvestigationStatus = defineIntegration({
  id: 'set_investigation_status',
  references: ['socless.SetInvestigationStatus', 'socless.set_investigation_status'],
  description: 'Sets the status of an investigation (open, active, closed, whitelisted); closing frees its dedup key.',
  parameters: SetInvestigationStatusParameters,
  deployment: {
    tables: [
      { table: 'events', access: 'rw' },
      { table: 'dedup', access: 'rw' },
    ],
    timeoutSeconds: 10,
  },
  async run(params, ctx) {
    const eventId =
      params.event_id ?? params.investigation_id ?? pick(ctx.artifacts, 'event', 'id') ?? ctx.investigationId;
    const at = ctx.now().toISOString();
    const events = new EventsStatusRepository(ctx.deps.documentClient, ctx.tableName('events'));
    const updated = await events.setInvestigationStatus(eventId, params.status, at);
    if (!updated) throw new InvestigationNotFoundError(eventId);
    if (params.status !== 'closed') return { event_id: eventId, status: params.status, dedup_closed: false };
    const dedupKey = params.dedup_key ?? pick(ctx.artifacts, 'event', 'details', 'dedupKey') ?? updated.dedupKey;
    if (!dedupKey) {
      ctx.logger.warn('closed an investigation whose event has no dedup key', { eventId });
      return { event_id: eventId, status: params.status, dedup_closed: false };
    }
    const dedup = new DedupCloser(ctx.deps.documentClient, ctx.tableName('dedup'));
    const closed = await dedup.close(dedupKey, updated.investigationId ?? eventId, at);
    if (!closed) ctx.logger.info('dedup record not closed: absent or owned by a newer investigation', { dedupKey });
    return { event_id: eventId, status: params.status, dedup_key: dedupKey, dedup_closed: closed };
  },
});
