import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { CONFIG_CONTEXT_KEY, loadConfigFile, parseConfig, type SoclessConfig } from '../../shared/config.ts';
import { type Problem, SoclessError } from '../../shared/errors.ts';
import {
  type CompileOptions,
  type CompileResult,
  compilePlaybook,
  DEFAULT_PLAYBOOKS_DIR,
  type IntegrationCatalog,
  loadPlaybookPath,
  loadPlaybookSources,
  looksLikePlaybookPath,
  PLAYBOOK_FILE,
  type PlaybookSource,
  playbookToMermaid,
  playbookVariablesFrom,
  withExternalIntegrations,
} from '../../shared/playbook/index.ts';
import { UsageError, withExamples } from '../cli-errors.ts';
import { registerPlaybookImportSubcommand } from './playbook-import.ts';
import { registerPlaybookTestSubcommand } from './playbook-test.ts';

/** Where the playbook commands get the integration catalog (tests pass their own). */
export type CatalogProvider = () => Promise<IntegrationCatalog>;

/** The runtime's catalog, imported only when a playbook command runs (it pulls in the integrations). */
const runtimeCatalog: CatalogProvider = async () => {
  const mod = await import('../../hub/integrations/index.ts');
  return mod.INTEGRATION_CATALOG;
};

const REPO_CDK_JSON = fileURLToPath(new URL('../../cdk.json', import.meta.url));

/**
 * The configuration playbooks compile against (external integrations, stage and variables): `--config FILE`,
 * else the repository's cdk.json context, else none (only built-in integrations, no variables).
 */
export function playbookConfig(file?: string): SoclessConfig | undefined {
  if (file) return loadConfigFile(file);
  if (!existsSync(REPO_CDK_JSON)) return undefined;
  const context = (JSON.parse(readFileSync(REPO_CDK_JSON, 'utf8')) as { context?: Record<string, unknown> }).context;
  const raw = context?.[CONFIG_CONTEXT_KEY];
  return raw === undefined ? undefined : parseConfig(raw, `${REPO_CDK_JSON} context "${CONFIG_CONTEXT_KEY}"`);
}

/** Compile options from the catalog and the configuration. */
export async function playbookCompileOptions(catalog: CatalogProvider, configFile?: string): Promise<CompileOptions> {
  const config = playbookConfig(configFile);
  const integrations = await catalog();
  if (!config) return { integrations };
  return {
    integrations: withExternalIntegrations(integrations, config.integrations.external),
    variables: playbookVariablesFrom(config),
  };
}

interface CommonOptions {
  readonly dir?: string;
  readonly json?: boolean;
  readonly config?: string;
}

/** `file: path: reason`, with the file relative to the working directory when it is below it. */
export function formatProblemLine(p: Problem): string {
  const rel = relative(process.cwd(), p.file);
  const file = rel.startsWith('..') || rel === '' ? p.file : rel;
  return `${file}: ${p.path}: ${p.reason}`;
}

function write(stream: NodeJS.WriteStream, lines: readonly string[]): void {
  if (lines.length > 0) stream.write(`${lines.join('\n')}\n`);
}

/**
 * The playbooks the arguments name: each argument is a playbook name (a folder under --dir) or a path (a
 * playbook.json, a playbook folder, or a folder of playbooks). No argument: every playbook under --dir.
 */
export function sourcesFor(opts: { readonly dir?: string }, args: readonly string[]): PlaybookSource[] {
  const dir = resolve(opts.dir ?? DEFAULT_PLAYBOOKS_DIR);
  if (opts.dir && existsSync(join(dir, PLAYBOOK_FILE))) {
    // Its events/ and tests/ folders would otherwise be reported as playbooks without a playbook.json.
    throw new UsageError(
      `--dir ${opts.dir} is one playbook's folder, not a folder of playbooks: pass --dir ${relative(process.cwd(), dirname(dir)) || '.'}, or give the folder itself as the playbook argument`,
    );
  }
  const byPath = args.filter((a) => looksLikePlaybookPath(a));
  const names = args.filter((a) => !looksLikePlaybookPath(a));
  if (args.length > 0 && names.length === 0) return byPath.flatMap((p) => loadPlaybookPath(p));
  const sources = loadPlaybookSources(dir);
  const unknown = names.filter((n) => !sources.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new SoclessError(
      `unknown playbook(s): ${unknown.join(', ')} in ${dir} (give a path such as ./${unknown[0]} to use a folder elsewhere); known: ${sources.map((s) => s.name).join(', ') || 'none'}`,
    );
  }
  if (args.length === 0) return sources;
  return [...sources.filter((s) => names.includes(s.name)), ...byPath.flatMap((p) => loadPlaybookPath(p))];
}

async function compileOne(name: string, opts: CommonOptions, catalog: CatalogProvider): Promise<CompileResult> {
  const sources = sourcesFor(opts, [name]);
  if (sources.length !== 1) {
    throw new SoclessError(`"${name}" holds ${sources.length} playbooks: name one playbook folder or file`);
  }
  const result = compilePlaybook(sources[0] as PlaybookSource, await playbookCompileOptions(catalog, opts.config));
  write(
    process.stderr,
    result.warnings.map((w) => `warning: ${formatProblemLine(w)}`),
  );
  if (!result.ok) {
    write(process.stderr, result.problems.map(formatProblemLine));
    process.exitCode = 1;
  }
  return result;
}

/** The --dir and --config a suggested command needs to find the same playbooks (empty for the defaults). */
function sameFlags(opts: CommonOptions): string {
  return `${opts.dir ? ` --dir ${opts.dir}` : ''}${opts.config ? ` --config ${opts.config}` : ''}`;
}

/**
 * `socless playbook list | compile <name> | validate [name...] | graph <name>` (and `test`, registered by
 * its own module). A broken playbook sets exit code 1 and prints one `file: path: reason` line per problem.
 */
export function registerPlaybookCommand(program: Command, catalog: CatalogProvider = runtimeCatalog): void {
  const playbook = withExamples(
    program.command('playbook'),
    'socless playbook list',
    'socless playbook validate',
  ).description('list, compile, validate, graph and test playbooks');
  const dirHelp = 'playbooks folder (default: the repository playbooks/)';
  const configHelp =
    'configuration JSON with integrations.external, stage and variables (default: cdk.json context "socless")';

  withExamples(playbook.command('list'), 'socless playbook list', 'socless playbook list --dir ./my-playbooks --json')
    .description('list playbooks with their workflow type, triggers and integrations')
    .option('--dir <path>', dirHelp)
    .option('--config <file>', configHelp)
    .option('--json', 'print a JSON array')
    .action(async (opts: CommonOptions) => {
      const options = await playbookCompileOptions(catalog, opts.config);
      const rows = sourcesFor(opts, []).map((source) => {
        const result = compilePlaybook(source, options);
        return result.ok
          ? {
              name: source.name,
              ok: true,
              workflow: result.playbook.workflow,
              triggers: result.playbook.triggers.length,
              integrations: result.playbook.integrations,
            }
          : { name: source.name, ok: false, problems: result.problems.length };
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      write(
        process.stdout,
        rows.map((r) =>
          r.ok
            ? `${r.name}  ${r.workflow}  ${r.triggers} trigger(s)  ${(r.integrations ?? []).join(', ') || '-'}`
            : `${r.name}  BROKEN (${r.problems} problem(s): run "socless playbook validate ${r.name}${sameFlags(opts)}")`,
        ),
      );
      if (rows.some((r) => !r.ok)) process.exitCode = 1;
    });

  withExamples(
    playbook.command('compile'),
    'socless playbook compile guardduty-triage',
    'socless playbook compile ./my-playbooks/triage --json',
  )
    .description('print the compiled Amazon States Language of a playbook')
    .argument('<playbook>', 'playbook name (its folder under --dir) or path (playbook.json or its folder)')
    .option('--dir <path>', dirHelp)
    .option('--config <file>', configHelp)
    .option('--json', 'print the whole compiled playbook (definition, workflow, triggers, integrations)')
    .action(async (name: string, opts: CommonOptions) => {
      const result = await compileOne(name, opts, catalog);
      if (!result.ok) return;
      const out = opts.json ? result.playbook : result.playbook.definition;
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    });

  withExamples(
    playbook.command('validate'),
    'socless playbook validate',
    'socless playbook validate guardduty-triage remediate-finding --json',
  )
    .description('validate playbooks (all when no name is given) and report every problem')
    .argument('[playbooks...]', 'playbook names, or paths (a playbook.json, a playbook folder, a folder of playbooks)')
    .option('--dir <path>', dirHelp)
    .option('--config <file>', configHelp)
    .option('--json', 'print a JSON array of {name, ok, workflow, compat, problems, warnings}')
    .action(async (names: string[], opts: CommonOptions) => {
      const options = await playbookCompileOptions(catalog, opts.config);
      const results = sourcesFor(opts, names).map((source) => ({
        source,
        result: compilePlaybook(source, options),
      }));
      if (results.some(({ result }) => !result.ok)) process.exitCode = 1;
      if (opts.json) {
        const rows = results.map(({ source, result }) => ({
          name: source.name,
          file: source.file,
          ok: result.ok,
          ...(result.ok
            ? {
                workflow: result.playbook.workflow,
                workflowReason: result.workflowReason,
                compat: result.compat,
                compatReason: result.compatReason,
              }
            : {}),
          problems: result.ok ? [] : result.problems,
          warnings: result.warnings,
        }));
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      const lines: string[] = [];
      for (const { source, result } of results) {
        if (result.ok) {
          const compat = result.compat === 'socless' ? `; SOCless execution data: ${result.compatReason}` : '';
          lines.push(`ok ${source.name} (${result.playbook.workflow}: ${result.workflowReason}${compat})`);
        } else {
          lines.push(...result.problems.map(formatProblemLine));
        }
        lines.push(...result.warnings.map((w) => `warning: ${formatProblemLine(w)}`));
      }
      if (results.length === 0) lines.push('no playbooks found');
      write(process.stdout, lines);
    });

  withExamples(playbook.command('graph'), 'socless playbook graph guardduty-triage')
    .description('print a Mermaid flowchart of a compiled playbook')
    .argument('<playbook>', 'playbook name (its folder under --dir) or path (playbook.json or its folder)')
    .option('--dir <path>', dirHelp)
    .option('--config <file>', configHelp)
    .action(async (name: string, opts: CommonOptions) => {
      const result = await compileOne(name, opts, catalog);
      if (result.ok) process.stdout.write(playbookToMermaid(result.playbook));
    });

  registerPlaybookTestSubcommand(playbook);
  registerPlaybookImportSubcommand(playbook, catalog);
}
