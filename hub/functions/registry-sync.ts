/**
 * Registry-sync Lambda: keeps the accounts registry's tags, and the remediation mode a tag sets, in step with
 * Organizations. Its rule on the hub bus takes `TagResource` / `UntagResource` calls of `aws.organizations`,
 * which the management account's `SoclessOrgEvents` stack forwards from us-east-1 (the only place EventBridge
 * delivers Organizations events).
 *
 * Any principal of the organization may put events on the hub bus, so the event's envelope `account` is checked
 * against the organization's management account (DescribeOrganization, cached): a tag change reported from any
 * other account changes nothing. The mode settings of the configuration (default, per OU, per account) are
 * compiled into the bundle, like the endpoint's routing table.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DescribeOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import type { ModeSettings, SoclessConfig } from '../../shared/config.ts';
import { SoclessError } from '../../shared/errors.ts';
import { accountTagChange, applyAccountTagChange, type TagChangeResult } from '../../shared/org/registry-sync.ts';
import { AccountsRepository } from '../../shared/store/accounts.ts';
import { TABLES } from '../../shared/tables.ts';
import { createDocumentClient } from './http.ts';

/** The configuration's mode settings, compiled into the bundle at synth time (esbuild `define`). */
export const MODE_CONFIG_DEFINE = '__SOCLESS_MODE_CONFIG__';
declare const __SOCLESS_MODE_CONFIG__: string | undefined;

/** The part of the configuration a tag change is judged by: the mode settings, nothing else. */
export type ModeConfig = ModeSettings;

/** The settings {@link MODE_CONFIG_DEFINE} carries: only what the effective mode needs. */
export function modeConfigOf(config: SoclessConfig): ModeConfig {
  const { defaultMode, ous, accounts } = config.remediation;
  return { remediation: { defaultMode, ous, accounts } };
}

/** What one invocation did with its event. */
export type RegistrySyncOutcome =
  | { readonly status: TagChangeResult; readonly accountId: string }
  | { readonly status: 'ignored'; readonly reason: string }
  | { readonly status: 'refused'; readonly reason: string };

export interface RegistrySyncDeps {
  readonly registry: Pick<AccountsRepository, 'get' | 'put'>;
  readonly config: ModeConfig;
  /** The organization's management account id. */
  readonly managementAccount: () => Promise<string>;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
}

export function createRegistrySyncHandler(deps: RegistrySyncDeps) {
  return async (event: unknown): Promise<RegistrySyncOutcome> => {
    const change = accountTagChange(event);
    if (!change) {
      const outcome = { status: 'ignored', reason: 'not an account TagResource/UntagResource call' } as const;
      deps.logger.info('event ignored', outcome);
      return outcome;
    }
    const sender = (event as { account?: unknown }).account;
    const management = await deps.managementAccount();
    if (sender !== management) {
      // Only the management account's CloudTrail reports Organizations calls: anything else is forged.
      const outcome = {
        status: 'refused',
        reason: `account tag change reported by account ${String(sender)}, not by the management account ${management}`,
      } as const;
      deps.logger.warn('tag change refused', { ...outcome, accountId: change.accountId });
      return outcome;
    }
    const status = await applyAccountTagChange(deps.registry, deps.config, change);
    deps.logger.info('tag change applied', { status, accountId: change.accountId, at: change.at });
    return { status, accountId: change.accountId };
  };
}

/** Reads the management account once per container (it never changes for an organization). */
export function cachedManagementAccount(client: OrganizationsClient): () => Promise<string> {
  let found: Promise<string> | undefined;
  return () => {
    found ??= client.send(new DescribeOrganizationCommand({})).then((out) => {
      const id = out.Organization?.MasterAccountId;
      if (!id) throw new SoclessError('DescribeOrganization returned no management account id');
      return id;
    });
    // A failed read is not cached: the next invocation asks again.
    found.catch(() => {
      found = undefined;
    });
    return found;
  };
}

/** The bundled mode settings; an error when the bundle was built without them. */
export function bundledModeConfig(): ModeConfig {
  const text = typeof __SOCLESS_MODE_CONFIG__ === 'string' ? __SOCLESS_MODE_CONFIG__ : undefined;
  if (!text) {
    throw new SoclessError(
      `the registry-sync bundle has no mode settings (${MODE_CONFIG_DEFINE} was not defined at build time)`,
    );
  }
  return JSON.parse(text) as ModeConfig;
}

let registrySyncHandler: ReturnType<typeof createRegistrySyncHandler> | undefined;

export async function handler(event: unknown): Promise<RegistrySyncOutcome> {
  if (!registrySyncHandler) {
    const table = process.env[TABLES.accounts.envVar];
    if (!table) throw new SoclessError(`${TABLES.accounts.envVar} is not set`);
    registrySyncHandler = createRegistrySyncHandler({
      registry: new AccountsRepository(createDocumentClient(), table),
      config: bundledModeConfig(),
      // Organizations' API endpoint is in us-east-1 for the commercial partition.
      managementAccount: cachedManagementAccount(new OrganizationsClient({ region: 'us-east-1' })),
      logger: new Logger({ serviceName: 'socless-registry-sync' }),
    });
  }
  return registrySyncHandler(event);
}
