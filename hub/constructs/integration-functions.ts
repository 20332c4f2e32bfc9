import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { IntegrationDeployment } from '../../shared/deploy-model.ts';
import { PLAYBOOK_EVENT_DETAIL_TYPE, PLAYBOOK_EVENT_SOURCE_PREFIX } from '../../shared/events/socless-create-events.ts';
import { EVENT_BUS_ENV, NOTIFY_TOPIC_ENV } from '../../shared/integration-runtime/deps.ts';
import { hubRemediationRoleArn } from '../../shared/names.ts';
import {
  EXTERNAL_ID_SECRET_ENV,
  HUB_REMEDIATION_ROLE_ENV,
  remediationEnvironment,
} from '../integrations/remediate/integration.ts';
import { constructIdOf, type HubTables } from './hub-tables.ts';
import type { KillSwitchParameter } from './kill-switch.ts';
import { SoclessFunction, type SoclessFunctionDefaults } from './socless-function.ts';

export {
  EXTERNAL_ID_SECRET_ENV,
  HUB_REMEDIATION_ROLE_ENV,
} from '../integrations/remediate/integration.ts';

/** Properties of {@link IntegrationFunctions}. */
export interface IntegrationFunctionsProps extends SoclessFunctionDefaults {
  /** One Lambda per deployment, each with its own role. */
  readonly deployments: readonly IntegrationDeployment[];
  readonly tables: HubTables;
  readonly vault: IBucket;
  /**
   * How far automatic remediation may go (severity floor, blast-radius budgets, never-automatic entries config
   * names as automatic, per-remediation settings), for functions that assume spoke roles.
   * @default the configuration defaults (HIGH, 10 per account and 100 per org per hour)
   */
  readonly remediation?: Parameters<typeof remediationEnvironment>[0];
  /** The SNS topic integrations with `notifies` publish to (KMS-encrypted; e-mail subscribers). */
  readonly notificationTopic: ITopic;
  /**
   * The hub's bus, where integrations with `createsEvents` put playbook-created events.
   * @default none (such an integration is refused)
   */
  readonly eventBus?: IEventBus;
  /** The secret holding the sts:ExternalId spoke roles require; functions that assume spoke roles may read it. */
  readonly externalIdSecret: ISecret;
  /**
   * The remediation kill switch; functions that assume spoke roles may read exactly it.
   * @default none: those functions cannot read a kill switch, which they treat as on (nothing is applied)
   */
  readonly killSwitch?: KillSwitchParameter;
}

/**
 * The integration Lambdas playbooks call: one SoclessFunction per IntegrationDeployment, bound to the tables and
 * vault it declares, with its extra statements, and — if it assumes spoke roles — allowed to assume the hub
 * remediation role (see HubRemediationRole for the role-chaining design).
 */
export class IntegrationFunctions extends Construct {
  /** Integration id → its function wrapper. */
  readonly byId: ReadonlyMap<string, SoclessFunction>;
  /** Functions that assume spoke roles to fix: the HubRemediationRole trusts exactly these (and the readers). */
  readonly spokeAssumers: readonly SoclessFunction[];
  /** Functions that assume spoke roles to read only: trusted only with the read-only source identity. */
  readonly spokeReaders: readonly SoclessFunction[];

  constructor(scope: Construct, id: string, props: IntegrationFunctionsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const byId = new Map<string, SoclessFunction>();
    const assumers: SoclessFunction[] = [];
    const readers: SoclessFunction[] = [];

    for (const [i, deployment] of props.deployments.entries()) {
      validateDeployment(deployment, i, byId);
      const fn = new SoclessFunction(this, constructIdOf(deployment.id), {
        key: props.key,
        network: props.network,
        entry: deployment.entry,
        description: `Integration ${deployment.id}: ${deployment.description}`,
        timeout: Duration.seconds(deployment.timeoutSeconds ?? 30),
        memorySize: deployment.memoryMb ?? 256,
      });
      for (const { table, access } of deployment.tables) fn.bindTable(props.tables.tables[table], access);
      if (deployment.vault) fn.bindVault(props.vault, deployment.vault);
      if (deployment.notifies) fn.bindTopic(props.notificationTopic, NOTIFY_TOPIC_ENV);
      if (deployment.createsEvents) {
        if (!props.eventBus)
          throw new Error(`IntegrationFunctions: ${deployment.id} creates events but no eventBus is given`);
        // Only playbook-created events: the endpoint takes a socless.playbook.* event only from the hub account.
        fn.addToRolePolicy(
          new PolicyStatement({
            actions: ['events:PutEvents'],
            resources: [props.eventBus.eventBusArn],
            conditions: {
              StringLike: { 'events:source': `${PLAYBOOK_EVENT_SOURCE_PREFIX}*` },
              StringEquals: { 'events:detail-type': PLAYBOOK_EVENT_DETAIL_TYPE },
            },
          }),
        );
        fn.function.addEnvironment(EVENT_BUS_ENV, props.eventBus.eventBusArn);
      }
      for (const statement of deployment.statements ?? []) {
        fn.addToRolePolicy(
          new PolicyStatement({ actions: [...statement.actions], resources: [...statement.resources] }),
        );
        acknowledgeDeclaredWildcards(fn, deployment.id, statement);
      }
      if (deployment.assumesSpokeRoles) {
        const hubRoleArn = hubRemediationRoleArn(stack.account, stack.partition);
        fn.addToRolePolicy(
          new PolicyStatement({
            // A reader must set its read-only source identity: the hub role's trust admits it only with it.
            actions: [
              'sts:AssumeRole',
              'sts:TagSession',
              ...(deployment.readOnlySpokeAccess ? ['sts:SetSourceIdentity'] : []),
            ],
            resources: [hubRoleArn],
          }),
        );
        fn.function.addEnvironment(HUB_REMEDIATION_ROLE_ENV, hubRoleArn);
        // Read at run time: the value is in no template or Lambda environment.
        props.externalIdSecret.grantRead(fn.function);
        fn.function.addEnvironment(EXTERNAL_ID_SECRET_ENV, props.externalIdSecret.secretArn);
        // The kill switch and the auto limits concern what applies fixes (it keeps the remediations table); a
        // read-only spoke reader (SOCless AWSRequest) gets neither.
        if (deployment.tables.some((t) => t.table === 'remediations')) {
          props.killSwitch?.grantRead(fn);
          const environment = remediationEnvironment(
            props.remediation ?? { autoMinSeverity: 'HIGH', maxAutoPerAccountPerHour: 10, maxAutoPerOrgPerHour: 100 },
          );
          for (const [name, value] of Object.entries(environment)) fn.function.addEnvironment(name, value);
        }
        (deployment.readOnlySpokeAccess ? readers : assumers).push(fn);
      }
      byId.set(deployment.id, fn);
    }
    this.byId = byId;
    this.spokeAssumers = assumers;
    this.spokeReaders = readers;
  }

  /** Integration id → what a state machine invokes. */
  get invokeTargets(): ReadonlyMap<string, IFunction> {
    return new Map([...this.byId].map(([id, fn]) => [id, fn.invokeTarget]));
  }
}

function validateDeployment(d: IntegrationDeployment, index: number, seen: ReadonlyMap<string, unknown>): void {
  const where = `integrations[${index}]`;
  if (!/^[A-Za-z0-9_]+$/.test(d.id)) {
    throw new Error(
      `${where}.id "${d.id}" must contain only letters, digits and _ (it becomes the \${fn_<id>} placeholder)`,
    );
  }
  if (seen.has(d.id)) throw new Error(`${where}.id "${d.id}" is deployed twice`);
  // Records hold undo inputs and the blast-radius counters: only what acts in spokes keeps them.
  if (d.tables.some((t) => t.table === 'remediations') && !d.assumesSpokeRoles) {
    throw new Error(
      `${where} "${d.id}" may not use the remediations table: only integrations that assume spoke roles do`,
    );
  }
  const results = d.tables.find((t) => t.table === 'results');
  if (results && results.access !== 'write-own') {
    throw new Error(
      `${where} "${d.id}" asks for "${results.access}" on the results table; integrations get "write-own"`,
    );
  }
  if (!isAbsolute(d.entry) || !existsSync(d.entry)) {
    throw new Error(`${where}.entry of integration "${d.id}" must be an absolute path to an existing file: ${d.entry}`);
  }
}

function acknowledgeDeclaredWildcards(
  fn: SoclessFunction,
  integrationId: string,
  statement: NonNullable<IntegrationDeployment['statements']>[number],
): void {
  const grant = `${statement.actions.join(', ')} on ${statement.resources.join(', ')}`;
  const reason = `Declared by integration "${integrationId}" in its IntegrationDeployment.statements (${grant}); reviewed with the integration.`;
  for (const action of statement.actions.filter((a) => a.includes('*')))
    fn.acknowledge(`AwsSolutions-IAM5[Action::${action}]`, reason);
  for (const resource of statement.resources.filter((r) => r.includes('*'))) {
    fn.acknowledge(`AwsSolutions-IAM5[Resource::${resource}]`, reason);
  }
}
