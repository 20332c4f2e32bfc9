/**
 * The `remediations` table: one write-ahead record per (investigation, remediation), claimed before the first
 * write call in a spoke and moved through its statuses with conditional writes only.
 *
 *   (none) ──claim──▶ applying ──complete──▶ applied
 *                        │                      │
 *                        └───────beginUndo──────┴──▶ undoing ──finishUndo──▶ undone
 *                                                       └──abortUndo (an undo call failed)──▶ back to where it was
 *
 * While `applying`, each planned call that succeeded is appended to `applied` (its index, in plan order), so a
 * retry resumes at the first unapplied call with the recorded before-state and plan; the last call's index is
 * appended by `complete` itself, in the same conditional write that makes the record `applied`. Only the
 * remediate integration and the operator undo write here (least privilege: see hub/constructs/socless-function.ts).
 *
 * Write cost: DynamoDB bills an update at the larger of the whole item's size before and after. So the outcome is
 * stored without what the record already holds (its remediation, account, region, target, before-state and
 * planned calls, put back on every read), and a one-call fix writes the record twice (claim, complete). The
 * claiming execution is kept as `execution`, not `executionId`: an item with `executionId` lands in the table's
 * execution index (a whole-item copy, billed again on every write). An execution's claims are listed instead by
 * one small `exec#<execution>` item per claim, written once, before the claim.
 */

import { isDeepStrictEqual } from 'node:util';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  type QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { PlannedCall, RemediationOutcome } from '../remediation/types.ts';
import { TABLES } from '../tables.ts';

export const REMEDIATION_RECORD_STATUSES = ['applying', 'applied', 'undoing', 'undone'] as const;
export type RemediationRecordStatus = (typeof REMEDIATION_RECORD_STATUSES)[number];

/** The claim a record is kept under. */
export interface RemediationClaim {
  readonly investigationId: string;
  readonly remediationId: string;
}

/** How an operator reversed (or is reversing) a record. */
export interface RemediationUndoInfo {
  /** Who ran the undo (operator name or ARN). */
  readonly by: string;
  readonly startedAt: string;
  /** The status the record had when the undo claimed it (`applied`, or `applying` for a partial apply). */
  readonly from: 'applied' | 'applying';
  readonly finishedAt?: string;
  /** The calls the undo sent. */
  readonly calls?: PlannedCall[];
}

/** One write-ahead record. */
export interface RemediationRecord extends RemediationClaim {
  readonly status: RemediationRecordStatus;
  /** The execution that claimed it; only that execution may resume an `applying` record. */
  readonly executionId: string;
  readonly state: string;
  readonly playbook: string;
  readonly account: string;
  readonly region: string;
  readonly target: Readonly<Record<string, unknown>>;
  /** The state read before the first call: the undo input. Never re-read on a retry. */
  readonly before: unknown;
  /** The calls the run decided to make, in order. */
  readonly planned: PlannedCall[];
  /** planHash(planned). */
  readonly planHash: string;
  /** Indexes into `planned` of the calls that succeeded, in the order they were sent. */
  readonly applied: number[];
  /** When the run planned (plan-time decisions such as "unused for 90 days" are replayed as of this time). */
  readonly plannedAt: string;
  readonly claimedAt: string;
  readonly updatedAt: string;
  /** The run's outcome without its calls' results: set when the record became `applied`. */
  readonly outcome?: RemediationOutcome;
  /** The last error a call raised while `applying` (the record stays `applying`; a redrive resumes). */
  readonly lastError?: { readonly name: string; readonly message: string; readonly at: string };
  readonly undo?: RemediationUndoInfo;
  readonly undoError?: { readonly name: string; readonly message: string; readonly at: string };
  /** Epoch seconds (TTL). */
  readonly expiresAt: number;
}

/** A new claim: everything but the fields the repository fills in. */
export type NewRemediationRecord = Omit<RemediationRecord, 'status' | 'applied' | 'updatedAt' | 'outcome'>;

function conditionFailed(err: unknown): boolean {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}

/** Partition key prefix of the items that list an execution's claims (no claim, counter or ledger item uses it). */
export const EXECUTION_CLAIMS_KEY_PREFIX = 'exec#';

/**
 * The execution index of records written before claims were listed under `exec#` items: only they carry the
 * attribute `executionId` (the index key), so new claims are never copied into it. Undefined once the index is
 * gone from shared/tables.ts.
 */
const LEGACY_EXECUTION_INDEX = TABLES.remediations.indexes.find(
  (i) => i.partitionKey.name === 'executionId',
)?.indexName;

/**
 * Whether the execution of `:exec` owns the record: new records keep it as `execution` (not `executionId`, which
 * would put them in the execution index, whose whole-item copy was billed again on every status change);
 * records claimed before kept it as `executionId` (named literally: it is no reserved word).
 */
const OWNED_BY = '(#execution = :exec OR executionId = :exec)';

/** The item that lists one claim under its execution (written before the claim, so every claim has one). */
function executionClaimItem(record: NewRemediationRecord): Record<string, unknown> {
  const claim = { investigationId: record.investigationId, remediationId: record.remediationId };
  return {
    investigationId: `${EXECUTION_CLAIMS_KEY_PREFIX}${record.executionId}`,
    remediationId: JSON.stringify([claim.investigationId, claim.remediationId]),
    claim,
    expiresAt: record.expiresAt,
  };
}

/** Outcome fields that repeat a record field (outcome field → record field), stored once, in the record. */
const SHARED_WITH_RECORD = {
  id: 'remediationId',
  account: 'account',
  region: 'region',
  target: 'target',
  before: 'before',
  actions: 'planned',
} as const satisfies Partial<Record<keyof RemediationOutcome, keyof RemediationRecord>>;

type SharedRecordFields = Pick<RemediationRecord, (typeof SHARED_WITH_RECORD)[keyof typeof SHARED_WITH_RECORD]>;

/**
 * The outcome as stored: without the fields that equal the record's own (its remediation, account, region, target,
 * before-state and planned calls), so `complete` does not write them twice and later updates are not billed for
 * them again. A field that differs is kept.
 */
function storedOutcome(outcome: RemediationOutcome, record: SharedRecordFields): Partial<RemediationOutcome> {
  const stored: Record<string, unknown> = { ...outcome };
  for (const [field, from] of Object.entries(SHARED_WITH_RECORD)) {
    if (field in stored && isDeepStrictEqual(stored[field], record[from])) delete stored[field];
  }
  return stored as Partial<RemediationOutcome>;
}

/**
 * A record as read: its owner as `executionId` whichever way it was stored, and its outcome with the fields stored
 * once put back (records written before are whole).
 */
function fromItem(item: Record<string, unknown>): RemediationRecord {
  const { execution, ...rest } = item;
  const record = { ...rest, executionId: rest.executionId ?? execution } as unknown as RemediationRecord;
  if (!record.outcome) return record;
  const outcome: Record<string, unknown> = {};
  for (const [field, from] of Object.entries(SHARED_WITH_RECORD)) outcome[field] = record[from];
  return { ...record, outcome: { ...outcome, ...record.outcome } as RemediationOutcome };
}

export class RemediationRecordsRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  private key(claim: RemediationClaim): Record<string, string> {
    return { investigationId: claim.investigationId, remediationId: claim.remediationId };
  }

  /** The record of a claim (strongly consistent), or undefined. */
  async get(claim: RemediationClaim): Promise<RemediationRecord | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(claim), ConsistentRead: true }),
    );
    return out.Item ? fromItem(out.Item) : undefined;
  }

  /**
   * Writes the claim as `applying` if there is no record for it yet; false when one exists. The claim is first
   * listed under its execution (an `exec#` item, so `listByExecution` finds it without an index); a listing whose
   * claim then went to another execution is skipped when read.
   */
  async claim(record: NewRemediationRecord): Promise<boolean> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: executionClaimItem(record) }));
    const { executionId, ...fields } = record;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...fields, execution: executionId, status: 'applying', applied: [], updatedAt: record.claimedAt },
          ConditionExpression: 'attribute_not_exists(investigationId)',
        }),
      );
      return true;
    } catch (err) {
      if (conditionFailed(err)) return false;
      throw err;
    }
  }

  /**
   * Appends `index` to `applied` while the record is `applying`, owned by `executionId`, and exactly `index`
   * calls are marked (calls are applied in plan order). False when any of that no longer holds: an undo took
   * the record, or another invocation marked the call first.
   */
  async markApplied(claim: RemediationClaim, executionId: string, index: number, at: string): Promise<boolean> {
    return this.update(claim, {
      UpdateExpression: 'SET #applied = list_append(#applied, :index), #updated = :at',
      ConditionExpression: `#status = :applying AND ${OWNED_BY} AND size(#applied) = :count`,
      ExpressionAttributeNames: {
        '#applied': 'applied',
        '#updated': 'updatedAt',
        '#status': 'status',
        '#execution': 'execution',
      },
      ExpressionAttributeValues: {
        ':index': [index],
        ':at': at,
        ':applying': 'applying',
        ':exec': executionId,
        ':count': index,
      },
    });
  }

  /**
   * `applying` → `applied`, with the outcome, while the record is owned by `executionId` and exactly
   * `marked` calls are recorded. With `last`, the call at index `marked` (the plan's last) is appended in the same
   * write, so the last call costs no write of its own. False when any of that no longer holds (an undo took the
   * record, or another invocation of the execution got there first).
   */
  async complete(
    record: RemediationClaim & SharedRecordFields,
    executionId: string,
    outcome: RemediationOutcome,
    at: string,
    marked: number,
    last?: number,
  ): Promise<boolean> {
    if (last !== undefined && last !== marked) {
      throw new Error(`complete: the call appended (${last}) must be the next unmarked one (${marked})`);
    }
    const append = last !== undefined;
    return this.update(record, {
      UpdateExpression: `SET #status = :applied, #outcome = :outcome, #updated = :at${append ? ', #applied = list_append(#applied, :index)' : ''} REMOVE #lastError`,
      ConditionExpression: `#status = :applying AND ${OWNED_BY} AND size(#applied) = :count`,
      ExpressionAttributeNames: {
        '#status': 'status',
        '#outcome': 'outcome',
        '#updated': 'updatedAt',
        '#lastError': 'lastError',
        '#execution': 'execution',
        '#applied': 'applied',
      },
      ExpressionAttributeValues: {
        ':applied': 'applied',
        ':applying': 'applying',
        ':outcome': storedOutcome(outcome, record),
        ':at': at,
        ':exec': executionId,
        ':count': marked,
        ...(append ? { ':index': [last] } : {}),
      },
    });
  }

  /** Notes the error that stopped an `applying` run (best effort: the record stays `applying`). */
  async recordError(
    claim: RemediationClaim,
    executionId: string,
    error: { name: string; message: string },
    at: string,
  ): Promise<void> {
    await this.update(claim, {
      UpdateExpression: 'SET #lastError = :error, #updated = :at',
      ConditionExpression: `#status = :applying AND ${OWNED_BY}`,
      ExpressionAttributeNames: {
        '#lastError': 'lastError',
        '#updated': 'updatedAt',
        '#status': 'status',
        '#execution': 'execution',
      },
      ExpressionAttributeValues: {
        ':error': { ...error, at },
        ':at': at,
        ':applying': 'applying',
        ':exec': executionId,
      },
    });
  }

  /**
   * Claims the record for an undo: `applied` or `applying` → `undoing`, once. Returns the record as it now is,
   * or undefined when it was in another status (already being undone or undone).
   */
  async beginUndo(
    claim: RemediationClaim,
    by: string,
    at: string,
    from: 'applied' | 'applying',
  ): Promise<RemediationRecord | undefined> {
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(claim),
          UpdateExpression: 'SET #status = :undoing, #undo = :undo, #updated = :at',
          ConditionExpression: '#status = :from',
          ExpressionAttributeNames: { '#status': 'status', '#undo': 'undo', '#updated': 'updatedAt' },
          ExpressionAttributeValues: {
            ':undoing': 'undoing',
            ':from': from,
            ':undo': { by, startedAt: at, from },
            ':at': at,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes ? fromItem(out.Attributes) : undefined;
    } catch (err) {
      if (conditionFailed(err)) return undefined;
      throw err;
    }
  }

  /** `undoing` → `undone`, with the calls the undo sent. */
  async finishUndo(claim: RemediationClaim, undo: RemediationUndoInfo, at: string): Promise<boolean> {
    return this.update(claim, {
      UpdateExpression: 'SET #status = :undone, #undo = :undo, #updated = :at REMOVE #undoError',
      ConditionExpression: '#status = :undoing',
      ExpressionAttributeNames: {
        '#status': 'status',
        '#undo': 'undo',
        '#updated': 'updatedAt',
        '#undoError': 'undoError',
      },
      ExpressionAttributeValues: {
        ':undone': 'undone',
        ':undoing': 'undoing',
        ':undo': { ...undo, finishedAt: at },
        ':at': at,
      },
    });
  }

  /** An undo call failed: `undoing` → the status before the undo, with the error, so the undo can be run again. */
  async abortUndo(
    claim: RemediationClaim,
    from: 'applied' | 'applying',
    error: { name: string; message: string },
    at: string,
  ): Promise<boolean> {
    return this.update(claim, {
      UpdateExpression: 'SET #status = :from, #undoError = :error, #updated = :at REMOVE #undo',
      ConditionExpression: '#status = :undoing',
      ExpressionAttributeNames: {
        '#status': 'status',
        '#undoError': 'undoError',
        '#updated': 'updatedAt',
        '#undo': 'undo',
      },
      ExpressionAttributeValues: { ':from': from, ':undoing': 'undoing', ':error': { ...error, at }, ':at': at },
    });
  }

  /**
   * The records an execution claimed, each read by key (strongly consistent): listed by its `exec#` items (a
   * consistent query), and, for records claimed before those items existed, by the execution index's keys.
   */
  async listByExecution(executionId: string): Promise<RemediationRecord[]> {
    const [indexed, listed] = await Promise.all([
      LEGACY_EXECUTION_INDEX
        ? this.queryAll({
            IndexName: LEGACY_EXECUTION_INDEX,
            KeyConditionExpression: '#e = :e',
            ProjectionExpression: '#i, #r',
            ExpressionAttributeNames: { '#e': 'executionId', '#i': 'investigationId', '#r': 'remediationId' },
            ExpressionAttributeValues: { ':e': executionId },
          })
        : Promise.resolve([]),
      this.queryAll({
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'investigationId' },
        ExpressionAttributeValues: { ':pk': `${EXECUTION_CLAIMS_KEY_PREFIX}${executionId}` },
        ConsistentRead: true,
      }),
    ]);
    const keys = new Map<string, RemediationClaim>();
    const add = (claim: unknown) => {
      const { investigationId, remediationId } = (claim ?? {}) as Partial<RemediationClaim>;
      if (typeof investigationId !== 'string' || typeof remediationId !== 'string') return;
      keys.set(JSON.stringify([investigationId, remediationId]), { investigationId, remediationId });
    };
    for (const item of indexed) add(item);
    for (const item of listed) add(item.claim);
    const records = await Promise.all([...keys.values()].map((k) => this.get(k)));
    // A record deleted (TTL) since is gone; one listed but claimed by another execution first is that one's.
    return records.filter((r): r is RemediationRecord => r !== undefined && r.executionId === executionId);
  }

  private async queryAll(
    input: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName' | 'ExclusiveStartKey'>,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    for await (const page of paginateQuery({ client: this.client }, { TableName: this.tableName, ...input })) {
      items.push(...(page.Items ?? []));
    }
    return items;
  }

  private async update(
    claim: RemediationClaim,
    input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName' | 'Key'>,
  ): Promise<boolean> {
    try {
      await this.client.send(new UpdateCommand({ TableName: this.tableName, Key: this.key(claim), ...input }));
      return true;
    } catch (err) {
      if (conditionFailed(err)) return false;
      throw err;
    }
  }
}
