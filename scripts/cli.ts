import '../shared/polyfills.ts';
import { Command, CommanderError } from 'commander';
import { SoclessError } from '../shared/errors.ts';
import { COMMANDS } from './commands/index.ts';

/** The `socless` command: local hub, playbooks, remediations, org operations and benchmarks. */
export function buildProgram(): Command {
  const program = new Command('socless')
    .description('SOCless for an AWS Organization: security orchestration, automation and response on Step Functions.')
    .version(process.env.npm_package_version ?? '0.1.0')
    .showHelpAfterError();
  for (const register of COMMANDS) register(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (err instanceof SoclessError) {
      process.stderr.write(`${err.name}: ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}

await main(process.argv);
