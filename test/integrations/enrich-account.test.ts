import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrichAccount } from '../../hub/integrations/enrich-account/integration.ts';
import { IntegrationParameterError } from '../../shared/integration-runtime/errors.ts';
import { AccountsRepository } from '../../shared/store/accounts.ts';
import { type Harness, startHarness } from './harness.ts';

describe('enrich_account', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await new AccountsRepository(h.dynamo.client, 'accounts').put({
      accountId: '111122223333',
      name: 'payments-prod',
      email: 'aws+payments@example.com',
      ouId: 'ou-ab12-cdef3456',
      ouPath: ['r-ab12', 'ou-ab12-cdef3456'],
      tags: { owner: 'payments-team' },
      mode: 'dry-run',
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('returns the registry record of a known account', async () => {
    const out = await h.invoke(enrichAccount, { account_id: '111122223333' });
    expect(out).toMatchObject({
      found: true,
      name: 'payments-prod',
      email: 'aws+payments@example.com',
      ouPath: ['r-ab12', 'ou-ab12-cdef3456'],
      tags: { owner: 'payments-team' },
      mode: 'dry-run',
    });
  });

  it('answers found:false for an account the registry does not know', async () => {
    expect(await h.invoke(enrichAccount, { account_id: '999999999999' })).toEqual({
      found: false,
      account_id: '999999999999',
    });
  });

  it('rejects an account id that is not 12 digits', async () => {
    const err = await h.invoke(enrichAccount, { account_id: '1234' }, { state: 'Enrich' }).catch((e) => e);
    expect(err).toBeInstanceOf(IntegrationParameterError);
    expect(err.message).toMatch(/state "Enrich" \(enrich_account\): parameter "account_id" must be a 12-digit/);
  });
});
