/**
 * Shared set-up of the remediation tests: findings, a session factory over mocked SDK clients, and the remediate
 * integration through its wrapper on dynalite (records and guard in the remediations table).
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { INTEGRATION_CATALOG, INTEGRATIONS } from '../../hub/integrations/index.ts';
import { createRemediateIntegration } from '../../hub/integrations/remediate/integration.ts';
import type { SeverityLabel } from '../../shared/config.ts';
import { toLambdaHandler } from '../../shared/integration-runtime/handler.ts';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { createLocalDeps } from '../../shared/local/local-deps.ts';
import { type PlaybookTestResult, runPlaybookTests } from '../../shared/local/playbook-tests.ts';
import { createSpokeClients } from '../../shared/remediation/calls.ts';
import { BlastRadiusGuard, StaticKillSwitch } from '../../shared/remediation/guard.ts';
import type { RemediationRuntime } from '../../shared/remediation/runner.ts';
import type { SpokeSession, SpokeSessionFactory, SpokeSessionRequest } from '../../shared/remediation/session.ts';
import type { Remediation, RemediationEvent, RemediationOutcome } from '../../shared/remediation/types.ts';
import { RemediationRecordsRepository } from '../../shared/store/remediations.ts';

export const ACCOUNT = '210987654321';
export const REGION = 'eu-west-1';
export const NOW = new Date('2025-03-14T09:30:00.000Z');

/** A normalized finding about one resource. */
export function finding(
  overrides: Partial<RemediationEvent> & { resources?: RemediationEvent['resources'] } = {},
  severity: SeverityLabel = 'HIGH',
): RemediationEvent {
  return {
    id: 'evt-1',
    source: 'securityhub-asff',
    kind: 'S3.8',
    account: ACCOUNT,
    region: REGION,
    time: '2025-03-14T09:00:00Z',
    severity: { label: severity, score: severity === 'HIGH' ? 70 : severity === 'CRITICAL' ? 90 : 40 },
    title: 'finding',
    resources: [],
    dedupKey: 'k',
    status: 'active',
    ...overrides,
  };
}

/**
 * Opens sessions with real SDK clients on static credentials; aws-sdk-client-mock intercepts their sends.
 * Records what was asked for, so tests can check the account, region, remediation, purpose and target.
 */
/** A public access block with all four settings on: what the bucket fix puts. */
export const BLOCK_ALL = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

/** A Security Hub finding about a public bucket (`exports-bucket`). */
export const bucketEvent = finding({ resources: [{ type: 'AwsS3Bucket', id: 'arn:aws:s3:::exports-bucket' }] });

export class RecordingSessionFactory implements SpokeSessionFactory {
  readonly requests: SpokeSessionRequest[] = [];
  async open(request: SpokeSessionRequest): Promise<SpokeSession> {
    this.requests.push(request);
    return {
      account: request.account,
      region: request.region,
      partition: 'aws',
      clients: createSpokeClients(request.region, { accessKeyId: 'AKIATESTTESTTEST', secretAccessKey: 'test' }),
      // Like STS sessions, a session says what it was opened for, so callRunner refuses other directions' writes.
      ...(request.purpose ? { purpose: request.purpose } : {}),
    };
  }
}

/** The remediate integration through the real wrapper against dynalite, one account in the registry. */
export interface RemediateHarness {
  readonly dynamo: LocalDynamo;
  readonly records: RemediationRecordsRepository;
  readonly guard: BlastRadiusGuard;
  invoke(options: RemediateInvocation): Promise<{ remediation: RemediationOutcome; executionId: string }>;
  close(): Promise<void>;
}

export interface RemediateInvocation {
  readonly mode: string;
  readonly event: RemediationEvent;
  /** @default a new execution per call */
  readonly executionId?: string;
  /** @default a new investigation per call */
  readonly investigationId?: string;
  readonly registry?: readonly Remediation[];
  readonly runtime?: Partial<RemediationRuntime>;
  /** Extra integration parameters (remediation, account_id, approved_by, approved_plan_hash). */
  readonly parameters?: Record<string, unknown>;
  /** Extra Lambda environment (e.g. remediationEnvironment(config.remediation)). */
  readonly env?: Record<string, string>;
  /** The account's OU path in the registry. @default [] */
  readonly ouPath?: readonly string[];
}

let harnessCounter = 0;

export async function startRemediateHarness(): Promise<RemediateHarness> {
  const dynamo = await startLocalDynamo();
  const records = new RemediationRecordsRepository(dynamo.client, 'remediations');
  const guard = new BlastRadiusGuard(dynamo.client, 'remediations', {
    maxAutoPerAccountPerHour: 10,
    maxAutoPerOrgPerHour: 100,
  });
  return {
    dynamo,
    records,
    guard,
    async invoke(options) {
      harnessCounter += 1;
      await dynamo.client.send(
        new PutCommand({
          TableName: 'accounts',
          Item: {
            accountId: ACCOUNT,
            name: 'batch-prod',
            email: 'owner@example.com',
            mode: options.mode,
            ouPath: options.ouPath ?? [],
            tags: {},
          },
        }),
      );
      const executionId =
        options.executionId ??
        `arn:aws:states:eu-west-1:111111111111:execution:remediate-finding:run-${harnessCounter}`;
      const integration = createRemediateIntegration({
        ...(options.registry ? { registry: options.registry } : {}),
        runtime: () => ({ killSwitch: new StaticKillSwitch(false), guard, now: () => NOW, ...options.runtime }),
      });
      const deps = createLocalDeps({ documentClient: dynamo.client, now: () => NOW });
      const out = await toLambdaHandler(integration, { ...deps, env: { ...deps.env, ...options.env } })({
        _socless: {
          state: 'Remediate',
          playbook: 'remediate-finding',
          execution_id: executionId,
          investigation_id: options.investigationId ?? `inv-${harnessCounter}`,
        },
        parameters: { event: options.event, ...options.parameters },
      });
      return { remediation: (out as { remediation: RemediationOutcome }).remediation, executionId };
    },
    close: () => dynamo.close(),
  };
}

/**
 * A temporary playbooks root holding remediate-finding's playbook as the repo has it, with `events` (file name
 * to event) in its `events/` and an empty `tests/`. The caller removes it.
 */
export function remediateFindingRoot(prefix: string, events: Record<string, unknown>): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const dir = join(root, 'remediate-finding');
  mkdirSync(join(dir, 'events'), { recursive: true });
  mkdirSync(join(dir, 'tests'));
  cpSync(
    fileURLToPath(new URL('../../playbooks/remediate-finding/playbook.json', import.meta.url)),
    join(dir, 'playbook.json'),
  );
  for (const [name, event] of Object.entries(events)) writeFileSync(join(dir, 'events', name), JSON.stringify(event));
  return root;
}

/**
 * Runs one remediate-finding playbook test (`spec`, written to `root` as `name` and removed after) through the
 * local hub with the real integrations, except that remediate opens its sessions with a
 * {@link RecordingSessionFactory} and reads its kill switch from `killSwitch`.
 */
export async function runRemediateFindingTest(
  root: string,
  name: string,
  spec: Record<string, unknown>,
  killSwitch = false,
): Promise<{ result: PlaybookTestResult; sessions: RecordingSessionFactory }> {
  const file = join(root, 'remediate-finding', 'tests', `${name}.json`);
  writeFileSync(file, JSON.stringify({ description: name, ...spec }));
  const sessions = new RecordingSessionFactory();
  const remediate = createRemediateIntegration({
    runtime: (ctx) => ({
      sessions,
      killSwitch: new StaticKillSwitch(killSwitch),
      guard: new BlastRadiusGuard(ctx.deps.documentClient, ctx.tableName('remediations'), {
        maxAutoPerAccountPerHour: 10,
        maxAutoPerOrgPerHour: 100,
      }),
    }),
  });
  const integrations = [...INTEGRATIONS.values()].map((i) => (i.id === 'remediate' ? remediate : i));
  const results = await runPlaybookTests({ rootDir: root, integrations, catalog: INTEGRATION_CATALOG });
  rmSync(file);
  return { result: results.find((r) => r.playbook === 'remediate-finding') as PlaybookTestResult, sessions };
}
