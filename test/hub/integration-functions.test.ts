import { fileURLToPath } from 'node:url';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { HubNetwork } from '../../hub/constructs/hub-network.ts';
import { HubTables } from '../../hub/constructs/hub-tables.ts';
import { IntegrationFunctions } from '../../hub/constructs/integration-functions.ts';
import { BUS_NAME_ENV, SoclessFunction, VAULT_BUCKET_ENV } from '../../hub/constructs/socless-function.ts';
import type { IntegrationDeployment } from '../../shared/deploy-model.ts';

const ENTRY = fileURLToPath(new URL('../../hub/functions/interactions.ts', import.meta.url));

function fixture() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'IntegrationTest', { env: { account: '111111111111', region: 'eu-west-1' } });
  const key = new Key(stack, 'Key', { enableKeyRotation: true });
  const network = new HubNetwork(stack, 'Network', { natGateways: 1, key });
  const tables = new HubTables(stack, 'Tables', { key });
  const vault = new Bucket(stack, 'Vault');
  const notificationTopic = new Topic(stack, 'Notifications');
  const externalIdSecret = new Secret(stack, 'ExternalId');
  return { stack, key, network, tables, vault, notificationTopic, externalIdSecret };
}

const deployment = (over: Partial<IntegrationDeployment>): IntegrationDeployment => ({
  id: 'enrich',
  description: 'test',
  entry: ENTRY,
  tables: [],
  ...over,
});

describe('IntegrationFunctions', () => {
  it('refuses an id that cannot be an integration placeholder, naming its index', () => {
    const f = fixture();

    expect(
      () =>
        new IntegrationFunctions(f.stack, 'Integrations', {
          ...f,
          externalIdSecret: f.externalIdSecret,
          deployments: [deployment({ id: 'send-message' })],
        }),
    ).toThrow('integrations[0].id "send-message" must contain only letters, digits and _');
  });

  it('refuses the same id twice', () => {
    const f = fixture();

    expect(
      () =>
        new IntegrationFunctions(f.stack, 'Integrations', {
          ...f,
          externalIdSecret: f.externalIdSecret,
          deployments: [deployment({}), deployment({})],
        }),
    ).toThrow('integrations[1].id "enrich" is deployed twice');
  });

  it('refuses an entry that does not exist, naming the integration', () => {
    const f = fixture();

    expect(
      () =>
        new IntegrationFunctions(f.stack, 'Integrations', {
          ...f,
          externalIdSecret: f.externalIdSecret,
          deployments: [deployment({ entry: '/nowhere/handler.ts' })],
        }),
    ).toThrow(
      'integrations[0].entry of integration "enrich" must be an absolute path to an existing file: /nowhere/handler.ts',
    );
  });
});

describe('SoclessFunction.bindTable', () => {
  it('refuses a table HubTables did not build (it has no shared definition)', () => {
    const f = fixture();
    const fn = new SoclessFunction(f.stack, 'Fn', {
      key: f.key,
      network: f.network,
      entry: ENTRY,
      description: 'test',
    });
    const stray = new Table(f.stack, 'Stray', { partitionKey: { name: 'pk', type: AttributeType.STRING } });

    expect(() => fn.bindTable(stray, 'r')).toThrow(
      'bindTable got a table that HubTables did not build (IntegrationTest/Stray)',
    );
  });

  it('remembers the strongest access bound per table', () => {
    const f = fixture();
    const fn = new SoclessFunction(f.stack, 'Fn', {
      key: f.key,
      network: f.network,
      entry: ENTRY,
      description: 'test',
    });

    fn.bindTable(f.tables.tables.events, 'rw').bindTable(f.tables.tables.events, 'r');

    expect(fn.tables.get('events')).toBe('rw');
  });
});

describe('SoclessFunction bind helpers', () => {
  it('binds the bus (env var + PutEvents on that bus) and a read-only vault (GetObject only)', () => {
    const f = fixture();
    const bus = new EventBus(f.stack, 'Bus');
    const fn = new SoclessFunction(f.stack, 'Fn', {
      key: f.key,
      network: f.network,
      entry: ENTRY,
      description: 'Notifies → the SOC — with arrows',
    });

    fn.bindBus(bus).bindVault(f.vault, 'r');

    const template = Template.fromStack(f.stack);
    const id = (c: IConstruct) => f.stack.getLogicalId((c.node.defaultChild ?? c) as CfnElement);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ [BUS_NAME_ENV]: { Ref: id(bus) }, [VAULT_BUCKET_ENV]: { Ref: id(f.vault) } }),
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: id(fn.role) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Effect: 'Allow', Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': [id(bus), 'Arn'] } },
          {
            Effect: 'Allow',
            Action: 's3:GetObject',
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [id(f.vault), 'Arn'] }, '/*']] },
          },
        ]),
      },
    });
    template.hasResourceProperties('AWS::IAM::Role', { Description: 'SOCless Fn: Notifies - the SOC - with arrows' });
  });
});
