/**
 * The last event seen from each account, from the hub's `events` table.
 *
 * The table has no per-account index today. {@link StatusIndexLastEvents} reads the `status-index` GSI
 * (status, receivedAt) newest first, one bounded time window per status (never a table scan), and keeps the
 * newest event per account; cost grows with the events in the window, not with the table. With an
 * `account-index` GSI (account, receivedAt) {@link AccountIndexLastEvents} asks one `Limit: 1` query per
 * account instead, which costs the same whatever the event volume.
 */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ApiGate } from '../../shared/org/organizations.ts';
import type { EventStatus } from '../../shared/pipeline/types.ts';

/** The newest event of one account. */
export interface LastEvent {
  readonly id: string;
  readonly receivedAt: string;
  readonly status: string;
  readonly kind?: string;
  readonly title?: string;
}

/** Where `org status` gets each account's last event. */
export interface LastEventSource {
  /** How the events are found, for the report (e.g. `status-index since 2025-01-01T00:00:00Z`). */
  readonly description: string;
  /** Starts any work that does not depend on the account (runs while the organization is walked). */
  prefetch(): Promise<void>;
  /** The account's newest event, or undefined when none is known (in the window, for a windowed source). */
  lastEvent(accountId: string): Promise<LastEvent | undefined>;
}

export const EVENT_STATUSES: readonly EventStatus[] = [
  'received',
  'pending',
  'dispatched',
  'duplicate',
  'unrouted',
  'rejected',
  'self',
];

const PROJECTION = '#id, #account, #receivedAt, #status, #kind, #title';
const PROJECTION_NAMES = {
  '#id': 'id',
  '#account': 'account',
  '#receivedAt': 'receivedAt',
  '#status': 'status',
  '#kind': 'kind',
  '#title': 'title',
};

function toLastEvent(item: Record<string, unknown>): LastEvent | undefined {
  if (typeof item.id !== 'string' || typeof item.receivedAt !== 'string') return undefined;
  return {
    id: item.id,
    receivedAt: item.receivedAt,
    status: typeof item.status === 'string' ? item.status : 'unknown',
    ...(typeof item.kind === 'string' ? { kind: item.kind } : {}),
    ...(typeof item.title === 'string' ? { title: item.title } : {}),
  };
}

/** Options of {@link StatusIndexLastEvents}. */
export interface StatusIndexLastEventsOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly gate: ApiGate;
  /** Oldest `receivedAt` read (ISO 8601). */
  readonly since: string;
  /** Stop reading after this many items per status, so a flood cannot make the scan unbounded. @default 200000 */
  readonly maxItemsPerStatus?: number;
}

/** Last events from bounded, newest-first queries of the `status-index` GSI: one partition per status. */
export class StatusIndexLastEvents implements LastEventSource {
  readonly description: string;
  private loaded?: Promise<Map<string, LastEvent>>;
  /** Statuses whose window was cut short by `maxItemsPerStatus`. */
  readonly truncated: EventStatus[] = [];

  constructor(private readonly options: StatusIndexLastEventsOptions) {
    this.description = `status-index, events received since ${options.since}`;
  }

  prefetch(): Promise<void> {
    return this.load().then(() => undefined);
  }

  async lastEvent(accountId: string): Promise<LastEvent | undefined> {
    return (await this.load()).get(accountId);
  }

  private load(): Promise<Map<string, LastEvent>> {
    this.loaded ??= this.readWindow();
    return this.loaded;
  }

  private async readWindow(): Promise<Map<string, LastEvent>> {
    const newest = new Map<string, LastEvent>();
    const max = this.options.maxItemsPerStatus ?? 200_000;
    await Promise.all(
      EVENT_STATUSES.map(async (status) => {
        let read = 0;
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await this.options.gate.call(() =>
            this.options.client.send(
              new QueryCommand({
                TableName: this.options.tableName,
                IndexName: 'status-index',
                KeyConditionExpression: '#status = :status AND #receivedAt >= :since',
                ExpressionAttributeNames: PROJECTION_NAMES,
                ExpressionAttributeValues: { ':status': status, ':since': this.options.since },
                ProjectionExpression: PROJECTION,
                ScanIndexForward: false,
                ExclusiveStartKey: startKey,
              }),
            ),
          );
          for (const item of page.Items ?? []) {
            read++;
            const account = item.account;
            const event = toLastEvent(item);
            if (typeof account !== 'string' || !event) continue;
            const known = newest.get(account);
            if (!known || known.receivedAt < event.receivedAt) newest.set(account, event);
          }
          startKey = page.LastEvaluatedKey;
        } while (startKey && read < max);
        if (startKey) this.truncated.push(status);
      }),
    );
    return newest;
  }
}

/** Options of {@link AccountIndexLastEvents}. */
export interface AccountIndexLastEventsOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly gate: ApiGate;
  /** @default account-index */
  readonly indexName?: string;
}

/** Last events from an `account-index` GSI (account, receivedAt): one newest-first `Limit: 1` query per account. */
export class AccountIndexLastEvents implements LastEventSource {
  readonly description: string;
  private readonly indexName: string;

  constructor(private readonly options: AccountIndexLastEventsOptions) {
    this.indexName = options.indexName ?? 'account-index';
    this.description = `${this.indexName}, newest event per account`;
  }

  async prefetch(): Promise<void> {}

  async lastEvent(accountId: string): Promise<LastEvent | undefined> {
    const page = await this.options.gate.call(() =>
      this.options.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          IndexName: this.indexName,
          KeyConditionExpression: '#account = :account',
          ExpressionAttributeNames: PROJECTION_NAMES,
          ExpressionAttributeValues: { ':account': accountId },
          ProjectionExpression: PROJECTION,
          ScanIndexForward: false,
          Limit: 1,
        }),
      ),
    );
    const item = page.Items?.[0];
    return item ? toLastEvent(item) : undefined;
  }
}
