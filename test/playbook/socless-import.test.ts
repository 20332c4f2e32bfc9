// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Serverless variables are literal ${...} strings
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { INTEGRATION_CATALOG } from '../../hub/integrations/index.ts';
import { importSoclessRepository, readServerlessCustom } from '../../shared/playbook/socless-import.ts';

vi.mock('../../scripts/commands/playbook-test.ts', () => ({
  registerPlaybookTestSubcommand: vi.fn((playbook: Command) => {
    playbook.command('test').description('stub for the import CLI tests');
  }),
}));

const { registerPlaybookCommand } = await import('../../scripts/commands/playbook.ts');

const REPO = fileURLToPath(new URL('../fixtures/socless/repo/', import.meta.url));

let stdout: MockInstance<typeof process.stdout.write>;
beforeEach(() => {
  stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

async function cli(...args: string[]): Promise<string> {
  const program = new Command('socless').exitOverride();
  registerPlaybookCommand(program, async () => INTEGRATION_CATALOG);
  await program.parseAsync(['node', 'socless', ...args]);
  return stdout.mock.calls.map((c) => String(c[0])).join('');
}

describe('socless playbook import', () => {
  it('reads the custom mappings of serverless.yml', () => {
    const custom = readServerlessCustom(readFileSync(join(REPO, 'serverless.yml'), 'utf8'));
    expect(custom).toMatchObject({
      jira: { TransitionIssue: '${cf:socless-jira-${self:provider.stage}.TransitionIssue}' },
      escalation_wait: { prod: 900, dev: 5 },
    });
  });

  it('reports per playbook what maps to built-ins and what needs an external, with the config to add', () => {
    const report = importSoclessRepository(REPO, {
      catalog: INTEGRATION_CATALOG,
      variables: { stage: 'prod', values: {} },
    });
    expect(report.playbooks.map((p) => [p.name, p.compiles])).toEqual([
      ['ticket_flow', false],
      ['triage_login', false],
    ]);
    const triage = report.playbooks[1];
    expect(triage?.references.map((r) => [r.state, r.maps])).toEqual([
      ['Notify', { to: 'built-in', integration: 'socless_slack', operation: 'SendMessage' }],
      ['Close', { to: 'built-in', integration: 'socless_core', operation: 'SetInvestigationStatus' }],
    ]);
    expect(triage?.variables).toEqual(['escalation_wait.prod']);
    expect(report.variablesFound).toEqual({ prod: { 'escalation_wait.prod': 900 } });
    expect(report.playbooks[0]?.references[0]?.maps).toEqual({
      to: 'missing',
      name: 'TransitionIssue',
      serverless: '${cf:socless-jira-${self:provider.stage}.TransitionIssue}',
    });
    expect(Object.keys(report.externalsToAdd)).toEqual(['TransitionIssue']);
  });

  it('prints the report and writes nothing without --write', async () => {
    const out = mkdtempSync(join(tmpdir(), 'socless-import-'));
    try {
      const text = await cli('playbook', 'import', REPO, '--out', out, '--config-out', join(out, 'fragment.json'));
      expect(text).toContain('Notify: built-in socless_slack SendMessage');
      expect(text).toContain('Move_Ticket: MISSING: declare integrations.external.TransitionIssue');
      expect(text).toContain('"TransitionIssue": {');
      expect(text).toContain('nothing written');
      expect(existsSync(join(out, 'triage_login'))).toBe(false);
      expect(existsSync(join(out, 'fragment.json'))).toBe(false);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('with --write copies the playbooks and writes the configuration fragment, never over existing files', async () => {
    const out = mkdtempSync(join(tmpdir(), 'socless-import-'));
    try {
      const fragmentFile = join(out, 'fragment.json');
      await cli('playbook', 'import', REPO, '--write', '--out', out, '--config-out', fragmentFile);
      expect(readFileSync(join(out, 'triage_login', 'playbook.json'), 'utf8')).toBe(
        readFileSync(join(REPO, 'playbooks', 'triage_login', 'playbook.json'), 'utf8'),
      );
      const fragment = JSON.parse(readFileSync(fragmentFile, 'utf8'));
      expect(fragment.integrations.external.TransitionIssue).toMatchObject({ interaction: false });
      // No stage configured: every stage serverless.yml lists under the variable.
      expect(fragment.variables).toEqual({
        prod: { escalation_wait: { prod: 900 } },
        dev: { escalation_wait: { dev: 5 } },
      });
      stdout.mockClear();
      const again = await cli('playbook', 'import', REPO, '--write', '--out', out, '--config-out', fragmentFile);
      expect(again).toContain('skipped triage_login');
      expect(again).toContain(`skipped ${fragmentFile}`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
