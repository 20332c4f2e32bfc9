import { fileURLToPath } from 'node:url';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { INTERACTIONS_ENV } from '../functions/interactions.ts';
import type { HubTables } from './hub-tables.ts';
import { SigningSecret } from './signing-secret.ts';
import { SoclessFunction, type SoclessFunctionDefaults } from './socless-function.ts';

/** Properties of {@link InteractionsFunction}. */
export interface InteractionsFunctionProps extends SoclessFunctionDefaults {
  /** The function reads and answers `message_responses`. */
  readonly tables: HubTables;
}

/**
 * The interactions Lambda (hub/functions/interactions.ts) behind `POST /interactions/{provider}`: verifies the
 * responder's signature, claims the answer once, and resumes the waiting playbook.
 */
export class InteractionsFunction extends Construct {
  readonly handler: SoclessFunction;
  /** Shared with the systems that relay human answers; they sign their callbacks with it. */
  readonly signingSecret: SigningSecret;

  constructor(scope: Construct, id: string, props: InteractionsFunctionProps) {
    super(scope, id);
    this.signingSecret = new SigningSecret(this, 'SigningSecret', {
      key: props.key,
      usedBy: 'responders calling POST /interactions/{provider}',
    });
    this.handler = new SoclessFunction(this, 'Interactions', {
      key: props.key,
      network: props.network,
      entry: fileURLToPath(new URL('../functions/interactions.ts', import.meta.url)),
      description: 'Records a human answer to a waiting playbook and resumes it (SendTaskSuccess/SendTaskFailure)',
    });
    this.handler.bindTable(props.tables.tables.message_responses, 'rw');
    this.handler.bindSecret(this.signingSecret.secret, INTERACTIONS_ENV.signingSecretArn);
  }

  /** Lets the function answer the task tokens of one state machine (only playbooks that wait need this). */
  allowTaskResponses(stateMachine: IStateMachine): void {
    stateMachine.grantTaskResponse(this.handler.grantee);
  }
}
