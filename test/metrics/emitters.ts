/**
 * Runs every code path that emits a catalog metric, each with a capturing sink, and returns what they wrote: the
 * endpoint's batch metrics, the integration wrapper's failure count, the remediation runner's outcome and
 * event-to-outcome time (through the remediate integration), the kill switch's unreadable count, and the
 * sweeper's approvals gauge. The dashboards test checks its panels against this, not against the catalog alone.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { emitOutcomeMetrics } from '../../hub/functions/endpoint-metrics.ts';
import { createSweeperHandler } from '../../hub/functions/sweeper.ts';
import { createRemediateIntegration, reportKillSwitchProblem } from '../../hub/integrations/remediate/integration.ts';
import { toLambdaHandler } from '../../shared/integration-runtime/handler.ts';
import { startLocalDynamo } from '../../shared/local/dynalite.ts';
import { createLocalDeps } from '../../shared/local/local-deps.ts';
import { countWaitingApprovals } from '../../shared/metrics/approvals-waiting.ts';
import type { EventStatus } from '../../shared/pipeline/types.ts';
import { SsmKillSwitch, StaticKillSwitch } from '../../shared/remediation/guard.ts';
import { pipelineDeps } from '../pipeline/harness.ts';
import { ACCOUNT, finding, NOW } from '../remediation/helpers.ts';

/** One metric under one dimension set, as an EMF line declares it. */
export interface EmittedSeries {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: readonly string[];
  /** The dimension values of the line. */
  readonly values: Readonly<Record<string, string>>;
  /** The line's other fields (its properties, what Logs Insights groups by). */
  readonly properties: Readonly<Record<string, unknown>>;
  readonly unit: string;
  readonly emitter: string;
}

/** Parses one EMF line strictly: every declared dimension and metric must be on the root with the right type. */
export function seriesOfLine(line: string, emitter: string): EmittedSeries[] {
  const doc = JSON.parse(line) as Record<string, unknown> & {
    _aws?: {
      Timestamp?: unknown;
      CloudWatchMetrics?: Array<{
        Namespace: string;
        Dimensions: string[][];
        Metrics: Array<{ Name: string; Unit?: string }>;
      }>;
    };
  };
  if (typeof doc._aws?.Timestamp !== 'number') throw new Error(`${emitter}: EMF line without a numeric Timestamp`);
  const out: EmittedSeries[] = [];
  const declared = new Set<string>(['_aws']);
  for (const directive of doc._aws.CloudWatchMetrics ?? []) {
    for (const metric of directive.Metrics) declared.add(metric.Name);
    for (const dims of directive.Dimensions) for (const d of dims) declared.add(d);
  }
  const properties = Object.fromEntries(Object.entries(doc).filter(([k]) => !declared.has(k)));
  for (const directive of doc._aws.CloudWatchMetrics ?? []) {
    for (const metric of directive.Metrics) {
      if (typeof doc[metric.Name] !== 'number') throw new Error(`${emitter}: ${metric.Name} has no numeric value`);
      for (const dims of directive.Dimensions) {
        const values: Record<string, string> = {};
        for (const d of dims) {
          if (typeof doc[d] !== 'string') throw new Error(`${emitter}: dimension ${d} of ${metric.Name} is no string`);
          values[d] = doc[d] as string;
        }
        out.push({
          namespace: directive.Namespace,
          name: metric.Name,
          dimensions: dims,
          values,
          properties,
          unit: metric.Unit ?? 'None',
          emitter,
        });
      }
    }
  }
  return out;
}

/** Runs every emitter; returns what each wrote. */
export async function runEmitters(): Promise<EmittedSeries[]> {
  const series: EmittedSeries[] = [];
  const sink = (emitter: string) => (line: string) => series.push(...seriesOfLine(line, emitter));

  // The endpoint: one batch with every status, and a source outside the known ones.
  const outcome = (eventId: string, status: EventStatus, extra: { account?: string; source?: string } = {}) => ({
    eventId,
    status,
    playbooks: [],
    executions: [],
    ...extra,
  });
  emitOutcomeMetrics(
    [
      outcome('a', 'dispatched', { account: ACCOUNT, source: 'aws.securityhub' }),
      outcome('b', 'duplicate', { account: ACCOUNT, source: 'attacker.chosen' }),
      outcome('c', 'rejected'),
      outcome('d', 'unrouted', { account: ACCOUNT }),
      outcome('e', 'pending', { account: '999999999999' }),
      outcome('f', 'self', { account: ACCOUNT }),
    ],
    sink('endpoint'),
    NOW,
    { sources: new Set(['aws.securityhub']), accounts: new Set([ACCOUNT]) },
  );

  const dynamo = await startLocalDynamo();
  try {
    // The remediation runner through the remediate integration and its wrapper: a dry-run, then a failing call.
    await dynamo.client.send(
      new PutCommand({
        TableName: 'accounts',
        Item: { accountId: ACCOUNT, name: 'prod', email: 'o@example.com', mode: 'dry-run', ouPath: [], tags: {} },
      }),
    );
    const integration = createRemediateIntegration({
      runtime: () => ({ killSwitch: new StaticKillSwitch(false), now: () => NOW }),
    });
    const handler = toLambdaHandler(integration, {
      ...createLocalDeps({ documentClient: dynamo.client, now: () => NOW }),
      metrics: sink('remediate integration'),
    });
    const invocation = (event: unknown, n: number) => ({
      _socless: {
        state: 'Remediate',
        playbook: 'remediate-finding',
        execution_id: `arn:aws:states:eu-west-1:111111111111:execution:remediate-finding:m-${n}`,
        investigation_id: `inv-m-${n}`,
      },
      parameters: { event },
    });
    await handler(
      invocation(finding({ kind: 'S3.8', resources: [{ type: 'AwsS3Bucket', id: 'arn:aws:s3:::metrics-bucket' }] }), 1),
    );
    await handler(invocation({ not: 'an event' }, 2)).catch(() => undefined);

    // The kill switch, unreadable.
    const ssm = mockClient(SSMClient);
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'gone', $metadata: {} }));
    try {
      const param = '/socless/remediation/kill-switch';
      const logger = new Logger({ logLevel: 'SILENT' });
      await new SsmKillSwitch(
        new SSMClient({ region: 'us-east-1' }),
        param,
        reportKillSwitchProblem({ logger, now: () => NOW }, param, sink('kill switch')),
      ).isOn();
    } finally {
      ssm.restore();
    }

    // The sweeper's approvals gauge: one interaction waiting, one answered.
    for (const [messageId, status] of [
      ['m-1', 'pending'],
      ['m-2', 'answered'],
    ] as const) {
      await dynamo.client.send(
        new PutCommand({
          TableName: 'message_responses',
          Item: { messageId, status, investigationId: 'inv', expiresAt: Math.floor(NOW.getTime() / 1000) + 3600 },
        }),
      );
    }
    const sweeper = createSweeperHandler(
      pipelineDeps(dynamo, { now: () => NOW.getTime() }),
      60_000,
      new Logger({ logLevel: 'SILENT' }),
      { count: (now) => countWaitingApprovals(dynamo.client, 'message_responses', now), metrics: sink('sweeper') },
    );
    await sweeper();
  } finally {
    await dynamo.close();
  }
  return series;
}
