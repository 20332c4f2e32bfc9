import { configuredMode, type ModeSettings, REMEDIATION_MODES, type RemediationMode } from '../config.ts';
import { NAMES } from '../names.ts';
import type { AccountRecord } from '../store/accounts.ts';

/** Where an account's effective remediation mode came from. */
export type ModeSource = 'tag' | 'account-config' | 'ou-config' | 'default';

/**
 * The effective remediation mode of an account: the `socless:remediation-mode` tag, else the account's
 * config override, else the nearest OU's config, else the org default. An invalid tag value is ignored
 * (and returned so the caller can report it), never taken as a more permissive mode.
 */
export function effectiveMode(
  config: ModeSettings,
  account: Pick<AccountRecord, 'accountId' | 'ouPath' | 'tags'>,
): { mode: RemediationMode; source: ModeSource; invalidTag?: string } {
  const tag = account.tags[NAMES.remediationModeTag];
  if (tag !== undefined && (REMEDIATION_MODES as readonly string[]).includes(tag)) {
    return { mode: tag as RemediationMode, source: 'tag' };
  }
  const invalid = tag !== undefined ? { invalidTag: tag } : {};
  const byAccount = config.remediation.accounts[account.accountId];
  if (byAccount) return { mode: byAccount, source: 'account-config', ...invalid };
  const mode = configuredMode(config, account.accountId, account.ouPath);
  const fromOu = account.ouPath.some((ou) => config.remediation.ous[ou] !== undefined);
  return { mode, source: fromOu ? 'ou-config' : 'default', ...invalid };
}
