import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { SoclessConfig } from '../shared/config.ts';
import type { CompiledPlaybook, IntegrationDeployment } from '../shared/deploy-model.ts';
import { externalIntegrationId } from '../shared/playbook/catalog.ts';
import { TABLE_KEYS } from '../shared/tables.ts';
import { DeadLetterQueue } from './constructs/dead-letter-queue.ts';
import { EndpointFunction } from './constructs/endpoint-function.ts';
import { ExternalIdSecret } from './constructs/external-id-secret.ts';
import { HubApi } from './constructs/hub-api.ts';
import { HubBuckets } from './constructs/hub-buckets.ts';
import { HubKey } from './constructs/hub-key.ts';
import { HubMonitoring } from './constructs/hub-monitoring.ts';
import { HubNetwork, hubAvailabilityZones } from './constructs/hub-network.ts';
import { HubRemediationRole } from './constructs/hub-remediation-role.ts';
import { constructIdOf, HubTables } from './constructs/hub-tables.ts';
import { HubUndoRole } from './constructs/hub-undo-role.ts';
import { IntegrationFunctions } from './constructs/integration-functions.ts';
import { InteractionsFunction } from './constructs/interactions-function.ts';
import { KillSwitchParameter } from './constructs/kill-switch.ts';
import { NotificationTopic } from './constructs/notification-topic.ts';
import { PlaybookStateMachine } from './constructs/playbook-state-machine.ts';
import { RegistrySyncFunction } from './constructs/registry-sync-function.ts';
import { SoclessBus } from './constructs/socless-bus.ts';
import { SoclessFunction, TRACING_CONTEXT_KEY } from './constructs/socless-function.ts';

const S3_ACCESS_LOGS_USE_BUCKET_POLICY = '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy';

/** Properties of {@link HubStack}. */
export interface HubStackProps extends StackProps {
  /** The validated socless configuration; it also fixes the stack's account and region. */
  readonly config: SoclessConfig;
  /** Integration Lambdas to deploy (one function and one role each). */
  readonly integrations: readonly IntegrationDeployment[];
  /** Compiled playbooks to deploy (one state machine each). */
  readonly playbooks: readonly CompiledPlaybook[];
}

/**
 * The SOCless core in the security (hub) account, home region: network, key, tables, buckets, the org-wide
 * bus and its ingest queue, the endpoint, the API, integrations, playbooks, and monitoring.
 */
export class HubStack extends Stack {
  readonly key: HubKey;
  readonly network: HubNetwork;
  readonly tables: HubTables;
  readonly buckets: HubBuckets;
  readonly bus: SoclessBus;
  readonly endpoint: EndpointFunction;
  readonly interactions: InteractionsFunction;
  /** Applies account tag changes the management account forwards to the accounts registry. */
  readonly registrySync: RegistrySyncFunction;
  readonly api: HubApi;
  readonly integrations: IntegrationFunctions;
  readonly notifications: NotificationTopic;
  readonly externalIdSecret: ExternalIdSecret;
  readonly remediationRole: HubRemediationRole;
  /** The operator-only role that reaches SoclessUndoRole; absent when config lists no operatorRoleArns. */
  readonly undoRole?: HubUndoRole;
  readonly killSwitch: KillSwitchParameter;
  readonly playbooks: readonly PlaybookStateMachine[];
  readonly monitoring: HubMonitoring;

  constructor(scope: Construct, id: string, props: HubStackProps) {
    const { config } = props;
    super(scope, id, { ...props, env: hubEnvironment(config, props.env) });
    // Server access logs are granted by bucket policy (ACLs stay disabled) whatever the app's cdk.json says.
    this.node.setContext(S3_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    // X-Ray on the hub's functions, state machines and API stage (config.tracing), read by each construct.
    this.node.setContext(TRACING_CONTEXT_KEY, config.tracing);

    this.key = new HubKey(this, 'Key');
    const key = this.key.key;
    this.network = new HubNetwork(this, 'Network', { natGateways: config.natGateways, key });
    const defaults = { key, network: this.network };
    this.tables = new HubTables(this, 'Tables', { key });
    this.buckets = new HubBuckets(this, 'Buckets', { key });

    this.bus = new SoclessBus(this, 'Bus', {
      organizationId: config.organizationId,
      archiveRetentionDays: config.eventArchiveRetentionDays,
      key,
      extraPatterns: props.playbooks.flatMap((p) => p.triggers),
    });
    this.endpoint = new EndpointFunction(this, 'Endpoint', {
      ...defaults,
      tables: this.tables,
      vault: this.buckets.vault,
      ingestQueue: this.bus.ingestQueue,
      playbooks: props.playbooks,
      dedupWindowMinutes: config.dedupWindowMinutes,
      defaultMode: config.remediation.defaultMode,
      provisionedConcurrency: config.endpointProvisionedConcurrency,
      webhooks: config.webhooks,
      trustedAggregators: config.trustedAggregators,
      autoMinSeverity: config.remediation.autoMinSeverity,
    });
    this.interactions = new InteractionsFunction(this, 'Interactions', { ...defaults, tables: this.tables, config });
    this.registrySync = new RegistrySyncFunction(this, 'RegistrySync', {
      ...defaults,
      tables: this.tables,
      bus: this.bus.bus,
      config,
    });
    this.api = new HubApi(this, 'Api', {
      key,
      endpoint: this.endpoint.handler.invokeTarget,
      interactions: this.interactions.handler.invokeTarget,
    });

    this.externalIdSecret = new ExternalIdSecret(this, 'ExternalId', { key, secretName: config.externalIdSecretName });
    this.notifications = new NotificationTopic(this, 'Notifications', { key, email: config.alarmEmail });
    this.killSwitch = new KillSwitchParameter(this, 'KillSwitch');
    this.integrations = new IntegrationFunctions(this, 'Integrations', {
      ...defaults,
      deployments: props.integrations,
      tables: this.tables,
      vault: this.buckets.vault,
      notificationTopic: this.notifications.topic,
      eventBus: this.bus.bus,
      remediation: config.remediation,
      externalIdSecret: this.externalIdSecret.secret,
      killSwitch: this.killSwitch,
    });
    this.interactions.wireIntegrations(this.integrations);
    this.remediationRole = new HubRemediationRole(this, 'RemediationRole', {
      organizationId: config.organizationId,
      assumers: this.integrations.spokeAssumers.map((fn) => fn.role),
      readers: this.integrations.spokeReaders.map((fn) => fn.role),
      operatorRoleArns: config.operatorRoleArns,
    });
    // Undo restores a weaker state: only operators reach it, and with none configured there is no undo role.
    if (config.operatorRoleArns.length > 0) {
      this.undoRole = new HubUndoRole(this, 'UndoRole', {
        organizationId: config.organizationId,
        operatorRoleArns: config.operatorRoleArns,
      });
    }

    // External integrations (config `integrations.external`): state machines may invoke exactly these ARNs.
    const targets = new Map(this.integrations.invokeTargets);
    for (const [name, external] of Object.entries(config.integrations.external)) {
      const id = externalIntegrationId(name);
      targets.set(id, LambdaFunction.fromFunctionArn(this, `External${constructIdOf(id)}`, external.arn));
    }
    this.playbooks = props.playbooks.map(
      (playbook) =>
        new PlaybookStateMachine(this, `Playbook${constructIdOf(playbook.name)}`, {
          playbook,
          functions: targets,
          key,
        }),
    );
    for (const playbook of this.playbooks) {
      if (playbook.playbook.workflow === 'standard') this.interactions.allowTaskResponses(playbook.stateMachine);
    }

    this.monitoring = new HubMonitoring(this, 'Monitoring', {
      key,
      alarmEmail: config.alarmEmail,
      endpoint: this.endpoint.handler,
      sweeper: this.endpoint.sweeper,
      functions: this.node.findAll().filter((c): c is SoclessFunction => c instanceof SoclessFunction),
      playbooks: this.playbooks,
      deadLetterQueues: DeadLetterQueue.findAll(this),
      ingestQueue: this.bus.ingestQueue,
    });

    this.addOutputs();
  }

  /** Fixed zones instead of the CDK default look-up: `cdk synth` must work offline, with no context file. */
  override get availabilityZones(): string[] {
    return hubAvailabilityZones();
  }

  private addOutputs(): void {
    new CfnOutput(this, 'BusArn', { value: this.bus.bus.eventBusArn, description: 'SoclessBus: spokes forward here' });
    new CfnOutput(this, 'ApiUrl', {
      value: this.api.url,
      description: 'Hub API (POST /events, POST /interactions/{provider})',
    });
    this.network.natEips.forEach((eip, i) => {
      new CfnOutput(this, `NatEip${i + 1}`, {
        value: eip.attrPublicIp,
        description: `Static egress address ${i + 1} of the hub (NAT gateway Elastic IP)`,
      });
    });
    new CfnOutput(this, 'HubRemediationRoleArn', {
      value: this.remediationRole.role.roleArn,
      description: 'The role spoke remediation roles trust',
    });
    if (this.undoRole) {
      new CfnOutput(this, 'HubUndoRoleArn', {
        value: this.undoRole.role.roleArn,
        description: 'The operator-only role spoke undo roles trust (socless remediation undo)',
      });
    }
    for (const name of TABLE_KEYS) {
      new CfnOutput(this, `Table${constructIdOf(name)}Name`, { value: this.tables.tables[name].tableName });
    }
    new CfnOutput(this, 'VaultBucketName', { value: this.buckets.vault.bucketName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.alarmTopic.topicArn });
  }
}

/** The hub's environment is the config's hub account and home region; a conflicting explicit env is an error. */
function hubEnvironment(config: SoclessConfig, env: StackProps['env']): { account: string; region: string } {
  const wanted = { account: config.hubAccountId, region: config.homeRegion };
  if (env?.account && env.account !== wanted.account) {
    throw new Error(`HubStack: env.account ${env.account} differs from config hubAccountId ${wanted.account}`);
  }
  if (env?.region && env.region !== wanted.region) {
    throw new Error(`HubStack: env.region ${env.region} differs from config homeRegion ${wanted.region}`);
  }
  return wanted;
}
