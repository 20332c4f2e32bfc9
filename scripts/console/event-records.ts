/**
 * Reads both console backends share: an investigation's opening event (normalized record and raw body, the
 * vault when it was offloaded), the OU keys an account answers to in the investigations page's OU filter, and
 * the step an execution waits on.
 */
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { SoclessError } from '../../shared/errors.ts';
import type { VaultRef } from '../../shared/integration-runtime/vault.ts';
import { readRawText } from '../../shared/store/events.ts';

/** The opening event as stored (without the raw body) and the raw body as received, when it can be read. */
export async function readOpeningEvent(
  client: DynamoDBDocumentClient,
  eventsTable: string,
  id: string,
  readVault: ((ref: VaultRef) => Promise<string>) | undefined,
): Promise<{ normalized?: unknown; raw?: unknown }> {
  const out = await client.send(new GetCommand({ TableName: eventsTable, Key: { id } }));
  if (!out.Item) return {};
  const { raw: _raw, rawZ: _rawZ, rawRef, rawKey: _rawKey, ...normalized } = out.Item as Record<string, unknown>;
  // Inline (text or deflated), or its own item of the events table (records written before raw was inline).
  let rawText = await readRawText(client, eventsTable, out.Item);
  if (rawText === undefined && isVaultRef(rawRef) && readVault) {
    try {
      rawText = await readVault(rawRef);
    } catch {
      // Offloaded and unreadable here (gone, or no access): the page says the raw event is not available.
      rawText = undefined;
    }
  }
  return { normalized, ...(rawText === undefined ? {} : { raw: parseRaw(rawText) }) };
}

/** The raw body as JSON when it is JSON, else the text itself (shown as text either way). */
export function parseRaw(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function isVaultRef(value: unknown): value is VaultRef {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.bucket === 'string' && typeof v.key === 'string';
}

/** The newest event received from an account (the events table's account-index, one item). */
export async function lastEventAt(
  client: DynamoDBDocumentClient,
  eventsTable: string,
  accountId: string,
): Promise<string | undefined> {
  const out = await client.send(
    new QueryCommand({
      TableName: eventsTable,
      IndexName: 'account-index',
      KeyConditionExpression: '#a = :a',
      ExpressionAttributeNames: { '#a': 'account', '#r': 'receivedAt' },
      ExpressionAttributeValues: { ':a': accountId },
      ProjectionExpression: '#r',
      ScanIndexForward: false,
      Limit: 1,
    }),
  );
  const at = out.Items?.[0]?.receivedAt;
  return typeof at === 'string' ? at : undefined;
}

/** The keys an account matches in the OU filter: its OU ids from the root down, and their names when known. */
export function ouKeys(account: {
  readonly ouId?: string | undefined;
  readonly ouPath?: readonly string[] | undefined;
  readonly ouNames?: readonly string[] | undefined;
}): string[] {
  return [...(account.ouPath ?? []), ...(account.ouId ? [account.ouId] : []), ...(account.ouNames ?? [])];
}

/** An error's message for the page: SOCless's own errors as they are, an AWS error with its name. */
export function errorMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err instanceof SoclessError || !err.name || err.name === 'Error') return err.message;
  return `${err.name}: ${err.message}`;
}

/** A bug rather than a refusal or an AWS answer: it propagates instead of becoming a message. */
export function isProgrammingError(err: unknown): boolean {
  return (
    err instanceof TypeError || err instanceof ReferenceError || err instanceof RangeError || err instanceof SyntaxError
  );
}

/** Marks the last step of the state an execution waits on (still running: a task token out to a person) as waiting. */
export function markWaiting(
  steps: Array<{ readonly state: string; status: 'succeeded' | 'failed' | 'running' | 'waiting' }>,
  waitingState: string | undefined,
): void {
  if (!waitingState) return;
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i];
    if (step?.state === waitingState && step.status === 'running') {
      step.status = 'waiting';
      return;
    }
  }
}
