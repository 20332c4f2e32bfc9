/**
 * The SOCless-style fixtures' playbook test cases (test/fixtures/socless/playbooks/<name>/tests/*.json), run as
 * `npx socless playbook test test/fixtures/socless/playbooks test/fixtures/socless/create-events --config
 * test/fixtures/socless/config.json` runs
 * them: on the local executor, the real socless_core against dynalite, Slack states mocked. Each case asserts what
 * the states saw and returned as the SOCless contract says (parameters resolved as socless_python does, results
 * flattened, errors at errors.<State>, the click of PromptForConfirmation branching, a native Interaction's
 * answer flattened like a Task's result).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { INTEGRATION_CATALOG, INTEGRATIONS } from '../../hub/integrations/index.ts';
import { loadConfigFile } from '../../shared/config.ts';
import { normalizeWebhookEvent, signWebhookPayload } from '../../shared/events/webhook.ts';
import { runPlaybookTests } from '../../shared/local/playbook-tests.ts';
import { playbookVariablesFrom } from '../../shared/playbook/dialect.ts';
import { loadPlaybookPath } from '../../shared/playbook/loader.ts';

const fixture = (path: string) => fileURLToPath(new URL(`../fixtures/socless/${path}`, import.meta.url));

describe('SOCless-style fixtures through socless playbook test', () => {
  it('pass every case', async () => {
    const config = loadConfigFile(fixture('config.json'));
    const results = await runPlaybookTests({
      sources: [...loadPlaybookPath(fixture('playbooks')), ...loadPlaybookPath(fixture('create-events'))],
      integrations: INTEGRATIONS.values(),
      catalog: INTEGRATION_CATALOG,
      variables: playbookVariablesFrom(config),
    });
    const failed = results
      .filter((r) => !r.passed)
      .map((r) => `${r.playbook}: ${r.description}\n  ${r.failures.join('\n  ')}`);
    expect(failed).toEqual([]);
    expect(results.map((r) => `${r.playbook}/${r.file.split('/').at(-1)}`).sort()).toEqual([
      'approve_fix/approved.json',
      'approve_fix/rejected.json',
      'ask_reply/travel.json',
      'ask_reply/unexpected.json',
      'core_tour/known-owner.json',
      'core_tour/service-down.json',
      'login_sweep/creates-events.json',
      'slack_tour/it-was-them.json',
      'slack_tour/no-analyst.json',
      'slack_tour/not-them.json',
    ]);
  });

  it('use as their event what POST /events makes of the SOCless create-events body with dedup keys', () => {
    const body = readFileSync(fixture('create-events-body.json'), 'utf8');
    const secret = 'whsec_fixture';
    const t = Date.parse('2026-01-01T12:00:00Z') / 1000;
    const intake = normalizeWebhookEvent(
      { headers: { 'x-socless-signature': `t=${t},v1=${signWebhookPayload(secret, t, body)}` }, body },
      {
        sender: {
          name: 'legacy-socless',
          sources: [],
          accounts: ['111122223333'],
          mayRemediate: false,
          severityMayReachAuto: false,
        },
        secret,
        now: t * 1000,
        autoMinSeverity: 'HIGH',
        hubAccountId: '111111111111',
        region: 'us-east-1',
      },
    );
    if (!intake.ok) throw new Error(intake.reason);
    for (const playbook of ['core_tour', 'slack_tour', 'ask_reply', 'approve_fix']) {
      const event = JSON.parse(readFileSync(fixture(`playbooks/${playbook}/events/create-events.json`), 'utf8'));
      expect(event, playbook).toEqual(intake.items[0]?.envelope);
    }
  });
});
