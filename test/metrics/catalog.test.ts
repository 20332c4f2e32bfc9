import { Logger } from '@aws-lambda-powertools/logger';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { knownMetricSources } from '../../hub/functions/endpoint-metrics.ts';
import { createSweeperHandler } from '../../hub/functions/sweeper.ts';
import { INTEGRATION_CATALOG, integrationDeployments } from '../../hub/integrations/index.ts';
import { REMEDIATIONS } from '../../hub/remediations/index.ts';
import { loadRepoConfig } from '../../scripts/local/hub.ts';
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
  seriesStatistic,
} from '../../shared/metrics/catalog.ts';
import { emfLine } from '../../shared/metrics/emf.ts';
import { compileAllPlaybooks } from '../../shared/playbook/index.ts';
import { StaticKillSwitch } from '../../shared/remediation/guard.ts';
import { MAX_EVENT_TO_OUTCOME_MS, runRemediation } from '../../shared/remediation/runner.ts';
import { EFFECTIVE_ACTIONS } from '../../shared/remediation/types.ts';
import { pipelineDeps } from '../pipeline/harness.ts';
import { ACCOUNT, finding, NOW } from '../remediation/helpers.ts';
import { type EmittedSeries, runEmitters, seriesOfLine } from './emitters.ts';

const key = (s: { name: string; dimensions: readonly string[] }) => `${s.name}[${s.dimensions.join(',')}]`;

describe('emfLine', () => {
  it('writes a catalog metric with its dimension sets, dimension values and properties', () => {
    const line = emfLine(
      {
        metric: METRICS.remediationOutcomes,
        value: 1,
        dimensions: { Mode: 'auto', Outcome: 'applied' },
        properties: { Remediation: 'ebs-default-encryption' },
      },
      NOW,
    );
    expect(JSON.parse(line)).toEqual({
      _aws: {
        Timestamp: NOW.getTime(),
        CloudWatchMetrics: [
          {
            Namespace: 'Socless',
            Dimensions: [['Mode', 'Outcome']],
            Metrics: [{ Name: 'RemediationOutcomes', Unit: 'Count' }],
          },
        ],
      },
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
    expect(() => emfLine({ metric: METRICS.remediationOutcomes, value: 1, dimensions: { Mode: 'auto' } }, NOW)).toThrow(
      'metric RemediationOutcomes: dimension Outcome needs a value',
    );
    expect(() =>
      emfLine(
        { metric: METRICS.eventsIngested, value: 1, dimensions: { Source: 's' }, properties: { Account: '1' } },
        NOW,
      ),
    ).toThrow('metric EventsIngested: Source is not one of its dimensions');
    expect(() =>
      emfLine(
        { metric: METRICS.eventsIngested, value: 1, properties: { Source: 's', Account: '1', Region: 'x' } },
        NOW,
      ),
    ).toThrow('metric EventsIngested: Region is not one of its properties');
    expect(() => emfLine({ metric: METRICS.eventsIngested, value: 1, properties: { Account: '1' } }, NOW)).toThrow(
      'metric EventsIngested: property Source needs a value',
    );
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

  it('keeps every dimension and breakdown property inside its bounded list, whatever the event says', () => {
    const ids = new Set(REMEDIATIONS.map((r) => r.id));
    for (const s of emitted) {
      for (const [dimension, value] of Object.entries(s.values)) {
        if (dimension === 'Mode') expect(REMEDIATION_MODES).toContain(value);
        else if (dimension === 'Outcome') expect(REMEDIATION_METRIC_OUTCOMES).toContain(value);
        else throw new Error(`unexpected dimension ${dimension} of ${s.name}`);
      }
      const p = s.properties;
      if ('Source' in p) expect(['aws.securityhub', OTHER_DIMENSION]).toContain(p.Source);
      if ('Account' in p) expect([ACCOUNT, OTHER_DIMENSION]).toContain(p.Account);
      if ('Remediation' in p) expect(ids.has(String(p.Remediation)), String(p.Remediation)).toBe(true);
      if ('Integration' in p) expect(p.Integration).toBe('remediate');
    }
    // The attacker-chosen source and the unregistered account are written as `other`.
    const ingested = emitted.filter((s) => s.name === 'EventsIngested');
    expect(new Set(ingested.map((s) => s.properties.Source))).toEqual(new Set(['aws.securityhub', OTHER_DIMENSION]));
    expect(new Set(ingested.map((s) => s.properties.Account))).toEqual(new Set([ACCOUNT, OTHER_DIMENSION]));
  });

  it('counts the dry-run by mode and outcome with the remediation as a property, its time from the event, and the failed state', () => {
    const outcomes = emitted.filter((s) => s.name === 'RemediationOutcomes');
    expect(outcomes.map((s) => [s.values, s.properties])).toEqual([
      [{ Mode: 'dry-run', Outcome: 'planned' }, { Remediation: 's3-bucket-public-access-block' }],
    ]);
    const time = emitted.find((s) => s.name === 'EventToOutcome');
    expect([time?.values, time?.properties]).toEqual([
      {},
      { Remediation: 's3-bucket-public-access-block', Mode: 'dry-run', Outcome: 'planned' },
    ]);
    expect(
      emitted.filter((s) => s.name === 'IntegrationFailures').map((s) => [s.emitter, s.properties.Integration]),
    ).toEqual([['remediate integration', 'remediate']]);
  });

  it('writes on every line exactly the properties the catalog lists for its metric', () => {
    for (const s of emitted) {
      const entry = CATALOG.find((m) => m.name === s.name);
      expect(Object.keys(s.properties).sort(), s.name).toEqual([...(entry?.properties ?? [])].sort());
    }
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
  /** The most billed custom metrics the hub may create, whatever the size of the deployment. */
  const BUDGET = 42;
  const deployment = {
    sources: knownMetricSources(
      compileAllPlaybooks(undefined, { integrations: INTEGRATION_CATALOG }).playbooks,
      loadRepoConfig().webhooks,
    ).size,
    integrations: integrationDeployments().length,
    remediations: REMEDIATIONS.length,
  };

  it('multiplies each dimension set’s bounded cardinalities; an unbounded dimension is refused', () => {
    // Six event counts, IntegrationFailures, EventToOutcome, ApprovalsWaiting, the kill switch: one each;
    // RemediationOutcomes: four modes × eight outcomes.
    expect(maxCustomMetrics(deployment)).toBe(10 + REMEDIATION_MODES.length * REMEDIATION_METRIC_OUTCOMES.length);
    expect(() => dimensionCardinality('Account', deployment)).toThrow('dimension "Account" has no bound');
  });

  it(`keeps the catalog's bound at ${BUDGET} billed metrics, for this deployment and one a hundred times its size`, () => {
    expect(maxCustomMetrics(deployment)).toBeLessThanOrEqual(BUDGET);
    const hundredfold = {
      sources: deployment.sources * 100,
      integrations: deployment.integrations * 100,
      remediations: deployment.remediations * 100,
    };
    expect(maxCustomMetrics(hundredfold)).toBe(maxCustomMetrics(deployment));
  });

  it('fails the budget when a deployment-sized dimension comes back (per remediation, source or integration)', () => {
    const withDimension = (key: keyof typeof METRICS, set: readonly string[]) =>
      CATALOG.map((m) => (m.key === key ? { ...m, dimensionSets: [...m.dimensionSets, set] } : m));
    for (const [key, set] of [
      ['remediationOutcomes', ['Remediation', 'Mode']],
      ['eventsIngested', ['Source']],
      ['integrationFailures', ['Integration']],
    ] as const) {
      expect(maxCustomMetrics(deployment, withDimension(key, set)), `${key} by ${set.join(',')}`).toBeGreaterThan(
        BUDGET,
      );
    }
  });
});

describe('panel statistics', () => {
  it('draws a timing metric at a percentile, and refuses a percentile of a count', () => {
    expect(seriesStatistic({ metric: 'eventToOutcome', percentile: 'p90' })).toBe('p90');
    expect(seriesStatistic({ metric: 'eventToOutcome' })).toBe('Average');
    expect(() => seriesStatistic({ metric: 'eventsPending', percentile: 'p90' })).toThrow(
      'EventsPending is a count, not drawn as a percentile',
    );
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
