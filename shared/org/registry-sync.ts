/**
 * Keeps the accounts registry's tags (and the effective mode they set) in step with Organizations from the tag
 * changes CloudTrail reports: `TagResource` / `UntagResource` on an account, made in the management account and
 * delivered by EventBridge as `AWS API Call via CloudTrail` from `aws.organizations`. Each write stamps the
 * item's `updatedAt` with the call's time, which is the age `socless org status` shows for registry tags; a
 * change older than the item (a late delivery) is ignored.
 */
import type { ModeSettings } from '../config.ts';
import type { AccountsRepository } from '../store/accounts.ts';
import { effectiveMode } from './accounts.ts';

/**
 * The EventBridge pattern of the calls {@link accountTagChange} reads: the management account's forwarding rule
 * (us-east-1) and the hub's registry-sync rule both use it.
 */
export const ORGANIZATIONS_TAG_CHANGE_PATTERN = {
  source: ['aws.organizations'],
  'detail-type': ['AWS API Call via CloudTrail'],
  detail: { eventSource: ['organizations.amazonaws.com'], eventName: ['TagResource', 'UntagResource'] },
} as const;

/** One tag change on one account. */
export interface AccountTagChange {
  readonly accountId: string;
  /** Tags set (TagResource). */
  readonly set: Readonly<Record<string, string>>;
  /** Tag keys removed (UntagResource). */
  readonly removed: readonly string[];
  /** ISO time of the call. */
  readonly at: string;
}

const record = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** The account tag change an event reports, or undefined when it is anything else (or a failed call). */
export function accountTagChange(event: unknown): AccountTagChange | undefined {
  const e = record(event);
  const detail = record(e.detail);
  if (e.source !== 'aws.organizations' || e['detail-type'] !== 'AWS API Call via CloudTrail') return undefined;
  if (detail.eventSource !== 'organizations.amazonaws.com' || detail.errorCode !== undefined) return undefined;
  const params = record(detail.requestParameters);
  const accountId = params.resourceId;
  if (typeof accountId !== 'string' || !/^\d{12}$/.test(accountId)) return undefined;
  const at = typeof detail.eventTime === 'string' ? detail.eventTime : typeof e.time === 'string' ? e.time : undefined;
  if (!at || !Number.isFinite(Date.parse(at))) return undefined;
  if (detail.eventName === 'TagResource') {
    const set: Record<string, string> = {};
    for (const t of Array.isArray(params.tags) ? params.tags : []) {
      const tag = record(t);
      const key = tag.key ?? tag.Key;
      const value = tag.value ?? tag.Value ?? '';
      if (typeof key === 'string') set[key] = String(value);
    }
    return { accountId, set, removed: [], at };
  }
  if (detail.eventName === 'UntagResource') {
    const keys = Array.isArray(params.tagKeys) ? params.tagKeys.filter((k): k is string => typeof k === 'string') : [];
    return { accountId, set: {}, removed: keys, at };
  }
  return undefined;
}

/** What {@link applyAccountTagChange} did. */
export type TagChangeResult =
  /** Tags, mode and `updatedAt` written. */
  | 'updated'
  /** The registry does not know the account: the next full sync adds it with its tags. */
  | 'unknown-account'
  /** The registry's item is newer than the change (a late delivery): left as it is. */
  | 'stale';

/** Applies one tag change to the registry: the account's tags, the effective mode they give, and `updatedAt`. */
export async function applyAccountTagChange(
  registry: Pick<AccountsRepository, 'get' | 'put'>,
  config: ModeSettings,
  change: AccountTagChange,
): Promise<TagChangeResult> {
  const existing = await registry.get(change.accountId);
  if (!existing) return 'unknown-account';
  if (existing.updatedAt && Date.parse(existing.updatedAt) > Date.parse(change.at)) return 'stale';
  const tags: Record<string, string> = { ...existing.tags, ...change.set };
  for (const key of change.removed) delete tags[key];
  const mode = effectiveMode(config, { accountId: existing.accountId, ouPath: existing.ouPath, tags }).mode;
  await registry.put({ ...existing, tags, mode, updatedAt: new Date(Date.parse(change.at)).toISOString() });
  return 'updated';
}
