import { Logger } from '@aws-lambda-powertools/logger';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSweeperHandler } from '../../hub/functions/sweeper.ts';
import { REMEDIATIONS } from '../../hub/remediations/index.ts';
import { REMEDIATION_MODES } from '../../shared/config.ts';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { countWaitingApprovals } from '../../shared/metrics/approvals-waiting.ts';
import {
  CATALOG,
  dimensionCardinality,
  METRICS,
  maxCustomMetrics,
  OTHER_DIMENSION,
  REMEDIATION_METRIC_OUTCOMES,
} from '../../shared/metrics/catalog.ts';
import { emfLine } from '../../shared/metrics/emf.ts';
import { StaticKillSwitch } from '../../shared/remediation/guard.ts';
import { MAX_EVENT_TO_OUTCOME_MS, runRemediation } from '../../shared/remediation/runner.ts';
import { EFFECTIVE_ACTIONS } from '../../shared/remediation/types.ts';
import { pipelineDeps } from '../pipeline/harness.ts';
import { finding, NOW } from '../remediation/helpers.ts';
import { type EmittedSeries, runEmitters, seriesOfLine } from './emitters.ts';

const key = (s: { name: string; dimensions: readonly string[] }) => `${s.name}[${s.dimensions.join(',')}]`;

describe('emfLine', () => {
  it('writes a catalog metric with its dimension sets, dimension values and properties', () => {
    const line = emfLine(
      {
        metric: METRICS.remediationOutcomes,
        value: 1,
        dimensions: { Remediation: 'ebs-default-encryption', Mode: 'auto', Outcome: 'applied' },
        properties: { note: 'x' },
      },
      NOW,
    );
    expect(JSON.parse(line)).toEqual({
      _aws: {
        Timestamp: NOW.getTime(),
        CloudWatchMetrics: [
          {
            Namespace: 'Socless',
            Dimensions: [
              ['Remediation', 'Mode'],
              ['Mode', 'Outcome'],
            ],
            Metrics: [{ Name: 'RemediationOutcomes', Unit: 'Count' }],
          },
        ],
      },
      note: 'x',
      Remediation: 'ebs-default-encryption',
      Mode: 'auto',
      Outcome: 'applied',
      RemediationOutcomes: 1,
    });
  });

  it('refuses what the catalog does not allow, naming the metric and the field', () => {
    expect(() => emfLine({ metric: METRICS.dlqDepth, value: 1 }, NOW)).toThrow(
      'AWS/SQS/ApproximateNumberOfMessagesVisible is published by AWS, not emitted by the hub',
    );
    expect(() => emfLine({ metric: METRICS.eventsIngested, value: 1 }, NOW)).toThrow(
      'metric EventsIngested: dimension Source needs a value',
    );
    expect(() =>
      emfLine({ metric: METRICS.eventsIngested, value: 1, dimensions: { Source: 's', Account: '1' } }, NOW),
    ).toThrow('metric EventsIngested: Account is not one of its dimensions');
    expect(() => emfLine({ metric: METRICS.eventsPending, value: Number.NaN }, NOW)).toThrow(
      'metric EventsPending: value NaN is not a finite number',
    );
    expect(() => emfLine({ metric: METRICS.eventsPending, value: 1, properties: { EventsPending: 9 } }, NOW)).toThrow(
      'metric EventsPending: property EventsPending would overwrite a metric field',
    );
  });
});

describe('the code emits the catalog', () => {
  let emitted: EmittedSeries[];
  beforeAll(async () => {
    emitted = await runEmitters();
  });

  it('emits every catalog EMF metric under each of its dimension sets, and nothing outside the catalog', () => {
    const catalog = CATALOG.filter((m) => m.publisher.kind === 'emf').flatMap((m) =>
      m.dimensionSets.map((dimensions) => key({ name: m.name, dimensions })),
    );
    expect(new Set(emitted.map(key))).toEqual(new Set(catalog));
    for (const s of emitted) {
      const entry = CATALOG.find((m) => m.name === s.name);
      expect(s.namespace, s.name).toBe(entry?.namespace);
      expect(s.unit, s.name).toBe(entry?.unit);
    }
  });

  it('keeps every dimension value inside its bounded list, whatever the event says', () => {
    const ids = new Set(REMEDIATIONS.map((r) => r.id));
    for (const s of emitted) {
      for (const [dimension, value] of Object.entries(s.values)) {
        if (dimension === 'Source') expect(['aws.securityhub', OTHER_DIMENSION]).toContain(value);
        else if (dimension === 'Remediation') expect(ids.has(value), value).toBe(true);
        else if (dimension === 'Mode') expect(REMEDIATION_MODES).toContain(value);
        else if (dimension === 'Outcome') expect(REMEDIATION_METRIC_OUTCOMES).toContain(value);
        else if (dimension === 'Integration') expect(value).toBe('remediate');
        else throw new Error(`unexpected dimension ${dimension}`);
      }
    }
    // The attacker-chosen source is counted as `other`.
    expect(new Set(emitted.filter((s) => s.name === 'EventsIngested').map((s) => s.values.Source))).toEqual(
      new Set(['aws.securityhub', OTHER_DIMENSION]),
    );
  });

  it('counts the dry-run by remediation and mode and its time from the event, and the failed state by integration', () => {
    expect(emitted.filter((s) => s.name === 'RemediationOutcomes').map((s) => s.values)).toEqual([
      { Remediation: 's3-bucket-public-access-block', Mode: 'dry-run' },
      { Mode: 'dry-run', Outcome: 'planned' },
    ]);
    expect(emitted.find((s) => s.name === 'EventToOutcome')?.values).toEqual({
      Remediation: 's3-bucket-public-access-block',
    });
    expect(emitted.filter((s) => s.name === 'IntegrationFailures').map((s) => s.emitter)).toEqual([
      'remediate integration',
    ]);
  });
});

describe('the remediation runner', () => {
  const remediation = REMEDIATIONS.find((r) => r.id === 's3-bucket-public-access-block')!;
  const event = (time: string) =>
    finding({ time, kind: 'S3.8', resources: [{ type: 'AwsS3Bucket', id: 'arn:aws:s3:::b' }] });
  const run = async (time: string, throws = false) => {
    const lines: string[] = [];
    const request = {
      remediation: throws
        ? {
            ...remediation,
            target: () => {
              throw new Error('boom');
            },
          }
        : remediation,
      event: event(time),
      mode: 'dry-run' as const,
      executionId: 'exec',
      investigationId: 'inv',
    };
    await runRemediation(request, {
      killSwitch: new StaticKillSwitch(false),
      now: () => NOW,
      metrics: (l) => lines.push(l),
    }).catch(() => undefined);
    return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  };

  it('records the milliseconds from the event time to the outcome', async () => {
    const lines = await run('2025-03-14T09:00:00Z');
    expect(lines.find((l) => 'EventToOutcome' in l)?.EventToOutcome).toBe(30 * 60_000);
  });

  it('records no time for an event dated in the future or beyond the bound (the time is the sender’s word)', async () => {
    expect((await run('2025-03-14T10:00:00Z')).some((l) => 'EventToOutcome' in l)).toBe(false);
    const old = new Date(NOW.getTime() - MAX_EVENT_TO_OUTCOME_MS - 1).toISOString();
    expect((await run(old)).some((l) => 'EventToOutcome' in l)).toBe(false);
  });

  it('counts a run that throws as failed, with no time to outcome', async () => {
    const lines = await run('2025-03-14T09:00:00Z', true);
    expect(lines.map((l) => [l.Outcome, 'EventToOutcome' in l])).toEqual([['failed', false]]);
  });

  it('lists exactly the effective actions plus failed as outcomes', () => {
    expect([...REMEDIATION_METRIC_OUTCOMES].sort()).toEqual([...EFFECTIVE_ACTIONS, 'failed'].sort());
  });
});

describe('countWaitingApprovals', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startLocalDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('counts pending interactions not past their expiry, across pages', async () => {
    const at = Math.floor(NOW.getTime() / 1000);
    const items = [
      { messageId: 'a', status: 'pending', expiresAt: at + 60 },
      { messageId: 'b', status: 'pending' },
      { messageId: 'c', status: 'pending', expiresAt: at - 60 },
      { messageId: 'd', status: 'answered', expiresAt: at + 60 },
      { messageId: 'e', status: 'timed-out', expiresAt: at + 60 },
      // A large item, so the scan pages (1 MB per page).
      ...Array.from({ length: 3 }, (_, i) => ({
        messageId: `big-${i}`,
        status: 'pending',
        expiresAt: at + 60,
        blob: 'x'.repeat(380_000),
      })),
    ];
    for (const Item of items) await dynamo.client.send(new PutCommand({ TableName: 'message_responses', Item }));
    expect(await countWaitingApprovals(dynamo.client, 'message_responses', NOW)).toBe(5);
    await dynamo.client.send(new DeleteCommand({ TableName: 'message_responses', Key: { messageId: 'a' } }));
    expect(await countWaitingApprovals(dynamo.client, 'message_responses', NOW)).toBe(4);
  });
});

describe('the sweeper', () => {
  it('still sweeps when the approvals cannot be counted, and publishes nothing then', async () => {
    const dynamo = await startLocalDynamo();
    try {
      const lines: string[] = [];
      const errors: unknown[] = [];
      const logger = new Logger({ logLevel: 'SILENT' });
      logger.error = (...args: unknown[]) => {
        errors.push(args);
      };
      const sweeper = createSweeperHandler(pipelineDeps(dynamo, { now: () => NOW.getTime() }), 60_000, logger, {
        count: async () => {
          throw new Error('AccessDenied');
        },
        metrics: (l) => lines.push(l),
      });
      expect(await sweeper()).toEqual({ examined: 0, redriven: 0, stuck: [] });
      expect(lines).toEqual([]);
      expect(errors).toHaveLength(1);
    } finally {
      await dynamo.close();
    }
  });
});

describe('custom metric bound', () => {
  it('multiplies each dimension set’s bounded cardinalities; an unbounded dimension is refused', () => {
    const bounds = { sources: 10, integrations: 20, remediations: 30 };
    // EventsIngested[Source] 11; five status counts, ApprovalsWaiting, KillSwitch: 7; IntegrationFailures 20;
    // RemediationOutcomes 30×4 + 4×8; EventToOutcome 30.
    expect(maxCustomMetrics(bounds)).toBe(11 + 7 + 20 + 30 * 4 + 4 * 8 + 30);
    expect(() => dimensionCardinality('Account', bounds)).toThrow('dimension "Account" has no bound');
  });
});

describe('seriesOfLine', () => {
  it('refuses a line whose declared dimension is missing', () => {
    const bad = JSON.stringify({
      _aws: {
        Timestamp: 1,
        CloudWatchMetrics: [{ Namespace: 'Socless', Dimensions: [['Source']], Metrics: [{ Name: 'X' }] }],
      },
      X: 1,
    });
    expect(() => seriesOfLine(bad, 'test')).toThrow('dimension Source of X is no string');
  });
});
