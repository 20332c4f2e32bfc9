import type { RemediationMode } from '../config.ts';
import type { EventFlag } from '../events/types.ts';

/**
 * Where an event is in its life. `received` and `pending` are the states a sweeper re-drives; `self` is an event
 * the hub's own spoke session caused (recorded, never routed).
 */
export const EVENT_STATUSES = [
  'received',
  'rejected',
  'self',
  'unrouted',
  'duplicate',
  'pending',
  'dispatched',
] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

/** One execution started (or to be started) for an event. */
export interface ExecutionRef {
  readonly playbook: string;
  /** Deterministic execution name: the same event and playbook always give the same name. */
  readonly name: string;
  readonly arn?: string;
}

import type { VaultRef, VaultStore } from '../integration-runtime/vault.ts';

/** A bucket/key pair for a payload kept in the S3 vault (or the local vault). */
export type BlobRef = VaultRef;

/** The `events` table item. */
export interface EventRecord {
  readonly id: string;
  readonly status: EventStatus;
  readonly receivedAt: string;
  readonly updatedAt: string;
  /** Where the input came from (queue, api, local file name...). */
  readonly origin?: string;
  readonly source?: string;
  readonly kind?: string;
  readonly account?: string;
  readonly region?: string;
  readonly severity?: string;
  readonly severityScore?: number;
  readonly title?: string;
  readonly dedupKey?: string;
  readonly investigationId?: string;
  readonly playbooks?: readonly string[];
  readonly executions?: readonly ExecutionRef[];
  /** For `rejected`: what is wrong, in words a person can act on. */
  readonly reason?: string;
  /** For `rejected`: the offending field, where one can be named. */
  readonly field?: string;
  /** Why the event was held back or marked (`account-mismatch`, `webhook-scope`, `severity-capped`...). */
  readonly flags?: readonly EventFlag[];
  /** For `pending`: why dispatch failed the last time. */
  readonly lastError?: string;
  readonly dispatchAttempts?: number;
  /** The raw input as received (JSON text), when it is small enough to keep in the item. */
  readonly raw?: string;
  /** The raw input in the vault, when it is too large for the item. */
  readonly rawRef?: BlobRef;
}

export type EventUpdate = Partial<Omit<EventRecord, 'id' | 'receivedAt'>>;

/** The `events` table as the pipeline needs it. */
export interface EventStore {
  /** Writes a new record; when one with the same id exists, returns it and writes nothing. */
  putNew(record: EventRecord): Promise<{ created: true } | { created: false; existing: EventRecord }>;
  update(id: string, fields: EventUpdate): Promise<void>;
  /**
   * Writes the whole record in one put, only while the stored one is still in one of `statuses` and nobody
   * else (a running playbook setting its investigation status) has written to it; false when it was not
   * written, and the caller falls back to `update`.
   */
  replace(record: EventRecord, statuses: readonly EventStatus[]): Promise<boolean>;
  get(id: string): Promise<EventRecord | undefined>;
  /** Records in a status received before a time, oldest first (the sweeper's query). */
  listByStatus(status: EventStatus, receivedBefore: string, limit: number): Promise<EventRecord[]>;
}

/** The `dedup` table: one open investigation per finding identity. */
export interface DedupStore {
  /**
   * Opens an investigation for a finding identity unless one is open and unexpired. Claiming again with the
   * same investigation id succeeds (a re-drive of the same event is not its own duplicate).
   */
  claim(
    dedupKey: string,
    investigationId: string,
    nowMs: number,
    windowMs: number,
  ): Promise<{ claimed: true } | { claimed: false; investigationId: string }>;
}

/** Large payloads go here: the S3 vault in AWS, the local vault in the local hub. */
export type BlobStore = Pick<VaultStore, 'put' | 'get'>;

/** Starts playbook executions: Step Functions in AWS, the local executor in the local hub. */
export interface Dispatcher {
  /** Starts the execution; starting the same name twice must not start a second execution. */
  start(request: { playbook: string; name: string; input: Record<string, unknown> }): Promise<{ executionArn: string }>;
}

/** The effective remediation mode of an account (registry first, then configuration). */
export type AccountModeResolver = (accountId: string) => Promise<RemediationMode>;
