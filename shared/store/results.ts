/**
 * The `results` table: every state's output per execution (the audit trail of a playbook run).
 *
 * A row is billed one write unit per KB, so it is stored without what its key already says: the state and the
 * time it was saved are the first two parts of the sort key (`<state>#<savedAt>#<invocation id>`) and are not
 * repeated as attributes. A result that would take the row past 1 KB is stored brotli-compressed
 * (`resultBrotli`, its JSON) when that makes the row smaller. Rows saved before this (with `state` and
 * `savedAt` attributes and the result as a map) stay readable until their TTL: {@link ResultsRepository}
 * returns both shapes as the same {@link StateResultRecord}.
 */
import { brotliCompressSync, brotliDecompressSync, constants as zlib } from 'node:zlib';
import { type DynamoDBDocumentClient, PutCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { VaultRef } from '../integration-runtime/vault.ts';
import { dynamoItemBytes, WRITE_UNIT_BYTES } from './item-size.ts';

/** One saved state result. */
export interface StateResultRecord {
  /** The Step Functions execution id (`$$.Execution.Id`, the execution ARN). */
  readonly executionId: string;
  /** `<state>#<savedAt>#<invocation id>`: each attempt of a retried state, and each Map iteration, is its own item. */
  readonly stateKey: string;
  readonly state: string;
  readonly playbook: string;
  readonly integration: string;
  readonly investigationId: string;
  readonly savedAt: string;
  readonly status: 'succeeded' | 'failed';
  /** The result as returned to the state machine, when small enough to keep inline. */
  readonly result?: Record<string, unknown>;
  /** Where the full result went when it was offloaded to the vault. */
  readonly resultRef?: VaultRef;
  /** For a failed attempt: the error name Step Functions saw and its message. */
  readonly error?: { readonly name: string; readonly message: string };
  /** Epoch seconds after which DynamoDB TTL may delete the item (not enforced by dynalite). */
  readonly expiresAt: number;
}

/** The item as stored: the record without `state` and `savedAt` (in `stateKey`), the result maybe compressed. */
export type StoredResultRow = Omit<StateResultRecord, 'state' | 'savedAt' | 'result'> & {
  readonly result?: Record<string, unknown>;
  /** The result's JSON, brotli-compressed: set instead of `result` when that keeps the row smaller. */
  readonly resultBrotli?: Uint8Array;
};

/** Inflating a stored result stops here: an item is at most 400 KB, and results above 200 KB go to the vault. */
const MAX_RESULT_JSON_BYTES = 4 * 1024 * 1024;

/** Builds the sort key of one attempt of one state. */
export function resultStateKey(state: string, savedAt: string, invocationId: string): string {
  if (savedAt.includes('#') || invocationId.includes('#') || invocationId.length === 0) {
    throw new Error(
      `results table: stateKey of state "${state}": savedAt "${savedAt}" and invocation id "${invocationId}" must be non-empty and without "#"`,
    );
  }
  return `${state}#${savedAt}#${invocationId}`;
}

/**
 * The state and save time a sort key holds. The state name may itself hold `#` (Step Functions allows it); the
 * save time and the invocation id never do, so the key is read from the right.
 */
export function parseResultStateKey(stateKey: string): { state: string; savedAt: string; invocationId: string } {
  const parts = stateKey.split('#');
  const invocationId = parts.pop();
  const savedAt = parts.pop();
  const state = parts.join('#');
  if (parts.length === 0 || !savedAt || !invocationId || Number.isNaN(Date.parse(savedAt))) {
    throw new Error(
      `results table: stateKey "${stateKey}" is not "<state>#<savedAt>#<invocation id>" (a row without a state attribute keeps them there)`,
    );
  }
  return { state, savedAt, invocationId };
}

/** Brotli at its best ratio for the usual few-KB result; a faster level for the rare large one. */
function compress(json: string): Buffer {
  const bytes = Buffer.byteLength(json);
  return brotliCompressSync(json, {
    params: {
      [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
      [zlib.BROTLI_PARAM_QUALITY]: bytes <= 16 * 1024 ? 11 : 6,
      [zlib.BROTLI_PARAM_SIZE_HINT]: bytes,
    },
  });
}

/** The row to store for a record: `state` and `savedAt` left to the key, a large result compressed. */
export function toStoredRow(record: StateResultRecord): StoredResultRow {
  const parsed = parseResultStateKey(record.stateKey);
  if (parsed.state !== record.state || parsed.savedAt !== record.savedAt) {
    throw new Error(
      `results table: stateKey "${record.stateKey}" does not start with state "${record.state}" and savedAt "${record.savedAt}"`,
    );
  }
  const { state: _state, savedAt: _savedAt, ...row } = record;
  if (record.result === undefined || dynamoItemBytes(row) <= WRITE_UNIT_BYTES) return row;
  const { result, ...rest } = row;
  const compressed: StoredResultRow = { ...rest, resultBrotli: compress(JSON.stringify(result)) };
  return dynamoItemBytes(compressed) < dynamoItemBytes(row) ? compressed : row;
}

/** A stored row as the record readers use, whichever shape it was saved in. */
export function fromStoredRow(item: Record<string, unknown>): StateResultRecord {
  const where = `results table: row ${String(item.executionId)} ${String(item.stateKey)}`;
  if (typeof item.stateKey !== 'string') throw new Error(`${where}: stateKey is not a string`);
  const { resultBrotli, ...rest } = item;
  // A row saved before rows were made smaller carries its state and save time: read as it is.
  const keyed = typeof item.state === 'string' ? {} : parseResultStateKey(item.stateKey);
  let result: Record<string, unknown> | undefined;
  if (resultBrotli !== undefined) {
    if (!(resultBrotli instanceof Uint8Array)) throw new Error(`${where}: resultBrotli is not binary`);
    try {
      result = JSON.parse(
        brotliDecompressSync(resultBrotli, { maxOutputLength: MAX_RESULT_JSON_BYTES }).toString('utf8'),
      ) as Record<string, unknown>;
    } catch (err) {
      throw new Error(`${where}: resultBrotli is not brotli-compressed JSON (${(err as Error).message})`);
    }
    if (typeof result !== 'object' || result === null || Array.isArray(result)) {
      throw new Error(`${where}: resultBrotli does not hold a JSON object`);
    }
  }
  const { invocationId: _id, ...fromKey } = keyed as { invocationId?: string };
  return {
    ...fromKey,
    ...rest,
    ...(result !== undefined ? { result } : {}),
  } as StateResultRecord;
}

export class ResultsRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async save(record: StateResultRecord): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: toStoredRow(record) }));
  }

  /** Every saved attempt of an execution, in state-key order, old and new rows alike. */
  async listByExecution(executionId: string): Promise<StateResultRecord[]> {
    const items: StateResultRecord[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: '#e = :e',
        ExpressionAttributeNames: { '#e': 'executionId' },
        ExpressionAttributeValues: { ':e': executionId },
      },
    );
    for await (const page of pages) items.push(...(page.Items ?? []).map(fromStoredRow));
    return items;
  }
}
