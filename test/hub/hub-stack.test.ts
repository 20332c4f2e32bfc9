import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeadLetterQueue } from '../../hub/constructs/dead-letter-queue.ts';
import { SECURITY_EVENT_SOURCES } from '../../hub/constructs/socless-bus.ts';
import { SoclessFunction } from '../../hub/constructs/socless-function.ts';
import { HubStack } from '../../hub/hub-stack.ts';
import { NAMES } from '../../shared/names.ts';
import { STATE_MACHINE_LOGGING } from '../../shared/state-machine-logging.ts';
import { TABLE_KEYS, TABLES } from '../../shared/tables.ts';
import { type SynthesizedHub, synthHub } from './synth-hub.ts';

let hub: SynthesizedHub;
let template: Template;
// Template JSON is untyped by nature; `any` keeps the property assertions readable.
// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation JSON
type CfnJson = Record<string, any>;
let resources: Record<string, { Type: string; Properties: CfnJson; DeletionPolicy?: string }>;

beforeAll(() => {
  hub = synthHub();
  template = hub.template;
  resources = template.toJSON().Resources;
});

function logicalId(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).getLogicalId(element);
}

function props(construct: IConstruct): CfnJson {
  const resource = resources[logicalId(construct)];
  if (!resource) throw new Error(`no resource for ${construct.node.path}`);
  return resource.Properties;
}

const keyArn = () => ({ 'Fn::GetAtt': [logicalId(hub.stack.key.key), 'Arn'] });

describe('HubStack', () => {
  it('synthesizes offline: no context look-ups are left for the CLI to resolve', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    new HubStack(app, 'Offline', { config: hub.config, integrations: [], playbooks: [] });

    expect(app.synth().manifest.missing ?? []).toEqual([]);
  });

  it('refuses an explicit env that contradicts the configuration', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });

    expect(
      () =>
        new HubStack(app, 'Wrong', {
          config: hub.config,
          integrations: [],
          playbooks: [],
          env: { account: '999999999999', region: hub.config.homeRegion },
        }),
    ).toThrow('env.account 999999999999 differs from config hubAccountId 111111111111');
  });

  it('has zero unacknowledged cdk-nag AwsSolutions findings', () => {
    const report = new AwsSolutionsChecks().validateScope(hub.stack);

    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath)}`)).toEqual(
      [],
    );
  });
});

describe('HubKey', () => {
  it('is one customer-managed key with rotation that CloudWatch Logs may use for this account only', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: `logs.${hub.config.homeRegion}.amazonaws.com` },
            Condition: {
              ArnLike: {
                'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${hub.config.homeRegion}:${hub.config.hubAccountId}:log-group:*`,
              },
            },
          }),
        ]),
      },
    });
  });

  it('encrypts every log group of the hub with it', () => {
    const groups = template.findResources('AWS::Logs::LogGroup');
    expect(Object.keys(groups).length).toBeGreaterThan(5);
    for (const group of Object.values(groups)) expect(group.Properties.KmsKeyId).toEqual(keyArn());
  });
});

describe('HubTables', () => {
  it('creates one table per shared definition, nothing more', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', TABLE_KEYS.length);
  });

  it.each(TABLE_KEYS)('builds %s on-demand, with PITR, the hub key, its keys, GSIs and TTL, retained', (name) => {
    const def = TABLES[name];
    const table = hub.stack.tables.tables[name];
    const resource = resources[logicalId(table)]!;
    const p = resource.Properties;

    expect(resource.DeletionPolicy).toBe('Retain');
    expect(p.BillingMode).toBe('PAY_PER_REQUEST');
    expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(p.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn() });
    expect(p.KeySchema).toEqual([
      { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
      ...(def.sortKey ? [{ AttributeName: def.sortKey.name, KeyType: 'RANGE' }] : []),
    ]);
    expect((p.GlobalSecondaryIndexes ?? []).map((g: { IndexName: string }) => g.IndexName)).toEqual(
      def.indexes.map((i) => i.indexName),
    );
    // Each index copies what its definition says (an unread index keeps keys only: it is billed on every write).
    expect(
      (p.GlobalSecondaryIndexes ?? []).map(
        (g: { Projection: { ProjectionType: string; NonKeyAttributes?: string[] } }) =>
          g.Projection.NonKeyAttributes ?? g.Projection.ProjectionType,
      ),
    ).toEqual(def.indexes.map((i) => i.projection ?? 'ALL'));
    if (def.ttlAttribute) expect(p.TimeToLiveSpecification).toEqual({ AttributeName: def.ttlAttribute, Enabled: true });
    else expect(p.TimeToLiveSpecification).toBeUndefined();
  });
});

describe('HubBuckets', () => {
  it('blocks public access, keeps versions and is retained, for both buckets', () => {
    for (const bucket of [hub.stack.buckets.vault, hub.stack.buckets.logs]) {
      const p = props(bucket);
      expect(p.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(p.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(resources[logicalId(bucket)]!.DeletionPolicy).toBe('Retain');
    }
  });

  it('denies plain-HTTP access to both buckets', () => {
    for (const bucket of [hub.stack.buckets.vault, hub.stack.buckets.logs]) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: logicalId(bucket) },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('encrypts the vault with the hub key and the access-log bucket with SSE-S3', () => {
    expect(props(hub.stack.buckets.vault).BucketEncryption.ServerSideEncryptionConfiguration[0]).toMatchObject({
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn() },
      BucketKeyEnabled: true,
    });
    expect(props(hub.stack.buckets.logs).BucketEncryption.ServerSideEncryptionConfiguration[0]).toMatchObject({
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' },
    });
  });

  it('expires vault tmp/ after a day and access logs after a year, and logs the vault into the logs bucket', () => {
    const vault = props(hub.stack.buckets.vault);
    expect(vault.LifecycleConfiguration.Rules).toContainEqual(
      expect.objectContaining({ Prefix: 'tmp/', ExpirationInDays: 1, Status: 'Enabled' }),
    );
    expect(vault.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logicalId(hub.stack.buckets.logs) },
      LogFilePrefix: 'vault/',
    });
    expect(props(hub.stack.buckets.logs).LifecycleConfiguration.Rules).toContainEqual(
      expect.objectContaining({ ExpirationInDays: 365, Status: 'Enabled' }),
    );
  });
});

describe('SoclessBus', () => {
  it('is named for the spokes and accepts PutEvents only from principals of the organization', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: NAMES.busName });
    template.hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: {
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Principal: { AWS: '*' },
        Condition: { StringEquals: { 'aws:PrincipalOrgID': hub.config.organizationId } },
      },
    });
  });

  it('archives every event for the configured retention', () => {
    template.hasResourceProperties('AWS::Events::Archive', {
      RetentionDays: hub.config.eventArchiveRetentionDays,
      EventPattern: Match.absent(),
    });
  });

  it('routes the security sources to the ingest queue, with a delivery dead-letter queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: logicalId(hub.stack.bus.bus) },
      EventPattern: { source: [...SECURITY_EVENT_SOURCES] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(hub.stack.bus.ingestQueue), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(hub.stack.bus.deliveryDeadLetterQueue.queue), 'Arn'] } },
        }),
      ],
    });
  });

  it('adds a rule for a playbook trigger the base rules do not cover, and none for one they do', () => {
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: { source: ['partner.alerts'] } });
    // Bus rules (four ingest rules and the registry sync's) plus the sweeper's schedule.
    expect(
      Object.keys(template.findResources('AWS::Events::Rule', { Properties: { EventBusName: Match.anyValue() } })),
    ).toHaveLength(5);
    template.resourceCountIs('AWS::Events::Rule', 6);
  });

  it('gives the ingest queue the hub key, TLS-only access and a DLQ after 5 receives', () => {
    const queue = props(hub.stack.bus.ingestQueue);
    expect(queue.KmsMasterKeyId).toEqual(keyArn());
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(hub.stack.bus.ingestDeadLetterQueue.queue), 'Arn'] },
      maxReceiveCount: 5,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: logicalId(hub.stack.bus.ingestQueue) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('is consumed by the endpoint with partial batch failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId(hub.stack.bus.ingestQueue), 'Arn'] },
      FunctionName: { Ref: logicalId(hub.stack.endpoint.handler.function) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('hands events to the endpoint without a batching window (a window holds every event on a quiet queue)', () => {
    const [mapping] = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).filter((m) =>
      JSON.stringify(m.Properties.EventSourceArn).includes(logicalId(hub.stack.bus.ingestQueue)),
    );
    expect(mapping?.Properties.BatchSize).toBe(10);
    expect(mapping?.Properties.MaximumBatchingWindowInSeconds ?? 0).toBe(0);
  });
});

describe('SoclessFunction (every hub Lambda)', () => {
  const functions = () => hub.stack.node.findAll().filter((c): c is SoclessFunction => c instanceof SoclessFunction);

  it('deploys the endpoint, the interactions function and one function per integration', () => {
    expect(functions().map((f) => f.node.path)).toEqual([
      'SoclessHub/Endpoint/Endpoint',
      'SoclessHub/Endpoint/Sweeper',
      'SoclessHub/Interactions/Interactions',
      'SoclessHub/RegistrySync/RegistrySync',
      'SoclessHub/Integrations/EnrichAccount',
      'SoclessHub/Integrations/RemediateS3Public',
    ]);
  });

  it('runs the newest Node.js on ARM64 without X-Ray (config.tracing off), in the private subnets, with an encrypted DLQ and log group', () => {
    for (const fn of functions()) {
      const p = props(fn.function);
      expect(p.Runtime).toBe('nodejs24.x');
      expect(p.Architectures).toEqual(['arm64']);
      expect(p.TracingConfig).toBeUndefined();
      expect(p.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [logicalId(fn.deadLetterQueue.queue), 'Arn'] } });
      expect(props(fn.deadLetterQueue.queue).KmsMasterKeyId).toEqual(keyArn());
      expect(p.LoggingConfig).toEqual({ LogGroup: { Ref: logicalId(fn.logGroup) } });
      expect(p.VpcConfig.SubnetIds).toEqual(
        hub.stack.network.vpc.privateSubnets.map((s) => ({ Ref: logicalId(s.node.findChild('Subnet')) })),
      );
    }
  });

  it('gives every function its own role', () => {
    const roles = functions().map((fn) => props(fn.function).Role['Fn::GetAtt'][0]);
    expect(new Set(roles).size).toBe(roles.length);
  });

  it('sets a table env var and grants item access on that table and its named indexes only', () => {
    const enrich = hub.stack.integrations.byId.get('enrich_account')!;
    const accounts = hub.stack.tables.tables.accounts;
    expect(props(enrich.function).Environment.Variables[TABLES.accounts.envVar]).toEqual({ Ref: logicalId(accounts) });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalId(enrich.role) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:Query'],
            Resource: [
              { 'Fn::GetAtt': [logicalId(accounts), 'Arn'] },
              { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(accounts), 'Arn'] }, '/index/ou-index']] },
            ],
          },
        ]),
      },
    });
  });

  it('keeps the endpoint without an alias when provisioned concurrency is 0', () => {
    expect(hub.stack.endpoint.handler.alias).toBeUndefined();
    template.resourceCountIs('AWS::Lambda::Alias', 0);
  });
});

describe('hub remediation role', () => {
  it('has the fixed name spokes trust and may only assume the spoke role inside the organization', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: NAMES.hubRemediationRoleName,
      MaxSessionDuration: 3600,
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalId(hub.stack.remediationRole.role) }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'],
            Resource: `arn:aws:iam::*:role/${NAMES.spokeRemediationRoleName}`,
            Condition: { StringEquals: { 'aws:ResourceOrgID': hub.config.organizationId } },
            Sid: 'AssumeSpokeRemediationRolesInOrganization',
          },
        ],
      },
    });
  });

  it('is trusted by exactly the integrations that assume spoke roles', () => {
    const remediator = hub.stack.integrations.byId.get('remediate_s3_public')!;
    const trust = props(hub.stack.remediationRole.role).AssumeRolePolicyDocument.Statement;
    expect(trust).toEqual([
      {
        Effect: 'Allow',
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Principal: { AWS: `arn:aws:iam::${hub.config.hubAccountId}:root` },
        Condition: { ArnEquals: { 'aws:PrincipalArn': [{ 'Fn::GetAtt': [logicalId(remediator.role), 'Arn'] }] } },
      },
    ]);
  });

  it('lets a spoke-assuming integration assume the hub role, and no other integration', () => {
    const hubRoleArn = `arn:aws:iam::${hub.config.hubAccountId}:role/${NAMES.hubRemediationRoleName}`;
    const policyOf = (id: string) =>
      Object.values(template.findResources('AWS::IAM::Policy')).find(
        (p) => p.Properties.Roles[0].Ref === logicalId(hub.stack.integrations.byId.get(id)!.role),
      )!.Properties.PolicyDocument.Statement as Array<{ Action: unknown; Resource: unknown }>;
    expect(policyOf('remediate_s3_public')).toContainEqual({
      Effect: 'Allow',
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      Resource: hubRoleArn,
    });
    expect(JSON.stringify(policyOf('enrich_account'))).not.toContain('sts:');
  });

  it('gives a spoke-assuming integration the external id secret by ARN, never its value', () => {
    const secret = resources[logicalId(hub.stack.externalIdSecret.secret)]!;
    expect(secret.Type).toBe('AWS::SecretsManager::Secret');
    expect(secret.Properties).toMatchObject({
      Name: 'socless/spoke-external-id',
      GenerateSecretString: { PasswordLength: 48, ExcludePunctuation: true },
    });
    expect(secret.Properties.SecretString).toBeUndefined();
    const remediator = hub.stack.integrations.byId.get('remediate_s3_public')!;
    const env = props(remediator.function).Environment.Variables;
    expect(env.SOCLESS_EXTERNAL_ID_SECRET).toEqual({ Ref: logicalId(hub.stack.externalIdSecret.secret) });
    expect(env.SOCLESS_EXTERNAL_ID).toBeUndefined();
    const readers = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.PolicyDocument).includes(logicalId(hub.stack.externalIdSecret.secret)),
    );
    expect(readers.map((p) => p.Properties.Roles[0].Ref)).toEqual([logicalId(remediator.role)]);
  });
});

describe('PlaybookStateMachine (in the hub)', () => {
  it("logs each playbook at its workflow type's level, with execution data, and traces none (config.tracing off)", () => {
    for (const playbook of hub.stack.playbooks) {
      const logging = STATE_MACHINE_LOGGING[playbook.playbook.workflow];
      expect(logging.level).toBe('ERROR');
      expect(props(playbook.stateMachine)).toMatchObject({
        LoggingConfiguration: { Level: logging.level, IncludeExecutionData: true },
        TracingConfiguration: { Enabled: false },
      });
    }
  });

  it('lets the interactions function answer only the standard (waiting) playbooks', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).find(
      (p) => p.Properties.Roles[0].Ref === logicalId(hub.stack.interactions.handler.role),
    )!.Properties.PolicyDocument.Statement as Array<{ Action: string[]; Resource: unknown }>;
    const taskResponse = statements.filter((s) => JSON.stringify(s.Action).includes('states:SendTaskSuccess'));
    const standard = hub.stack.playbooks.find((p) => p.playbook.workflow === 'standard')!;
    expect(taskResponse.map((s) => s.Resource)).toEqual([{ Ref: logicalId(standard.stateMachine) }]);
  });
});

describe('HubApi', () => {
  it('exposes POST /events and POST /interactions/{provider} with a request validator and no IAM auth', () => {
    const validator = Object.keys(template.findResources('AWS::ApiGateway::RequestValidator'))[0]!;
    template.resourceCountIs('AWS::ApiGateway::Method', 2);
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      AuthorizationType: 'NONE',
      RequestValidatorId: { Ref: validator },
      RequestParameters: { 'method.request.header.x-socless-signature': true },
      Integration: Match.objectLike({ Type: 'AWS_PROXY' }),
    });
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      RequestValidatorId: { Ref: validator },
      RequestParameters: { 'method.request.path.provider': true },
    });
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
  });

  it('writes access logs to the encrypted group and throttles the stage', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: Match.objectLike({ Format: Match.stringLikeRegexp('requestId') }),
      TracingEnabled: false,
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100, LoggingLevel: 'ERROR' })],
    });
    expect(props(hub.stack.api.accessLogs).KmsKeyId).toEqual(keyArn());
  });

  it('enforces the request size limit and a per-IP rate with a WAF web ACL on the stage', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      AssociationConfig: { RequestBody: { API_GATEWAY: { DefaultSizeInspectionLimit: 'KB_64' } } },
      Rules: Match.arrayWith([
        Match.objectLike({
          Name: 'BodySizeLimit',
          Action: { Block: {} },
          Statement: {
            SizeConstraintStatement: {
              FieldToMatch: { Body: { OversizeHandling: 'MATCH' } },
              ComparisonOperator: 'GT',
              Size: 65536,
              TextTransformations: [{ Priority: 0, Type: 'NONE' }],
            },
          },
        }),
        Match.objectLike({
          Name: 'RatePerIp',
          Statement: { RateBasedStatement: { Limit: 2000, EvaluationWindowSec: 300, AggregateKeyType: 'IP' } },
        }),
      ]),
    });
    const association = Object.values(template.findResources('AWS::WAFv2::WebACLAssociation'))[0]!;
    expect(JSON.stringify(association.Properties.ResourceArn)).toContain(logicalId(hub.stack.api.api.deploymentStage));
  });
});

describe('HubMonitoring', () => {
  it('alarms on every dead-letter queue of the stack', () => {
    const dlqs = DeadLetterQueue.findAll(hub.stack);
    expect(dlqs.length).toBe(8);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    const topic = { Ref: logicalId(hub.stack.monitoring.alarmTopic) };
    for (const dlq of dlqs) {
      const queueName = { 'Fn::GetAtt': [logicalId(dlq.queue), 'QueueName'] };
      const alarm = alarms.find(
        (a) =>
          a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible' &&
          JSON.stringify(a.Properties.Dimensions) === JSON.stringify([{ Name: 'QueueName', Value: queueName }]),
      );
      expect(alarm, dlq.node.path).toBeDefined();
      expect(alarm!.Properties).toMatchObject({ Threshold: 1, AlarmActions: [topic] });
    }
  });

  it('alarms on failed executions of every playbook and on endpoint errors', () => {
    for (const playbook of hub.stack.playbooks) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: 'ExecutionsFailed',
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalId(playbook.stateMachine) } }],
      });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(hub.stack.endpoint.handler.function) } }],
    });
  });

  it('sends alarms to a KMS-encrypted topic with the configured e-mail subscribed', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: keyArn() });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: hub.config.alarmEmail });
  });

  it('graphs events ingested per source and per account from the endpoint logs, not as metrics', () => {
    const body = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));
    // Logs Insights: a Source or Account dimension would be a billed custom metric per value.
    expect(body).not.toContain('{Socless,Source}');
    expect(body).not.toContain('{Socless,Account}');
    expect(body).toContain('stats sum(EventsIngested) as events by Source');
    expect(body).toContain('stats sum(EventsIngested) as events by Account');
  });
});

describe('HubNetwork with one NAT gateway', () => {
  it('spans the first two AZs of the region, resolved at deploy time, with one NAT gateway on its own Elastic IP', () => {
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    template.resourceCountIs('AWS::EC2::EIP', 1);
    const zones = Object.values(template.findResources('AWS::EC2::Subnet')).map((s) => s.Properties.AvailabilityZone);
    expect(new Set(zones.map((z) => JSON.stringify(z)))).toEqual(
      new Set([0, 1].map((i) => JSON.stringify({ 'Fn::Select': [i, { 'Fn::GetAZs': '' }] }))),
    );
    template.hasResourceProperties('AWS::EC2::NatGateway', {
      AllocationId: { 'Fn::GetAtt': [logicalId(hub.stack.network.natEips[0]!), 'AllocationId'] },
    });
  });

  it('writes VPC flow logs to an encrypted log group', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', { LogDestinationType: 'cloud-watch-logs', TrafficType: 'ALL' });
  });
});

describe('HubStack outputs', () => {
  it('outputs the bus ARN, API URL, NAT address, hub remediation role and every table name', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.BusArn!.Value).toEqual({ 'Fn::GetAtt': [logicalId(hub.stack.bus.bus), 'Arn'] });
    expect(outputs.ApiUrl).toBeDefined();
    expect(outputs.NatEip1!.Value).toEqual({ 'Fn::GetAtt': [logicalId(hub.stack.network.natEips[0]!), 'PublicIp'] });
    expect(outputs.NatEip2).toBeUndefined();
    expect(outputs.HubRemediationRoleArn!.Value).toEqual({
      'Fn::GetAtt': [logicalId(hub.stack.remediationRole.role), 'Arn'],
    });
    for (const name of TABLE_KEYS) {
      expect(Object.values(outputs).map((o) => o.Value)).toContainEqual({
        Ref: logicalId(hub.stack.tables.tables[name]),
      });
    }
  });
});
