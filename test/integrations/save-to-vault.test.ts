import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveToVault } from '../../hub/integrations/save-to-vault/integration.ts';
import { IntegrationParameterError, VaultError } from '../../shared/integration-runtime/errors.ts';
import type { VaultRef } from '../../shared/integration-runtime/vault.ts';
import { type Harness, startHarness } from './harness.ts';

describe('save_to_vault', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('stores JSON content under the investigation and returns bucket and key', async () => {
    const out = await h.invoke(
      saveToVault,
      { content: { ip: '198.51.100.7' }, file_name: 'evidence.json' },
      { investigationId: 'inv-9' },
    );
    expect(out).toMatchObject({ bucket: 'socless-local-vault', key: 'investigations/inv-9/evidence.json' });
    expect(JSON.parse(await h.deps.vault.get(out.vault_ref as VaultRef))).toEqual({ ip: '198.51.100.7' });
  });

  it('stores text as it is, under a generated name when none is given', async () => {
    const out = await h.invoke(saveToVault, { content: 'raw log line' }, { state: 'Keep Log' });
    expect(out.key).toMatch(/^investigations\/inv-1\/Keep_Log-[0-9a-f-]+\.txt$/);
    expect(await h.deps.vault.get(out.vault_ref as VaultRef)).toBe('raw log line');
  });

  it('raises VaultError when the vault refuses the write', async () => {
    const put = h.deps.vault.put.bind(h.deps.vault);
    h.deps.vault.put = async (key) => {
      throw new VaultError('socless-local-vault', key, 'write failed (AccessDenied)');
    };
    try {
      const err = await h.invoke(saveToVault, { content: 'x' }).catch((e) => e);
      expect(err.name).toBe('VaultError');
    } finally {
      h.deps.vault.put = put;
    }
  });

  it('rejects a file name that could leave the investigation folder', async () => {
    const err = await h.invoke(saveToVault, { content: 'x', file_name: '../other/secret' }).catch((e) => e);
    expect(err).toBeInstanceOf(IntegrationParameterError);
    expect(err.parameter).toBe('file_name');
  });

  it('requires content', async () => {
    const err = await h.invoke(saveToVault, {}).catch((e) => e);
    expect(err).toBeInstanceOf(IntegrationParameterError);
    expect(err.parameter).toBe('content');
  });
});
