import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENDPOINT_ENV } from '../functions/endpoint.ts';
import type { HubTables } from './hub-tables.ts';
import { SigningSecret } from './signing-secret.ts';
import { SoclessFunction, type SoclessFunctionDefaults } from './socless-function.ts';

/** Properties of {@link EndpointFunction}. */
export interface EndpointFunctionProps extends SoclessFunctionDefaults {
  /** The endpoint writes the `events` table. */
  readonly tables: HubTables;
  /** The ingest queue the SoclessBus rules feed. */
  readonly ingestQueue: IQueue;
  /**
   * Warm instances on the latency-critical path (config `endpointProvisionedConcurrency`).
   * @default 0
   */
  readonly provisionedConcurrency?: number;
}

/**
 * The endpoint Lambda (hub/functions/endpoint.ts): consumes the ingest queue (partial batch failures on) and
 * serves `POST /events`, verifying webhook signatures with its own signing secret.
 */
export class EndpointFunction extends Construct {
  readonly handler: SoclessFunction;
  /** Shared with webhook senders; they sign `POST /events` with it. */
  readonly signingSecret: SigningSecret;

  constructor(scope: Construct, id: string, props: EndpointFunctionProps) {
    super(scope, id);
    this.signingSecret = new SigningSecret(this, 'SigningSecret', {
      key: props.key,
      usedBy: 'webhook senders of POST /events',
    });
    this.handler = new SoclessFunction(this, 'Endpoint', {
      key: props.key,
      network: props.network,
      entry: fileURLToPath(new URL('../functions/endpoint.ts', import.meta.url)),
      description: 'Validates incoming security events and records them in the events table before anything else',
      timeout: Duration.seconds(30),
      provisionedConcurrency: props.provisionedConcurrency,
    });
    this.handler.bindTable(props.tables.tables.events, 'rw');
    this.handler.bindSecret(this.signingSecret.secret, ENDPOINT_ENV.signingSecretArn);
    this.handler.invokeTarget.addEventSource(
      new SqsEventSource(props.ingestQueue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
      }),
    );
  }
}
