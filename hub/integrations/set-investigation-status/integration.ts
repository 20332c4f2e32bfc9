/**
 * set_investigation_status: records where an investigation stands on its event item; closing it also
 * closes the dedup record, so the next occurrence of the same finding opens a new investigation.
 */
import { z } from 'zod';
import { defineIntegration } from '../../../shared/integration-runtime/define.ts';
import { InvestigationNotFoundError } from '../../../shared/integration-runtime/errors.ts';
import { RESOLUTIONS } from '../../../shared/pipeline/lifecycle.ts';
import { DedupCloser } from '../../../shared/store/dedup.ts';
import { EventsStatusRepository, INVESTIGATION_STATUSES } from '../../../shared/store/events.ts';

export const SetInvestigationStatusParameters = z.object({
  status: z.enum(INVESTIGATION_STATUSES),
  /** The event item to update. @default the execution's investigation id (its opening event), else artifacts.event.id */
  event_id: z.string().min(1).optional(),
  /** SOCless's name for the same id (the investigation id is the id of the event that opened it). */
  investigation_id: z.string().min(1).optional(),
  /** @default artifacts.event.details.dedupKey, else the event item's dedupKey */
  dedup_key: z.string().min(1).optional(),
  /**
   * Why it is closed. `remediated` (or `resolved-by-source`) makes a later occurrence a regression that runs again;
   * without one, repeats within the window stay duplicates of this investigation.
   */
  resolution: z.enum(RESOLUTIONS).optional(),
  /** What the remediation concluded when it fixed nothing: `not-applicable` (with `reason`) or `compliant`. */
  outcome: z.enum(['not-applicable', 'compliant']).optional(),
  reason: z.string().max(2000).optional(),
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
    // The investigation's own item (its opening event), also when an escalation (a later event) runs the playbook.
    const eventId =
      params.event_id ??
      params.investigation_id ??
      (ctx.investigationId || undefined) ??
      pick(ctx.artifacts, 'event', 'id') ??
      ctx.investigationId;
    const at = ctx.now().toISOString();
    const events = new EventsStatusRepository(ctx.deps.documentClient, ctx.tableName('events'));
    const closing = params.status === 'closed';
    const updated = await events.setInvestigationStatus(eventId, params.status, at, {
      resolution: params.resolution,
      outcome: params.outcome,
      reason: params.reason,
      ...(closing ? { closedBy: 'playbook', closedByName: ctx.playbook, closedAt: at } : {}),
    });
    if (!updated) throw new InvestigationNotFoundError(eventId);
    const noted = {
      ...(params.resolution ? { resolution: params.resolution } : {}),
      ...(params.outcome ? { outcome: params.outcome } : {}),
    };
    if (!closing) return { event_id: eventId, status: params.status, ...noted, dedup_closed: false };
    const dedupKey = params.dedup_key ?? pick(ctx.artifacts, 'event', 'details', 'dedupKey') ?? updated.dedupKey;
    if (!dedupKey) {
      ctx.logger.warn('closed an investigation whose event has no dedup key', { eventId });
      return { event_id: eventId, status: params.status, ...noted, dedup_closed: false };
    }
    const dedup = new DedupCloser(ctx.deps.documentClient, ctx.tableName('dedup'));
    const closed = await dedup.close(dedupKey, updated.investigationId ?? eventId, at, {
      closedBy: 'playbook',
      ...(params.resolution ? { resolution: params.resolution } : {}),
      ...(ctx.playbook ? { closedByName: ctx.playbook } : {}),
      ...(params.reason ? { reason: params.reason } : {}),
    });
    if (!closed) ctx.logger.info('dedup record not closed: absent or owned by a newer investigation', { dedupKey });
    return { event_id: eventId, status: params.status, ...noted, dedup_key: dedupKey, dedup_closed: closed };
  },
});
