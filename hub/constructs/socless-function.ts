import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecurityGroup } from 'aws-cdk-lib/aws-ec2';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { type IGrantable, type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Alias, Architecture, type IFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { TableAccess } from '../../shared/deploy-model.ts';
import type { TableKey } from '../../shared/tables.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import type { HubNetwork } from './hub-network.ts';
import { tableDefinitionOf } from './hub-tables.ts';

/** Access a function gets to the vault. */
export type DataAccess = 'r' | 'rw';
export type { TableAccess } from '../../shared/deploy-model.ts';

/** DynamoDB item actions of each table access level (index ARNs get the same). */
export const TABLE_ACTIONS: Readonly<Record<TableAccess, readonly string[]>> = {
  r: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'],
  rw: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:ConditionCheckItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
  ],
  // Puts and (conditional) updates of its own items and reads them back: no delete, no batch write.
  'write-own': ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem', 'dynamodb:Query'],
};

/** The stronger of two bindings of one table (rw ⊃ write-own, r), as `tables` reports it. */
function widerAccess(a: TableAccess | undefined, b: TableAccess): TableAccess {
  if (a === 'rw' || b === 'rw') return 'rw';
  if (a === 'write-own' || b === 'write-own') return 'write-own';
  return 'r';
}

/** Environment variable that carries the vault bucket name into a Lambda. */
export const VAULT_BUCKET_ENV = 'SOCLESS_VAULT_BUCKET';
/** Environment variable that carries the hub bus name into a Lambda. */
export const BUS_NAME_ENV = 'SOCLESS_BUS_NAME';

/** What every hub Lambda shares: the hub key and the network it runs in. */
export interface SoclessFunctionDefaults {
  /** Encrypts the function's log group and dead-letter queue. */
  readonly key: IKey;
  /** The function runs in its private subnets, behind the NAT gateways. */
  readonly network: HubNetwork;
}

/** Properties of {@link SoclessFunction}. */
export interface SoclessFunctionProps extends SoclessFunctionDefaults {
  /** Absolute path of the handler module (TypeScript; esbuild bundles it). */
  readonly entry: string;
  /** One line on what the function does. */
  readonly description: string;
  /**
   * Exported handler name.
   * @default 'handler'
   */
  readonly handler?: string;
  /**
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Extra environment variables (table, vault and bus variables are set by the bind helpers).
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Build-time constants (esbuild `define`): data too large for the 4 KB environment, such as routing tables.
   * @default none
   */
  readonly define?: Readonly<Record<string, string>>;
  /**
   * Reserved concurrency: caps what one function can take from the account's pool.
   * @default - none (unreserved pool)
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Warm instances kept by a `live` alias; callers then invoke the alias ({@link SoclessFunction.invokeTarget}).
   * @default 0 (no alias)
   */
  readonly provisionedConcurrency?: number;
  /**
   * Retention of the function's log group.
   * @default RetentionDays.ONE_YEAR
   */
  readonly logRetention?: RetentionDays;
}

/**
 * Construct-tree context key carrying `config.tracing` ('off' | 'active'): the hub stack sets it once, and the
 * hub's functions, state machines and API stage read it, so no call site passes it along.
 */
export const TRACING_CONTEXT_KEY = 'socless:tracing';

/** Whether X-Ray active tracing is on for constructs under `scope` (`config.tracing`; off when unset). */
export function tracingActive(scope: Construct): boolean {
  return scope.node.tryGetContext(TRACING_CONTEXT_KEY) === 'active';
}

/**
 * The one Lambda wrapper of the hub. It sets the defaults once — newest Node.js runtime, ARM64, X-Ray as
 * `config.tracing` says (off by default), ESM
 * bundle, an encrypted log group, private subnets with the hub Lambdas' shared egress-only security group, an
 * encrypted async-invoke DLQ,
 * its own role — and offers `bindX` helpers that set an environment variable and the matching grant together.
 */
export class SoclessFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: IRole;
  readonly logGroup: LogGroup;
  readonly deadLetterQueue: DeadLetterQueue;
  readonly alias?: Alias;
  /** What callers (API Gateway, event sources, state machines) invoke: the alias when there is one. */
  readonly invokeTarget: IFunction;
  private readonly boundTables = new Map<TableKey, TableAccess>();

  constructor(scope: Construct, id: string, props: SoclessFunctionProps) {
    super(scope, id);

    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: iamDescription(`SOCless ${id}: ${props.description}`),
    });
    this.logGroup = new LogGroup(this, 'LogGroup', {
      encryptionKey: props.key,
      retention: props.logRetention ?? RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.deadLetterQueue = new DeadLetterQueue(this, 'Dlq', {
      key: props.key,
      description: `failed asynchronous invocations of ${id}`,
    });

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: props.handler ?? 'handler',
      description: props.description.slice(0, 256),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      timeout: props.timeout ?? Duration.seconds(30),
      memorySize: props.memorySize ?? 256,
      tracing: tracingActive(this) ? Tracing.ACTIVE : Tracing.DISABLED,
      role: this.role,
      logGroup: this.logGroup,
      vpc: props.network.vpc,
      vpcSubnets: props.network.lambdaSubnets,
      securityGroups: [sharedLambdaSecurityGroup(props.network)],
      deadLetterQueue: this.deadLetterQueue.queue,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: `socless-${id.toLowerCase()}`,
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        // Prefer ESM entry points of dependencies; some still ship CommonJS only.
        mainFields: ['module', 'main'],
        // CommonJS dependencies call require(); an ESM bundle has none unless we make one.
        banner:
          "import { createRequire as __soclessCreateRequire } from 'node:module';const require = __soclessCreateRequire(import.meta.url);",
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Error class names (SoclessError subclasses) must survive minification: logs and callers read them.
        keepNames: true,
        // Bundle the SDK v3 clients rather than use the runtime's copy: the code runs on exactly the client
        // versions it was tested with (the runtime's SDK moves under us), and esbuild keeps only what is used.
        bundleAwsSDK: true,
        ...(props.define ? { define: { ...props.define } } : {}),
        externalModules: [],
      },
    });

    // Lambda needs ENIs for the VPC, the runtime writes to its own log group, failed async events go to the DLQ.
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          'ec2:CreateNetworkInterface',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSubnets',
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        resources: ['*'],
      }),
    );
    this.logGroup.grantWrite(this.role);
    // Spelled out rather than grantSendMessages(), which adds kms:ReEncrypt* and kms:GenerateDataKey* wildcards.
    this.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queue.queueArn] }),
    );
    props.key.grant(this.role, 'kms:GenerateDataKey', 'kms:Decrypt');
    this.acknowledge(
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray PutTraceSegments/PutTelemetryRecords (when config.tracing is active) and the EC2 network-interface actions Lambda needs to attach to the VPC do not support resource-level permissions.',
    );

    const provisioned = props.provisionedConcurrency ?? 0;
    if (provisioned > 0) {
      this.alias = new Alias(this, 'Live', {
        aliasName: 'live',
        version: this.function.currentVersion,
        provisionedConcurrentExecutions: provisioned,
      });
    }
    this.invokeTarget = this.alias ?? this.function;
  }

  /** The tables this function is bound to and how. */
  get tables(): ReadonlyMap<TableKey, TableAccess> {
    return this.boundTables;
  }

  /** Sets the table's env var (from TABLES) and grants exactly the item actions of `access` on it and its indexes. */
  bindTable(table: Table, access: TableAccess): this {
    const def = tableDefinitionOf(table);
    if (!def) {
      throw new Error(
        `SoclessFunction ${this.node.path}: bindTable got a table that HubTables did not build (${table.node.path})`,
      );
    }
    this.function.addEnvironment(def.envVar, table.tableName);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [...TABLE_ACTIONS[access]],
        // Index ARNs are listed by name from the definition: no `index/*` wildcard.
        resources: [table.tableArn, ...def.indexes.map((i) => `${table.tableArn}/index/${i.indexName}`)],
      }),
    );
    if (table.encryptionKey) {
      this.grantKey(table.encryptionKey, access === 'r' ? 'r' : 'rw');
    }
    this.boundTables.set(def.name, widerAccess(this.boundTables.get(def.name), access));
    return this;
  }

  /**
   * Sets the table's env var and grants GetItem on the items whose partition key starts with `keyPrefix`, and
   * nothing else on the table (`dynamodb:LeadingKeys`; no Query, no index).
   */
  bindTableItemReads(table: Table, keyPrefix: string): this {
    const def = tableDefinitionOf(table);
    if (!def) {
      throw new Error(
        `SoclessFunction ${this.node.path}: bindTableItemReads got a table that HubTables did not build (${table.node.path})`,
      );
    }
    this.function.addEnvironment(def.envVar, table.tableName);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem'],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${keyPrefix}*`] } },
      }),
    );
    if (table.encryptionKey) this.grantKey(table.encryptionKey, 'r');
    return this;
  }

  /** Sets SOCLESS_VAULT_BUCKET and grants object reads (and writes for `rw`) in the vault. */
  bindVault(bucket: IBucket, access: DataAccess): this {
    this.function.addEnvironment(VAULT_BUCKET_ENV, bucket.bucketName);
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: access === 'rw' ? ['s3:GetObject', 's3:PutObject'] : ['s3:GetObject'],
        resources: [bucket.arnForObjects('*')],
      }),
    );
    if (bucket.encryptionKey) this.grantKey(bucket.encryptionKey, access);
    const cfnBucket = bucket.node.defaultChild as CfnElement | undefined;
    if (cfnBucket) {
      this.acknowledge(
        `AwsSolutions-IAM5[Resource::<${Stack.of(cfnBucket).getLogicalId(cfnBucket)}.Arn>/*]`,
        'Vault objects are keyed by investigation and execution ids that exist only at run time; access is limited to this one bucket.',
      );
    }
    return this;
  }

  /** Sets SOCLESS_BUS_NAME and allows `events:PutEvents` on that bus only. */
  bindBus(bus: IEventBus): this {
    this.function.addEnvironment(BUS_NAME_ENV, bus.eventBusName);
    bus.grantPutEventsTo(this.role);
    return this;
  }

  /** Sets `envVar` to the secret's ARN and allows reading that secret only. */
  bindSecret(secret: ISecret, envVar: string): this {
    this.function.addEnvironment(envVar, secret.secretArn);
    secret.grantRead(this.role);
    return this;
  }

  /** Adds one statement to this function's own role. */
  addToRolePolicy(statement: PolicyStatement): this {
    this.role.addToPrincipalPolicy(statement);
    return this;
  }

  /**
   * Sets `envVar` to the topic ARN and allows `sns:Publish` on that topic only, with the KMS calls SNS makes
   * for an encrypted topic (named actions, not `GenerateDataKey*`).
   */
  bindTopic(topic: ITopic, envVar: string): this {
    this.function.addEnvironment(envVar, topic.topicArn);
    this.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }));
    if (topic.masterKey) topic.masterKey.grant(this.role, 'kms:Decrypt', 'kms:GenerateDataKey');
    return this;
  }

  /** Acknowledges a cdk-nag finding on this function's role only, with the reason a reviewer reads. */
  acknowledge(id: string, reason: string): void {
    Validations.of(this.role).acknowledge({ id, reason });
  }

  /** The grantee behind this function, for `grantX(fn.grantee)` calls of other constructs. */
  get grantee(): IGrantable {
    return this.role;
  }

  private grantKey(key: IKey, access: DataAccess): void {
    // DynamoDB and S3 call KMS on the caller's behalf: decrypt to read, generate data keys to write.
    const actions =
      access === 'rw'
        ? ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']
        : ['kms:Decrypt', 'kms:DescribeKey'];
    key.grant(this.role, ...actions);
  }
}

const LAMBDA_SECURITY_GROUPS = new WeakMap<HubNetwork, ISecurityGroup>();

/**
 * The one security group of every hub Lambda in `network` (egress only, no ingress rule): a group per function
 * allowed nothing more, cost a resource each against the stack's 500, and Lambda creates a network interface per
 * distinct subnet and security-group combination, so one group also means fewer interfaces.
 */
export function sharedLambdaSecurityGroup(network: HubNetwork): ISecurityGroup {
  let group = LAMBDA_SECURITY_GROUPS.get(network);
  if (!group) {
    group = network.newLambdaSecurityGroup(network, 'LambdaSecurityGroup', 'SOCless hub Lambdas (egress only)');
    LAMBDA_SECURITY_GROUPS.set(network, group);
  }
  return group;
}

/** IAM role descriptions allow Latin-1 printable characters only, up to 1000 of them. */
function iamDescription(text: string): string {
  return text.replace(/[^\t\n\r\u0020-\u007E\u00A1-\u00FF]/g, '-').slice(0, 1000);
}
