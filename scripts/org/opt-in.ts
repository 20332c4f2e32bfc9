/**
 * `socless org opt-in`: set the remediation mode of an account, or of every account in an OU, by tagging the
 * accounts (`socless:remediation-mode`) through Organizations and updating the registry.
 *
 * Why accounts and not the OU: the effective mode is account tag > account config > nearest OU config >
 * default, and OU tags are read by nothing. A tag on the OU would change no account's mode; a tag on each
 * account takes effect at once, whatever the configuration says. An account moved into the OU later gets no
 * tag: for a lasting per-OU mode, set `remediation.ous` in the configuration and redeploy.
 */

import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { TagResourceCommand } from '@aws-sdk/client-organizations';
import type { RemediationMode, SoclessConfig } from '../../shared/config.ts';
import { SoclessError } from '../../shared/errors.ts';
import { NAMES } from '../../shared/names.ts';
import { effectiveMode, type ModeSource } from '../../shared/org/accounts.ts';
import { errorText, isActiveAccount, type OrgAccount, OrganizationsWalker } from '../../shared/org/organizations.ts';
import type { AccountsRepository } from '../../shared/store/accounts.ts';
import type { ApiGates } from './gates.ts';

/** What opting one account in changes (or why it is left alone). */
export interface OptInChange {
  readonly accountId: string;
  readonly name: string;
  readonly ouPath: readonly string[];
  /** `tag`: the tag will be set; `unchanged`: it already says so; `skip`: not acted on (see `reason`). */
  readonly action: 'tag' | 'unchanged' | 'skip';
  readonly reason?: string;
  readonly tagBefore?: string;
  readonly tagAfter: RemediationMode;
  readonly modeBefore: { readonly mode: RemediationMode; readonly source: ModeSource };
  readonly modeAfter: { readonly mode: RemediationMode; readonly source: ModeSource };
  /** The registry's mode before; `absent` when the registry has no item; undefined when no registry was given. */
  readonly registryBefore?: RemediationMode | 'absent';
  /** Set when the deployed spoke has no remediation role (its deployed mode is off) but the new mode needs one. */
  readonly warning?: string;
  readonly account: OrgAccount;
}

/** The changes an opt-in would make. */
export interface OptInPlan {
  readonly target: string;
  readonly mode: RemediationMode;
  readonly changes: readonly OptInChange[];
  /** Parts of the OU that could not be listed: the plan is incomplete. */
  readonly incomplete: readonly string[];
}

/** The clients and settings of an opt-in. */
export interface OptInDeps {
  readonly organizations: OrganizationsClient;
  readonly gates: Pick<ApiGates, 'organizations' | 'dynamodb'>;
  readonly config: SoclessConfig;
  /** The registry; undefined to leave it alone (it is then updated by the next registry sync). */
  readonly accounts?: AccountsRepository;
  /** @default Date.now */
  readonly now?: () => number;
}

const ACCOUNT_ID = /^\d{12}$/;
const OU_OR_ROOT = /^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$/;

/** Works out, without changing anything, what setting `mode` on `target` (account, OU or root id) changes. */
export async function planOptIn(deps: OptInDeps, target: string, mode: RemediationMode): Promise<OptInPlan> {
  const walker = new OrganizationsWalker(deps.organizations, { gate: deps.gates.organizations });
  let accounts: OrgAccount[];
  let incomplete: string[] = [];
  if (ACCOUNT_ID.test(target)) {
    accounts = [await walker.account(target)];
  } else if (OU_OR_ROOT.test(target)) {
    const walk = await walker.walk({ from: target });
    accounts = [...walk.accounts];
    incomplete = walk.failures.map((f) => `${f.operation} ${f.parentId}: ${f.error}`);
  } else {
    throw new SoclessError(
      `target "${target}" must be a 12-digit account id, an OU id (ou-...) or the root id (r-...)`,
    );
  }
  const changes = await Promise.all(accounts.map((a) => changeFor(deps, a, mode)));
  return { target, mode, changes, incomplete };
}

async function changeFor(deps: OptInDeps, account: OrgAccount, mode: RemediationMode): Promise<OptInChange> {
  const { config } = deps;
  const tagBefore = account.tags[NAMES.remediationModeTag];
  const before = effectiveMode(config, {
    accountId: account.accountId,
    ouPath: [...account.ouPath],
    tags: account.tags,
  });
  const afterTags = { ...account.tags, [NAMES.remediationModeTag]: mode };
  const after = effectiveMode(config, { accountId: account.accountId, ouPath: [...account.ouPath], tags: afterTags });
  // The StackSet deploys the role from the configured mode (tags are not template parameters).
  const deployed = effectiveMode(config, { accountId: account.accountId, ouPath: [...account.ouPath], tags: {} });
  let registryBefore: RemediationMode | 'absent' | undefined;
  if (deps.accounts) {
    const repo = deps.accounts;
    const item = await deps.gates.dynamodb.call(() => repo.get(account.accountId));
    registryBefore = item ? item.mode : 'absent';
  }
  const base = {
    accountId: account.accountId,
    name: account.name,
    ouPath: account.ouPath,
    ...(tagBefore !== undefined ? { tagBefore } : {}),
    tagAfter: mode,
    modeBefore: { mode: before.mode, source: before.source },
    modeAfter: { mode: after.mode, source: after.source },
    ...(registryBefore !== undefined ? { registryBefore } : {}),
    ...(deployed.mode === 'off' && mode !== 'off'
      ? {
          warning:
            'its spoke was deployed with mode off and has no remediation role: add the account (or its OU) to remediation in the configuration and redeploy the rollout',
        }
      : {}),
    account,
  };
  if (account.accountId === config.hubAccountId) {
    return { ...base, action: 'skip', reason: 'the hub account is not a spoke' };
  }
  if (!isActiveAccount(account)) return { ...base, action: 'skip', reason: `account is ${account.state}` };
  if (account.tagsError) return { ...base, action: 'skip', reason: `tags unreadable: ${account.tagsError}` };
  const registryCurrent = registryBefore === undefined || registryBefore === after.mode;
  if (tagBefore === mode && registryCurrent) return { ...base, action: 'unchanged' };
  return { ...base, action: 'tag' };
}

/** The diff of one account, in one line. */
export function describeChange(c: OptInChange): string {
  const head = `${c.accountId} ${c.name || '-'}`;
  if (c.action === 'skip') return `  ${head}: skipped (${c.reason})`;
  if (c.action === 'unchanged') return `  ${head}: unchanged (tag already ${c.tagAfter})`;
  const registry = c.registryBefore === undefined ? '' : `; registry ${c.registryBefore} -> ${c.modeAfter.mode}`;
  const warning = c.warning ? `\n      warning: ${c.warning}` : '';
  return (
    `  ${head}: tag ${NAMES.remediationModeTag} ${c.tagBefore ?? '(none)'} -> ${c.tagAfter}; ` +
    `mode ${c.modeBefore.mode} (${c.modeBefore.source}) -> ${c.modeAfter.mode} (${c.modeAfter.source})${registry}${warning}`
  );
}

/** The outcome of one account's change. */
export interface OptInResult {
  readonly accountId: string;
  readonly ok: boolean;
  readonly tagged: boolean;
  readonly registryUpdated: boolean;
  readonly error?: string;
}

/** Applies the plan's `tag` changes: TagResource on each account, then the registry item. Never throws per account. */
export async function applyOptIn(deps: OptInDeps, plan: OptInPlan): Promise<OptInResult[]> {
  const now = deps.now ?? Date.now;
  const todo = plan.changes.filter((c) => c.action === 'tag');
  return Promise.all(
    todo.map(async (c): Promise<OptInResult> => {
      let tagged = false;
      try {
        if (c.tagBefore !== plan.mode) {
          await deps.gates.organizations.call(() =>
            deps.organizations.send(
              new TagResourceCommand({
                ResourceId: c.accountId,
                Tags: [{ Key: NAMES.remediationModeTag, Value: plan.mode }],
              }),
            ),
          );
        }
        tagged = true;
        if (deps.accounts) {
          const repo = deps.accounts;
          const existing = await deps.gates.dynamodb.call(() => repo.get(c.accountId));
          const a = c.account;
          await deps.gates.dynamodb.call(() =>
            repo.put({
              ...(existing ?? {}),
              accountId: a.accountId,
              name: a.name,
              email: a.email,
              ouId: a.parentId,
              ouPath: [...a.ouPath],
              tags: { ...a.tags, [NAMES.remediationModeTag]: plan.mode },
              mode: c.modeAfter.mode,
              status: a.state,
              updatedAt: new Date(now()).toISOString(),
            }),
          );
        }
        return { accountId: c.accountId, ok: true, tagged, registryUpdated: deps.accounts !== undefined };
      } catch (err) {
        const where = tagged ? 'registry update' : 'TagResource';
        return {
          accountId: c.accountId,
          ok: false,
          tagged,
          registryUpdated: false,
          error: `${where}: ${errorText(err)}`,
        };
      }
    }),
  );
}
