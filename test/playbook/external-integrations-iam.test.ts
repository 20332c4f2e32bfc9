import { describe, expect, it } from 'vitest';
import { integrationPlaceholder } from '../../shared/deploy-model.ts';
import { externalIntegrationId } from '../../shared/playbook/index.ts';
import { SAMPLE_PLAYBOOK, synthHub } from '../hub/synth-hub.ts';

const JIRA_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:jira-transition';
const PAGER_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:pager-ask';

describe('external integrations in the hub stack', () => {
  it('substitutes the configured ARN and lets the state machine invoke exactly the ARNs it references', () => {
    const id = externalIntegrationId('jira.TransitionIssue');
    const { template } = synthHub(
      {
        integrations: {
          external: { 'jira.TransitionIssue': { arn: JIRA_ARN }, Ask: { arn: PAGER_ARN, interaction: true } },
        },
      },
      {
        playbooks: [
          SAMPLE_PLAYBOOK,
          {
            name: 'jira_flow',
            workflow: 'express',
            integrations: [id],
            triggers: [],
            definition: {
              StartAt: 'Transition',
              States: { Transition: { Type: 'Task', Resource: integrationPlaceholder(id), End: true } },
            },
          },
        ],
      },
    );
    const machines = template.findResources('AWS::StepFunctions::StateMachine');
    const jira = Object.values(machines).find((m) => JSON.stringify(m).includes('socless-jira_flow')) as {
      Properties: { DefinitionSubstitutions: Record<string, unknown>; RoleArn: unknown };
    };
    expect(jira.Properties.DefinitionSubstitutions).toEqual({ [`fn_${id}`]: JIRA_ARN });
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).map((p) => JSON.stringify(p));
    const invoking = policies.filter((p) => p.includes(JIRA_ARN));
    expect(invoking).toHaveLength(1);
    // The pager ARN is configured but referenced by no playbook: no role may invoke it.
    expect(policies.some((p) => p.includes(PAGER_ARN))).toBe(false);
    const statement = JSON.parse(invoking[0] as string).Properties.PolicyDocument.Statement.find(
      (s: { Action: unknown }) => s.Action === 'lambda:InvokeFunction',
    );
    expect(statement.Resource).toEqual(JIRA_ARN);
  });
});
