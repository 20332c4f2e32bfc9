import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Code, type IFunction, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PlaybookStateMachine } from '../../hub/constructs/playbook-state-machine.ts';
import { TRACING_CONTEXT_KEY } from '../../hub/constructs/socless-function.ts';
import { type CompiledPlaybook, integrationPlaceholder } from '../../shared/deploy-model.ts';

// A hand-written ASL that uses one integration twice (a plain task and a callback task) and another not at all.
const PLAYBOOK: CompiledPlaybook = {
  name: 'triage',
  workflow: 'standard',
  triggers: [],
  integrations: ['enrich'],
  definition: {
    StartAt: 'Enrich',
    States: {
      Enrich: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: integrationPlaceholder('enrich'), 'Payload.$': '$' },
        Next: 'Ask',
      },
      Ask: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: integrationPlaceholder('enrich'), Payload: { 'token.$': '$$.Task.Token' } },
        End: true,
      },
    },
  },
};

function fixture(context: Record<string, unknown> = {}) {
  const app = new App({ context });
  const stack = new Stack(app, 'PlaybookTest', { env: { account: '111111111111', region: 'eu-west-1' } });
  const key = new Key(stack, 'Key', { enableKeyRotation: true });
  const fn = (id: string) =>
    new LambdaFunction(stack, id, {
      runtime: Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler=async()=>({})'),
    });
  const functions = new Map<string, IFunction>([
    ['enrich', fn('Enrich')],
    ['unused', fn('Unused')],
  ]);
  return { app, stack, key, functions };
}

function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
}

describe('PlaybookStateMachine', () => {
  let f: ReturnType<typeof fixture>;
  let playbook: PlaybookStateMachine;
  let template: Template;

  beforeAll(() => {
    f = fixture();
    playbook = new PlaybookStateMachine(f.stack, 'Triage', { playbook: PLAYBOOK, functions: f.functions, key: f.key });
    template = Template.fromStack(f.stack);
  });

  it('deploys the ASL as written and substitutes each placeholder with the function ARN', () => {
    const enrich = logicalId(f.functions.get('enrich')!);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'socless-triage',
      StateMachineType: 'STANDARD',
      DefinitionString: JSON.stringify(PLAYBOOK.definition),
      DefinitionSubstitutions: { fn_enrich: { 'Fn::GetAtt': [enrich, 'Arn'] } },
    });
    expect(playbook.integrations).toEqual(['enrich']);
  });

  it('may invoke exactly the referenced function and nothing else', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter(
      (p) => p.Properties.Roles[0].Ref === logicalId(playbook.stateMachine.role),
    );
    const invoke = policies
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: unknown; Resource: unknown }>)
      .filter((s) => JSON.stringify(s.Action).includes('lambda:'));
    expect(invoke).toEqual([
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: { 'Fn::GetAtt': [logicalId(f.functions.get('enrich')!), 'Arn'] },
      },
    ]);
  });

  it('logs errors with execution data to a KMS-encrypted vended-logs group, without X-Ray unless config.tracing asks', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      // ERROR, not ALL: ALL with data cost more than the state machine itself (npm run bench -- cost).
      LoggingConfiguration: Match.objectLike({ Level: 'ERROR', IncludeExecutionData: true }),
      TracingConfiguration: { Enabled: false },
    });
    const g = fixture({ [TRACING_CONTEXT_KEY]: 'active' });
    new PlaybookStateMachine(g.stack, 'Traced', { playbook: PLAYBOOK, functions: g.functions, key: g.key });
    Template.fromStack(g.stack).hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/vendedlogs/states/socless-triage',
      KmsKeyId: { 'Fn::GetAtt': [logicalId(f.key), 'Arn'] },
    });
  });

  it('deploys an express playbook as an EXPRESS state machine', () => {
    const g = fixture();
    new PlaybookStateMachine(g.stack, 'Fast', {
      playbook: { ...PLAYBOOK, name: 'fast', workflow: 'express' },
      functions: g.functions,
      key: g.key,
    });

    Template.fromStack(g.stack).hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'socless-fast',
      StateMachineType: 'EXPRESS',
    });
  });

  it('names the playbook and the integration when a placeholder has no function', () => {
    const g = fixture();
    const definition = {
      StartAt: 'Notify',
      States: { Notify: { Type: 'Task', Resource: integrationPlaceholder('send_message'), End: true } },
    };

    expect(
      () =>
        new PlaybookStateMachine(g.stack, 'Broken', {
          playbook: { ...PLAYBOOK, name: 'broken', definition },
          functions: g.functions,
          key: g.key,
        }),
    ).toThrow(
      `Playbook "broken" references integration "send_message" (${integrationPlaceholder('send_message')}) but no function is deployed for it; deployed integrations: enrich, unused`,
    );
  });

  it('refuses a playbook name that cannot be a state machine name', () => {
    const g = fixture();

    expect(
      () =>
        new PlaybookStateMachine(g.stack, 'Bad', {
          playbook: { ...PLAYBOOK, name: 'has spaces' },
          functions: g.functions,
          key: g.key,
        }),
    ).toThrow('Playbook "has spaces": state machine name "socless-has spaces" must be 1-80 letters, digits, - or _');
  });
});
