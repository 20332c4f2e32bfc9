// biome-ignore-all lint/suspicious/noTemplateCurlyInString: SOCless resources and variables are literal ${...} strings
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config.ts';
import {
  compilePlaybook,
  defineIntegrationCatalog,
  externalIntegrationId,
  type IntegrationCatalog,
  type PlaybookVariables,
  parseSoclessReference,
  playbookVariablesFrom,
  resolveResource,
  SOCLESS_ALIASES,
  withExternalIntegrations,
} from '../../shared/playbook/index.ts';
import { sourceOf } from '../fixtures/playbooks/catalog.ts';
import { SAMPLE_CONFIG_INPUT } from '../hub/synth-hub.ts';

/** The built-ins the alias table points at, as the runtime registers them. */
const CATALOG: IntegrationCatalog = defineIntegrationCatalog([
  { id: 'socless_core', references: [], description: 'SOCless core operations' },
  { id: 'socless_slack', references: [], description: 'socless-slack operations' },
  { id: 'socless_aws_request', references: [], description: 'SOCless AWSRequest' },
  { id: 'socless_slack_prompt', references: [], description: 'socless-slack prompts', interaction: true },
  { id: 'enrich_account', references: ['socless.EnrichAccount'], description: 'native' },
]);

const JIRA_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:jira-transition';

function compileWith(json: unknown, options: { catalog?: IntegrationCatalog; variables?: PlaybookVariables } = {}) {
  return compilePlaybook(sourceOf(json, 'demo'), {
    integrations: options.catalog ?? CATALOG,
    ...(options.variables ? { variables: options.variables } : {}),
  });
}

function okStates(result: ReturnType<typeof compileWith>): Record<string, Record<string, unknown>> {
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.path}: ${p.reason}`).join('\n'));
  return result.playbook.definition.States as Record<string, Record<string, unknown>>;
}

describe('SOCless reference forms', () => {
  it('parses the custom, typo and function-ARN forms into group and name', () => {
    expect(parseSoclessReference('${{self:custom.core.CacheResults}}')).toEqual({
      form: 'custom',
      group: 'core',
      name: 'CacheResults',
    });
    expect(parseSoclessReference('${{self.custom.slack.SendMessage}}')).toEqual({
      form: 'custom-typo',
      group: 'slack',
      name: 'SendMessage',
    });
    expect(
      parseSoclessReference(
        'arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${{self:functions.SendMessage.name}}',
      ),
    ).toEqual({ form: 'function', group: 'functions', name: 'SendMessage' });
    expect(parseSoclessReference('enrich_account')).toBeUndefined();
  });

  it('resolves every name of the alias table, under any group and in every form, to its built-in and operation', () => {
    for (const alias of SOCLESS_ALIASES) {
      for (const resource of [
        `\${{self:custom.core.${alias.name}}}`,
        `\${{self:custom.anygroup.${alias.name}}}`,
        `\${{self.custom.slack.${alias.name}}}`,
        `arn:aws:lambda:\${AWS::Region}:\${AWS::AccountId}:function:\${{self:functions.${alias.name}.name}}`,
      ]) {
        const resolved = resolveResource(CATALOG, resource);
        expect(resolved, resource).toMatchObject({
          kind: 'integration',
          via: 'alias',
          entry: { id: alias.integration },
          alias: { operation: alias.name },
        });
      }
    }
  });

  it('keeps native references native and says which built-in is missing from a smaller build', () => {
    expect(resolveResource(CATALOG, '${{self:custom.socless.EnrichAccount}}')).toMatchObject({ via: 'native' });
    const small = defineIntegrationCatalog([{ id: 'enrich_account', references: [], description: 'x' }]);
    const result = compileWith(
      {
        Playbook: 'demo',
        StartAt: 'A',
        States: { A: { Type: 'Task', Resource: '${{self:custom.core.Counter}}', End: true } },
      },
      { catalog: small },
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems[0]?.reason).toBe(
      'SOCless integration "Counter" maps to the built-in integration "socless_core" (operation Counter), which this build does not include: declare your own Lambda for it in integrations.external meanwhile',
    );
  });
});

describe('external integrations from the configuration', () => {
  const playbook = {
    Playbook: 'Jira Flow',
    StartAt: 'Transition',
    States: {
      Transition: {
        Type: 'Task',
        Resource: '${{self:custom.jira.TransitionIssue}}',
        Parameters: { issue: '$.artifacts.event.details.issue' },
        End: true,
      },
    },
  };

  it('refuses an unknown team integration and prints the integrations.external entry to add', () => {
    const result = compileWith(playbook);
    expect(result.ok).toBe(false);
    const problem = !result.ok ? result.problems[0] : undefined;
    expect(problem?.path).toBe('$.States.Transition.Resource');
    expect(problem?.file).toBe('/virtual/playbooks/demo/playbook.json');
    expect(problem?.reason).toContain('unknown integration "${{self:custom.jira.TransitionIssue}}"');
    expect(problem?.reason).toContain('"integrations":{"external":{"TransitionIssue":{"arn":');
  });

  it('compiles a declared external to its own placeholder and SOCless execution data', () => {
    const config = parseConfig(
      { ...SAMPLE_CONFIG_INPUT, integrations: { external: { 'jira.TransitionIssue': { arn: JIRA_ARN } } } },
      'test config',
    );
    const catalog = withExternalIntegrations(CATALOG, config.integrations.external);
    const result = compileWith(playbook, { catalog });
    const states = okStates(result);
    expect(externalIntegrationId('jira.TransitionIssue')).toBe('ext_jira_transition_issue');
    expect(states.Transition?.Resource).toBe('${fn_ext_jira_transition_issue}');
    expect(result.ok && result.playbook.integrations).toEqual(['ext_jira_transition_issue']);
    expect(result.ok && result.compat).toBe('socless');
    expect(result.ok && result.displayName).toBe('Jira Flow');
  });

  it('rejects a configuration entry that is not a Lambda function ARN, naming the field', () => {
    expect(() =>
      parseConfig(
        { ...SAMPLE_CONFIG_INPUT, integrations: { external: { TransitionIssue: { arn: 'arn:aws:sns:x' } } } },
        'prod.json',
      ),
    ).toThrow(/prod\.json: \$\.integrations\.external\.TransitionIssue\.arn: must be a Lambda function ARN/);
  });

  it('lets an Interaction use an external only when it is declared as one', () => {
    const ask = {
      Playbook: 'demo',
      StartAt: 'Ask',
      States: {
        Ask: { Type: 'Interaction', Resource: '${{self:custom.pager.Ask}}', TimeoutSeconds: 60, End: true },
      },
    };
    const plain = withExternalIntegrations(CATALOG, { Ask: { arn: JIRA_ARN, interaction: false } });
    const notOk = compileWith(ask, { catalog: plain });
    expect(!notOk.ok && notOk.problems[0]?.reason).toMatch(/does not wait for a human/);
    const interactive = withExternalIntegrations(CATALOG, { Ask: { arn: JIRA_ARN, interaction: true } });
    const states = okStates(compileWith(ask, { catalog: interactive }));
    expect((states.Ask?.Parameters as Record<string, unknown> | undefined)?.FunctionName).toBe('${fn_ext_ask}');
  });
});

describe('Serverless variables and apb_render_nonstring_value', () => {
  const config = parseConfig(
    {
      ...SAMPLE_CONFIG_INPUT,
      stage: 'prod',
      variables: { prod: { waits: { prod: 45 }, channel: 'sec-prod', escalation: { minutes: 30 } } },
    },
    'test config',
  );
  const variables = playbookVariablesFrom(config);

  const waiting = (seconds: unknown, text = 'stage ${{self:provider.stage}} to ${{self:custom.channel}}') => ({
    Playbook: 'demo',
    StartAt: 'Hold',
    States: {
      Hold: { Type: 'Wait', Seconds: seconds, Next: 'Note' },
      Note: { Type: 'Pass', Result: { text, minutes: '${{self:custom.escalation.minutes}}' }, End: true },
    },
  });

  it('resolves nested stage variables inside apb_render_nonstring_value to a number', () => {
    const states = okStates(
      compileWith(waiting('apb_render_nonstring_value(${{self:custom.waits.${{self:provider.stage}}}})'), {
        variables,
      }),
    );
    expect(states.Hold?.Seconds).toBe(45);
    expect(states.Note?.Result).toEqual({ text: 'stage prod to sec-prod', minutes: 30 });
  });

  it('names an undefined variable and where it was written', () => {
    const result = compileWith(waiting('apb_render_nonstring_value(${{self:custom.waits.staging}})'), { variables });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([
      {
        file: '/virtual/playbooks/demo/playbook.json',
        path: '$.States.Hold.Seconds',
        reason:
          'variable "waits.staging" (${{self:custom.waits.staging}}) is not defined: add it under variables.prod in the configuration',
      },
    ]);
  });

  it('refuses the stage when the configuration sets none, and a value that is not JSON', () => {
    const noStage = compileWith(waiting(5), { variables: { values: {} } });
    expect(!noStage.ok && noStage.problems.map((p) => p.reason)).toContain(
      '${{self:provider.stage}} is used but the configuration sets no "stage"',
    );
    const notJson = compileWith(waiting('apb_render_nonstring_value(soon)', 'x'), { variables });
    expect(!notJson.ok && notJson.problems[0]?.path).toBe('$.States.Hold.Seconds');
    expect(!notJson.ok && notJson.problems[0]?.reason).toMatch(/"soon" is not a JSON value/);
  });
});

describe('the legacy AwaitMessageResponseActivity', () => {
  it('is refused with the Interaction state that replaces the message Task and the Activity', () => {
    const result = compileWith({
      Playbook: 'demo',
      StartAt: 'Ask_Analyst',
      States: {
        Ask_Analyst: {
          Type: 'Task',
          Resource: '${{self:custom.slack.PromptForConfirmation}}',
          Parameters: { target: 'secops', target_type: 'channel', text: 'Was it you?' },
          Next: 'Await_Answer',
        },
        Await_Answer: {
          Type: 'Task',
          Resource: '${{self:custom.core.AwaitMessageResponseActivity}}',
          TimeoutSeconds: 3600,
          Next: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    });
    expect(result.ok).toBe(false);
    const problem = !result.ok ? result.problems.find((p) => p.path === '$.States.Await_Answer.Resource') : undefined;
    expect(problem?.reason).toMatch(/^AwaitMessageResponseActivity .* is not supported/);
    const written = JSON.parse((problem?.reason ?? '').split('Write: ')[1] ?? '{}');
    expect(written).toEqual({
      Ask_Analyst: {
        Type: 'Interaction',
        Resource: '${{self:custom.slack.PromptForConfirmation}}',
        Parameters: { target: 'secops', target_type: 'channel', text: 'Was it you?' },
        TimeoutSeconds: 3600,
        Next: 'Done',
      },
    });
  });
});
