/**
 * A playbook that fails for real (an integration error after its retries) shows the failing state and the
 * integration's own message in the NDJSON line and the local table, never the Fail state's "see the history".
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { INTEGRATION_CATALOG } from '../../hub/integrations/index.ts';
import { DEFAULT_PLAYBOOKS_DIR, type LocalExecution, type LocalOutcome } from '../../scripts/local/hub.ts';
import { failureOf, outcomeLine } from '../../scripts/local/report.ts';
import { normalizeEvent } from '../../shared/events/index.ts';
import { runLocalExecution } from '../../shared/local/executor.ts';
import { executionInputForEvent } from '../../shared/pipeline/execution-input.ts';
import { compileAllPlaybooks } from '../../shared/playbook/index.ts';

const EVENT = fileURLToPath(
  new URL('../../playbooks/guardduty-triage/events/crypto-mining-high.json', import.meta.url),
);

describe('a failed playbook run', () => {
  it('names the failing state and its message in the run, the NDJSON line and the table text', async () => {
    const compiled = compileAllPlaybooks(DEFAULT_PLAYBOOKS_DIR, { integrations: INTEGRATION_CATALOG });
    const triage = compiled.playbooks.find((p) => p.name === 'guardduty-triage')!;
    const normalized = normalizeEvent(readFileSync(EVENT, 'utf8'));
    if (!normalized.ok) throw new Error(normalized.reason);
    const event = normalized.events[0]!;
    const unavailable = Object.assign(new Error('accounts table socless-accounts is unavailable (ResourceNotFound)'), {
      name: 'AccountsUnavailable',
    });
    const handlers = new Map<string, () => Promise<unknown>>([
      [
        'enrich_account',
        async () => {
          throw unavailable;
        },
      ],
      ['notify_email', async () => ({ message_id: 'm-1' })],
      ['counter', async () => ({ count: 1 })],
      ['set_investigation_status', async () => ({ status: 'closed' })],
    ]);

    const result = await runLocalExecution(
      triage.definition,
      executionInputForEvent(event, {
        playbook: 'guardduty-triage',
        executionName: 'exec-fail',
        account: { id: event.account, mode: 'dry-run' },
      }),
      { handlers: handlers as never, retryIntervalMs: 0, stateMachineName: 'guardduty-triage' },
    );

    expect(result.status).toBe('FAILED');
    expect(result.failure).toEqual({
      state: 'Enrich_Account',
      error: 'AccountsUnavailable',
      cause: 'accounts table socless-accounts is unavailable (ResourceNotFound)',
    });
    const run: LocalExecution = { playbook: 'guardduty-triage', name: 'exec-fail', arn: result.executionArn, result };
    expect(failureOf(run)).toMatchObject({ state: 'Enrich_Account', error: 'Enrich_Account: AccountsUnavailable' });
    const outcome: LocalOutcome = {
      eventId: event.id,
      status: 'dispatched',
      playbooks: ['guardduty-triage'],
      executions: [{ playbook: 'guardduty-triage', name: 'exec-fail', arn: result.executionArn }],
      runs: [run],
    };
    const line = outcomeLine('crypto-mining-high.json', [outcome]);
    expect(line.error).toBe('guardduty-triage failed at Enrich_Account: AccountsUnavailable');
    expect(line.cause).toBe('accounts table socless-accounts is unavailable (ResourceNotFound)');
    expect(JSON.stringify(line)).not.toContain('see $.errors');
    expect((line.execution as { failedState?: string }).failedState).toBe('Enrich_Account');
  });
});
