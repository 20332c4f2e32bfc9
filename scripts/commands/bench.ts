import type { Command } from 'commander';
import { BENCHMARKS } from '../bench/index.ts';
import { UsageError, withExamples } from '../cli-errors.ts';

export function registerBenchCommand(program: Command): void {
  withExamples(program.command('bench'), 'socless bench --quick', 'socless bench --json')
    .description(`run benchmarks and print figures (${BENCHMARKS.map((b) => b.name).join(', ') || 'none yet'})`)
    .argument('[names...]', 'benchmarks to run (default: all)')
    .option('--quick', 'smaller workloads, for a smoke run')
    .option('--json', 'print one JSON object with every figure')
    .action(async (names: string[], opts: { quick?: boolean; json?: boolean }) => {
      const unknown = names.filter((n) => !BENCHMARKS.some((b) => b.name === n));
      if (unknown.length > 0) {
        throw new UsageError(
          `unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`,
        );
      }
      const selected = names.length > 0 ? BENCHMARKS.filter((b) => names.includes(b.name)) : BENCHMARKS;
      const results: Record<string, unknown> = {};
      for (const bench of selected) {
        if (!opts.json) process.stdout.write(`\n== ${bench.name}: ${bench.description}\n`);
        results[bench.name] = await bench.run({ quick: opts.quick === true });
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    });
}
