/**
 * The latency budget from a change in a member account to the fix verified, hop by hop. Each hop has a p50
 * and a p99 and where the figures come from: a documented figure (with its page), the configuration (a
 * batching window), the local measurement (the endpoint), or a stated assumption to be replaced by an AWS
 * measurement (the metric or trace that would give it). The warm path from the spoke bus is modelled by
 * summing the hops as independent log-normal delays (seeded, so the bench prints the same figures each run).
 */

export type HopSource = 'documented' | 'configured' | 'measured' | 'assumed';

export interface Hop {
  readonly name: string;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly source: HopSource;
  /** The page, setting, measurement or the AWS metric that would replace an assumption. */
  readonly ref: string;
  /** A hop we control, and what it would take to make it shorter. */
  readonly lever?: string;
  /** Times the hop happens on the path. @default 1 */
  readonly count?: number;
}

/** Source to the member account's default bus: documented figures, shown for context (outside the goal). */
export const SOURCE_TO_BUS: readonly { source: string; figure: string; ref: string }[] = [
  {
    source: 'GuardDuty',
    figure: 'new findings within 5 minutes (not configurable); repeats every 15 min / 1 h / 6 h (default 6 h)',
    ref: "https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html (read 2026-12-07; the 5-minute figure as quoted by https://github.com/ventz/guardduty-slack-notify and Classmethod's note on the same page)",
  },
  {
    source: 'Security Hub',
    figure: '"near real time" (no number given)',
    ref: 'https://docs.amazonaws.cn/en_us/securityhub/latest/userguide/securityhub-v2-eventbridge-automations.html (read 2026-12-07)',
  },
  {
    source: 'CloudTrail (API call events)',
    figure: 'best effort, no number given',
    ref: 'https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-cloudtrail.html (read 2026-12-07)',
  },
  {
    source: 'Config',
    figure:
      'not given in the pages read; a configuration change is evaluated when the resource is recorded (change-triggered rules)',
    ref: 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-delivery-level.html (read 2026-12-07)',
  },
];

/** The hops from the spoke bus to the fix verified, warm path, with the endpoint's measured time. */
export function warmPathHops(measured: {
  endpointP50Ms: number;
  endpointP99Ms: number;
  /** Lambda tasks before and after the remediate task on the automated path (counted from the playbook run). */
  otherTasks: number;
  /** State transitions of the automated path (counted). */
  transitions: number;
  /** Spoke sessions the fix opens (one AssumeRole each) and the fix calls it makes (counted when applying). */
  sessions: number;
  fixCalls: number;
  batchingWindowSeconds: number;
}): Hop[] {
  return [
    {
      name: 'spoke default bus → hub SoclessBus (cross-account)',
      p50Ms: 500,
      p99Ms: 1500,
      source: 'documented',
      ref: 'typical EventBridge latency 500 ms (https://github.com/davidkhala/aws-collection/wiki/EventBrige,-CloudWatch, read 2026-12-07); p99 assumed 3x: measure with AWS/Events IngestionToInvocationStartLatency',
    },
    {
      name: 'hub bus rule → SQS ingest queue',
      p50Ms: 500,
      p99Ms: 1500,
      source: 'documented',
      ref: 'as above; AWS/Events IngestionToInvocationStartLatency on the hub rule',
    },
    {
      name: 'SQS → endpoint Lambda (batching window)',
      p50Ms: measured.batchingWindowSeconds * 1000 + 20,
      p99Ms: measured.batchingWindowSeconds * 1000 + 200,
      source: 'configured',
      ref: `maxBatchingWindow ${measured.batchingWindowSeconds} s (ENDPOINT_QUEUE_BATCH, hub/constructs/endpoint-function.ts): with a window the poller waits it out on a quiet queue; the poll itself is assumed 20 ms / 200 ms`,
      lever:
        'was 1 s, the largest hop we control: now 0 s (about 1 s off p50; at 10M events a month the extra SQS receives and endpoint invocations cost about $7 a month)',
    },
    {
      name: 'endpoint: normalize, persist, dedup, route, StartExecution (own time)',
      p50Ms: measured.endpointP50Ms,
      p99Ms: measured.endpointP99Ms,
      source: 'measured',
      ref: 'local hub on dynalite in process (npm run bench -- latency); DynamoDB in AWS is "single-digit millisecond" per call (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode.html)',
    },
    {
      name: 'StartExecution → first state',
      p50Ms: 50,
      p99Ms: 250,
      source: 'assumed',
      ref: 'not documented; measure with X-Ray (the endpoint and the state machine are traced)',
    },
    {
      name: 'state transitions',
      p50Ms: 10,
      p99Ms: 50,
      count: measured.transitions,
      source: 'assumed',
      ref: 'not documented; ExecutionTime minus task durations in the execution history',
    },
    {
      name: 'Lambda task, warm (invoke + DynamoDB/SNS call)',
      p50Ms: 40,
      p99Ms: 150,
      count: measured.otherTasks + 1,
      source: 'assumed',
      ref: 'X-Ray segments of the integrations; AWS/Lambda Duration',
      lever:
        'provisioned concurrency on the remediate integration removes the cold start (400 ms–1.5 s in a VPC) from its p99',
    },
    {
      name: 'STS AssumeRole into the spoke (write-ahead record and session ledger first)',
      p50Ms: 150,
      p99Ms: 500,
      count: measured.sessions,
      source: 'assumed',
      ref: 'not documented; X-Ray subsegment of the remediate integration',
      lever:
        'one session for the read, fix and verify of a remediation (today a read session and a fix session), or a read session cached per account',
    },
    {
      name: 'service API: read current state',
      p50Ms: 100,
      p99Ms: 400,
      source: 'assumed',
      ref: 'not documented; X-Ray subsegment',
    },
    {
      name: 'service API: fix call(s)',
      p50Ms: 150,
      p99Ms: 600,
      count: Math.max(1, measured.fixCalls),
      source: 'assumed',
      ref: 'not documented; X-Ray subsegment',
      lever: 'independent fix calls (several rules, several buckets) can run in parallel',
    },
    {
      name: 'verify: read state again',
      p50Ms: 100,
      p99Ms: 400,
      source: 'assumed',
      ref: 'not documented; X-Ray subsegment',
    },
  ];
}

/** Deterministic PRNG (mulberry32) so the model prints the same figures on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const Z99 = 2.3263;

/** p50 and p99 of the sum of the hops, each a log-normal with its own p50 and p99. */
export function modelPath(hops: readonly Hop[], samples = 20000, seed = 16): { p50Ms: number; p99Ms: number } {
  const rand = prng(seed);
  const normal = () => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const totals: number[] = [];
  for (let i = 0; i < samples; i++) {
    let t = 0;
    for (const hop of hops) {
      const sigma = Math.log(Math.max(hop.p99Ms, hop.p50Ms * 1.0001) / hop.p50Ms) / Z99;
      for (let k = 0; k < (hop.count ?? 1); k++) t += hop.p50Ms * Math.exp(sigma * normal());
    }
    totals.push(t);
  }
  totals.sort((a, b) => a - b);
  const at = (p: number) => totals[Math.min(totals.length - 1, Math.floor(p * totals.length))] ?? 0;
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}

export function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return 0;
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
}
