import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { INTEGRATION_CATALOG } from '../../hub/integrations/index.ts';
import { integrationRows, registerIntegrationCommand } from '../../scripts/commands/integration.ts';
import { SOCLESS_ALIASES } from '../../shared/playbook/index.ts';

let stdout: MockInstance<typeof process.stdout.write>;
beforeEach(() => {
  stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('socless integration list', () => {
  it('lists built-ins, every SOCless name with what serves it, and the configured externals', async () => {
    const rows = await integrationRows(async () => INTEGRATION_CATALOG);
    expect(rows.filter((r) => r.kind === 'alias').map((r) => r.name)).toEqual(SOCLESS_ALIASES.map((a) => a.name));
    expect(rows.find((r) => r.name === 'CacheResults')).toMatchObject({ target: 'socless_core CacheResults' });
    expect(rows.find((r) => r.name === 'PromptForConfirmation')).toMatchObject({ interaction: true });
    // Served only once the build hosts the operation: the rest say to declare an external.
    expect(rows.find((r) => r.name === 'AWSRequest')).toMatchObject({ target: 'socless_aws_request AWSRequest' });
    expect(rows.find((r) => r.name === 'AWSRequest')?.description).not.toContain('not served');
    expect(rows.find((r) => r.name === 'CreateEvents')).toMatchObject({ target: 'socless_core CreateEvents' });
    expect(rows.find((r) => r.name === 'CreateEvents')?.description).not.toContain('not served');
    expect(rows.find((r) => r.name === 'socless_core')?.target).toContain('HTTPRequest');
  });

  it('prints the groups and reads externals from --config', async () => {
    const { mkdtempSync, writeFileSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'socless-int-'));
    const cdk = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'));
    const file = join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        ...cdk.context.socless,
        integrations: {
          external: { TransitionIssue: { arn: 'arn:aws:lambda:eu-west-1:123456789012:function:jira-transition' } },
        },
      }),
    );
    const program = new Command('socless').exitOverride();
    registerIntegrationCommand(program, async () => INTEGRATION_CATALOG);
    await program.parseAsync(['node', 'socless', 'integration', 'list', '--config', file]);
    const out = stdout.mock.calls.map((c) => String(c[0])).join('');
    expect(out).toContain('built-in integrations:');
    expect(out).toContain('SendMessage → socless_slack SendMessage');
    expect(out).toContain('TransitionIssue → arn:aws:lambda:eu-west-1:123456789012:function:jira-transition');
  });
});
