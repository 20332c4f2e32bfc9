import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INTEGRATION_CATALOG, INTEGRATIONS, integrationDeployments } from '../../hub/integrations/index.ts';
import { resolveResource } from '../../shared/playbook/catalog.ts';

describe('integration registry', () => {
  it('answers to socless.<PascalCase> and socless.<snake_case> for every integration', () => {
    for (const entry of INTEGRATION_CATALOG.entries) {
      // Hosts of SOCless operations answer only through the alias table, under SOCless's own names.
      if (entry.operations) {
        expect(entry.references).toEqual([]);
        continue;
      }
      expect(entry.references).toContain(`socless.${entry.id}`);
      const pascal = entry.id.replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase());
      expect(entry.references).toContain(`socless.${pascal}`);
    }
  });

  it('resolves SOCless core names such as SetInvestigationStatus and Counter', () => {
    const resolve = (ref: string) => resolveResource(INTEGRATION_CATALOG, `\${{self:custom.${ref}}}`);
    expect(resolve('socless.SetInvestigationStatus')).toMatchObject({
      kind: 'integration',
      entry: { id: 'set_investigation_status' },
    });
    expect(resolve('socless.Counter')).toMatchObject({ kind: 'integration', entry: { id: 'counter' } });
    expect(resolve('socless.QueryCustomMapping')).toMatchObject({
      kind: 'integration',
      entry: { id: 'custom_mapping' },
    });
  });

  it('deploys each integration from an existing handler file with the results table and the vault', () => {
    const deployments = integrationDeployments();
    expect(deployments.map((d) => d.id).sort()).toEqual([...INTEGRATIONS.keys()].sort());
    for (const d of deployments) {
      expect(isAbsolute(d.entry)).toBe(true);
      expect(existsSync(d.entry), d.entry).toBe(true);
      expect(d.tables).toContainEqual({ table: 'results', access: 'write-own' });
      expect(d.tables.filter((t) => t.table === 'results')).toHaveLength(1);
      expect(d.vault).toBe('rw');
    }
    expect(deployments.find((d) => d.id === 'enrich_account')?.tables).toContainEqual({
      table: 'accounts',
      access: 'r',
    });
    // The hub stack grants publish on its own notification topic; no wildcard statement is declared.
    expect(deployments.find((d) => d.id === 'notify_email')).toMatchObject({ notifies: true });
    expect(deployments.find((d) => d.id === 'notify_email')?.statements).toBeUndefined();
  });

  it('refuses to load a handler whose Lambda lacks its environment, naming the variables', async () => {
    const saved = { ...process.env };
    for (const k of Object.keys(process.env)) if (k.startsWith('SOCLESS_')) delete process.env[k];
    try {
      await expect(import('../../hub/integrations/enrich-account/handler.ts')).rejects.toThrow(
        /enrich_account: missing environment variable\(s\) SOCLESS_VAULT_BUCKET, SOCLESS_ACCOUNTS_TABLE, SOCLESS_RESULTS_TABLE/,
      );
    } finally {
      process.env = saved;
    }
  });

  it('builds a handler at cold start when the environment is complete', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_REGION: 'eu-west-1',
      SOCLESS_VAULT_BUCKET: 'vault',
      SOCLESS_RESULTS_TABLE: 'results',
      SOCLESS_COUNTER_UNUSED: 'x',
      SOCLESS_CUSTOM_MAPPINGS_TABLE: 'custom_mappings',
    });
    try {
      const mod = await import('../../hub/integrations/counter/handler.ts');
      expect(typeof mod.handler).toBe('function');
    } finally {
      process.env = saved;
    }
  });
});
