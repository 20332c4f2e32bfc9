import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { allCommands, buildProgram, commandPath, type UsageReport } from '../../scripts/cli.ts';

const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');

/** A command's full `--help` text, with the sections added after it (examples, exit codes). */
function helpOf(cmd: Command): string {
  let text = '';
  cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  cmd.outputHelp();
  return text;
}

/** The command an argv names, and the words that are left. */
function resolveCommand(program: Command, words: readonly string[]): Command {
  let cmd = program;
  for (const w of words) {
    const sub = cmd.commands.find((c) => c.name() === w || c.aliases().includes(w));
    if (!sub) break;
    cmd = sub;
  }
  return cmd;
}

/**
 * Splits a command line as written in the README into words: `<execution id>` placeholders are one word
 * (any value: the parser only checks that a value is there), `[--flag x]` optional parts count as given,
 * `approve|reject` takes its first choice, and a `# comment` ends the line.
 */
function wordsOf(line: string): string[] {
  const withoutComment = line.replace(/\s#.*$/, '');
  const words = withoutComment.match(/<[^>]*>|"[^"]*"|\S+/g) ?? [];
  return words
    .map((w) => w.replace(/^\[|\]$/g, ''))
    .filter((w) => w !== '' && w !== '…')
    .map((w) => (w.startsWith('<') ? 'x' : (w.split('|')[0] as string)));
}

/** Every `socless …` command line in the README: code-block lines and inline code spans. */
function readmeCommandLines(): string[] {
  const lines: string[] = [];
  const blocks = README.match(/```[a-z]*\n[\s\S]*?```/g) ?? [];
  for (const block of blocks) {
    for (const l of block.split('\n')) {
      const m = /^\s*(?:npx\s+)?socless\s+(.*)$/.exec(l);
      if (m) lines.push(`socless ${m[1]}`);
    }
  }
  const prose = README.replace(/```[a-z]*\n[\s\S]*?```/g, '');
  for (const m of prose.matchAll(/`(?:npx\s+)?socless\s+([^`]+)`/g)) {
    lines.push(`socless ${(m[1] as string).replace(/\s+/g, ' ')}`);
  }
  return lines;
}

/** Parses a command line with the real parser, every action replaced by a no-op; the usage error, if any. */
async function parseError(line: string): Promise<string | undefined> {
  const usage: { last?: UsageReport } = {};
  const program = buildProgram(usage);
  for (const cmd of allCommands(program)) {
    if ((cmd as unknown as { _actionHandler?: unknown })._actionHandler) cmd.action(() => undefined);
  }
  try {
    await program.parseAsync(['node', ...wordsOf(line)]);
    return undefined;
  } catch (err) {
    if (err instanceof CommanderError) return usage.last?.text ?? err.message;
    throw err;
  }
}

describe('socless --help', () => {
  const program = buildProgram();

  it.each(allCommands(program).map((c) => [commandPath(c), c] as const))(
    '%s has examples that run that command',
    (path, cmd) => {
      const help = helpOf(cmd);
      expect(help).toMatch(/\nExamples:\n/);
      const examples = [...help.matchAll(/^\s+\$ (socless .*)$/gm)].map((m) => m[1] as string);
      expect(examples.length).toBeGreaterThan(0);
      // Each example starts with this command (or, for a group, one of its sub-commands).
      for (const e of examples) expect(`${e} `.startsWith(`${path} `)).toBe(true);
    },
  );

  it('marks required options as required', () => {
    const required = allCommands(program).flatMap((c) =>
      c.options.filter((o) => o.mandatory).map((o) => [c, o] as const),
    );
    expect(required.length).toBeGreaterThan(0);
    for (const [cmd, option] of required) expect(helpOf(cmd)).toMatch(new RegExp(`${option.long} .*\\(required\\)`));
  });

  it('shows --port and --data in local answer, so the hub it answers can be named', () => {
    const answer = resolveCommand(program, ['local', 'answer']);
    expect(helpOf(answer)).toMatch(/--port <n>[\s\S]*--data <dir>/);
  });

  it('every example in every help parses with the real parser', async () => {
    const examples = allCommands(program).flatMap((c) =>
      [...helpOf(c).matchAll(/^\s+\$ (socless .*)$/gm)].map((m) => m[1] as string),
    );
    for (const e of examples) expect(await parseError(e), e).toBeUndefined();
  });
});

describe('README command lines', () => {
  const lines = readmeCommandLines();

  it('finds the command lines of the README', () => {
    expect(lines).toContain(
      'socless remediation undo <execution id> [--profile P] [--yes]   # once; partial applies too; asks first',
    );
    expect(lines.length).toBeGreaterThan(10);
  });

  it.each(lines)('%s: parses with the CLI, every flag in its --help', async (line) => {
    const program = buildProgram();
    const words = wordsOf(line).slice(1);
    const cmd = resolveCommand(program, words);
    expect(
      program.commands.map((c) => c.name()),
      `${line}: the CLI has no command ${words[0]}`,
    ).toContain(words[0]);
    // Prose that names a command ("`socless local answer` reads it") needs only the command to exist.
    const depth = commandPath(cmd).split(' ').length - 1;
    const namesOnly = words.length === depth && cmd.registeredArguments.some((a) => a.required);
    if (!namesOnly) expect(await parseError(line)).toBeUndefined();
    const help = [cmd, ...(cmd.parent ? [cmd.parent] : [])].map(helpOf).join('\n');
    for (const flag of words.filter((w) => w.startsWith('--'))) expect(help, line).toContain(flag);
  });

  it('a README line with a flag the CLI does not have fails the check', async () => {
    expect(await parseError('socless remediation undo x --table-name t')).toMatch(/unknown option '--table-name'/);
    expect(await parseError('socless org opt-in 123456789012')).toMatch(/required option '--mode <mode>'/);
  });
});
