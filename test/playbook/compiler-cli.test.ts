// biome-ignore-all lint/suspicious/noTemplateCurlyInString: SOCless resources and ASL placeholders are literal ${...} strings
import { join, relative } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { SoclessError } from '../../shared/errors.ts';
import { BROKEN_DIR, GOOD_DIR, TEST_CATALOG } from '../fixtures/playbooks/catalog.ts';

// The `playbook test` sub-command belongs to another module; only its registration is checked here.
vi.mock('../../scripts/commands/playbook-test.ts', () => ({
  registerPlaybookTestSubcommand: vi.fn((playbook: Command) => {
    playbook.command('test').description('stub for the compiler CLI tests');
  }),
}));

const { registerPlaybookCommand } = await import('../../scripts/commands/playbook.ts');

async function cli(...args: string[]): Promise<{ out: string; err: string; exitCode: number | undefined }> {
  const program = new Command('socless').exitOverride();
  registerPlaybookCommand(program, async () => TEST_CATALOG);
  await program.parseAsync(['node', 'socless', ...args]);
  const out = stdout.mock.calls.map((c) => String(c[0])).join('');
  const err = stderr.mock.calls.map((c) => String(c[0])).join('');
  return { out, err, exitCode: process.exitCode === undefined ? undefined : Number(process.exitCode) };
}

let stdout: MockInstance<typeof process.stdout.write>;
let stderr: MockInstance<typeof process.stderr.write>;

beforeEach(() => {
  stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe('socless playbook', () => {
  it('validate reports ok playbooks with their workflow and exits 0', async () => {
    const { out, exitCode } = await cli('playbook', 'validate', '--dir', GOOD_DIR);
    expect(out).toContain('ok InvestigateLogin (standard: Interaction state(s): Prompt_For_Confirmation)');
    expect(out).toContain('ok enrich_and_notify (express:');
    expect(exitCode).toBeUndefined();
  });

  it('validate prints one "file: path: reason" line per problem and exits 1', async () => {
    const { out, exitCode } = await cli('playbook', 'validate', 'not_json', '--dir', BROKEN_DIR);
    const file = relative(process.cwd(), join(BROKEN_DIR, 'not_json', 'playbook.json'));
    expect(out).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\$: not valid JSON: .+\n$`));
    expect(exitCode).toBe(1);
  });

  it('validate takes playbook paths: a playbook.json, a playbook folder, or a folder of playbooks', async () => {
    const file = join(GOOD_DIR, 'enrich_and_notify', 'playbook.json');
    const byFile = await cli('playbook', 'validate', file);
    expect(byFile.out).toContain('ok enrich_and_notify (express:');
    stdout.mockClear();
    const byFolder = await cli('playbook', 'validate', join(GOOD_DIR, 'InvestigateLogin'));
    expect(byFolder.out).toContain('ok InvestigateLogin (standard:');
    expect(byFolder.out).not.toContain('enrich_and_notify');
    stdout.mockClear();
    const all = await cli('playbook', 'validate', `${GOOD_DIR}/`);
    expect(all.out).toContain('ok InvestigateLogin');
    expect(all.out).toContain('ok enrich_and_notify');
    expect(all.exitCode).toBeUndefined();
    await expect(cli('playbook', 'validate', './no/such/playbook')).rejects.toThrow(/the path does not exist/);
  });

  it('validate of a mismatched Playbook name succeeds with a warning', async () => {
    const { out, exitCode } = await cli('playbook', 'validate', 'name_mismatch', '--dir', BROKEN_DIR);
    expect(out).toContain('ok name_mismatch (express:');
    expect(out).toContain('warning: ');
    expect(out).toContain('"SomethingElse" is kept for display');
    expect(exitCode).toBeUndefined();
  });

  it('validate --json returns problems and warnings per playbook', async () => {
    const { out } = await cli('playbook', 'validate', '--json', '--dir', BROKEN_DIR);
    const rows = JSON.parse(out) as Array<{ name: string; ok: boolean; problems: unknown[] }>;
    expect(rows.map((r) => [r.name, r.ok])).toEqual([
      ['many_problems', false],
      ['name_mismatch', true],
      ['no_playbook_file', false],
      ['not_json', false],
    ]);
    expect(rows[0]?.problems.length).toBeGreaterThan(4);
  });

  it('compile prints the ASL definition', async () => {
    const { out } = await cli('playbook', 'compile', 'enrich_and_notify', '--dir', GOOD_DIR);
    const asl = JSON.parse(out) as { StartAt: string; States: Record<string, { Resource?: string }> };
    expect(asl.StartAt).toBe('Enrich');
    expect(asl.States.Notify?.Resource).toBe('${fn_notify}');
  });

  it('compile --json prints the whole compiled playbook', async () => {
    const { out } = await cli('playbook', 'compile', 'enrich_and_notify', '--json', '--dir', GOOD_DIR);
    expect(JSON.parse(out)).toMatchObject({
      name: 'enrich_and_notify',
      workflow: 'express',
      integrations: ['enrich_account', 'notify'],
    });
  });

  it('compile of a broken playbook writes the problems to stderr and exits 1', async () => {
    const { out, err, exitCode } = await cli('playbook', 'compile', 'many_problems', '--dir', BROKEN_DIR);
    expect(out).toBe('');
    expect(err).toMatch(/many_problems[\\/]playbook\.json: \$\.States\.Enrich\.Resource: unknown integration/);
    expect(exitCode).toBe(1);
  });

  it('list --json shows each playbook with its workflow and integrations', async () => {
    const { out } = await cli('playbook', 'list', '--json', '--dir', GOOD_DIR);
    expect(JSON.parse(out)).toEqual([
      {
        name: 'InvestigateLogin',
        ok: true,
        workflow: 'standard',
        triggers: 0,
        integrations: ['enrich_account', 'notify', 'prompt_for_confirmation', 'set_investigation_status'],
      },
      {
        name: 'enrich_and_notify',
        ok: true,
        workflow: 'express',
        triggers: 1,
        integrations: ['enrich_account', 'notify'],
      },
    ]);
  });

  it('graph prints a Mermaid flowchart', async () => {
    const { out } = await cli('playbook', 'graph', 'InvestigateLogin', '--dir', GOOD_DIR);
    expect(out.startsWith('flowchart TD\n')).toBe(true);
    expect(out).toContain('Prompt_For_Confirmation (waits for a human)');
  });

  it('names the known playbooks when asked for an unknown one', async () => {
    await expect(cli('playbook', 'compile', 'nope', '--dir', GOOD_DIR)).rejects.toThrow(SoclessError);
    await expect(cli('playbook', 'compile', 'nope', '--dir', GOOD_DIR)).rejects.toThrow(
      /known: InvestigateLogin, enrich_and_notify/,
    );
  });

  it('registers the playbook test sub-command', () => {
    const program = new Command('socless');
    registerPlaybookCommand(program, async () => TEST_CATALOG);
    const playbook = program.commands.find((c) => c.name() === 'playbook');
    expect(playbook?.commands.map((c) => c.name())).toEqual(['list', 'compile', 'validate', 'graph', 'test', 'import']);
  });
});
