/**
 * Investigations as an operator sees them: the event that opened one (its id is the investigation id), the events
 * linked to it (duplicates, escalations, the source's end signal), and its lifecycle in the `dedup` table. Closing
 * one by hand records who, when, the resolution and the reason on both, so a later occurrence is judged by it
 * (shared/pipeline/lifecycle.ts: `remediated` makes the next one a regression; `accepted-risk`, `false-positive`
 * and `duplicate-of` keep absorbing repeats for the window).
 */
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { SoclessError } from '../errors.ts';
import { RESOLUTIONS, type Resolution } from '../pipeline/lifecycle.ts';
import type { EventRecord } from '../pipeline/types.ts';
import { DedupCloser } from './dedup.ts';
import { EventsStatusRepository } from './events.ts';

/** No investigation has that id (or the id is an event of another investigation). */
export class InvestigationNotFoundError extends SoclessError {}

/** An investigation in one line. */
export interface InvestigationSummary {
  readonly id: string;
  readonly status: 'open' | 'closed';
  readonly resolution?: string;
  readonly closedBy?: string;
  readonly closedByName?: string;
  readonly closedAt?: string;
  readonly reason?: string;
  readonly source?: string;
  readonly kind?: string;
  readonly account?: string;
  readonly region?: string;
  readonly title?: string;
  /** Severity the investigation opened at, and the latest one seen. */
  readonly severity?: string;
  readonly latestSeverity?: string;
  readonly openedAt: string;
  readonly lastSeen?: string;
  /** Occurrences of the finding counted by the lifecycle (this investigation's events). */
  readonly occurrences?: number;
  readonly previousInvestigationId?: string;
  readonly playbooks?: readonly string[];
  readonly dedupKey?: string;
}

/** An investigation with the events linked to it, oldest first. */
export interface InvestigationDetail extends InvestigationSummary {
  readonly events: ReadonlyArray<Omit<EventRecord, 'raw' | 'rawRef'>>;
}

export interface CloseRequest {
  readonly resolution: Resolution;
  readonly reason: string;
  /** Who closes it (`local:alice`, an IAM principal ARN). */
  readonly by: string;
  /** For `duplicate-of`: the investigation this one duplicates. */
  readonly duplicateOf?: string;
  readonly at: string;
}

type Item = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export class InvestigationsRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly eventsTable: string,
    private readonly dedupTable: string,
  ) {}

  /** Investigations (newest first), optionally only open or closed ones. */
  async list(
    options: { readonly status?: 'open' | 'closed'; readonly limit?: number } = {},
  ): Promise<InvestigationSummary[]> {
    const openers: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new ScanCommand({
          TableName: this.eventsTable,
          // An investigation's own event carries its id as investigationId.
          FilterExpression: '#inv = #id',
          ExpressionAttributeNames: { '#inv': 'investigationId', '#id': 'id' },
          ExclusiveStartKey: start,
        }),
      );
      openers.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    const summaries = await Promise.all(openers.map((item) => this.summarize(item)));
    return summaries
      .filter((s) => options.status === undefined || s.status === options.status)
      .sort((a, b) => b.openedAt.localeCompare(a.openedAt))
      .slice(0, options.limit ?? 200);
  }

  /** One investigation with its events; InvestigationNotFoundError names the investigation an event belongs to. */
  async show(id: string): Promise<InvestigationDetail> {
    const opener = await this.opener(id);
    const summary = await this.summarize(opener);
    const keys: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.eventsTable,
          IndexName: 'investigation-index',
          KeyConditionExpression: '#inv = :id',
          ExpressionAttributeNames: { '#inv': 'investigationId' },
          ExpressionAttributeValues: { ':id': id },
          ExclusiveStartKey: start,
        }),
      );
      keys.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start && keys.length < 500);
    // The index may hold keys only: read each event for what the operator needs.
    const events = await Promise.all(
      keys.map(async (k) => {
        const out = await this.client.send(new GetCommand({ TableName: this.eventsTable, Key: { id: k.id } }));
        const {
          raw: _raw,
          rawZ: _rawZ,
          rawRef: _ref,
          ...record
        } = (out.Item ?? { id: k.id }) as EventRecord & { rawZ?: unknown };
        return record;
      }),
    );
    events.sort((a, b) => String(a.receivedAt).localeCompare(String(b.receivedAt)));
    return { ...summary, events };
  }

  /**
   * Closes an investigation by hand with a resolution and a reason. Refuses an id that is not an investigation
   * and one already closed by a person (say who and when); a playbook's own close may be overridden.
   */
  async close(id: string, request: CloseRequest): Promise<InvestigationSummary> {
    if (!(RESOLUTIONS as readonly string[]).includes(request.resolution)) {
      throw new SoclessError(`--resolution must be one of ${RESOLUTIONS.join(', ')}, not "${request.resolution}"`);
    }
    if (request.resolution === 'duplicate-of' && !request.duplicateOf) {
      throw new SoclessError('--resolution duplicate-of needs --duplicate-of <investigation id>');
    }
    if (!request.reason.trim()) throw new SoclessError('--reason must say why the investigation is closed');
    const opener = await this.opener(id);
    if (str(opener.closedBy) === 'person') {
      throw new SoclessError(
        `investigation ${id} was already closed by ${str(opener.closedByName) ?? 'a person'} at ${str(opener.closedAt) ?? '?'} (${str(opener.resolution) ?? 'no resolution'})`,
      );
    }
    if (request.duplicateOf) await this.opener(request.duplicateOf);
    const events = new EventsStatusRepository(this.client, this.eventsTable);
    await events.setInvestigationStatus(id, 'closed', request.at, {
      resolution: request.resolution,
      reason: request.reason,
      closedBy: 'person',
      closedByName: request.by,
      closedAt: request.at,
      ...(request.duplicateOf ? { duplicateOf: request.duplicateOf } : {}),
    });
    const dedupKey = str(opener.dedupKey);
    if (dedupKey) {
      await new DedupCloser(this.client, this.dedupTable).close(dedupKey, id, request.at, {
        resolution: request.resolution,
        closedBy: 'person',
        closedByName: request.by,
        reason: request.reason,
      });
    }
    return this.summarize(await this.opener(id));
  }

  private async opener(id: string): Promise<Item> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.eventsTable, Key: { id }, ConsistentRead: true }),
    );
    const item = out.Item;
    if (!item) throw new InvestigationNotFoundError(`no investigation ${id}: no event with that id`);
    const inv = str(item.investigationId);
    if (inv !== id) {
      throw new InvestigationNotFoundError(
        inv
          ? `event ${id} is not an investigation: it belongs to investigation ${inv}`
          : `event ${id} opened no investigation (status ${String(item.status)})`,
      );
    }
    return item;
  }

  private async summarize(item: Item): Promise<InvestigationSummary> {
    const dedupKey = str(item.dedupKey);
    const state = dedupKey
      ? ((await this.client.send(new GetCommand({ TableName: this.dedupTable, Key: { dedupKey } }))).Item as
          | Item
          | undefined)
      : undefined;
    return summarizeInvestigation(item, state);
  }
}

/**
 * An investigation's summary from its opening event item and the finding's `dedup` item (read by the opener's
 * dedupKey; undefined when there is none). Pure, so a reader that loads both tables in bulk (the console's
 * index) summarizes exactly as `list` and `show` do.
 */
export function summarizeInvestigation(item: Item, state: Item | undefined): InvestigationSummary {
  const id = String(item.id);
  const dedupKey = str(item.dedupKey);
  // The lifecycle item speaks for this investigation only while it is still the finding's current one.
  const current = state && state.investigationId === id ? state : undefined;
  const closed = str(item.investigationStatus) === 'closed' || current?.status === 'closed';
  const pick = (key: string) => str(item[key]) ?? str(current?.[key]);
  return {
    id,
    status: closed ? 'closed' : 'open',
    ...optional('resolution', pick('resolution')),
    ...optional('closedBy', pick('closedBy')),
    ...optional('closedByName', pick('closedByName')),
    ...optional('closedAt', pick('closedAt')),
    ...optional('reason', pick('reason')),
    ...optional('source', str(item.source)),
    ...optional('kind', str(item.kind)),
    ...optional('account', str(item.account)),
    ...optional('region', str(item.region)),
    ...optional('title', str(item.title)),
    ...optional('severity', str(item.severity)),
    // A just-opened item leaves out what equals its opening (one occurrence, seen when opened).
    ...optional('latestSeverity', str(current?.latestSeverity) ?? str(current?.runSeverity)),
    openedAt: String(item.receivedAt ?? ''),
    ...optional('lastSeen', str(current?.lastSeen) ?? str(current?.openedAt)),
    ...(current ? { occurrences: typeof current.occurrences === 'number' ? current.occurrences : 1 } : {}),
    ...optional('previousInvestigationId', str(item.previousInvestigationId)),
    ...(Array.isArray(item.playbooks) ? { playbooks: item.playbooks as string[] } : {}),
    ...optional('dedupKey', dedupKey),
  };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
