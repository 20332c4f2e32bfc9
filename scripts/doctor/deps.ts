/**
 * The clients `socless doctor` talks to and the gates that pace them. Every call goes through the gate of its
 * API (token bucket, bounded concurrency, jittered backoff on throttling: the org scan's {@link ApiGate}), so a
 * doctor run against a large organization never trips a service's rate limit.
 */
import { AccessAnalyzerClient } from '@aws-sdk/client-accessanalyzer';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { EC2Client } from '@aws-sdk/client-ec2';
import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import type { SoclessConfig } from '../../shared/config.ts';
import { ApiGate, type Clock, SYSTEM_CLOCK } from '../../shared/org/organizations.ts';
import { assumedRoleCredentials, clientSettings } from '../org/aws-context.ts';
import { type ApiGates, createGates } from '../org/gates.ts';

/** APIs the doctor calls beyond the org scan's: one gate each. */
export const DOCTOR_APIS = {
  ssm: { ratePerSecond: 20, concurrency: 4 },
  ec2: { ratePerSecond: 10, concurrency: 2 },
  guardduty: { ratePerSecond: 5, concurrency: 2 },
  securityhub: { ratePerSecond: 3, concurrency: 2 },
  config: { ratePerSecond: 5, concurrency: 2 },
  accessanalyzer: { ratePerSecond: 5, concurrency: 2 },
  cloudtrail: { ratePerSecond: 5, concurrency: 2 },
  secretsmanager: { ratePerSecond: 20, concurrency: 4 },
  sns: { ratePerSecond: 10, concurrency: 2 },
  cloudwatch: { ratePerSecond: 10, concurrency: 2 },
  sqs: { ratePerSecond: 20, concurrency: 4 },
} as const;
export type DoctorApi = keyof typeof DOCTOR_APIS;

/** The org scan's gates plus the doctor's own. */
export type DoctorGates = ApiGates & Readonly<Record<DoctorApi, ApiGate>>;

export function createDoctorGates(options: { clock?: Clock; random?: () => number } = {}): DoctorGates {
  const clock = options.clock ?? SYSTEM_CLOCK;
  const own = Object.fromEntries(
    (Object.keys(DOCTOR_APIS) as DoctorApi[]).map((name) => [
      name,
      new ApiGate({
        name,
        ...DOCTOR_APIS[name],
        clock,
        ...(options.random ? { random: options.random } : {}),
      }),
    ]),
  ) as Record<DoctorApi, ApiGate>;
  return { ...createGates({ clock, ...(options.random ? { random: options.random } : {}) }), ...own };
}

/** Clients in the caller's (hub) account, home region unless said otherwise. */
export interface DoctorClients {
  readonly sts: STSClient;
  /** Organizations, through `--org-role` when given. */
  readonly organizations: OrganizationsClient;
  /** CloudFormation where the StackSets live (management account for SELF, this account for DELEGATED_ADMIN). */
  readonly stackSets: CloudFormationClient;
  /** CloudFormation in this account and the home region (bootstrap stack, hub stack). */
  readonly cloudformation: CloudFormationClient;
  readonly ssm: SSMClient;
  readonly ec2: EC2Client;
  readonly guardduty: GuardDutyClient;
  readonly securityhub: SecurityHubClient;
  readonly config: ConfigServiceClient;
  readonly accessanalyzer: AccessAnalyzerClient;
  readonly cloudtrail: CloudTrailClient;
  readonly secretsmanager: SecretsManagerClient;
  readonly sns: SNSClient;
  readonly cloudwatch: CloudWatchClient;
  readonly sqs: SQSClient;
}

/** Everything a check needs. */
export interface DoctorDeps {
  readonly clients: DoctorClients;
  readonly gates: DoctorGates;
  readonly config: SoclessConfig;
  /** The account and ARN of the caller (GetCallerIdentity). */
  readonly caller: { readonly account: string; readonly arn: string };
  /** The account whose credentials deploy the rollout: the `--org-role` account, else the caller's. */
  readonly rolloutAccount: string;
  /** `--org-role`, when given (named in fixes). */
  readonly orgRole?: string;
  /** `--profile`, when given (named in fixes). */
  readonly profile?: string;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Options of {@link createDoctorClients}. */
export interface DoctorClientOptions {
  readonly profile?: string;
  readonly orgRole?: string;
}

/** Real clients with the caller's credentials (and the org role for Organizations and SELF StackSets). */
export function createDoctorClients(
  options: DoctorClientOptions,
  config: SoclessConfig,
  gates: ApiGates,
): DoctorClients {
  const settings = clientSettings(options, config.homeRegion);
  const sts = new STSClient(settings);
  const orgCredentials = options.orgRole
    ? assumedRoleCredentials(sts, gates, options.orgRole, 'socless-doctor')
    : undefined;
  const withOrgRole = orgCredentials ? { ...settings, credentials: orgCredentials } : settings;
  return {
    sts,
    organizations: new OrganizationsClient(withOrgRole),
    stackSets: new CloudFormationClient(config.rollout.callAs === 'SELF' ? withOrgRole : settings),
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
