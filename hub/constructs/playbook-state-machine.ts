import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  type CompiledPlaybook,
  integrationPlaceholder,
  integrationSubstitutionKey,
  referencedIntegrations,
} from '../../shared/deploy-model.ts';
import { SoclessError } from '../../shared/errors.ts';
import { STATE_MACHINE_LOGGING } from '../../shared/state-machine-logging.ts';
import { tracingActive } from './socless-function.ts';

/** Prefix of every playbook state machine name: `socless-<playbook>`. */
export const STATE_MACHINE_NAME_PREFIX = 'socless-';

/** Properties of {@link PlaybookStateMachine}. */
export interface PlaybookStateMachineProps {
  /** The compiled playbook: ASL with `${fn_<id>}` placeholders. */
  readonly playbook: CompiledPlaybook;
  /** Integration id → the function (or alias) its placeholder stands for. */
  readonly functions: ReadonlyMap<string, IFunction>;
  /** Key of the execution-log group. */
  readonly key: IKey;
  /**
   * Retention of the execution logs.
   * @default RetentionDays.ONE_YEAR
   */
  readonly logRetention?: RetentionDays;
}

/**
 * One playbook as a state machine, named `socless-<playbook>` so the endpoint can build its ARN. The compiled
 * ASL is deployed as written, with each `${fn_<id>}` placeholder substituted by the function's ARN; the role may
 * invoke exactly the referenced functions. Logs to an encrypted group at the level shared/state-machine-logging.ts
 * sets per workflow type (errors with their data: every state's output is in the results table, and a Standard
 * execution's history in Step Functions), and traces with X-Ray when `config.tracing` is `active`.
 */
export class PlaybookStateMachine extends Construct {
  readonly stateMachine: StateMachine;
  readonly playbook: CompiledPlaybook;
  /** Integration ids the definition references, sorted. */
  readonly integrations: readonly string[];

  constructor(scope: Construct, id: string, props: PlaybookStateMachineProps) {
    super(scope, id);
    const { playbook } = props;
    this.playbook = playbook;
    const name = `${STATE_MACHINE_NAME_PREFIX}${playbook.name}`;
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) {
      throw new SoclessError(
        `Playbook "${playbook.name}": state machine name "${name}" must be 1-80 letters, digits, - or _; rename the playbook`,
      );
    }

    this.integrations = referencedIntegrations(playbook.definition);
    const substitutions: Record<string, string> = {};
    const functions: IFunction[] = [];
    for (const integrationId of this.integrations) {
      const fn = props.functions.get(integrationId);
      if (!fn) {
        const deployed = [...props.functions.keys()].sort().join(', ') || 'none';
        throw new SoclessError(
          `Playbook "${playbook.name}" references integration "${integrationId}" (${integrationPlaceholder(integrationId)}) but no function is deployed for it; deployed integrations: ${deployed}`,
        );
      }
      substitutions[integrationSubstitutionKey(integrationId)] = fn.functionArn;
      functions.push(fn);
    }

    const logGroup = new LogGroup(this, 'Logs', {
      // The vended-logs prefix keeps Step Functions from growing the account's CloudWatch Logs resource policy.
      logGroupName: `/aws/vendedlogs/states/${name}`,
      encryptionKey: props.key,
      retention: props.logRetention ?? RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const logging = STATE_MACHINE_LOGGING[playbook.workflow];
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: name,
      comment: `SOCless playbook ${playbook.name}`,
      definitionBody: DefinitionBody.fromString(JSON.stringify(playbook.definition)),
      definitionSubstitutions: substitutions,
      stateMachineType: playbook.workflow === 'express' ? StateMachineType.EXPRESS : StateMachineType.STANDARD,
      logs: {
        destination: logGroup,
        level: LogLevel[logging.level],
        includeExecutionData: logging.includeExecutionData,
      },
      tracingEnabled: tracingActive(this),
    });
    if (functions.length > 0) {
      this.stateMachine.addToRolePolicy(
        new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: functions.map((f) => f.functionArn) }),
      );
    }
    if (logging.level !== 'ALL') {
      Validations.of(this.stateMachine).acknowledge({
        id: 'AwsSolutions-SF1',
        reason: `Logs at ${logging.level} with execution data (shared/state-machine-logging.ts): ALL with data cost more than the state machine itself (npm run bench -- cost); every state's output is kept in the results table, and a Standard execution's history in Step Functions.`,
      });
    }
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Step Functions log delivery (logs:CreateLogDelivery and related) and X-Ray (PutTraceSegments, GetSamplingRules) actions do not support resource-level permissions.',
    });
    if (!tracingActive(this)) {
      Validations.of(this.stateMachine).acknowledge({
        id: 'AwsSolutions-SF2',
        reason:
          'X-Ray is off by default (config.tracing): at the default sampling it costs more than the automated path per million events (npm run bench -- cost); each run is in the results table, errors with data in the logs. Set tracing to active to trace.',
      });
    }
  }
}
