import type { Command } from 'commander';
import { INTEGRATION_CATALOG, INTEGRATIONS } from '../../hub/integrations/index.ts';
import { runPlaybookTests } from '../../shared/local/playbook-tests.ts';
import { loadPlaybookPath, looksLikePlaybookPath } from '../../shared/playbook/loader.ts';
import { withExamples } from '../cli-errors.ts';
import { playbookCompileOptions } from './playbook.ts';

/**
 * `socless playbook test [name...]`: runs each playbook's tests/*.json cases locally (compiled ASL,
 * in-process integrations, dynalite) and prints pass/fail per case; exits 1 when any case fails.
 */
export function registerPlaybookTestSubcommand(playbook: Command): void {
  withExamples(playbook.command('test'), 'socless playbook test', 'socless playbook test guardduty-triage --json')
    .description('run playbook test cases locally (playbooks/<name>/tests/*.json)')
    .argument('[playbooks...]', 'playbook names or paths to test (default: all)')
    .option('--dir <dir>', 'playbooks folder (default: ./playbooks of the repository)')
    .option('--config <file>', 'configuration JSON with integrations.external, stage and variables')
    .option('--json', 'print one JSON object per case')
    .action(async (names: string[], opts: { dir?: string; json?: boolean; config?: string }) => {
      const compile = await playbookCompileOptions(async () => INTEGRATION_CATALOG, opts.config);
      const paths = names.filter((n) => looksLikePlaybookPath(n));
      const results = await runPlaybookTests({
        ...(opts.dir ? { rootDir: opts.dir } : {}),
        ...(paths.length > 0 ? { sources: paths.flatMap((p) => loadPlaybookPath(p)) } : {}),
        names: names.filter((n) => !looksLikePlaybookPath(n)),
        integrations: INTEGRATIONS.values(),
        catalog: compile.integrations,
        ...(compile.variables ? { variables: compile.variables } : {}),
      });
      for (const r of results) {
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(r)}\n`);
          continue;
        }
        const timing = r.execution ? ` (${r.execution.transitions} transitions, ${r.execution.durationMs} ms)` : '';
        process.stdout.write(`${r.passed ? 'PASS' : 'FAIL'}  ${r.playbook}: ${r.description}${timing}\n`);
        for (const f of r.failures) process.stdout.write(`      ${f}\n`);
      }
      const failed = results.filter((r) => !r.passed).length;
      if (!opts.json) {
        process.stdout.write(
          results.length === 0
            ? 'no playbook test cases found\n'
            : `\n${results.length - failed} passed, ${failed} failed (${results.length} cases)\n`,
        );
      }
      if (failed > 0) process.exitCode = 1;
    });
}
