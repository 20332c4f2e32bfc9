import { type CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { integrationCatalogFor, integrationDeployments } from '../../hub/integrations/index.ts';
import { parseConfig } from '../../shared/config.ts';
import { EXPRESS_VARIANTS } from '../../shared/pipeline/workflow-variants.ts';
import { compileAllPlaybooks, playbookVariablesFrom } from '../../shared/playbook/index.ts';
import { SAMPLE_CONFIG_INPUT, type SynthesizedHub, synthHub } from './synth-hub.ts';

// The shipped playbooks as the app deploys them: the Express twin of remediate-finding is its own EXPRESS state
// machine that logs failures with their data, the endpoint may start it, and nothing may answer a task token of it.
type Resources = Record<string, { Properties: Record<string, unknown> }>;
let hub: SynthesizedHub;

beforeAll(() => {
  const config = parseConfig(SAMPLE_CONFIG_INPUT, 'cdk.json');
  const compiled = compileAllPlaybooks(undefined, {
    integrations: integrationCatalogFor(config),
    variables: playbookVariablesFrom(config),
  });
  expect(compiled.problems).toEqual([]);
  hub = synthHub({}, { integrations: integrationDeployments(), playbooks: compiled.playbooks });
}, 240_000);

function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
}

describe('remediate-finding and its Express twin in the hub', () => {
  it('deploys both: Standard for asking a person, Express for the rest, each logging errors with data', () => {
    const twin = EXPRESS_VARIANTS['remediate-finding']!.playbook;
    const machines = Object.fromEntries(hub.stack.playbooks.map((p) => [p.playbook.name, p]));
    const props = (name: string) =>
      (hub.template.findResources('AWS::StepFunctions::StateMachine') as Resources)[
        logicalId(machines[name]!.stateMachine)
      ]!.Properties;
    expect(props('remediate-finding').StateMachineType).toBe('STANDARD');
    expect(props(twin)).toMatchObject({
      StateMachineName: `socless-${twin}`,
      StateMachineType: 'EXPRESS',
      LoggingConfiguration: { Level: 'ERROR', IncludeExecutionData: true },
    });
    // Never routed by triggers: the pipeline starts it by mode.
    expect(machines[twin]!.playbook.triggers).toEqual([]);
  });

  it('lets the endpoint start the twin, and the interactions function answer only Standard playbooks', () => {
    const twin = EXPRESS_VARIANTS['remediate-finding']!.playbook;
    const policies = Object.values(hub.template.findResources('AWS::IAM::Policy') as Resources);
    const statementsOf = (role: IConstruct) =>
      policies
        .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: logicalId(role) }]))
        .flatMap(
          (p) => (p.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement,
        );
    const start = statementsOf(hub.stack.endpoint.handler.role).find((s) =>
      JSON.stringify(s.Action).includes('states:StartExecution'),
    );
    expect(JSON.stringify(start?.Resource)).toContain(`stateMachine:socless-${twin}`);
    const answers = statementsOf(hub.stack.interactions.handler.role).filter((s) =>
      JSON.stringify(s.Action).includes('states:SendTaskSuccess'),
    );
    expect(answers.length).toBeGreaterThan(0);
    const express = hub.stack.playbooks.find((p) => p.playbook.name === twin)!;
    expect(JSON.stringify(answers)).not.toContain(logicalId(express.stateMachine));
  });
});
