/**
 * DynamoDB table definitions, declared once: the hub stack creates them from here, the Lambdas and the
 * local hub read and write them through the same names, keys and indexes.
 */
export type AttributeType = 'S' | 'N';

export interface KeyAttribute {
  readonly name: string;
  readonly type: AttributeType;
}

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /**
   * What the index copies of each item. Every write of an item is billed again for each index it lands in, at
   * the size of the projected entry: an index nobody reads whole should not copy whole items.
   * A list of attribute names is an `INCLUDE` projection: the keys plus those attributes, nothing else (a query
   * through the index returns only these; a reader needing more reads the item by key).
   * @default 'ALL'
   */
  readonly projection?: 'ALL' | 'KEYS_ONLY' | readonly string[];
}

/** The attributes an `INCLUDE` projection copies besides the keys, or undefined for `ALL` and `KEYS_ONLY`. */
export function includedAttributes(index: IndexDefinition): readonly string[] | undefined {
  return Array.isArray(index.projection) ? (index.projection as readonly string[]) : undefined;
}

export interface TableDefinition {
  /** Logical name; also the local hub's physical table name. */
  readonly name: TableKey;
  /** Environment variable that carries the physical table name into a Lambda. */
  readonly envVar: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /** Attribute holding an epoch-seconds expiry, where items expire. */
  readonly ttlAttribute?: string;
  readonly indexes: readonly IndexDefinition[];
  readonly description: string;
}

export type TableKey =
  | 'events'
  | 'results'
  | 'dedup'
  | 'message_responses'
  | 'accounts'
  | 'custom_mappings'
  | 'remediations';

const S = (name: string): KeyAttribute => ({ name, type: 'S' });

export const TABLES: Readonly<Record<TableKey, TableDefinition>> = {
  events: {
    name: 'events',
    envVar: 'SOCLESS_EVENTS_TABLE',
    partitionKey: S('id'),
    indexes: [
      // By status and time: the sweeper (ids of old `received`/`pending` events, each then read by key), the org
      // CLI's replay (executions) and last-event window (account, kind, title), the console's changed-since ids
      // (investigationId). Only what those read is copied: a whole-item copy (raw event included) was billed
      // again on every status change.
      {
        indexName: 'status-index',
        partitionKey: S('status'),
        sortKey: S('receivedAt'),
        projection: ['account', 'kind', 'title', 'investigationId', 'executions'],
      },
      // Keys only: no code reads items through it, and a full copy doubled the cost of every event write.
      {
        indexName: 'investigation-index',
        partitionKey: S('investigationId'),
        sortKey: S('receivedAt'),
        projection: 'KEYS_ONLY',
      },
      // The operator CLI's "last event seen from this account" is one Limit-1 query, not a scan; it reads the
      // status, kind and title, the console only receivedAt.
      {
        indexName: 'account-index',
        partitionKey: S('account'),
        sortKey: S('receivedAt'),
        projection: ['status', 'kind', 'title'],
      },
    ],
    description: 'Every security event received, its status and where it went. Written before anything else.',
  },
  results: {
    name: 'results',
    envVar: 'SOCLESS_RESULTS_TABLE',
    partitionKey: S('executionId'),
    sortKey: S('stateKey'),
    ttlAttribute: 'expiresAt',
    // No index: every reader asks for one execution's rows by key (the console's execution pages, SOCless compat
    // stored results, `socless playbook test`), and an index entry was a second write unit on every saved state.
    indexes: [],
    description: "Audit trail: every state's output per execution.",
  },
  dedup: {
    name: 'dedup',
    envVar: 'SOCLESS_DEDUP_TABLE',
    partitionKey: S('dedupKey'),
    ttlAttribute: 'expiresAt',
    indexes: [],
    description: 'Open investigations by finding identity, so the same finding does not start a playbook twice.',
  },
  message_responses: {
    name: 'message_responses',
    envVar: 'SOCLESS_MESSAGE_RESPONSES_TABLE',
    partitionKey: S('messageId'),
    ttlAttribute: 'expiresAt',
    indexes: [{ indexName: 'investigation-index', partitionKey: S('investigationId') }],
    description: 'Pending human interactions: task tokens keyed by message id, and who answered.',
  },
  accounts: {
    name: 'accounts',
    envVar: 'SOCLESS_ACCOUNTS_TABLE',
    partitionKey: S('accountId'),
    indexes: [{ indexName: 'ou-index', partitionKey: S('ouId'), sortKey: S('accountId') }],
    description: 'The org registry: account name, e-mail, OU path, tags and effective remediation mode.',
  },
  custom_mappings: {
    name: 'custom_mappings',
    envVar: 'SOCLESS_CUSTOM_MAPPINGS_TABLE',
    partitionKey: S('key'),
    indexes: [],
    description: 'Key/value mappings that playbooks read and write (custom_mapping integration).',
  },
  remediations: {
    name: 'remediations',
    envVar: 'SOCLESS_REMEDIATIONS_TABLE',
    // One claim per (investigation, remediation); the blast-radius counters live here too, under
    // `guard#…` partition keys with the sort key `counter`.
    partitionKey: S('investigationId'),
    sortKey: S('remediationId'),
    ttlAttribute: 'expiresAt',
    // Sparse: only claims written before the `exec#<execution>` listings (shared/store/remediations.ts) carry
    // executionId; `socless remediation undo <execution id>` still finds those through it. Remove it once they have
    // expired (recordRetentionDays, 90 by default): listByExecution skips the index query when it is gone.
    indexes: [{ indexName: 'execution-index', partitionKey: S('executionId') }],
    description:
      'Write-ahead remediation records (status, before-state, planned and applied calls, undo) and the blast-radius counters. Written only by the remediate integration and the operator undo.',
  },
};

export const TABLE_KEYS = Object.keys(TABLES) as TableKey[];
