// biome-ignore-all lint/suspicious/noTemplateCurlyInString: SOCless resources are literal ${...} strings
import { describe, expect, it } from 'vitest';
import { INTEGRATION_CATALOG } from '../../hub/integrations/index.ts';
import { runLocalExecution } from '../../shared/local/executor.ts';
import { buildExecutionInput, compilePlaybook, withExternalIntegrations } from '../../shared/playbook/index.ts';
import { sourceOf } from '../fixtures/playbooks/catalog.ts';

const catalog = withExternalIntegrations(INTEGRATION_CATALOG, {
  'jira.TransitionIssue': { arn: 'arn:aws:lambda:eu-west-1:123456789012:function:jira-transition', interaction: false },
});

const playbook = {
  Playbook: 'JiraFlow',
  StartAt: 'Transition',
  States: {
    Transition: {
      Type: 'Task',
      Resource: '${{self:custom.jira.TransitionIssue}}',
      Parameters: { issue: '$.artifacts.event.details.issue', to: 'Done' },
      Next: 'Moved',
    },
    Moved: {
      Type: 'Choice',
      Choices: [{ Variable: '$.results.transitioned', BooleanEquals: true, Next: 'Done' }],
      Default: 'Not_Moved',
    },
    Done: { Type: 'Succeed' },
    Not_Moved: { Type: 'Fail', Error: 'NotMoved' },
  },
};

function compiled() {
  const result = compilePlaybook(sourceOf(playbook, 'jira_flow'), { integrations: catalog });
  if (!result.ok) throw new Error(result.problems.map((p) => p.reason).join('\n'));
  return result.playbook;
}

const input = buildExecutionInput({
  event: {
    id: 'evt-1',
    investigation_id: 'evt-1',
    event_type: 'ticket',
    created_at: '2026-01-01T00:00:00Z',
    playbook: 'jira_flow',
    details: { issue: 'SEC-1' },
  },
  execution_id: 'exec-1',
  account: { id: '111122223333', mode: 'notify' },
});

describe('an external integration in a SOCless-style playbook', () => {
  it('is invoked with what SOCless gives a Lambda, and keeps only results and errors of what it returns', () => {
    const state = (compiled().definition.States as Record<string, Record<string, unknown>>).Transition;
    expect(state?.Parameters).toEqual({
      'execution_id.$': '$$.Execution.Name',
      'artifacts.$': '$.artifacts',
      'results.$': '$.results',
      'errors.$': '$.errors',
      State_Config: { Name: 'Transition', Parameters: { issue: '$.artifacts.event.details.issue', to: 'Done' } },
    });
    expect(state?.ResultSelector).toEqual({
      'execution_id.$': '$$.Execution.Name',
      'artifacts.$': '$$.Execution.Input.artifacts',
      'results.$': '$.results',
      'errors.$': '$.errors',
    });
    // The default ResultPath ("$"): the selected result replaces the state's data.
    expect(state?.ResultPath).toBeUndefined();
  });

  it('fails locally without a mock, naming the state and the integration', async () => {
    const result = await runLocalExecution(compiled().definition, input, { handlers: new Map() });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('Local.ExternalIntegration');
    expect(result.cause).toContain('state "Transition" calls the external integration "jira_transition_issue"');
    expect(result.cause).toContain('give the test case a mock for "Transition"');
  });

  it('takes a mock written as the integration result and branches on it as SOCless data', async () => {
    const result = await runLocalExecution(compiled().definition, input, {
      handlers: new Map(),
      mocks: { Transition: { transitioned: true, key: 'SEC-1' } },
    });
    expect(result.status, `${result.error}: ${result.cause}`).toBe('SUCCEEDED');
    expect(result.states).toEqual(['Transition', 'Moved', 'Done']);
    expect((result.output as { results: unknown }).results).toEqual({
      Transition: { transitioned: true, key: 'SEC-1' },
      transitioned: true,
      key: 'SEC-1',
    });
    const failed = await runLocalExecution(compiled().definition, input, {
      handlers: new Map(),
      mocks: { Transition: { error: 'Jira.Down', cause: 'no' } },
    });
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('Jira.Down');
  });
});
