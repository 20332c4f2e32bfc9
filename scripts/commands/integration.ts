import type { Command } from 'commander';
import { SOCLESS_ALIASES } from '../../shared/playbook/socless-aliases.ts';
import { withExamples } from '../cli-errors.ts';
import { type CatalogProvider, playbookConfig } from './playbook.ts';

const runtimeCatalog: CatalogProvider = async () =>
  (await import('../../hub/integrations/index.ts')).INTEGRATION_CATALOG;

/** One row of `socless integration list`. */
export interface IntegrationRow {
  readonly kind: 'built-in' | 'alias' | 'external';
  readonly name: string;
  /** What answers: the integration id (and operation), or the Lambda ARN of an external. */
  readonly target: string;
  readonly interaction: boolean;
  readonly description: string;
}

/** Built-ins, SOCless aliases (with whether this build serves them) and configured externals. */
export async function integrationRows(catalog: CatalogProvider, configFile?: string): Promise<IntegrationRow[]> {
  const entries = (await catalog()).entries;
  const config = playbookConfig(configFile);
  const rows: IntegrationRow[] = entries.map((e) => ({
    kind: 'built-in',
    name: e.id,
    target: e.operations ? `operations: ${e.operations.join(', ')}` : e.references.join(', ') || '-',
    interaction: e.interaction === true,
    description: e.description,
  }));
  for (const alias of SOCLESS_ALIASES) {
    const host = entries.find((e) => e.id === alias.integration);
    const served = host !== undefined && (!host.operations || host.operations.includes(alias.operation));
    rows.push({
      kind: 'alias',
      name: alias.name,
      target: `${alias.integration} ${alias.operation}`,
      interaction: alias.interaction === true,
      description: served
        ? `${alias.origin} ${alias.name}: \${{self:custom.<group>.${alias.name}}}, \${{self.custom…}} or function:\${{self:functions.${alias.name}.name}}`
        : `${alias.origin} ${alias.name}: not served by this build; declare it in integrations.external`,
    });
  }
  for (const [name, ext] of Object.entries(config?.integrations.external ?? {})) {
    rows.push({
      kind: 'external',
      name,
      target: ext.arn,
      interaction: ext.interaction,
      description: ext.description ?? 'configured in integrations.external',
    });
  }
  return rows;
}

/** `socless integration list [--config FILE] [--json]`. */
export function registerIntegrationCommand(program: Command, catalog: CatalogProvider = runtimeCatalog): void {
  const integration = withExamples(
    program.command('integration'),
    'socless integration list',
    'socless integration list --config prod.json --json',
  ).description('integrations playbooks can call');
  withExamples(integration.command('list'), 'socless integration list', 'socless integration list --json')
    .description('list built-in integrations, the SOCless names they answer to, and configured externals')
    .option('--config <file>', 'configuration JSON (default: cdk.json context "socless")')
    .option('--json', 'print a JSON array')
    .action(async (opts: { config?: string; json?: boolean }) => {
      const rows = await integrationRows(catalog, opts.config);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      const lines: string[] = [];
      for (const kind of ['built-in', 'alias', 'external'] as const) {
        const some = rows.filter((r) => r.kind === kind);
        lines.push(
          kind === 'built-in'
            ? 'built-in integrations:'
            : kind === 'alias'
              ? '\nSOCless names:'
              : '\nexternal integrations:',
        );
        if (some.length === 0) lines.push('  (none: add integrations.external to the configuration)');
        for (const r of some) {
          lines.push(`  ${r.name}${r.interaction ? ' (Interaction)' : ''} → ${r.target}`, `      ${r.description}`);
        }
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
