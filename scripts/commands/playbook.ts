import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { type Problem, SoclessError } from '../../shared/errors.ts';
import {
  type CompileResult,
  compilePlaybook,
  DEFAULT_PLAYBOOKS_DIR,
  type IntegrationCatalog,
  loadPlaybookSources,
  type PlaybookSource,
  playbookToMermaid,
} from '../../shared/playbook/index.ts';
import { registerPlaybookTestSubcommand } from './playbook-test.ts';

/** Where the playbook commands get the integration catalog (tests pass their own). */
export type CatalogProvider = () => Promise<IntegrationCatalog>;

/** The runtime's catalog, imported only when a playbook command runs (it pulls in the integrations). */
const runtimeCatalog: CatalogProvider = async () => {
  const mod = await import('../../hub/integrations/index.ts');
  return mod.INTEGRATION_CATALOG;
};

interface CommonOptions {
  readonly dir?: string;
  readonly json?: boolean;
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

function sourcesFor(opts: CommonOptions, names: readonly string[]): PlaybookSource[] {
  const dir = resolve(opts.dir ?? DEFAULT_PLAYBOOKS_DIR);
  const sources = loadPlaybookSources(dir);
  const unknown = names.filter((n) => !sources.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new SoclessError(
      `unknown playbook(s): ${unknown.join(', ')} in ${dir}; known: ${sources.map((s) => s.name).join(', ') || 'none'}`,
    );
  }
  return names.length > 0 ? sources.filter((s) => names.includes(s.name)) : sources;
}

async function compileOne(name: string, opts: CommonOptions, catalog: CatalogProvider): Promise<CompileResult> {
  const [source] = sourcesFor(opts, [name]);
  const result = compilePlaybook(source as PlaybookSource, { integrations: await catalog() });
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

/**
 * `socless playbook list | compile <name> | validate [name...] | graph <name>` (and `test`, registered by
 * its own module). A broken playbook sets exit code 1 and prints one `file: path: reason` line per problem.
 */
export function registerPlaybookCommand(program: Command, catalog: CatalogProvider = runtimeCatalog): void {
  const playbook = program.command('playbook').description('list, compile, validate, graph and test playbooks');
  const dirHelp = 'playbooks folder (default: the repository playbooks/)';

  playbook
    .command('list')
    .description('list playbooks with their workflow type, triggers and integrations')
    .option('--dir <path>', dirHelp)
    .option('--json', 'print a JSON array')
    .action(async (opts: CommonOptions) => {
      const integrations = await catalog();
      const rows = sourcesFor(opts, []).map((source) => {
        const result = compilePlaybook(source, { integrations });
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
            : `${r.name}  BROKEN (${r.problems} problem(s): run "socless playbook validate ${r.name}")`,
        ),
      );
      if (rows.some((r) => !r.ok)) process.exitCode = 1;
    });

  playbook
    .command('compile')
    .description('print the compiled Amazon States Language of a playbook')
    .argument('<name>', 'playbook name (its folder)')
    .option('--dir <path>', dirHelp)
    .option('--json', 'print the whole compiled playbook (definition, workflow, triggers, integrations)')
    .action(async (name: string, opts: CommonOptions) => {
      const result = await compileOne(name, opts, catalog);
      if (!result.ok) return;
      const out = opts.json ? result.playbook : result.playbook.definition;
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    });

  playbook
    .command('validate')
    .description('validate playbooks (all when no name is given) and report every problem')
    .argument('[names...]', 'playbook names')
    .option('--dir <path>', dirHelp)
    .option('--json', 'print a JSON array of {name, ok, workflow, problems, warnings}')
    .action(async (names: string[], opts: CommonOptions) => {
      const integrations = await catalog();
      const results = sourcesFor(opts, names).map((source) => ({
        source,
        result: compilePlaybook(source, { integrations }),
      }));
      if (results.some(({ result }) => !result.ok)) process.exitCode = 1;
      if (opts.json) {
        const rows = results.map(({ source, result }) => ({
          name: source.name,
          file: source.file,
          ok: result.ok,
          ...(result.ok ? { workflow: result.playbook.workflow, workflowReason: result.workflowReason } : {}),
          problems: result.ok ? [] : result.problems,
          warnings: result.warnings,
        }));
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      const lines: string[] = [];
      for (const { source, result } of results) {
        if (result.ok) {
          lines.push(`ok ${source.name} (${result.playbook.workflow}: ${result.workflowReason})`);
        } else {
          lines.push(...result.problems.map(formatProblemLine));
        }
        lines.push(...result.warnings.map((w) => `warning: ${formatProblemLine(w)}`));
      }
      if (results.length === 0) lines.push('no playbooks found');
      write(process.stdout, lines);
    });

  playbook
    .command('graph')
    .description('print a Mermaid flowchart of a compiled playbook')
    .argument('<name>', 'playbook name (its folder)')
    .option('--dir <path>', dirHelp)
    .action(async (name: string, opts: CommonOptions) => {
      const result = await compileOne(name, opts, catalog);
      if (result.ok) process.stdout.write(playbookToMermaid(result.playbook));
    });

  registerPlaybookTestSubcommand(playbook);
}
