import { consoleBenchmark } from './console.ts';
import { costBenchmark } from './cost.ts';
import { latencyBenchmark } from './latency.ts';
import { orgScanBenchmark } from './org-scan.ts';
import { pipelineBenchmark } from './pipeline.ts';
import { playbooksBenchmark } from './playbooks.ts';
import { soclessCompatBenchmark } from './socless-compat.ts';

/** One benchmark: prints its own figures and returns them for `--json`. */
export interface Benchmark {
  readonly name: string;
  readonly description: string;
  run(options: { readonly quick: boolean }): Promise<Record<string, unknown>>;
}

/** Every benchmark `npm run bench` runs, in order: adding one is adding a file and a line. */
export const BENCHMARKS: readonly Benchmark[] = [
  playbooksBenchmark,
  soclessCompatBenchmark,
  pipelineBenchmark,
  orgScanBenchmark,
  costBenchmark,
  latencyBenchmark,
  consoleBenchmark,
];
