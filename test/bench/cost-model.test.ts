import { fileURLToPath } from 'node:url';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countDynamo, indexWrites } from '../../scripts/bench/cost/counters.ts';
import { modelPath } from '../../scripts/bench/cost/latency.ts';
import {
  type ClassProfile,
  classProfiles,
  type EventProfile,
  measureEventProfiles,
  withApply,
} from '../../scripts/bench/cost/measure.ts';
import { type CostSettings, estimateCost, sampledTraces } from '../../scripts/bench/cost/model.ts';
import { APPLY_SAMPLE } from '../../scripts/bench/cost/remediation.ts';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { STATE_MACHINE_LOGGING, STATE_MACHINE_LOGGING_ALL } from '../../shared/state-machine-logging.ts';

const REMEDIATED_SAMPLE = fileURLToPath(
  new URL('../../playbooks/remediate-finding/events/securityhub-sg-rdp-open-critical.json', import.meta.url),
);

const SETTINGS: CostSettings = {
  logging: STATE_MACHINE_LOGGING,
  memoryMb: {},
  defaultMemoryMb: 256,
  endpointMemoryMb: 256,
  endpointBatchSize: 10,
  endpointBatchWindowSeconds: 1,
  endpointMsPerEvent: 20,
  taskMs: 50,
  sweepEveryMinutes: 5,
  sweepMs: 50,
  orgAccounts: 1000,
  natGateways: 1,
  wafRules: 5,
  vaultRetentionMonths: 12,
  kmsKeyUsers: 10,
  tracing: { lambdas: true, stateMachines: true },
  metricSeries: [{ metric: 'EventsIngested', dimensions: ['Source'] }],
};

/** One remediated event: a 4-state Standard execution with 3 Lambda tasks and 10 WRU. */
function profiles(overrides: Partial<ClassProfile> = {}): Map<'remediated', ClassProfile> {
  return new Map([
    [
      'remediated',
      {
        cls: 'remediated',
        samples: 1,
        files: ['x.json'],
        sources: ['aws.securityhub'],
        dynamoEndpoint: { 'events/PutItem': { calls: 2, wru: 8, rru: 0 } },
        dynamoPlaybooks: { 'results/PutItem': { calls: 2, wru: 2, rru: 0 } },
        vaultPuts: 0,
        vaultGets: 0,
        vaultBytes: 0,
        notifications: 1,
        executions: [
          {
            playbook: 'remediate-finding',
            workflow: 'standard',
            status: 'SUCCEEDED',
            transitions: 4,
            invocations: { remediate: 1, notify: 1, close: 1 },
            statesByType: { Task: 3, Choice: 1 },
            callbacks: 0,
            inputBytes: 2000,
            outputBytes: 4000,
            localMs: 100,
            weight: 1,
          },
        ],
        remediationCalls: 1,
        metricLogBytes: 300,
        eventBytes: 2000,
        ...overrides,
      },
    ],
  ]);
}

const line = (e: ReturnType<typeof estimateCost>, component: string) =>
  e.lines.find((l) => l.component === component)?.usd ?? Number.NaN;

describe('cost model', () => {
  it('prices Standard executions by their counted transitions', () => {
    const e = estimateCost(profiles(), { remediated: 1 }, 1_000_000, SETTINGS);
    expect(line(e, 'Step Functions Standard')).toBeCloseTo(4 * 0.025 * 1000, 6);
    expect(line(e, 'Step Functions Express')).toBe(0);
  });

  it('prices DynamoDB from the counted request units, so more writes cost more', () => {
    const base = estimateCost(profiles(), { remediated: 1 }, 1_000_000, SETTINGS);
    const more = estimateCost(
      profiles({ dynamoEndpoint: { 'events/PutItem': { calls: 3, wru: 12, rru: 0 } } }),
      { remediated: 1 },
      1_000_000,
      SETTINGS,
    );
    expect(line(base, 'DynamoDB on-demand')).toBeCloseTo(10 * 0.625, 6);
    expect(line(more, 'DynamoDB on-demand')).toBeCloseTo(14 * 0.625, 6);
  });

  it('logs successful executions only at level ALL: the ERROR default costs nothing for them', () => {
    const all = estimateCost(profiles(), { remediated: 1 }, 1_000_000, {
      ...SETTINGS,
      logging: STATE_MACHINE_LOGGING_ALL,
    });
    const error = estimateCost(profiles(), { remediated: 1 }, 1_000_000, SETTINGS);
    expect(line(all, 'CloudWatch Logs ingestion')).toBeGreaterThan(10 * line(error, 'CloudWatch Logs ingestion'));
  });

  it('bills a metric per account when Account is a dimension', () => {
    const bySource = estimateCost(profiles(), { remediated: 1 }, 1_000_000, SETTINGS);
    const byAccount = estimateCost(profiles(), { remediated: 1 }, 1_000_000, {
      ...SETTINGS,
      metricSeries: [...SETTINGS.metricSeries, { metric: 'EventsIngested', dimensions: ['Account'] }],
    });
    expect(line(bySource, 'CloudWatch custom metrics')).toBeLessThan(0.31);
    expect(line(byAccount, 'CloudWatch custom metrics')).toBeGreaterThan(100);
  });

  it('runs a playbook as Express in a what-if, priced by request and duration instead of transitions', () => {
    const e = estimateCost(profiles(), { remediated: 1 }, 1_000_000, {
      ...SETTINGS,
      workflowOverride: { 'remediate-finding': 'express' },
    });
    expect(line(e, 'Step Functions Standard')).toBe(0);
    expect(line(e, 'Step Functions Express')).toBeGreaterThan(1);
    expect(line(e, 'Step Functions Express')).toBeLessThan(2);
  });

  it('samples X-Ray traces: every request at a low rate, about 5% beyond one a second', () => {
    expect(sampledTraces(10_000)).toBeGreaterThan(0.99 * 10_000);
    expect(sampledTraces(100_000_000)).toBeLessThan(0.1 * 100_000_000);
  });
});

describe('DynamoDB counter', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startLocalDynamo();
  });
  afterAll(async () => {
    await dynamo.close();
  });

  it('counts a write with one unit per KB and a copy per index that projects the whole item', async () => {
    const { counts, detach } = countDynamo(dynamo.client);
    const item = {
      id: 'e1',
      status: 'received',
      receivedAt: '2026-01-01T00:00:00Z',
      investigationId: 'e1',
      account: '111122223333',
      raw: 'x'.repeat(2500),
    };
    await dynamo.client.send(new PutCommand({ TableName: 'events', Item: item }));
    detach();
    // 3 KB item: 3 units in the table; status-index and account-index copy the keys and a few small attributes
    // (INCLUDE), the investigation-index the keys: one unit each.
    // Had both copied the whole item (the earlier projection): 3 units each, as the before/after line shows.
    expect(counts['events/PutItem']).toEqual({ calls: 1, wru: 3 + 1 + 1 + 1, rru: 0, wruWholeIndexes: 3 * 3 + 1 });
  });

  it('sizes an INCLUDE entry by the attributes it copies, not by the item', () => {
    const item = {
      id: 'e1',
      status: 'received',
      receivedAt: '2026-01-01T00:00:00Z',
      investigationId: 'e1',
      account: '111122223333',
      raw: 'x'.repeat(60_000),
    };
    expect(indexWrites('events', { Item: item })).toEqual({ full: 0, keysOnly: 3, included: 2, includeIndexes: 2 });
    // A 1.5 KB title is copied into both status-index and account-index: two units each.
    expect(indexWrites('events', { Item: { ...item, title: 't'.repeat(1500) } })).toEqual({
      full: 0,
      keysOnly: 5,
      included: 4,
      includeIndexes: 2,
    });
  });
});

describe('measured profiles', () => {
  let baseline: EventProfile[];
  let doubled: EventProfile[];
  beforeAll(async () => {
    baseline = (await measureEventProfiles({ files: [REMEDIATED_SAMPLE] })).profiles;
    // The same run with an endpoint that writes its event record twice as often.
    doubled = (
      await measureEventProfiles({
        files: [REMEDIATED_SAMPLE],
        configure: (hub) => {
          const events = hub.pipeline.events;
          const putNew = events.putNew.bind(events);
          events.putNew = async (record) => {
            await hub.integrationDeps.documentClient.send(
              new PutCommand({ TableName: 'events', Item: { ...record, id: `${record.id}-copy` } }),
            );
            return putNew(record);
          };
        },
      })
    ).profiles;
  });

  it('counts what the pipeline and the playbook did for a remediated event', () => {
    const [first, again] = baseline;
    expect(first?.cls).toBe('remediated');
    expect(first?.dynamo.endpoint['events/PutItem']?.calls).toBeGreaterThan(0);
    expect(first?.dynamo.playbooks['results/PutItem']?.calls).toBeGreaterThan(0);
    // A critical finding in an auto account: the Express twin runs it (Standard only where a person is asked).
    expect(first?.executions[0]?.playbook).toBe('remediate-finding-express');
    expect(first?.executions[0]?.workflow).toBe('express');
    expect(first?.executions[0]?.transitions).toBeGreaterThan(0);
    expect(Object.values(first?.executions[0]?.invocations ?? {}).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(again?.cls).toBe('duplicate');
  });

  it('follows the code: an extra write in the pipeline shows up in the counts and the bill', () => {
    const puts = (p: EventProfile[]) => p[0]?.dynamo.endpoint['events/PutItem'] ?? { calls: 0, wru: 0, rru: 0 };
    expect(puts(doubled).calls).toBe(puts(baseline).calls + 1);
    expect(puts(doubled).wru).toBeGreaterThan(puts(baseline).wru);
    const bill = (p: EventProfile[]) =>
      line(estimateCost(classProfiles(p), { remediated: 1 }, 1_000_000, SETTINGS), 'DynamoDB on-demand');
    expect(bill(doubled)).toBeGreaterThan(bill(baseline));
  });
});

describe('custom metrics counted from every emitter', () => {
  let baseline: Awaited<ReturnType<typeof measureEventProfiles>>;
  let failing: Awaited<ReturnType<typeof measureEventProfiles>>;
  beforeAll(async () => {
    baseline = await measureEventProfiles({ files: [REMEDIATED_SAMPLE] });
    // The same run with SNS down: the notify integration fails, and its handler writes IntegrationFailures.
    failing = await measureEventProfiles({
      files: [REMEDIATED_SAMPLE],
      configure: (hub) => {
        hub.integrationDeps.notifier.publish = async () => {
          throw new Error('SNS unavailable');
        };
      },
    });
  });
  const settingsOf = (m: typeof baseline): CostSettings => ({
    ...SETTINGS,
    metricSeries: m.metricSeries,
    sweepMetricBytes: m.sweepMetricBytes,
  });
  const bill = (m: typeof baseline, component: string) =>
    line(estimateCost(classProfiles(m.profiles), { remediated: 1 }, 1_000_000, settingsOf(m)), component);

  it("counts the remediation runner's and the sweeper's metrics with their emitted value combinations", () => {
    const series = (metric: string) => baseline.metricSeries.filter((s) => s.metric === metric);
    expect(series('RemediationOutcomes').map((s) => s.dimensions)).toEqual([['Mode', 'Outcome']]);
    expect(series('RemediationOutcomes').every((s) => (s.values ?? 0) >= 1)).toBe(true);
    expect(series('EventToOutcome')[0]?.values).toBe(1);
    expect(series('ApprovalsWaiting')[0]).toMatchObject({ dimensions: [], values: 1, perSweep: true });
    expect(baseline.sweepMetricBytes).toBeGreaterThan(100);
    expect(baseline.profiles[0]?.metricPoints['RemediationOutcomes|Mode,Outcome']).toBe(1);
  });

  it('follows the code: an extra emitted metric shows up in the counts and the bill', () => {
    expect(baseline.metricSeries.find((s) => s.metric === 'IntegrationFailures')).toBeUndefined();
    expect(failing.metricSeries.find((s) => s.metric === 'IntegrationFailures')).toMatchObject({
      dimensions: [],
      values: 1,
    });
    expect(failing.profiles[0]?.metricPoints['IntegrationFailures|']).toBeGreaterThan(0);
    expect(failing.profiles[0]?.metricLogBytes).toBeGreaterThan(baseline.profiles[0]?.metricLogBytes ?? 0);
    expect(bill(failing, 'CloudWatch custom metrics')).toBeGreaterThan(bill(baseline, 'CloudWatch custom metrics'));
  });

  it("bills EMF lines as log ingestion: the events' lines and the sweeper's per run", () => {
    const logs = (p: ReturnType<typeof profiles>, s: CostSettings) =>
      line(estimateCost(p, { remediated: 1 }, 1_000_000, s), 'CloudWatch Logs ingestion');
    const base = logs(profiles(), SETTINGS);
    // 1 KB more per event at 1M events: 0.95 GB at $0.50.
    expect(logs(profiles({ metricLogBytes: 1324 }), SETTINGS) - base).toBeCloseTo(((1e6 * 1024) / 1024 ** 3) * 0.5, 6);
    // 1 KB per sweep, every 5 minutes: 8,760 KB a month.
    expect(logs(profiles(), { ...SETTINGS, sweepMetricBytes: 1024 }) - base).toBeCloseTo(
      ((8760 * 1024) / 1024 ** 3) * 0.5,
      6,
    );
  });

  it("refuses emitted metrics beyond the catalog's bound", () => {
    const settings = { ...settingsOf(baseline), maxCustomMetrics: 2 };
    expect(() => estimateCost(classProfiles(baseline.profiles), { remediated: 1 }, 1_000_000, settings)).toThrow(
      /catalog's bound of 2/,
    );
  });
});

describe('a fix applied in auto mode', () => {
  it('counts the remediations table (guard, write-ahead record, session ledger) and the echo known by a ledger read', async () => {
    const measured = await measureEventProfiles({ files: [APPLY_SAMPLE] });
    const apply = measured.apply;
    expect(apply?.outcome).toBe('applied');
    expect(apply?.dynamo['remediations/PutItem']?.calls).toBeGreaterThan(0);
    expect(apply?.dynamo['remediations/UpdateItem']?.calls).toBeGreaterThan(0);
    expect(apply?.echoStatus).toBe('self');
    expect(apply?.echoDynamo['remediations/GetItem']?.calls).toBe(1);
    expect(apply?.sessions).toBeGreaterThan(0);

    const local = classProfiles(measured.profiles);
    const inAws = withApply(local, apply);
    const wru = (p: ClassProfile | undefined) =>
      [...Object.values(p?.dynamoEndpoint ?? {}), ...Object.values(p?.dynamoPlaybooks ?? {})].reduce(
        (n, v) => n + v.wru,
        0,
      );
    expect(wru(inAws.get('remediated'))).toBeGreaterThan(wru(local.get('remediated')));
    expect(inAws.get('remediated')?.dynamoPlaybooks['remediations/PutItem']).toEqual(
      apply?.dynamo['remediations/PutItem'],
    );
  });
});

describe('latency model', () => {
  it("returns a hop's own p50 and p99 for a path of one hop, and adds hops", () => {
    const one = modelPath([{ name: 'a', p50Ms: 100, p99Ms: 400, source: 'assumed', ref: '' }]);
    expect(one.p50Ms).toBeGreaterThan(95);
    expect(one.p50Ms).toBeLessThan(105);
    expect(one.p99Ms).toBeGreaterThan(360);
    expect(one.p99Ms).toBeLessThan(440);
    const two = modelPath([{ name: 'a', p50Ms: 100, p99Ms: 400, source: 'assumed', ref: '', count: 2 }]);
    expect(two.p50Ms).toBeGreaterThan(190);
    expect(two.p99Ms).toBeLessThan(800);
  });
});
