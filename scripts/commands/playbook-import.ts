import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_PLAYBOOKS_DIR } from '../../shared/playbook/loader.ts';
import { type ImportReport, importSoclessRepository } from '../../shared/playbook/socless-import.ts';
import { withExamples } from '../cli-errors.ts';
import { type CatalogProvider, formatProblemLine, playbookCompileOptions } from './playbook.ts';

interface ImportOptions {
  readonly write?: boolean;
  readonly out?: string;
  readonly configOut?: string;
  readonly config?: string;
  readonly json?: boolean;
}

/** The configuration fragment an import needs: externals to fill in and the variables found, per stage. */
export function importConfigFragment(report: ImportReport): Record<string, unknown> {
  const variables: Record<string, Record<string, unknown>> = {};
  for (const [stage, values] of Object.entries(report.variablesFound)) {
    const root: Record<string, unknown> = {};
    for (const [path, value] of Object.entries(values)) {
      let node = root;
      const segments = path.split('.');
      for (const seg of segments.slice(0, -1)) {
        node[seg] = (node[seg] as Record<string, unknown> | undefined) ?? {};
        node = node[seg] as Record<string, unknown>;
      }
      node[segments.at(-1) as string] = value;
    }
    variables[stage] = root;
  }
  return {
    ...(Object.keys(report.externalsToAdd).length > 0 ? { integrations: { external: report.externalsToAdd } } : {}),
    ...(Object.keys(variables).length > 0 ? { variables } : {}),
  };
}

function describe(report: ImportReport): string[] {
  const lines: string[] = [];
  for (const pb of report.playbooks) {
    const title = pb.displayName && pb.displayName !== pb.name ? `${pb.name} ("${pb.displayName}")` : pb.name;
    lines.push(`${pb.compiles ? 'ok     ' : 'needs  '} ${title}`);
    for (const r of pb.references) {
      const m = r.maps;
      const to =
        m.to === 'built-in'
          ? `built-in ${m.integration}${m.operation ? ` ${m.operation}` : ''}`
          : m.to === 'native'
            ? `native ${m.integration}`
            : m.to === 'external'
              ? `external ${m.name} (configured)`
              : m.to === 'service'
                ? 'Step Functions service integration'
                : `MISSING: declare integrations.external.${m.name}${m.serverless ? ` (serverless.yml: ${m.serverless})` : ''}${m.reason ? ` (${m.reason})` : ''}`;
      lines.push(`         ${r.state}: ${to}`);
    }
    for (const v of pb.variables) lines.push(`         variable ${v}`);
    for (const p of pb.problems) lines.push(`         problem: ${formatProblemLine(p)}`);
  }
  return lines;
}

/**
 * `socless playbook import <dir>`: reads a SOCless playbooks repository and reports, per playbook, what maps
 * to built-ins and what needs an external integration, with the configuration to add. Writes nothing unless
 * `--write`: then it copies each playbook into `--out` (never over an existing folder) and writes the
 * configuration fragment to `--config-out`.
 */
export function registerPlaybookImportSubcommand(playbook: Command, catalog: CatalogProvider): void {
  withExamples(
    playbook.command('import'),
    'socless playbook import ../acme-socless-playbooks',
    'socless playbook import ../acme-socless-playbooks --write --config-out socless-import.config.json',
  )
    .description('report how a SOCless playbooks repository maps here (writes only with --write)')
    .argument('<dir>', 'the SOCless repository (with playbooks/ and serverless.yml) or a playbooks folder')
    .option('--config <file>', 'configuration JSON with integrations.external, stage and variables')
    .option('--write', 'copy the playbooks and write the configuration fragment')
    .option('--out <dir>', 'where --write puts the playbooks (default: the repository playbooks/)')
    .option('--config-out <file>', 'where --write puts the configuration fragment', 'socless-import.config.json')
    .option('--json', 'print the report as JSON')
    .action(async (dir: string, opts: ImportOptions) => {
      const options = await playbookCompileOptions(catalog, opts.config);
      const report = importSoclessRepository(resolve(dir), {
        catalog: options.integrations,
        ...(options.variables ? { variables: options.variables } : {}),
      });
      const fragment = importConfigFragment(report);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ ...report, configToAdd: fragment }, null, 2)}\n`);
      } else {
        const lines = describe(report);
        if (Object.keys(fragment).length > 0) {
          lines.push('', 'add to the configuration:', JSON.stringify(fragment, null, 2));
        }
        if (report.variablesMissing.length > 0) {
          lines.push('', `variables to define under variables.<stage>: ${report.variablesMissing.join(', ')}`);
        }
        lines.push(
          '',
          opts.write
            ? 'writing:'
            : `nothing written (run again with --write to copy ${report.playbooks.length} playbook(s))`,
        );
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      if (!opts.write) return;
      const out = resolve(opts.out ?? DEFAULT_PLAYBOOKS_DIR);
      for (const pb of report.playbooks) {
        const target = join(out, pb.name);
        if (existsSync(target)) {
          process.stdout.write(`skipped ${pb.name}: ${target} already exists\n`);
          continue;
        }
        mkdirSync(target, { recursive: true });
        copyFileSync(pb.file, join(target, 'playbook.json'));
        process.stdout.write(`wrote ${join(target, 'playbook.json')}\n`);
      }
      const configOut = resolve(opts.configOut ?? 'socless-import.config.json');
      if (Object.keys(fragment).length > 0) {
        if (existsSync(configOut)) {
          process.stdout.write(`skipped ${configOut}: it already exists\n`);
        } else {
          writeFileSync(configOut, `${JSON.stringify(fragment, null, 2)}\n`);
          process.stdout.write(`wrote ${configOut}\n`);
        }
      }
    });
}
