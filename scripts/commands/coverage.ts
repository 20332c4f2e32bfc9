import type { Command } from 'commander';
import { INTEGRATION_CATALOG } from '../../hub/integrations/index.ts';
import { REMEDIATIONS, remediationApiNames } from '../../hub/remediations/index.ts';
import { formatProblem, SoclessError } from '../../shared/errors.ts';
import { createRouter } from '../../shared/pipeline/router.ts';
import { compileAllPlaybooks } from '../../shared/playbook/index.ts';
import { withExamples } from '../cli-errors.ts';
import { DEFAULT_PLAYBOOKS_DIR, loadRepoConfig } from '../local/hub.ts';
import { type CoverageReport, coverageCases, coverageReport, coverageText } from '../routing/coverage.ts';

/** The coverage of the repository's playbooks and remediations for the configured forwarding. */
export function repoCoverage(options: { readonly config?: string; readonly playbooks?: string } = {}): CoverageReport {
  const config = loadRepoConfig(options.config);
  const compiled = compileAllPlaybooks(options.playbooks ?? DEFAULT_PLAYBOOKS_DIR, {
    integrations: INTEGRATION_CATALOG,
  });
  if (compiled.problems.length > 0) {
    throw new SoclessError(
      `playbooks do not compile:\n${compiled.problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`,
    );
  }
  // The spokes forward the configured risky API names plus every one a remediation answers (as the CDK app does).
  const apis = [...new Set([...config.riskyApiNames, ...remediationApiNames(REMEDIATIONS)])];
  return coverageReport(coverageCases(REMEDIATIONS, apis), createRouter(compiled.playbooks), REMEDIATIONS);
}

export function registerCoverageCommand(program: Command): void {
  withExamples(program.command('coverage'), 'socless coverage', 'socless coverage --json')
    .description(
      'what answers each kind of finding the spokes forward (remediation, triage playbook, triage-notify, lifecycle), and what is forwarded but unhandled; exit 1 when anything is',
    )
    .option('--json', 'print {rows, unhandled} as JSON')
    .option('--config <file>', 'socless configuration JSON (default: cdk.json context "socless")')
    .option('--playbooks <dir>', 'playbooks folder (default: the repository playbooks/)')
    .action((opts: { json?: boolean; config?: string; playbooks?: string }) => {
      const report = repoCoverage(opts);
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${coverageText(report)}\n`);
      if (report.unhandled.length > 0) process.exitCode = 1;
    });
}
