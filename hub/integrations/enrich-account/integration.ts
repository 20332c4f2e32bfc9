/** enrich_account: who owns the account a finding is about (org registry: name, e-mail, OU path, tags, mode). */
import { z } from 'zod';
import { defineIntegration } from '../../../shared/integration-runtime/define.ts';
import { AccountsRepository } from '../../../shared/store/accounts.ts';

export const EnrichAccountParameters = z.object({
  account_id: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
});

export const enrichAccount = defineIntegration({
  id: 'enrich_account',
  references: ['socless.EnrichAccount', 'socless.enrich_account'],
  description: 'Looks an account up in the org registry: name, e-mail, OU path, tags and remediation mode.',
  parameters: EnrichAccountParameters,
  deployment: { tables: [{ table: 'accounts', access: 'r' }], timeoutSeconds: 10, memoryMb: 256 },
  async run(params, ctx) {
    const repo = new AccountsRepository(ctx.deps.documentClient, ctx.tableName('accounts'));
    const account = await repo.get(params.account_id);
    // An account the registry has not synced yet is a fact for the playbook to branch on, not a failure.
    if (!account) return { found: false, account_id: params.account_id };
    return {
      found: true,
      account_id: account.accountId,
      name: account.name,
      email: account.email,
      ouId: account.ouId ?? null,
      ouPath: account.ouPath,
      tags: account.tags,
      mode: account.mode,
      status: account.status ?? null,
    };
  },
});
