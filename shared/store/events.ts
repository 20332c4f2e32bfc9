/**
 * The `events` table, as playbooks touch it: the investigation status of an event; and where an event's raw
 * input is kept (inline as text or deflated, its own item of the table for records written before, or the vault)
 * for every reader of it.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { VaultRef } from '../integration-runtime/vault.ts';

/**
 * The id of an event's raw-input item in the events table. The item holds `raw` and `rawOf` (the event's id) and
 * none of the indexes' keys, so it lands in no index and no investigation scan.
 */
export function rawItemId(eventId: string): string {
  return `raw#${eventId}`;
}

/** An events-table item that is a raw-input item, not an event record. */
export function isRawItem(item: Record<string, unknown>): boolean {
  return typeof item.rawOf === 'string';
}

function isVaultRef(value: unknown): value is VaultRef {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.bucket === 'string' && typeof v.key === 'string';
}

/** Raw inputs shorter than this stay text: deflating them would not save a write unit. */
const PACK_MIN_BYTES = 512;
/** No stored raw input inflates beyond this (inputs are at most 256 KiB; the vault takes larger ones). */
const UNPACK_MAX_BYTES = 1024 * 1024;

/**
 * The raw input as an events item keeps it: deflated (`rawZ`, binary) when that is smaller, else as text. DynamoDB
 * bills a write per started KB of the whole item, and the item is written twice or more as the event settles.
 */
export function packRaw(text: string): { raw: string } | { rawZ: Uint8Array } {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes < PACK_MIN_BYTES) return { raw: text };
  const packed = deflateRawSync(text);
  return packed.length < bytes ? { rawZ: new Uint8Array(packed) } : { raw: text };
}

/** The text of a deflated raw input (`rawZ`). */
export function unpackRaw(packed: Uint8Array): string {
  return inflateRawSync(packed, { maxOutputLength: UNPACK_MAX_BYTES }).toString('utf8');
}

/**
 * The raw input of an event record as received: inline (`raw`, or deflated `rawZ`), its raw item (`rawKey`, one
 * read of the same table; records written before), or the vault (`rawRef`, when `readVault` is given). Undefined
 * when the record keeps none or it is gone.
 */
export async function readRawText(
  client: DynamoDBDocumentClient,
  tableName: string,
  record: Record<string, unknown>,
  readVault?: (ref: VaultRef) => Promise<string>,
): Promise<string | undefined> {
  if (typeof record.raw === 'string') return record.raw;
  if (record.rawZ instanceof Uint8Array) return unpackRaw(record.rawZ);
  if (typeof record.rawKey === 'string') {
    const out = await client.send(new GetCommand({ TableName: tableName, Key: { id: record.rawKey } }));
    const item = out.Item;
    // Only the item written for this very event: an id that is some other record's is not its raw input.
    if (item && item.rawOf === record.id && typeof item.raw === 'string') return item.raw;
    return undefined;
  }
  if (isVaultRef(record.rawRef) && readVault) return readVault(record.rawRef);
  return undefined;
}

/** Statuses an investigation moves through (SOCless's set). */
export const INVESTIGATION_STATUSES = ['open', 'active', 'closed', 'whitelisted'] as const;
export type InvestigationStatus = (typeof INVESTIGATION_STATUSES)[number];

/** What a closing step records on the investigation besides its status. */
export interface InvestigationNote {
  /** Why it was closed (`remediated`, `resolved-by-source`, `accepted-risk`, `false-positive`, `duplicate-of`). */
  readonly resolution?: string;
  /** What the remediation concluded when it did not fix anything (`not-applicable`, `compliant`). */
  readonly outcome?: string;
  readonly reason?: string;
  /** `playbook`, `source` or `person`. */
  readonly closedBy?: string;
  /** The person, or the playbook, that closed it. */
  readonly closedByName?: string;
  readonly closedAt?: string;
  /** For `duplicate-of`: the investigation this one duplicates. */
  readonly duplicateOf?: string;
}

export class EventsStatusRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Sets `investigationStatus` on an existing event item and returns the fields a caller needs next, or
   * undefined when there is no such event (the item is never created here).
   */
  async setInvestigationStatus(
    eventId: string,
    status: InvestigationStatus,
    at: string,
    extra: InvestigationNote = {},
  ): Promise<{ dedupKey?: string; investigationId?: string } | undefined> {
    const names: Record<string, string> = { '#s': 'investigationStatus', '#at': 'investigationStatusAt', '#id': 'id' };
    const values: Record<string, unknown> = { ':s': status, ':at': at };
    const sets = ['#s = :s', '#at = :at'];
    for (const [i, [key, value]] of Object.entries(extra).entries()) {
      if (value === undefined) continue;
      names[`#x${i}`] = key;
      values[`:x${i}`] = value;
      sets.push(`#x${i} = :x${i}`);
    }
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id: eventId },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(#id)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      const item = out.Attributes ?? {};
      return {
        ...(typeof item.dedupKey === 'string' ? { dedupKey: item.dedupKey } : {}),
        ...(typeof item.investigationId === 'string' ? { investigationId: item.investigationId } : {}),
      };
    } catch (err) {
      if (err instanceof Error && err.name === 'ConditionalCheckFailedException') return undefined;
      throw err;
    }
  }
}
