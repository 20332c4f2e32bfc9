/**
 * Real AWS clients for the org and exec commands: credentials from the default chain (or `--profile`),
 * adaptive SDK retries, an optional role in the management account for Organizations (and SELF StackSets),
 * and the hub stack's outputs for table names.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SFNClient } from '@aws-sdk/client-sfn';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SoclessConfig } from '../../shared/config.ts';
import { SoclessError } from '../../shared/errors.ts';
import { NAMES } from '../../shared/names.ts';
import { errorText } from '../../shared/org/organizations.ts';
import type { ApiGates } from './gates.ts';
import type { SessionCredentials } from './scan.ts';

/** Options every org/exec command takes. */
export interface AwsCommandOptions {
  readonly profile?: string;
  /** @default the configuration's home region */
  readonly region?: string;
  /** A role in the management account (or a delegated administrator) for Organizations calls. */
  readonly orgRole?: string;
}

/** A credentials provider the SDK calls; refreshes the session five minutes before it expires. */
export type CredentialsProvider = () => Promise<SessionCredentials & { expiration?: Date }>;

/** SDK settings shared by every client: adaptive retries on top of the gates' own pacing. */
export function clientSettings(options: AwsCommandOptions, region: string) {
  return {
    region,
    retryMode: 'adaptive' as const,
    maxAttempts: 3,
    ...(options.profile ? { profile: options.profile } : {}),
  };
}

/** Credentials of `roleArn`, assumed through `sts` and refreshed before they expire. */
export function assumedRoleCredentials(
  sts: STSClient,
  gates: Pick<ApiGates, 'sts'>,
  roleArn: string,
  sessionName: string,
  externalId?: string,
): CredentialsProvider {
  let current: (SessionCredentials & { expiration?: Date }) | undefined;
  return async () => {
    const fresh = current?.expiration && current.expiration.getTime() - Date.now() > 5 * 60_000;
    if (current && fresh) return current;
    const out = await gates.sts.call(() =>
      sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: sessionName,
          ...(externalId ? { ExternalId: externalId } : {}),
        }),
      ),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
      throw new SoclessError(`AssumeRole ${roleArn} returned no credentials`);
    }
    current = {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      ...(c.Expiration ? { expiration: c.Expiration } : {}),
    };
    return current;
  };
}

/** Checks that a role can be assumed now; returns the reason when it cannot. */
export async function tryCredentials(provider: CredentialsProvider): Promise<string | undefined> {
  try {
    await provider();
    return undefined;
  } catch (err) {
    return errorText(err);
  }
}

/** The clients of one command run. */
export interface AwsContext {
  readonly region: string;
  /** STS with the caller's own credentials. */
  readonly sts: STSClient;
  /** Organizations, through `--org-role` when given. */
  readonly organizations: OrganizationsClient;
  /** CloudFormation where the StackSets live: the management account (SELF) or this account (DELEGATED_ADMIN). */
  readonly stackSets: CloudFormationClient;
  /** CloudFormation in the hub account (stack outputs). */
  readonly cloudformation: CloudFormationClient;
  readonly dynamodb: DynamoDBClient;
  readonly documents: DynamoDBDocumentClient;
  readonly sfn: SFNClient;
  readonly settings: ReturnType<typeof clientSettings>;
}

export function createAwsContext(options: AwsCommandOptions, config: SoclessConfig, gates: ApiGates): AwsContext {
  const region = options.region ?? config.homeRegion;
  const settings = clientSettings(options, region);
  const sts = new STSClient(settings);
  const orgCredentials = options.orgRole
    ? assumedRoleCredentials(sts, gates, options.orgRole, 'socless-org-admin')
    : undefined;
  const withOrgRole = orgCredentials ? { ...settings, credentials: orgCredentials } : settings;
  const dynamodb = new DynamoDBClient(settings);
  return {
    region,
    sts,
    organizations: new OrganizationsClient(withOrgRole),
    stackSets: new CloudFormationClient({
      ...(config.rollout.callAs === 'SELF' ? withOrgRole : settings),
      region: config.homeRegion,
    }),
    cloudformation: new CloudFormationClient({ ...settings, region: config.homeRegion }),
    dynamodb,
    documents: DynamoDBDocumentClient.from(dynamodb, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
    }),
    sfn: new SFNClient({ ...settings, region: config.homeRegion }),
    settings,
  };
}

/** Hub stack outputs the CLI reads (`SoclessHub`): table names. */
export const HUB_OUTPUTS = {
  eventsTable: 'TableEventsName',
  accountsTable: 'TableAccountsName',
  remediationsTable: 'TableRemediationsName',
} as const;

/** The flag that overrides each hub stack output. */
export const HUB_OUTPUT_FLAGS: Readonly<Record<keyof typeof HUB_OUTPUTS, string>> = {
  eventsTable: '--events-table',
  accountsTable: '--accounts-table',
  remediationsTable: '--remediations-table',
};

/** The hub stack's outputs by key. */
export async function hubStackOutputs(
  client: CloudFormationClient,
  gates: Pick<ApiGates, 'cloudformation'>,
): Promise<Record<string, string>> {
  try {
    const out = await gates.cloudformation.call(() =>
      client.send(new DescribeStacksCommand({ StackName: NAMES.stacks.hub })),
    );
    const outputs: Record<string, string> = {};
    for (const o of out.Stacks?.[0]?.Outputs ?? []) {
      if (o.OutputKey && o.OutputValue !== undefined) outputs[o.OutputKey] = o.OutputValue;
    }
    return outputs;
  } catch (err) {
    // Only a missing stack is about the hub; credentials, access and throttling keep their own error (and advice).
    if ((err as Error).name === 'ValidationError' && /does not exist/.test((err as Error).message)) {
      throw new SoclessError(
        `stack ${NAMES.stacks.hub} does not exist in ${await client.config.region()}: deploy the hub there, pass --region <hub region>, or pass the table names (${Object.values(
          HUB_OUTPUT_FLAGS,
        ).join(', ')})`,
        { cause: err },
      );
    }
    throw err;
  }
}
