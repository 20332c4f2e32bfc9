import type { Command } from 'commander';
import { writeDashboards } from '../../hub/dashboards/generate.ts';
import { withExamples } from '../cli-errors.ts';

export function registerDashboardsCommand(program: Command): void {
  const dashboards = withExamples(
    program.command('dashboards'),
    'socless dashboards generate',
    'socless dashboards generate --check',
  ).description('the Grafana and Datadog dashboards generated from the metrics catalog');
  withExamples(dashboards.command('generate'), 'socless dashboards generate', 'socless dashboards generate --check')
    .description(
      'write hub/dashboards/grafana.json and datadog.json from shared/metrics/catalog.ts; --check: exit 1 when the committed files differ',
    )
    .option('--check', 'write nothing; list the files that differ from the catalog and exit 1 if any does')
    .option('--dir <dir>', 'write into this folder instead of hub/dashboards/')
    .action((opts: { check?: boolean; dir?: string }) => {
      const { written, stale } = writeDashboards({
        ...(opts.dir ? { dir: opts.dir } : {}),
        check: opts.check === true,
      });
      for (const path of written) process.stdout.write(`wrote ${path}\n`);
      for (const path of stale) process.stdout.write(`differs from the catalog: ${path}\n`);
      if (stale.length > 0) {
        process.stdout.write('run `socless dashboards generate` and commit the result\n');
        process.exitCode = 1;
      } else if (opts.check) process.stdout.write('dashboards match the catalog\n');
      else if (written.length === 0) process.stdout.write('dashboards already match the catalog\n');
    });
}
