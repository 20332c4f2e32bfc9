import { AccessAnalyzerClient, ListAnalyzersCommand } from '@aws-sdk/client-accessanalyzer';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  type StackResourceSummary,
} from '@aws-sdk/client-cloudformation';
import {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
} from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { ConfigServiceClient, DescribeConfigurationRecorderStatusCommand } from '@aws-sdk/client-config-service';
import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetDetectorCommand, GuardDutyClient, ListDetectorsCommand } from '@aws-sdk/client-guardduty';
import {
  DescribeAccountCommand,
  DescribeOrganizationalUnitCommand,
  DescribeOrganizationCommand,
  ListAWSServiceAccessForOrganizationCommand,
  ListDelegatedAdministratorsCommand,
  ListRootsCommand,
  OrganizationsClient,
  TooManyRequestsException,
} from '@aws-sdk/client-organizations';
import { DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeHubCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerDoctorCommand } from '../../scripts/commands/doctor.ts';
import { STACKSETS_PRINCIPAL } from '../../scripts/doctor/checks-deploy.ts';
import { createDoctorGates, type DoctorClients, type DoctorDeps } from '../../scripts/doctor/deps.ts';
import { ALL_CHECKS, runCheck, runDoctor } from '../../scripts/doctor/run.ts';
import { type CheckResult, reportText } from '../../scripts/doctor/types.ts';
import { buildSimulatedOrg, installSimulatedAws, type SimulatedAws } from '../../scripts/org/simulated-aws.ts';
import { parseConfig, type SoclessConfig } from '../../shared/config.ts';
import { NAMES } from '../../shared/names.ts';
import { HOME, REGIONS, virtualClock } from '../org/helpers.ts';

const HUB = '100000000000';
const MANAGEMENT = '999999999999';
const ADMIN = '200000000000';
const NOW = Date.UTC(2026, 11, 7, 2, 0, 0);

function config(overrides: Record<string, unknown> = {}): SoclessConfig {
  return parseConfig(
    {
      hubAccountId: HUB,
      organizationId: 'o-a1b2c3d4e5',
      homeRegion: HOME,
      regions: REGIONS,
      targetOuIds: ['ou-ab12-prod0001', 'r-ab12'],
      alarmEmail: 'soc@example.com',
      trustedAggregators: { guardduty: [ADMIN] },
      ...overrides,
    },
    'test',
  );
}

/** An SDK error with the service's error name (what the checks look at). */
function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}

function clients(): DoctorClients {
  const settings = { region: HOME, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } };
  return {
    sts: new STSClient(settings),
    organizations: new OrganizationsClient(settings),
    stackSets: new CloudFormationClient(settings),
    cloudformation: new CloudFormationClient(settings),
    ssm: new SSMClient(settings),
    ec2: new EC2Client(settings),
    guardduty: new GuardDutyClient(settings),
    securityhub: new SecurityHubClient(settings),
    config: new ConfigServiceClient(settings),
    accessanalyzer: new AccessAnalyzerClient(settings),
    cloudtrail: new CloudTrailClient(settings),
    secretsmanager: new SecretsManagerClient(settings),
    sns: new SNSClient(settings),
    cloudwatch: new CloudWatchClient(settings),
    sqs: new SQSClient(settings),
  };
}

function depsFor(cfg: SoclessConfig = config(), overrides: Partial<DoctorDeps> = {}): DoctorDeps {
  return {
    clients: clients(),
    gates: createDoctorGates({ clock: virtualClock(), random: () => 0.5 }),
    config: cfg,
    caller: { account: HUB, arn: `arn:aws:sts::${HUB}:assumed-role/SecurityAdmin/alice` },
    rolloutAccount: MANAGEMENT,
    now: () => NOW,
    ...overrides,
  };
}

async function check(id: string, deps: DoctorDeps): Promise<CheckResult[]> {
  const found = ALL_CHECKS.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id}`);
  return [...(await runCheck(found, deps))];
}

async function one(id: string, deps: DoctorDeps): Promise<CheckResult> {
  const [result, ...rest] = await check(id, deps);
  expect(rest).toEqual([]);
  return result as CheckResult;
}

describe('socless doctor checks', () => {
  let mocks: {
    organizations: AwsClientStub<OrganizationsClient>;
    cloudformation: AwsClientStub<CloudFormationClient>;
    ssm: AwsClientStub<SSMClient>;
    ec2: AwsClientStub<EC2Client>;
    guardduty: AwsClientStub<GuardDutyClient>;
    securityhub: AwsClientStub<SecurityHubClient>;
    config: AwsClientStub<ConfigServiceClient>;
    accessanalyzer: AwsClientStub<AccessAnalyzerClient>;
    cloudtrail: AwsClientStub<CloudTrailClient>;
    secretsmanager: AwsClientStub<SecretsManagerClient>;
    sns: AwsClientStub<SNSClient>;
    cloudwatch: AwsClientStub<CloudWatchClient>;
    sqs: AwsClientStub<SQSClient>;
  };

  beforeEach(() => {
    mocks = {
      organizations: mockClient(OrganizationsClient),
      cloudformation: mockClient(CloudFormationClient),
      ssm: mockClient(SSMClient),
      ec2: mockClient(EC2Client),
      guardduty: mockClient(GuardDutyClient),
      securityhub: mockClient(SecurityHubClient),
      config: mockClient(ConfigServiceClient),
      accessanalyzer: mockClient(AccessAnalyzerClient),
      cloudtrail: mockClient(CloudTrailClient),
      secretsmanager: mockClient(SecretsManagerClient),
      sns: mockClient(SNSClient),
      cloudwatch: mockClient(CloudWatchClient),
      sqs: mockClient(SQSClient),
    };
    mocks.organizations.on(DescribeOrganizationCommand).resolves({
      Organization: { Id: 'o-a1b2c3d4e5', MasterAccountId: MANAGEMENT },
    });
  });

  afterEach(() => {
    for (const m of Object.values(mocks)) m.restore();
  });

  describe('cdk-bootstrap', () => {
    it('passes at a version the app accepts', async () => {
      mocks.ssm
        .on(GetParameterCommand, { Name: '/cdk-bootstrap/hnb659fds/version' })
        .resolves({ Parameter: { Value: '27' } });
      expect(await one('cdk-bootstrap', depsFor())).toMatchObject({
        status: 'pass',
        detail: expect.stringContaining('27'),
      });
    });

    it('fails without the bootstrap parameter, with the bootstrap command', async () => {
      mocks.ssm.on(GetParameterCommand).rejects(awsError('ParameterNotFound'));
      expect(await one('cdk-bootstrap', depsFor(config(), { profile: 'hub' }))).toEqual({
        id: 'cdk-bootstrap',
        status: 'fail',
        detail: `${HUB}/${HOME} is not bootstrapped for CDK (no SSM parameter /cdk-bootstrap/hnb659fds/version)`,
        fix: `npx cdk bootstrap aws://${HUB}/${HOME} --profile hub`,
      });
    });

    it('fails below the version the app needs', async () => {
      mocks.ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '5' } });
      expect(await one('cdk-bootstrap', depsFor())).toMatchObject({
        status: 'fail',
        detail: expect.stringMatching(/version 5 .* needs 6\+/),
      });
    });
  });

  describe('stacksets-trusted-access', () => {
    it('passes when StackSets trusted access is on (across pages)', async () => {
      mocks.organizations
        .on(ListAWSServiceAccessForOrganizationCommand)
        .resolvesOnce({ EnabledServicePrincipals: [{ ServicePrincipal: 'guardduty.amazonaws.com' }], NextToken: 'p2' })
        .resolvesOnce({ EnabledServicePrincipals: [{ ServicePrincipal: STACKSETS_PRINCIPAL }] });
      expect((await one('stacksets-trusted-access', depsFor())).status).toBe('pass');
    });

    it('fails when it is off, with the enable command', async () => {
      mocks.organizations.on(ListAWSServiceAccessForOrganizationCommand).resolves({ EnabledServicePrincipals: [] });
      const result = await one('stacksets-trusted-access', depsFor());
      expect(result.status).toBe('fail');
      expect(result.fix).toContain(
        `aws organizations enable-aws-service-access --service-principal ${STACKSETS_PRINCIPAL}`,
      );
    });
  });

  describe('stacksets-caller', () => {
    it('passes for the management account with callAs SELF', async () => {
      expect((await one('stacksets-caller', depsFor())).status).toBe('pass');
    });

    it('passes for a registered delegated administrator with callAs DELEGATED_ADMIN', async () => {
      mocks.organizations.on(ListDelegatedAdministratorsCommand).resolves({ DelegatedAdministrators: [{ Id: ADMIN }] });
      const cfg = config({ rollout: { callAs: 'DELEGATED_ADMIN' } });
      expect((await one('stacksets-caller', depsFor(cfg, { rolloutAccount: ADMIN }))).status).toBe('pass');
    });

    it('fails for an account that is not registered, with the register command', async () => {
      mocks.organizations.on(ListDelegatedAdministratorsCommand).resolves({ DelegatedAdministrators: [] });
      const result = await one('stacksets-caller', depsFor(config(), { rolloutAccount: HUB }));
      expect(result.status).toBe('fail');
      expect(result.fix).toContain(
        `aws organizations register-delegated-administrator --service-principal ${STACKSETS_PRINCIPAL} --account-id ${HUB}`,
      );
    });

    it('fails when callAs does not match the deployer', async () => {
      const cfg = config({ rollout: { callAs: 'DELEGATED_ADMIN' } });
      const result = await one('stacksets-caller', depsFor(cfg));
      expect(result).toMatchObject({ status: 'fail', fix: expect.stringContaining('"callAs": "SELF"') });
    });
  });

  describe('target-ous', () => {
    it('passes for an existing OU and the root', async () => {
      mocks.organizations
        .on(DescribeOrganizationalUnitCommand)
        .resolves({ OrganizationalUnit: { Id: 'ou-ab12-prod0001', Name: 'Prod' } });
      mocks.organizations.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-ab12' }] });
      const results = await check('target-ous', depsFor());
      expect(results.map((r) => [r.id, r.status])).toEqual([
        ['target-ou ou-ab12-prod0001', 'pass'],
        ['target-ou r-ab12', 'pass'],
      ]);
    });

    it('fails for an OU that does not exist and a foreign root', async () => {
      mocks.organizations
        .on(DescribeOrganizationalUnitCommand)
        .rejects(awsError('OrganizationalUnitNotFoundException'));
      mocks.organizations.on(ListRootsCommand).resolves({ Roots: [{ Id: 'r-zz99' }] });
      const results = await check('target-ous', depsFor());
      expect(results.map((r) => r.status)).toEqual(['fail', 'fail']);
      expect(results[0]?.detail).toBe('OU ou-ab12-prod0001 does not exist in this organization');
      expect(results[0]?.fix).toContain('targetOuIds');
    });
  });

  describe('hub-account', () => {
    it('passes for a member account that is not the management account', async () => {
      mocks.organizations.on(DescribeAccountCommand).resolves({ Account: { Id: HUB } });
      expect((await one('hub-account', depsFor())).status).toBe('pass');
    });

    it('fails when the hub account is not in the organization', async () => {
      mocks.organizations.on(DescribeAccountCommand).rejects(awsError('AccountNotFoundException'));
      const result = await one('hub-account', depsFor());
      expect(result).toMatchObject({ status: 'fail', fix: expect.stringContaining('invite-account-to-organization') });
    });

    it('warns when the hub is the management account', async () => {
      mocks.organizations.on(DescribeAccountCommand).resolves({ Account: { Id: MANAGEMENT } });
      const result = await one('hub-account', depsFor(config({ hubAccountId: MANAGEMENT })));
      expect(result.status).toBe('warn');
    });
  });

  describe('regions-enabled', () => {
    it('passes when every configured region is enabled', async () => {
      mocks.ec2.on(DescribeRegionsCommand).resolves({
        Regions: REGIONS.map((r) => ({
          RegionName: r,
          OptInStatus: r === 'ap-southeast-2' ? 'opted-in' : 'opt-in-not-required',
        })),
      });
      expect((await one('regions-enabled', depsFor())).status).toBe('pass');
    });

    it('fails for a region that is not opted in, with the enable command', async () => {
      mocks.ec2.on(DescribeRegionsCommand).resolves({
        Regions: REGIONS.map((r) => ({
          RegionName: r,
          OptInStatus: r === 'ap-southeast-2' ? 'not-opted-in' : 'opt-in-not-required',
        })),
      });
      const result = await one('regions-enabled', depsFor());
      expect(result).toMatchObject({
        status: 'fail',
        fix: expect.stringContaining('aws account enable-region --region-name ap-southeast-2'),
      });
    });
  });

  describe('event sources', () => {
    it('guardduty passes with an enabled detector and fails without one', async () => {
      mocks.guardduty.on(ListDetectorsCommand).resolves({ DetectorIds: ['d1'] });
      mocks.guardduty.on(GetDetectorCommand).resolves({ Status: 'ENABLED' } as never);
      expect((await one('guardduty', depsFor())).status).toBe('pass');
      mocks.guardduty.on(ListDetectorsCommand).resolves({ DetectorIds: [] });
      expect(await one('guardduty', depsFor())).toMatchObject({
        status: 'fail',
        fix: expect.stringContaining('aws guardduty create-detector --enable'),
      });
    });

    it('securityhub passes when subscribed and fails when not', async () => {
      mocks.securityhub.on(DescribeHubCommand).resolves({ HubArn: `arn:aws:securityhub:${HOME}:${HUB}:hub/default` });
      expect((await one('securityhub', depsFor())).status).toBe('pass');
      mocks.securityhub.on(DescribeHubCommand).rejects(awsError('InvalidAccessException', 'not subscribed'));
      expect(await one('securityhub', depsFor())).toMatchObject({
        status: 'fail',
        fix: expect.stringContaining('aws securityhub enable-security-hub'),
      });
    });

    it('config-recorder passes while recording and fails when stopped', async () => {
      mocks.config
        .on(DescribeConfigurationRecorderStatusCommand)
        .resolves({ ConfigurationRecordersStatus: [{ name: 'default', recording: true }] });
      expect((await one('config-recorder', depsFor())).status).toBe('pass');
      mocks.config
        .on(DescribeConfigurationRecorderStatusCommand)
        .resolves({ ConfigurationRecordersStatus: [{ name: 'default', recording: false }] });
      expect(await one('config-recorder', depsFor())).toMatchObject({
        status: 'fail',
        fix: expect.stringContaining(
          'aws configservice start-configuration-recorder --configuration-recorder-name default',
        ),
      });
    });

    it('access-analyzer passes with an organization analyzer and fails with none', async () => {
      mocks.accessanalyzer.on(ListAnalyzersCommand).resolves({
        analyzers: [{ name: 'org', type: 'ORGANIZATION', status: 'ACTIVE', arn: 'a', createdAt: new Date() }],
      });
      expect((await one('access-analyzer', depsFor())).status).toBe('pass');
      mocks.accessanalyzer.on(ListAnalyzersCommand).resolves({ analyzers: [] });
      expect(await one('access-analyzer', depsFor())).toMatchObject({
        status: 'fail',
        fix: expect.stringContaining('--type ORGANIZATION'),
      });
    });

    it('guardduty-org-wide passes with a trusted delegated administrator and warns when it is not trusted', async () => {
      mocks.organizations
        .on(ListDelegatedAdministratorsCommand, { ServicePrincipal: 'guardduty.amazonaws.com' })
        .resolves({ DelegatedAdministrators: [{ Id: ADMIN }] });
      expect((await one('guardduty-org-wide', depsFor())).status).toBe('pass');
      const untrusted = await one('guardduty-org-wide', depsFor(config({ trustedAggregators: {} })));
      expect(untrusted).toMatchObject({
        status: 'warn',
        fix: expect.stringContaining(`add "${ADMIN}" to "trustedAggregators"`),
      });
    });

    it('securityhub-org-wide warns without a delegated administrator, with the command', async () => {
      mocks.organizations.on(ListDelegatedAdministratorsCommand).resolves({ DelegatedAdministrators: [] });
      expect(await one('securityhub-org-wide', depsFor())).toMatchObject({
        status: 'warn',
        fix: expect.stringContaining('aws securityhub enable-organization-admin-account'),
      });
    });

    it('cloudtrail passes for a logging multi-region trail with management events and fails when it is stopped', async () => {
      const trail = {
        Name: 'org-trail',
        TrailARN: `arn:aws:cloudtrail:${HOME}:${MANAGEMENT}:trail/org-trail`,
        IsMultiRegionTrail: true,
        IsOrganizationTrail: true,
      };
      mocks.cloudtrail.on(DescribeTrailsCommand).resolves({ trailList: [trail] });
      mocks.cloudtrail
        .on(GetEventSelectorsCommand)
        .resolves({ EventSelectors: [{ IncludeManagementEvents: true, ReadWriteType: 'All' }] });
      mocks.cloudtrail.on(GetTrailStatusCommand).resolves({ IsLogging: true });
      expect(await one('cloudtrail', depsFor())).toMatchObject({
        status: 'pass',
        detail: 'organization trail org-trail is logging management events',
      });
      mocks.cloudtrail.on(GetTrailStatusCommand).resolves({ IsLogging: false });
      expect(await one('cloudtrail', depsFor())).toMatchObject({
        status: 'fail',
        fix: 'aws cloudtrail start-logging --name org-trail',
      });
    });

    it('cloudtrail fails when the only trail excludes management events', async () => {
      mocks.cloudtrail
        .on(DescribeTrailsCommand)
        .resolves({ trailList: [{ Name: 'data', TrailARN: 'arn:t', IsMultiRegionTrail: true }] });
      mocks.cloudtrail.on(GetTrailStatusCommand).resolves({ IsLogging: true });
      mocks.cloudtrail.on(GetEventSelectorsCommand).resolves({ EventSelectors: [{ IncludeManagementEvents: false }] });
      expect(await one('cloudtrail', depsFor())).toMatchObject({
        status: 'fail',
        detail: expect.stringContaining('data (no management events)'),
      });
    });
  });

  describe('secrets', () => {
    const secretName = 'socless/spoke-external-id';

    it('external-id passes for a generated value', async () => {
      mocks.secretsmanager.on(DescribeSecretCommand).resolves({ Name: secretName });
      mocks.secretsmanager.on(GetSecretValueCommand).resolves({ SecretString: 'q8Vd2kP0x7LmZ1rT4yWb9sNc' });
      expect((await one('external-id', depsFor())).status).toBe('pass');
    });

    it('external-id fails for a sample value and for a missing secret', async () => {
      mocks.secretsmanager.on(DescribeSecretCommand).resolves({ Name: secretName });
      mocks.secretsmanager.on(GetSecretValueCommand).resolves({ SecretString: 'change-me-before-deploying' });
      expect(await one('external-id', depsFor())).toMatchObject({
        status: 'fail',
        detail: expect.stringContaining('sample value'),
        fix: expect.stringContaining(`aws secretsmanager put-secret-value --secret-id ${secretName}`),
      });
      mocks.secretsmanager.on(DescribeSecretCommand).rejects(awsError('ResourceNotFoundException'));
      expect(await one('external-id', depsFor())).toMatchObject({
        status: 'fail',
        fix: expect.stringContaining('npx cdk deploy SoclessHub'),
      });
    });

    it('integration-secrets passes when the configured Jira secret exists and fails when it is missing', async () => {
      const cfg = config({ jira: { baseUrl: 'https://acme.atlassian.net', projectKey: 'SEC', issueType: 'Task' } });
      mocks.secretsmanager.on(DescribeSecretCommand).resolves({ Name: 'socless/jira/credentials' });
      expect((await one('integration-secrets', depsFor(cfg))).status).toBe('pass');
      mocks.secretsmanager.on(DescribeSecretCommand).rejects(awsError('ResourceNotFoundException'));
      expect(await one('integration-secrets', depsFor(cfg))).toMatchObject({
        status: 'fail',
        detail: 'missing integration secrets: socless/jira/credentials',
      });
    });
  });

  describe('the running hub', () => {
    const resources: StackResourceSummary[] = [
      {
        LogicalResourceId: 'MonitoringEndpointErrors1A2B',
        PhysicalResourceId: 'SoclessHub-EndpointErrors',
        ResourceType: 'AWS::CloudWatch::Alarm',
        ResourceStatus: 'CREATE_COMPLETE',
        LastUpdatedTimestamp: new Date(),
      },
      {
        LogicalResourceId: 'IntegrationsEnrichDlqQueue1234',
        PhysicalResourceId: `https://sqs.${HOME}.amazonaws.com/${HUB}/enrich-dlq`,
        ResourceType: 'AWS::SQS::Queue',
        ResourceStatus: 'CREATE_COMPLETE',
        LastUpdatedTimestamp: new Date(),
      },
      {
        LogicalResourceId: 'BusIngestQueue5678',
        PhysicalResourceId: `https://sqs.${HOME}.amazonaws.com/${HUB}/ingest`,
        ResourceType: 'AWS::SQS::Queue',
        ResourceStatus: 'CREATE_COMPLETE',
        LastUpdatedTimestamp: new Date(),
      },
      {
        LogicalResourceId: 'EndpointSweeperFunctionABCD',
        PhysicalResourceId: 'SoclessHub-EndpointSweeper',
        ResourceType: 'AWS::Lambda::Function',
        ResourceStatus: 'CREATE_COMPLETE',
        LastUpdatedTimestamp: new Date(),
      },
    ];
    const topicArn = `arn:aws:sns:${HOME}:${HUB}:SoclessHub-AlarmTopic`;

    beforeEach(() => {
      mocks.cloudformation.on(DescribeStacksCommand).resolves({
        Stacks: [
          {
            StackName: NAMES.stacks.hub,
            StackStatus: 'UPDATE_COMPLETE',
            CreationTime: new Date(),
            Outputs: [{ OutputKey: 'AlarmTopicArn', OutputValue: topicArn }],
          },
        ],
      });
      mocks.cloudformation.on(ListStackResourcesCommand).resolves({ StackResourceSummaries: resources });
    });

    it('hub-stack passes when deployed and fails after a rollback', async () => {
      expect((await one('hub-stack', depsFor())).status).toBe('pass');
      mocks.cloudformation.on(DescribeStacksCommand).resolves({
        Stacks: [{ StackName: NAMES.stacks.hub, StackStatus: 'UPDATE_ROLLBACK_COMPLETE', CreationTime: new Date() }],
      });
      expect(await one('hub-stack', depsFor())).toMatchObject({
        status: 'fail',
        fix: expect.stringContaining('describe-stack-events'),
      });
    });

    it('running checks say to deploy the hub first when it does not exist', async () => {
      mocks.cloudformation
        .on(DescribeStacksCommand)
        .rejects(awsError('ValidationError', 'Stack with id SoclessHub does not exist'));
      expect(await one('hub-alarms', depsFor())).toMatchObject({ status: 'skip', fix: 'npx cdk deploy SoclessHub' });
      expect((await one('hub-stack', depsFor())).status).toBe('warn');
    });

    it('alarm-email passes when confirmed and fails while pending, with what to do', async () => {
      mocks.sns.on(ListSubscriptionsByTopicCommand).resolves({
        Subscriptions: [{ Endpoint: 'soc@example.com', Protocol: 'email', SubscriptionArn: `${topicArn}:1234` }],
      });
      expect((await one('alarm-email', depsFor())).status).toBe('pass');
      mocks.sns.on(ListSubscriptionsByTopicCommand).resolves({
        Subscriptions: [{ Endpoint: 'soc@example.com', Protocol: 'email', SubscriptionArn: 'PendingConfirmation' }],
      });
      expect(await one('alarm-email', depsFor())).toMatchObject({
        status: 'fail',
        detail: 'the subscription of soc@example.com is not confirmed: alarms are not delivered',
        fix: expect.stringContaining('Subscription Confirmation'),
      });
    });

    it('hub-alarms passes when no alarm fires and fails naming the one in ALARM', async () => {
      mocks.cloudwatch
        .on(DescribeAlarmsCommand)
        .resolves({ MetricAlarms: [{ AlarmName: 'SoclessHub-EndpointErrors', StateValue: 'OK' }] });
      expect((await one('hub-alarms', depsFor())).status).toBe('pass');
      mocks.cloudwatch
        .on(DescribeAlarmsCommand)
        .resolves({ MetricAlarms: [{ AlarmName: 'SoclessHub-EndpointErrors', StateValue: 'ALARM' }] });
      expect(await one('hub-alarms', depsFor())).toMatchObject({
        status: 'fail',
        detail: '1 hub alarm(s) in ALARM: SoclessHub-EndpointErrors',
      });
      expect(mocks.cloudwatch.commandCalls(DescribeAlarmsCommand)[0]?.args[0].input.AlarmNames).toEqual([
        'SoclessHub-EndpointErrors',
      ]);
    });

    it('dead-letter-queues passes when empty and fails with the re-drive command; the ingest queue is not a DLQ', async () => {
      mocks.sqs
        .on(GetQueueAttributesCommand)
        .resolves({ Attributes: { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' } });
      expect(await one('dead-letter-queues', depsFor())).toMatchObject({
        status: 'pass',
        detail: 'all 1 hub dead-letter queues are empty',
      });
      mocks.sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: '3' } });
      expect(await one('dead-letter-queues', depsFor())).toMatchObject({
        status: 'fail',
        detail: '1 dead-letter queue(s) hold messages: enrich-dlq (3)',
        fix: expect.stringContaining('aws sqs start-message-move-task'),
      });
    });

    it('sweeper passes when it ran in the last 15 minutes and fails when it did not', async () => {
      mocks.cloudwatch.on(GetMetricStatisticsCommand).resolves({ Datapoints: [{ Sum: 1 }, { Sum: 2 }] });
      expect(await one('sweeper', depsFor())).toMatchObject({
        status: 'pass',
        detail: expect.stringContaining('ran 3 time(s)'),
      });
      const input = mocks.cloudwatch.commandCalls(GetMetricStatisticsCommand)[0]?.args[0].input;
      expect(input?.Dimensions).toEqual([{ Name: 'FunctionName', Value: 'SoclessHub-EndpointSweeper' }]);
      expect(input?.StartTime).toEqual(new Date(NOW - 15 * 60_000));
      mocks.cloudwatch.on(GetMetricStatisticsCommand).resolves({ Datapoints: [] });
      expect(await one('sweeper', depsFor())).toMatchObject({
        status: 'fail',
        fix: expect.stringContaining('aws events enable-rule'),
      });
    });
  });

  describe('running the checks', () => {
    it('skips hub checks for credentials of another account, saying which profile to use', async () => {
      const result = await one(
        'cdk-bootstrap',
        depsFor(config(), { caller: { account: MANAGEMENT, arn: 'arn:aws:iam::999999999999:user/x' } }),
      );
      expect(result).toMatchObject({
        status: 'skip',
        fix: 'run socless doctor --profile <a profile of the hub account>',
      });
      expect(mocks.ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
    });

    it('turns access denied into a warn line naming the actions and the org role', async () => {
      mocks.organizations
        .on(ListAWSServiceAccessForOrganizationCommand)
        .rejects(awsError('AccessDeniedException', 'not authorized'));
      const result = await one('stacksets-trusted-access', depsFor());
      expect(result.status).toBe('warn');
      expect(result.fix).toContain('allow organizations:ListAWSServiceAccessForOrganization');
      expect(result.fix).toContain('--org-role');
    });

    it('rides out Organizations throttling through the gate, on a virtual clock', async () => {
      mocks.organizations
        .on(ListAWSServiceAccessForOrganizationCommand)
        .rejectsOnce(new TooManyRequestsException({ message: 'slow down', $metadata: {} }))
        .resolves({ EnabledServicePrincipals: [{ ServicePrincipal: STACKSETS_PRINCIPAL }] });
      const deps = depsFor();
      expect((await one('stacksets-trusted-access', deps)).status).toBe('pass');
      expect(deps.gates.organizations.stats()).toMatchObject({ throttled: 1, succeeded: 1, exhausted: 0 });
    });

    it('runs every check once, in order, and prints each non-pass with its fix', async () => {
      const report = await runDoctor(depsFor(), { concurrency: 2 });
      const ids = report.checks.map((c) => c.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids[0]).toBe('cdk-bootstrap');
      expect(ids.at(-1)).toBe('spoke-instances');
      const text = reportText(report);
      for (const c of report.checks.filter((c) => c.status !== 'pass')) expect(text).toContain(`fix: ${c.fix}`);
      expect(text).toMatch(/\d+ pass, \d+ warn, \d+ fail, \d+ skipped\n$/);
    });
  });
});

describe('socless doctor: spoke-instances (the org-status scan)', () => {
  let aws: SimulatedAws | undefined;
  afterEach(() => aws?.restore());

  function simulated() {
    const clock = virtualClock();
    const org = buildSimulatedOrg({ accounts: 12, ous: 3, homeRegion: HOME, regions: REGIONS });
    return { clock, org };
  }

  it('passes when every target account has CURRENT instances in every region', async () => {
    const { clock, org } = simulated();
    aws = installSimulatedAws(org, { clock, throttleEvery: { organizations: 4, cloudformation: 2 } });
    const deps = depsFor(config({ targetOuIds: ['r-ab12'] }), {
      gates: createDoctorGates({ clock, random: () => 0.5 }),
    });
    expect(await one('spoke-instances', deps)).toMatchObject({
      status: 'pass',
      detail: 'all 12 target accounts have CURRENT spoke instances in every configured region',
    });
  });

  it('fails naming the account and region without a spoke, with the StackSet commands', async () => {
    const { clock, org } = simulated();
    const missing = org.accounts[5]?.id as string;
    org.instances[NAMES.stackSets.regional] = (org.instances[NAMES.stackSets.regional] ?? []).filter(
      (i) => !(i.Account === missing && i.Region === 'eu-west-1'),
    );
    aws = installSimulatedAws(org, { clock });
    const deps = depsFor(config({ targetOuIds: ['r-ab12'] }), {
      gates: createDoctorGates({ clock, random: () => 0.5 }),
    });
    const result = await one('spoke-instances', deps);
    expect(result.status).toBe('fail');
    expect(result.detail).toContain('11 of 12 target accounts');
    expect(result.detail).toContain(missing);
    expect(result.fix).toContain(
      'aws cloudformation list-stack-instances --stack-set-name socless-spoke-regional --call-as SELF',
    );
  });
});

describe('socless doctor --help', () => {
  it('has examples and says what the exit code means', () => {
    const program = new Command('socless');
    registerDoctorCommand(program);
    const doctor = program.commands.find((c) => c.name() === 'doctor');
    let help = '';
    doctor?.configureOutput({
      writeOut: (s) => {
        help += s;
      },
    });
    doctor?.outputHelp();
    expect(help).toContain('Examples:');
    expect(help).toContain('socless doctor --profile security-admin');
    expect(help).toContain('Exit code 0 when no check fails');
  });
});
