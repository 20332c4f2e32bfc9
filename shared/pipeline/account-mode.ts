import type { RemediationMode } from '../config.ts';
import type { AccountModeResolver } from './types.ts';

/**
 * Caches an account-mode resolver for `ttlMs`. The registry changes when an org admin opts an account in or
 * out, which is rare next to the event rate; a warm endpoint need not read it for every event. A change is
 * seen within `ttlMs` (the remediation step re-checks the mode itself before it acts).
 */
export function cachedAccountMode(
  resolve: AccountModeResolver,
  ttlMs: number,
  now: () => number = Date.now,
): AccountModeResolver {
  const cache = new Map<string, { mode: RemediationMode; until: number }>();
  return async (accountId) => {
    const hit = cache.get(accountId);
    const t = now();
    if (hit && hit.until > t) return hit.mode;
    const mode = await resolve(accountId);
    cache.set(accountId, { mode, until: t + ttlMs });
    return mode;
  };
}
