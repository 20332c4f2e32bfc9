// biome-ignore-all lint/suspicious/noTemplateCurlyInString: SOCless resources and ASL placeholders are literal ${...} strings
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkRenderedAsl,
  compileAllPlaybooks,
  compilePlaybook,
  DEFAULT_RETRY,
  loadPlaybookSource,
  soclessRendererStateOverhead,
  TASK_FAILURE_END_STATE,
  TASK_FAILURE_HANDLER_STATE,
  WAIT_FOR_TASK_TOKEN_RESOURCE,
} from '../../shared/playbook/index.ts';
import { GOOD_DIR, TEST_CATALOG } from '../fixtures/playbooks/catalog.ts';

type States = Record<string, Record<string, unknown>>;

function compileFixture(name: string) {
  const source = loadPlaybookSource(join(GOOD_DIR, name));
  const result = compilePlaybook(source, { integrations: TEST_CATALOG });
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.path}: ${p.reason}`).join('\n'));
  return { source, result, states: result.playbook.definition.States as States };
}

describe('SOCless compatibility: a Twilio-style playbook', () => {
  it('compiles unchanged, with every ${{self:custom...}} resource resolved to a placeholder', () => {
    const before = readFileSync(join(GOOD_DIR, 'InvestigateLogin', 'playbook.json'), 'utf8');
    const { result, states } = compileFixture('InvestigateLogin');
    expect(readFileSync(join(GOOD_DIR, 'InvestigateLogin', 'playbook.json'), 'utf8')).toBe(before);
    expect(result.ok && result.playbook.integrations).toEqual([
      'enrich_account',
      'notify',
      'prompt_for_confirmation',
      'set_investigation_status',
    ]);
    expect(states.Enrich_Account?.Resource).toBe('${fn_enrich_account}');
    expect(states.Close_Investigation?.Resource).toBe('${fn_set_investigation_status}');
    expect(JSON.stringify(result.ok && result.playbook.definition)).not.toContain('self:custom');
  });

  it('keeps the author’s state names and adds only the failure-handler chain', () => {
    const { states } = compileFixture('InvestigateLogin');
    expect(Object.keys(states)).toEqual([
      'Enrich_Account',
      'Send_Message_To_Channel',
      'Prompt_For_Confirmation',
      'Was_It_Them',
      'Wait_Before_Escalating',
      'Escalate',
      'Close_Investigation',
      TASK_FAILURE_HANDLER_STATE,
      TASK_FAILURE_END_STATE,
    ]);
  });

  it('converts legacy $.artifacts/$.results references and keeps mixed templates for the runtime', () => {
    const { states } = compileFixture('InvestigateLogin');
    const send = states.Send_Message_To_Channel?.Parameters as Record<string, Record<string, unknown>>;
    expect(send.parameters).toEqual({
      'target.$': '$.results.Enrich_Account.owner_channel',
      target_type: 'channel',
      message_template:
        'Suspicious login by {{context.artifacts.event.details.username}} in {{context.results.Enrich_Account.account_name}}',
    });
    expect(send.context).toEqual({ 'artifacts.$': '$.artifacts', 'results.$': '$.results' });
    const enrich = states.Enrich_Account?.Parameters as Record<string, Record<string, unknown>>;
    expect(enrich.parameters).toEqual({
      'account_id.$': '$.artifacts.event.details.account',
      'username.$': '$.artifacts.event.details.username',
    });
    expect(enrich.context).toBeUndefined();
  });

  it('renders the Interaction as a callback task and infers a standard workflow', () => {
    const { result, states } = compileFixture('InvestigateLogin');
    const ask = states.Prompt_For_Confirmation as Record<string, unknown>;
    expect(ask.Resource).toBe(WAIT_FOR_TASK_TOKEN_RESOURCE);
    expect((ask.Parameters as Record<string, Record<string, unknown>>).Payload?.['task_token.$']).toBe('$$.Task.Token');
    expect(ask.Catch).toEqual([
      { ErrorEquals: ['States.Timeout'], ResultPath: '$.errors.Prompt_For_Confirmation', Next: 'Close_Investigation' },
      {
        ErrorEquals: ['States.TaskFailed'],
        ResultPath: '$.errors.Prompt_For_Confirmation',
        Next: TASK_FAILURE_HANDLER_STATE,
      },
    ]);
    expect(result.ok && result.playbook.workflow).toBe('standard');
  });

  it('applies DisableDefaultRetry and merges the user retry the way sls-apb does', () => {
    const { states } = compileFixture('InvestigateLogin');
    expect(states.Close_Investigation?.Retry).toBeUndefined();
    expect(states.Escalate?.Retry).toEqual([
      { ErrorEquals: ['Lambda.ServiceException'], IntervalSeconds: 5, MaxAttempts: 3, BackoffRate: 1.5 },
      { ...DEFAULT_RETRY, ErrorEquals: ['Lambda.AWSLambdaException', 'Lambda.SdkClientException'] },
    ]);
  });

  it('produces ASL that asl-validator accepts, for every good fixture', () => {
    const { playbooks, problems } = compileAllPlaybooks(GOOD_DIR, { integrations: TEST_CATALOG });
    expect(problems).toEqual([]);
    expect(playbooks.map((p) => p.name)).toEqual(['InvestigateLogin', 'enrich_and_notify']);
    for (const p of playbooks) expect(checkRenderedAsl(p.definition, p.name)).toEqual([]);
  });

  it('carries Triggers and infers express for a playbook that never waits', () => {
    const { result } = compileFixture('enrich_and_notify');
    expect(result.ok && result.playbook.workflow).toBe('express');
    expect(result.ok && result.playbook.triggers).toHaveLength(1);
  });
});

describe('soclessRendererStateOverhead', () => {
  const playbook = JSON.parse(readFileSync(join(GOOD_DIR, 'InvestigateLogin', 'playbook.json'), 'utf8')) as unknown;

  it('counts the direct-execution Choice and the formatter Pass on every run', () => {
    const overhead = soclessRendererStateOverhead(playbook, { visited: ['Enrich_Account', 'Close_Investigation'] });
    expect(overhead).toEqual({
      extraTransitions: 2,
      extraLambdaInvocations: 0,
      breakdown: { setup: 2, parallelMerge: 0, failureLabel: 0, helperStates: 0 },
    });
  });

  it('counts a merge Lambda state for each Parallel run and the setup Lambda on a direct start', () => {
    const withParallel = {
      States: {
        P: { Type: 'Parallel', Branches: [{ StartAt: 'Q', States: { Q: { Type: 'Parallel', Branches: [] } } }] },
      },
    };
    const overhead = soclessRendererStateOverhead(withParallel, {
      visited: ['P', 'Q', 'P', 'Q'],
      directInvocation: true,
    });
    expect(overhead.breakdown.parallelMerge).toBe(4);
    expect(overhead.extraTransitions).toBe(6);
    expect(overhead.extraLambdaInvocations).toBe(5);
  });

  it('counts the _Task_Failed label on a run that reached the failure handler', () => {
    const overhead = soclessRendererStateOverhead(playbook, {
      visited: ['Enrich_Account', TASK_FAILURE_HANDLER_STATE],
    });
    expect(overhead.breakdown.failureLabel).toBe(1);
    expect(overhead.extraTransitions).toBe(3);
  });

  it('counts renderer v1 helper states for each task with Parameters, assuming every state runs once', () => {
    const overhead = soclessRendererStateOverhead(playbook, { legacyHelperStates: true });
    expect(overhead.breakdown.helperStates).toBe(5);
    expect(overhead.extraTransitions).toBe(7);
  });
});
