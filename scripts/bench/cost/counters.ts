/**
 * Operation counters for the cost model: a middleware on the DynamoDB document client that counts every
 * command by table and operation with the request units DynamoDB would bill (asked of dynalite with
 * `ReturnConsumedCapacity`, plus one write per global secondary index the item lands in), and wrappers that
 * count vault (S3) reads and writes and notifications (SNS publishes). Nothing here is a hand-typed count:
 * the numbers are what the code under measurement did.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { VaultStore } from '../../../shared/integration-runtime/vault.ts';
import { dynamoItemBytes, WRITE_UNIT_BYTES } from '../../../shared/store/item-size.ts';
import { includedAttributes, TABLES } from '../../../shared/tables.ts';

/** One table and operation: calls and billed request units. */
export interface DynamoTally {
  calls: number;
  /** Write request units, index writes included. */
  wru: number;
  /** Read request units (eventually consistent reads count half). */
  rru: number;
  /**
   * Write units had every INCLUDE index copied the whole item (the events table's projection before the cost
   * change): the "before" of the bench's changed-defaults line, counted from the same writes.
   */
  wruWholeIndexes?: number;
}

/** Counts by `table/Operation`. */
export type DynamoCounts = Record<string, DynamoTally>;

const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand']);
const READS = new Set(['GetItemCommand', 'QueryCommand', 'ScanCommand', 'BatchGetItemCommand']);

interface CapacityLike {
  readonly TableName?: string;
  readonly CapacityUnits?: number;
}

interface IndexShape {
  readonly key: string;
  readonly projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  /** Every attribute an entry holds (table and index keys, included attributes); for sizing non-ALL entries. */
  readonly attributes: readonly string[];
}

/** Indexes per table name: partition key and projection (dynalite reports the base table's units only). */
const INDEXES = new Map<string, IndexShape[]>(
  Object.values(TABLES).map(
    (t) =>
      [
        t.name,
        t.indexes.map((i): IndexShape => {
          const included = includedAttributes(i);
          const keys = [t.partitionKey, t.sortKey, i.partitionKey, i.sortKey].flatMap((k) => (k ? [k.name] : []));
          return {
            key: i.partitionKey.name,
            projection: included ? 'INCLUDE' : ((i.projection as 'ALL' | 'KEYS_ONLY' | undefined) ?? 'ALL'),
            attributes: [...new Set([...keys, ...(included ?? [])])],
          };
        }),
      ] as const,
  ),
);

/**
 * The index writes a table write causes: those whose partition key the write sets, split into whole-item
 * copies (`ALL`: billed at the item's size) and the request units of the other entries (keys, or keys plus
 * the included attributes: one unit per KB of the entry, at least one; an update is sized at one unit).
 */
export function indexWrites(
  table: string,
  input: Record<string, unknown>,
): { full: number; keysOnly: number; included: number; includeIndexes: number } {
  const indexes = INDEXES.get(table) ?? [];
  const item = input.Item as Record<string, unknown> | undefined;
  const names = Object.values((input.ExpressionAttributeNames ?? {}) as Record<string, string>);
  const expression = String(input.UpdateExpression ?? '');
  const touched = indexes.filter((i) =>
    item ? i.key in item : names.includes(i.key) || new RegExp(`\\b${i.key}\\b`).test(expression),
  );
  const entryUnits = (i: IndexShape) => {
    if (!item) return 1;
    const entry = Object.fromEntries(i.attributes.filter((a) => a in item).map((a) => [a, item[a]]));
    return Math.max(1, Math.ceil(dynamoItemBytes(entry) / WRITE_UNIT_BYTES));
  };
  return {
    full: touched.filter((i) => i.projection === 'ALL').length,
    keysOnly: touched.filter((i) => i.projection !== 'ALL').reduce((n, i) => n + entryUnits(i), 0),
    included: touched.filter((i) => i.projection === 'INCLUDE').reduce((n, i) => n + entryUnits(i), 0),
    includeIndexes: touched.filter((i) => i.projection === 'INCLUDE').length,
  };
}

/**
 * Counts every data-plane command the client sends from now on. Returns the live counts and a function that
 * removes the middleware. Works on a document client (its middleware stack is the wrapped client's).
 */
export function countDynamo(client: DynamoDBDocumentClient): { counts: DynamoCounts; detach: () => void } {
  const counts: DynamoCounts = {};
  const name = `socless-cost-counter-${Math.random().toString(36).slice(2)}`;
  const tally = (key: string): DynamoTally => {
    counts[key] ??= { calls: 0, wru: 0, rru: 0 };
    return counts[key];
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const op = String((context as { commandName?: string }).commandName ?? '');
      if (!WRITES.has(op) && !READS.has(op)) return next(args);
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity = 'TOTAL';
      const table = String(input.TableName ?? 'batch');
      const key = `${table}/${op.replace(/Command$/, '')}`;
      const t = tally(key);
      t.calls++;
      const indexes = WRITES.has(op)
        ? indexWrites(table, input)
        : { full: 0, keysOnly: 0, included: 0, includeIndexes: 0 };
      try {
        const out = await next(args);
        const consumed = (out.output as { ConsumedCapacity?: CapacityLike | CapacityLike[] }).ConsumedCapacity;
        const units = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []).reduce(
          (sum, c) => sum + (c.CapacityUnits ?? 0),
          0,
        );
        if (WRITES.has(op)) {
          const base = Math.max(units, 1);
          t.wru += base * (1 + indexes.full) + indexes.keysOnly;
          t.wruWholeIndexes =
            (t.wruWholeIndexes ?? 0) +
            base * (1 + indexes.full + indexes.includeIndexes) +
            indexes.keysOnly -
            indexes.included;
        } else t.rru += units > 0 ? units : 0.5;
        return out;
      } catch (err) {
        // A failed conditional write is still billed (one unit at least); a failed read is not.
        if (WRITES.has(op) && (err as Error).name === 'ConditionalCheckFailedException') {
          t.wru += 1;
          t.wruWholeIndexes = (t.wruWholeIndexes ?? 0) + 1;
        }
        throw err;
      }
    },
    { step: 'initialize', name, override: true },
  );
  return { counts, detach: () => void client.middlewareStack.remove(name) };
}

/** Vault (S3) operations with the bytes written. */
export interface VaultCounts {
  puts: number;
  gets: number;
  bytesPut: number;
}

/** Counts the vault's reads and writes by wrapping the instance's methods (the same object the code uses). */
export function countVault(vault: VaultStore): { counts: VaultCounts; detach: () => void } {
  const counts: VaultCounts = { puts: 0, gets: 0, bytesPut: 0 };
  const put = vault.put.bind(vault);
  const get = vault.get.bind(vault);
  const target = vault as { put: VaultStore['put']; get: VaultStore['get'] };
  target.put = async (...args: Parameters<VaultStore['put']>) => {
    counts.puts++;
    counts.bytesPut += Buffer.byteLength(String(args[1] ?? ''));
    return put(...args);
  };
  target.get = async (...args: Parameters<VaultStore['get']>) => {
    counts.gets++;
    return get(...args);
  };
  return {
    counts,
    detach: () => {
      target.put = put;
      target.get = get;
    },
  };
}

/** Sums `b` into `a` (per key), for totals over several runs. */
export function addDynamo(a: DynamoCounts, b: DynamoCounts): DynamoCounts {
  for (const [k, v] of Object.entries(b)) {
    a[k] ??= { calls: 0, wru: 0, rru: 0 };
    a[k].calls += v.calls;
    a[k].wru += v.wru;
    a[k].rru += v.rru;
    a[k].wruWholeIndexes = (a[k].wruWholeIndexes ?? a[k].wru - v.wru) + (v.wruWholeIndexes ?? v.wru);
  }
  return a;
}
