/**
 * What an automatic fix adds in AWS to what the local hub runs (the local hub plans from the finding and applies
 * nothing): the remediate integration in `auto` mode with the deployed runtime's parts — blast-radius guard,
 * write-ahead records and the session ledger in the `remediations` table — and a spoke whose S3 answers like a
 * bucket without a public access block, then the fix's own CloudTrail call coming back to the endpoint, which
 * reads the ledger to know it as the hub's. Every DynamoDB command is counted by the same counter as the rest.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createRemediateIntegration } from '../../../hub/integrations/remediate/integration.ts';
import { toLambdaHandler } from '../../../shared/integration-runtime/handler.ts';
import { NAMES } from '../../../shared/names.ts';
import { processInput } from '../../../shared/pipeline/pipeline.ts';
import { createSpokeClients } from '../../../shared/remediation/calls.ts';
import { BlastRadiusGuard, StaticKillSwitch } from '../../../shared/remediation/guard.ts';
import { type SpokeSessionFactory, spokeSessionName } from '../../../shared/remediation/session.ts';
import { HubSessionLedger, ledgeredSessions } from '../../../shared/remediation/session-ledger.ts';
import { RemediationRecordsRepository } from '../../../shared/store/remediations.ts';
import type { LocalHub } from '../../local/hub.ts';
import type { DynamoCounts } from './counters.ts';

/** The sample whose fix is applied: a bucket finding answered by the bucket public access block remediation. */
export const APPLY_SAMPLE = fileURLToPath(
  new URL('../../../playbooks/remediate-finding/events/securityhub-s3-bucket-public-high.json', import.meta.url),
);
const ECHO_TEMPLATE = fileURLToPath(
  new URL('../../../test/fixtures/events/cloudtrail-authorize-sg-ingress.json', import.meta.url),
);

export interface ApplyProfile {
  /** DynamoDB operations of the remediate task when it applies (guard, record, ledger, reads). */
  readonly dynamo: DynamoCounts;
  /** The endpoint's operations for the fix call's CloudTrail event (ledger read included). */
  readonly echoDynamo: DynamoCounts;
  /** The echo event's status (`self` when the ledger knows the session). */
  readonly echoStatus: string;
  readonly outcome: string;
  /** Sessions opened in the spoke (AssumeRole calls) and calls made with them. */
  readonly sessions: number;
  readonly spokeCalls: number;
}

/**
 * Applies the fix of `event` (the execution input's `artifacts.event` of {@link APPLY_SAMPLE}) in `auto` mode
 * on the hub's dynalite, measuring with `snapshot` (the counter's counts, copied).
 */
export async function measureApply(
  hub: LocalHub,
  event: Record<string, unknown>,
  snapshot: () => DynamoCounts,
  diff: (after: DynamoCounts, before: DynamoCounts) => DynamoCounts,
): Promise<ApplyProfile> {
  const client = hub.integrationDeps.documentClient;
  const account = String(event.account ?? (event.details as Record<string, unknown> | undefined)?.account ?? '');
  const region = String(event.region ?? hub.config.homeRegion);
  await client.send(
    new PutCommand({
      TableName: 'accounts',
      Item: { accountId: account, name: 'cost-bench', email: 'owner@example.com', mode: 'auto', ouPath: [], tags: {} },
    }),
  );
  let sessions = 0;
  let spokeCalls = 0;
  let blockRead = 0;
  const spoke: SpokeSessionFactory = {
    async open(request) {
      sessions++;
      const clients = createSpokeClients(request.region, { accessKeyId: 'ASIACOSTBENCH', secretAccessKey: 'bench' });
      // A bucket with no public access block until the fix puts one: answers in process, no network.
      clients.s3.middlewareStack.add(
        (_next, context) => async () => {
          spokeCalls++;
          const op = String((context as { commandName?: string }).commandName);
          if (op === 'GetPublicAccessBlockCommand') {
            if (blockRead++ === 0) {
              throw Object.assign(new Error('no block'), { name: 'NoSuchPublicAccessBlockConfiguration' });
            }
            const all = {
              BlockPublicAcls: true,
              IgnorePublicAcls: true,
              BlockPublicPolicy: true,
              RestrictPublicBuckets: true,
            };
            return { output: { PublicAccessBlockConfiguration: all, $metadata: {} }, response: {} };
          }
          if (op === 'PutPublicAccessBlockCommand') return { output: { $metadata: {} }, response: {} };
          throw new Error(`cost bench spoke: ${op} is not simulated`);
        },
        { step: 'initialize', name: 'cost-bench-spoke' },
      );
      return {
        account: request.account,
        region: request.region,
        partition: 'aws',
        clients,
        ...(request.purpose ? { purpose: request.purpose } : {}),
      };
    },
  };
  const now = () => new Date();
  const integration = createRemediateIntegration({
    runtime: () => ({
      sessions: ledgeredSessions(spoke, new HubSessionLedger(client, 'remediations'), now),
      killSwitch: new StaticKillSwitch(false),
      guard: new BlastRadiusGuard(client, 'remediations', { maxAutoPerAccountPerHour: 10, maxAutoPerOrgPerHour: 100 }),
      records: new RemediationRecordsRepository(client, 'remediations'),
      now,
    }),
  });
  const executionId = `arn:aws:states:${region}:000000000000:execution:remediate-finding:cost-bench-apply`;
  const before = snapshot();
  const out = (await toLambdaHandler(
    integration,
    hub.integrationDeps,
  )({
    _socless: {
      state: 'Remediate',
      playbook: 'remediate-finding',
      execution_id: executionId,
      investigation_id: 'cost-bench-apply',
    },
    parameters: { event },
  })) as { remediation?: { effectiveAction?: string; status?: string } };
  const applied = snapshot();

  // The fix call comes back through the spoke's CloudTrail forwarding, made by the hub's session.
  const template = JSON.parse(readFileSync(ECHO_TEMPLATE, 'utf8')) as Record<string, Record<string, unknown>>;
  const sessionArn = `arn:aws:sts::${account}:assumed-role/${NAMES.spokeRemediationRoleName}/${spokeSessionName(executionId)}`;
  const time = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const echo = {
    ...template,
    id: 'cost-bench-echo',
    source: 'aws.s3',
    account,
    region,
    time,
    detail: {
      ...template.detail,
      eventSource: 's3.amazonaws.com',
      eventName: 'PutPublicAccessBlock',
      eventTime: time,
      awsRegion: region,
      userIdentity: {
        type: 'AssumedRole',
        arn: sessionArn,
        accountId: account,
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            arn: `arn:aws:iam::${account}:role/${NAMES.spokeRemediationRoleName}`,
            accountId: account,
          },
        },
      },
      requestParameters: { bucketName: 'exports-bucket' },
    },
  };
  const [echoed] = await processInput(echo, 'cost-bench', hub.pipeline);
  const end = snapshot();
  return {
    dynamo: diff(applied, before),
    echoDynamo: diff(end, applied),
    echoStatus: echoed?.status ?? 'none',
    outcome: out.remediation?.effectiveAction ?? out.remediation?.status ?? 'unknown',
    sessions,
    spokeCalls,
  };
}
