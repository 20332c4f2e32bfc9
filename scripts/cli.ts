import '../shared/polyfills.ts';
import { Command, CommanderError } from 'commander';
import { debugRequested, EXIT_CODES, reportCliError, withExamples } from './cli-errors.ts';
import { COMMANDS } from './commands/index.ts';

/** Every command below `root` (itself included), depth first. */
export function allCommands(root: Command): Command[] {
  return [root, ...root.commands.flatMap((c) => allCommands(c))];
}

/** `socless org opt-in`: the words that run a command. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

const EXIT_CODES_HELP = `
Exit codes: ${EXIT_CODES.ok} ok, ${EXIT_CODES.failure} failure (one line on stderr says what happened and what to do), ${EXIT_CODES.usage} usage (unknown command or option, missing or bad argument).
Add --debug to any command to print the stack trace of a failure.`;

/** A usage error commander reported, with the command it belongs to (for a "see --help" pointer). */
export interface UsageReport {
  text: string;
  command: string;
}

/** The `socless` command: local hub, playbooks, remediations, org operations and benchmarks. */
export function buildProgram(usage: { last?: UsageReport } = {}): Command {
  const program = new Command('socless')
    .description('SOCless for an AWS Organization: security orchestration, automation and response on Step Functions.')
    .version(process.env.npm_package_version ?? '0.1.0')
    .option('--debug', 'print the stack trace of a failure')
    .exitOverride();
  for (const register of COMMANDS) register(program);
  withExamples(
    program,
    'socless local --once --json',
    'socless playbook validate',
    'socless org status --profile security-admin',
  ).addHelpText('after', EXIT_CODES_HELP);
  for (const cmd of allCommands(program)) {
    // Commander's own errors (unknown option, missing argument...) are kept for the boundary, which prints
    // them as one line with the command whose help explains it.
    cmd.configureOutput({
      outputError: (text) => {
        // Commander puts its "(Did you mean …?)" on a line of its own: keep the report to one line.
        usage.last = { text: text.trim().replace(/\s*\n\s*/g, ' '), command: commandPath(cmd) };
      },
    });
    cmd.showHelpAfterError(false);
    for (const option of cmd.options) {
      if (option.mandatory && !option.description.startsWith('(required)')) {
        option.description = `(required) ${option.description}`;
      }
    }
  }
  return program;
}

function usageExitCode(err: CommanderError): number {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT_CODES.ok;
  return err.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
}

/**
 * Runs the CLI and returns its exit code. The one error boundary: every failure a command throws (and any
 * error that escapes later, from a timer or a server) is printed as one line; the stack only with --debug.
 * `processHandlers: false` leaves the process-wide handlers alone (a caller running it in-process).
 */
export async function main(argv: string[], options: { readonly processHandlers?: boolean } = {}): Promise<number> {
  const debug = debugRequested(argv);
  const fail = (err: unknown) => {
    process.exitCode = reportCliError(err, debug);
  };
  if (options.processHandlers !== false) {
    process.on('uncaughtException', (err) => {
      fail(err);
      process.exit();
    });
    process.on('unhandledRejection', (err) => {
      fail(err);
      process.exit();
    });
  }
  const usage: { last?: UsageReport } = {};
  try {
    await buildProgram(usage).parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_CODES.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      const code = usageExitCode(err);
      if (code !== EXIT_CODES.ok && usage.last) {
        process.stderr.write(`${usage.last.text} (see: ${usage.last.command} --help)\n`);
      }
      return code;
    }
    return reportCliError(err, debug);
  }
}
