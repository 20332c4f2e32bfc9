/**
 * Where the events a playbook creates (SOCless CreateEvents) go: in AWS a PutEvents to the hub's own bus, so they
 * reach the endpoint like every event (saved first, deduplicated, routed); locally the local hub's pipeline, with
 * the envelope EventBridge would have written.
 */
import { type EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { SoclessError } from '../errors.ts';
import { PLAYBOOK_EVENT_DETAIL_TYPE, type PlaybookEventEntry } from '../events/socless-create-events.ts';

/** Takes playbook-created events. */
export interface EventSink {
  put(entries: readonly PlaybookEventEntry[]): Promise<void>;
}

/** Some events could not be put on the bus (after retrying the failed entries). */
export class EventSinkError extends SoclessError {}

/** PutEvents takes at most 10 entries and 256 KB per request. */
const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;
const ATTEMPTS = 3;

/** The hub's event bus (`SOCLESS_EVENT_BUS_ARN`). Failed entries are retried; any still failing is an error. */
export class EventBridgeEventSink implements EventSink {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busArn: string,
  ) {}

  async put(entries: readonly PlaybookEventEntry[]): Promise<void> {
    for (const batch of batches(entries)) {
      let pending: PutEventsRequestEntry[] = batch.map((e) => ({
        Source: e.Source,
        DetailType: e.DetailType,
        Detail: e.Detail,
        EventBusName: this.busArn,
        ...(e.Time ? { Time: e.Time } : {}),
      }));
      for (let attempt = 1; pending.length > 0; attempt++) {
        const out = await this.client.send(new PutEventsCommand({ Entries: pending }));
        if (!out.FailedEntryCount) break;
        const failed = (out.Entries ?? []).flatMap((r, i) => (r.ErrorCode ? [{ entry: pending[i], result: r }] : []));
        if (attempt >= ATTEMPTS) {
          const first = failed[0]?.result;
          throw new EventSinkError(
            `${out.FailedEntryCount} of ${pending.length} events could not be put on ${this.busArn} (${first?.ErrorCode}: ${first?.ErrorMessage})`,
          );
        }
        pending = failed.flatMap((f) => (f.entry ? [f.entry] : []));
      }
    }
  }
}

function batches(entries: readonly PlaybookEventEntry[]): PlaybookEventEntry[][] {
  const out: PlaybookEventEntry[][] = [];
  let current: PlaybookEventEntry[] = [];
  let bytes = 0;
  for (const e of entries) {
    // EventBridge counts Source, DetailType and Detail (UTF-8), plus 14 bytes for a Time.
    const size = Buffer.byteLength(e.Source + e.DetailType + e.Detail, 'utf8') + 14;
    if (current.length === MAX_ENTRIES || (current.length > 0 && bytes + size > MAX_REQUEST_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(e);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * The local hub's sink: each entry becomes the EventBridge event PutEvents would make in the hub account (id,
 * time, `account` = the hub's) and goes to `submit` (the pipeline). Like PutEvents, a refused event is the
 * pipeline's to record, not the caller's error.
 */
export function envelopeEventSink(options: {
  readonly hubAccountId: string;
  readonly region: string;
  readonly submit: (envelope: Record<string, unknown>) => Promise<unknown>;
  readonly newId: () => string;
  readonly now?: () => Date;
}): EventSink {
  return {
    async put(entries) {
      for (const e of entries) {
        if (e.DetailType !== PLAYBOOK_EVENT_DETAIL_TYPE)
          throw new EventSinkError(`unexpected detail-type ${e.DetailType}`);
        await options.submit({
          version: '0',
          id: options.newId(),
          'detail-type': e.DetailType,
          source: e.Source,
          account: options.hubAccountId,
          time: (e.Time ?? options.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          region: options.region,
          resources: [],
          detail: JSON.parse(e.Detail) as unknown,
        });
      }
    },
  };
}
