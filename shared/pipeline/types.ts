import type { RemediationMode } from '../config.ts';
import type { EventFlag } from '../events/types.ts';
import type { ClosedBy, LifecycleDecision, Occurrence, Resolution } from './lifecycle.ts';

/**
 * Where an event is in its life. `received` and `pending` are the states a sweeper re-drives; `self` is an event
 * the hub's own spoke session caused (recorded, never routed); `duplicate` a repeat absorbed by its open
 * investigation; `escalated` a repeat whose severity rose, which ran the playbooks again; `resolved` the source's
 * "it is over" signal, which closed the open investigation.
 */
export const EVENT_STATUSES = [
  'received',
  'rejected',
  'self',
  'unrouted',
  'duplicate',
  'pending',
  'dispatched',
  'escalated',
  'resolved',
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
  /** On an investigation's opening event: the investigation it follows (a regression or a new window). */
  readonly previousInvestigationId?: string;
  /** On an investigation's opening event: where it stands (`open`, `closed`...), set by playbooks and people. */
  readonly investigationStatus?: string;
  readonly resolution?: Resolution;
  readonly closedBy?: ClosedBy;
  readonly closedAt?: string;
  readonly dispatchAttempts?: number;
  /** The raw input as received (JSON text), when it is small enough to keep in the item. */
  readonly raw?: string;
  /** The raw input in the vault, when it is too large for the item. */
  readonly rawRef?: BlobRef;
  /**
   * Records written before the raw input was kept in the record: the id of the item of the events table that holds
   * it (read, never written any more).
   */
  readonly rawKey?: string;
}

export type EventUpdate = Partial<Omit<EventRecord, 'id' | 'receivedAt'>>;

/** The `events` table as the pipeline needs it. */
export interface EventStore {
  /**
   * Writes a new record; when one with the same id exists, returns it and writes nothing. `unlisted`: the record is
   * stored without its status and account (in no index, so no listing shows it) until it settles: for input that a
   * queue delivers again until the endpoint settles it; it reads back as `received`.
   */
  putNew(
    record: EventRecord,
    options?: { readonly unlisted?: boolean },
  ): Promise<{ created: true } | { created: false; existing: EventRecord }>;
  update(id: string, fields: EventUpdate): Promise<void>;
  /**
   * Writes the whole record in one put, only while nobody else (a running playbook setting its investigation
   * status, a person closing it) has written to it and, when `statuses` is given, the stored one is still in one
   * of them (or unlisted); false when it was not written, and the caller falls back to `update`. Without
   * `statuses`: for the record the caller itself wrote first.
   */
  replace(record: EventRecord, statuses?: readonly EventStatus[]): Promise<boolean>;
  get(id: string): Promise<EventRecord | undefined>;
  /** Records in a status received before a time, oldest first (the sweeper's query). */
  listByStatus(status: EventStatus, receivedBefore: string, limit: number): Promise<EventRecord[]>;
}

/** The `dedup` table: the current investigation of each finding identity (see lifecycle.ts). */
export interface DedupStore {
  /**
   * Records an occurrence of a finding and says what it means: a new investigation (first, after the window, or a
   * regression), a duplicate of the open one, or an escalation. Safe to call again for the same event (a re-drive
   * gets the same answer and counts nothing twice).
   */
  claim(occurrence: Occurrence, nowMs: number, windowMs: number): Promise<LifecycleDecision>;
  /**
   * The source says the finding is over: closes its investigation as `resolved-by-source` when one is open (or
   * closed only by its playbook within the window). Returns it, or undefined when there was none to close.
   */
  resolve(
    dedupKey: string,
    eventId: string,
    nowMs: number,
    windowMs: number,
  ): Promise<{ investigationId: string } | undefined>;
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
