/**
 * A simulated organization behind aws-sdk-client-mock, for the org tests and the org-scan benchmark: the
 * real SDK command classes and error classes, AWS page sizes, a per-call latency, and throttling either by
 * a sliding one-second window per API (the benchmark) or deterministically every Nth call (the tests).
 * Development only: it imports aws-sdk-client-mock, a dev dependency.
 */
import {
  CloudFormationClient,
  CloudFormationServiceException,
  ListStackInstancesCommand,
  type StackInstanceSummary,
} from '@aws-sdk/client-cloudformation';
import {
  type Account,
  AccountNotFoundException,
  DescribeAccountCommand,
  DescribeOrganizationalUnitCommand,
  DescribeOrganizationCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
  TagResourceCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { NAMES } from '../../shared/names.ts';
import type { Clock } from '../../shared/org/organizations.ts';
import type { ApiName } from './gates.ts';

/** One simulated account. */
export interface SimulatedAccount {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly parentId: string;
  state: 'ACTIVE' | 'SUSPENDED';
  tags: Record<string, string>;
}

export interface SimulatedOu {
  readonly id: string;
  readonly name: string;
  readonly parentId: string;
}

export interface SimulatedEvent {
  readonly id: string;
  readonly account: string;
  readonly status: string;
  readonly receivedAt: string;
  readonly kind?: string;
}

/** The organization and deployment state the mocks answer from. */
export interface SimulatedOrg {
  readonly organizationId: string;
  readonly managementAccountId: string;
  readonly rootId: string;
  readonly ous: SimulatedOu[];
  readonly accounts: SimulatedAccount[];
  /** Stack instances per StackSet name. */
  readonly instances: Record<string, StackInstanceSummary[]>;
  /** Accounts whose SoclessRemediationRole denies AssumeRole. */
  readonly deniedRoles: Set<string>;
  readonly events: SimulatedEvent[];
  /** The hub's accounts registry (the `accounts` table): tags as last synced, by account id. */
  readonly registry: Map<string, { tags: Record<string, string>; updatedAt: string }>;
}

/** Shape of a simulated organization. */
export interface SimulatedOrgOptions {
  readonly accounts: number;
  /** OUs under the root (accounts are spread round-robin). */
  readonly ous: number;
  readonly homeRegion: string;
  readonly regions: readonly string[];
  /** Events in the table: one per account for every `eventEvery`-th account. @default 3 */
  readonly eventEvery?: number;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** A regular organization: root, `ous` OUs, accounts round-robin, spokes everywhere, every role assumable. */
export function buildSimulatedOrg(options: SimulatedOrgOptions): SimulatedOrg {
  const rootId = 'r-ab12';
  const ous: SimulatedOu[] = Array.from({ length: options.ous }, (_, i) => ({
    id: `ou-ab12-${pad(i, 8)}`,
    name: `Workloads ${i + 1}`,
    parentId: rootId,
  }));
  const accounts: SimulatedAccount[] = Array.from({ length: options.accounts }, (_, i) => ({
    id: pad(100_000_000_000 + i, 12),
    name: `account-${pad(i, 4)}`,
    email: `aws+${i}@example.com`,
    parentId: ous[i % ous.length]?.id ?? rootId,
    state: 'ACTIVE',
    tags: { owner: `team-${i % 17}` },
  }));
  const instance = (stackSet: string, account: SimulatedAccount, region: string): StackInstanceSummary => ({
    StackSetId: `${stackSet}:0000`,
    Account: account.id,
    Region: region,
    Status: 'CURRENT',
    StackInstanceStatus: { DetailedStatus: 'SUCCEEDED' },
    OrganizationalUnitId: account.parentId,
  });
  const every = options.eventEvery ?? 3;
  const events: SimulatedEvent[] = accounts
    .filter((_, i) => i % every === 0)
    .map((a, i) => ({
      id: `evt-${a.id}`,
      account: a.id,
      status: i % 4 === 0 ? 'duplicate' : 'dispatched',
      receivedAt: new Date(Date.UTC(2025, 5, 1, 0, 0, i)).toISOString(),
      kind: 'guardduty',
    }));
  return {
    organizationId: 'o-a1b2c3d4e5',
    managementAccountId: '999999999999',
    rootId,
    ous,
    accounts,
    instances: {
      [NAMES.stackSets.global]: accounts.map((a) => instance(NAMES.stackSets.global, a, options.homeRegion)),
      [NAMES.stackSets.regional]: accounts.flatMap((a) =>
        options.regions.map((r) => instance(NAMES.stackSets.regional, a, r)),
      ),
    },
    deniedRoles: new Set(),
    events,
    // In sync with Organizations as of an hour ago: what tag-change events keep it at.
    registry: new Map(
      accounts.map((a) => [a.id, { tags: { ...a.tags }, updatedAt: new Date(Date.now() - 3_600_000).toISOString() }]),
    ),
  };
}

/** How the simulated services behave. */
export interface SimulatedBehaviour {
  /** Milliseconds every call takes. @default 0 */
  readonly latencyMs?: number;
  /** Accepted requests per rolling second per API; more are answered with the service's throttling error. */
  readonly limits?: Partial<Record<ApiName, number>>;
  /** Throttle every Nth request of an API (deterministic, for tests). */
  readonly throttleEvery?: Partial<Record<ApiName, number>>;
  /** Time for latency and the sliding windows. */
  readonly clock: Clock;
}

/** The installed mocks, with per-API request counts. */
export interface SimulatedAws {
  readonly organizations: AwsClientStub<OrganizationsClient>;
  readonly sts: AwsClientStub<STSClient>;
  readonly cloudformation: AwsClientStub<CloudFormationClient>;
  readonly dynamodb: AwsClientStub<DynamoDBDocumentClient>;
  /** Requests received per API (throttled ones included). */
  readonly requests: Record<ApiName, number>;
  /** Requests answered with a throttling error per API. */
  readonly throttled: Record<ApiName, number>;
  /** Largest number of requests accepted in any rolling second, per API. */
  readonly peakPerSecond: Record<ApiName, number>;
  restore(): void;
}

function throttleError(api: ApiName): Error {
  const meta = { httpStatusCode: 400, requestId: 'simulated' };
  if (api === 'organizations') {
    return new TooManyRequestsException({
      message: 'You have sent too many requests in too short a period of time. Try again later.',
      $metadata: meta,
    });
  }
  if (api === 'sts') {
    return new STSServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', $metadata: meta });
  }
  if (api === 'cloudformation') {
    return new CloudFormationServiceException({
      name: 'Throttling',
      $fault: 'client',
      message: 'Rate exceeded',
      $metadata: meta,
    });
  }
  return Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: meta });
}

function accessDenied(message: string): Error {
  return new STSServiceException({
    name: 'AccessDenied',
    $fault: 'client',
    message,
    $metadata: { httpStatusCode: 403 },
  });
}

/** Installs the mocks (every client instance of those classes answers from `org`). */
export function installSimulatedAws(org: SimulatedOrg, behaviour: SimulatedBehaviour): SimulatedAws {
  const { clock } = behaviour;
  const requests: Record<ApiName, number> = { organizations: 0, sts: 0, cloudformation: 0, dynamodb: 0, sfn: 0 };
  const throttled: Record<ApiName, number> = { ...requests };
  const peakPerSecond: Record<ApiName, number> = { ...requests };
  const windows: Record<string, number[]> = {};

  /** Admits or throttles one request, then waits the call's latency. */
  const serve = async (api: ApiName): Promise<void> => {
    requests[api]++;
    const every = behaviour.throttleEvery?.[api];
    if (every && requests[api] % every === 0) {
      throttled[api]++;
      throw throttleError(api);
    }
    const limit = behaviour.limits?.[api];
    if (limit !== undefined) {
      const now = clock.now();
      const window = windows[api] ?? [];
      windows[api] = window;
      while (window.length > 0 && (window[0] ?? 0) <= now - 1000) window.shift();
      if (window.length >= limit) {
        throttled[api]++;
        throw throttleError(api);
      }
      window.push(now);
      peakPerSecond[api] = Math.max(peakPerSecond[api], window.length);
    }
    if (behaviour.latencyMs) await clock.sleep(behaviour.latencyMs);
  };

  const page = <T>(items: readonly T[], token: string | undefined, size: number) => {
    const start = token ? Number(token) : 0;
    const slice = items.slice(start, start + size);
    const next = start + size < items.length ? String(start + size) : undefined;
    return { slice, next };
  };
  const byId = new Map(org.accounts.map((a) => [a.id, a]));
  const ouById = new Map(org.ous.map((o) => [o.id, o]));
  const toAccount = (a: SimulatedAccount): Account => ({
    Id: a.id,
    Arn: `arn:aws:organizations::${org.managementAccountId}:account/${org.organizationId}/${a.id}`,
    Name: a.name,
    Email: a.email,
    State: a.state,
    Status: a.state,
  });

  const organizations = mockClient(OrganizationsClient);
  organizations.on(DescribeOrganizationCommand).callsFake(async () => {
    await serve('organizations');
    return { Organization: { Id: org.organizationId, MasterAccountId: org.managementAccountId } };
  });
  organizations.on(DescribeAccountCommand).callsFake(async (input) => {
    await serve('organizations');
    const account = byId.get(input.AccountId ?? '');
    if (!account) {
      throw new AccountNotFoundException({ message: `no account ${input.AccountId}`, $metadata: {} });
    }
    return { Account: toAccount(account) };
  });
  organizations.on(ListRootsCommand).callsFake(async () => {
    await serve('organizations');
    return { Roots: [{ Id: org.rootId, Name: 'Root' }] };
  });
  organizations.on(ListOrganizationalUnitsForParentCommand).callsFake(async (input) => {
    await serve('organizations');
    const { slice, next } = page(
      org.ous.filter((o) => o.parentId === input.ParentId),
      input.NextToken,
      20,
    );
    return { OrganizationalUnits: slice.map((o) => ({ Id: o.id, Name: o.name })), NextToken: next };
  });
  organizations.on(ListAccountsForParentCommand).callsFake(async (input) => {
    await serve('organizations');
    const { slice, next } = page(
      org.accounts.filter((a) => a.parentId === input.ParentId),
      input.NextToken,
      20,
    );
    return { Accounts: slice.map(toAccount), NextToken: next };
  });
  organizations.on(ListTagsForResourceCommand).callsFake(async (input) => {
    await serve('organizations');
    const account = byId.get(input.ResourceId ?? '');
    if (!account) throw Object.assign(new Error(`no account ${input.ResourceId}`), { name: 'TargetNotFoundException' });
    return { Tags: Object.entries(account.tags).map(([Key, Value]) => ({ Key, Value })) };
  });
  organizations.on(TagResourceCommand).callsFake(async (input) => {
    await serve('organizations');
    const account = byId.get(input.ResourceId ?? '');
    if (!account) throw Object.assign(new Error(`no account ${input.ResourceId}`), { name: 'TargetNotFoundException' });
    for (const t of input.Tags ?? []) if (t.Key) account.tags[t.Key] = t.Value ?? '';
    return {};
  });
  organizations.on(ListParentsCommand).callsFake(async (input) => {
    await serve('organizations');
    const child = input.ChildId ?? '';
    const parent = ouById.get(child)?.parentId ?? byId.get(child)?.parentId;
    if (!parent) throw Object.assign(new Error(`no child ${child}`), { name: 'ChildNotFoundException' });
    return { Parents: [{ Id: parent, Type: parent.startsWith('r-') ? 'ROOT' : 'ORGANIZATIONAL_UNIT' }] };
  });
  organizations.on(DescribeOrganizationalUnitCommand).callsFake(async (input) => {
    await serve('organizations');
    const ou = ouById.get(input.OrganizationalUnitId ?? '');
    if (!ou) {
      throw Object.assign(new Error(`no OU ${input.OrganizationalUnitId}`), {
        name: 'OrganizationalUnitNotFoundException',
      });
    }
    return { OrganizationalUnit: { Id: ou.id, Name: ou.name } };
  });

  const cloudformation = mockClient(CloudFormationClient);
  cloudformation.on(ListStackInstancesCommand).callsFake(async (input) => {
    await serve('cloudformation');
    const all = org.instances[input.StackSetName ?? ''];
    if (!all)
      throw Object.assign(new Error(`StackSet ${input.StackSetName} not found`), { name: 'StackSetNotFoundException' });
    const { slice, next } = page(all, input.NextToken, Math.min(100, input.MaxResults ?? 100));
    return { Summaries: slice, NextToken: next };
  });

  const sts = mockClient(STSClient);
  const sessions = new Map<string, string>();
  sts.on(AssumeRoleCommand).callsFake(async (input) => {
    await serve('sts');
    const account = /^arn:aws:iam::(\d{12}):role\//.exec(input.RoleArn ?? '')?.[1] ?? '';
    if (org.deniedRoles.has(account) || !byId.has(account)) {
      throw accessDenied(`User is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`);
    }
    const key = `ASIA${account}`;
    sessions.set(key, account);
    return {
      AssumedRoleUser: {
        Arn: `arn:aws:sts::${account}:assumed-role/${NAMES.spokeRemediationRoleName}/${input.RoleSessionName ?? 'x'}`,
        AssumedRoleId: `AROA${account}:${input.RoleSessionName ?? 'x'}`,
      },
      Credentials: {
        AccessKeyId: key,
        SecretAccessKey: 'simulated',
        SessionToken: 'simulated',
        Expiration: new Date(Date.UTC(2030, 0, 1)),
      },
    };
  });
  sts.on(GetCallerIdentityCommand).callsFake(async (_input, getClient) => {
    // The session's account is whichever role the signing credentials came from. getClient() must be read
    // before any await: the mock keeps only the latest caller.
    const provider = getClient().config.credentials as unknown as () => Promise<{ accessKeyId: string }>;
    await serve('sts');
    const account = sessions.get((await provider()).accessKeyId);
    if (!account)
      throw Object.assign(new Error('The security token included in the request is invalid'), {
        name: 'InvalidClientTokenId',
      });
    return { Account: account, Arn: `arn:aws:sts::${account}:assumed-role/${NAMES.spokeRemediationRoleName}/x` };
  });

  const dynamodb = mockClient(DynamoDBDocumentClient);
  dynamodb.on(QueryCommand).callsFake(async (input) => {
    await serve('dynamodb');
    const values = input.ExpressionAttributeValues ?? {};
    const matching =
      input.IndexName === 'status-index'
        ? org.events.filter((e) => e.status === values[':status'] && e.receivedAt >= String(values[':since']))
        : org.events.filter((e) => e.account === values[':account']);
    const sorted = [...matching].sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));
    const start = input.ExclusiveStartKey ? Number(input.ExclusiveStartKey.offset) : 0;
    const size = Math.min(input.Limit ?? 100, 100);
    const slice = sorted.slice(start, start + size);
    return {
      Items: slice.map((e) => ({ ...e })),
      ...(start + size < sorted.length ? { LastEvaluatedKey: { offset: start + size } } : {}),
    };
  });

  // The accounts registry: paged like a DynamoDB Scan (by size; a page of registry items holds a few hundred).
  dynamodb.on(ScanCommand).callsFake(async (input) => {
    await serve('dynamodb');
    const items = [...org.registry].map(([accountId, r]) => ({
      accountId,
      tags: { ...r.tags },
      updatedAt: r.updatedAt,
    }));
    const start = input.ExclusiveStartKey ? Number(input.ExclusiveStartKey.offset) : 0;
    const size = 500;
    return {
      Items: items.slice(start, start + size),
      ...(start + size < items.length ? { LastEvaluatedKey: { offset: start + size } } : {}),
    };
  });

  return {
    organizations,
    sts,
    cloudformation,
    dynamodb,
    requests,
    throttled,
    peakPerSecond,
    restore() {
      organizations.restore();
      sts.restore();
      cloudformation.restore();
      dynamodb.restore();
    },
  };
}
