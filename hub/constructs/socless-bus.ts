import { createHash } from 'node:crypto';
import { Duration, Validations } from 'aws-cdk-lib';
import { EventBus, type EventPattern, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { AnyPrincipal, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { NAMES } from '../../shared/names.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';

/** Event sources whose events the hub always ingests (spokes forward them from every member account). */
export const SECURITY_EVENT_SOURCES = [
  'aws.securityhub',
  'aws.guardduty',
  'aws.config',
  'aws.access-analyzer',
  'aws.cloudtrail',
] as const;
/** CloudTrail management events arrive with the calling service as source and this detail-type. */
export const CLOUDTRAIL_API_CALL_DETAIL_TYPE = 'AWS API Call via CloudTrail';
/** Sources starting with this prefix are the project's own events (webhooks re-published, tests, replays). */
export const CUSTOM_SOURCE_PREFIX = 'socless.';

/** A raw EventBridge pattern (JSON as EventBridge and playbook `Triggers` write it) and the rule id it gets. */
export interface IngestPattern {
  readonly id: string;
  readonly pattern: Readonly<Record<string, unknown>>;
}

/**
 * The patterns of the rules that feed the ingest queue: the security sources, CloudTrail API calls, the custom
 * prefix, then each extra pattern (e.g. a playbook trigger) that the first three do not already cover. One rule
 * per pattern: EventBridge cannot OR `source` against `detail-type` inside one pattern without `$or`, and separate
 * rules keep each pattern readable in the console. Identical extras collapse into one rule whose id is a hash of
 * the pattern, so reordering playbooks never replaces rules.
 */
export function ingestPatterns(extraPatterns: ReadonlyArray<Readonly<Record<string, unknown>>> = []): IngestPattern[] {
  const base: IngestPattern[] = [
    { id: 'SecuritySources', pattern: { source: [...SECURITY_EVENT_SOURCES] } },
    { id: 'CloudTrailApiCalls', pattern: { 'detail-type': [CLOUDTRAIL_API_CALL_DETAIL_TYPE] } },
    { id: 'CustomSources', pattern: { source: [{ prefix: CUSTOM_SOURCE_PREFIX }] } },
  ];
  const seen = new Set<string>();
  for (const [i, pattern] of extraPatterns.entries()) {
    if (
      pattern === null ||
      typeof pattern !== 'object' ||
      Array.isArray(pattern) ||
      Object.keys(pattern).length === 0
    ) {
      throw new Error(`SoclessBus: extraPatterns[${i}] must be a non-empty EventBridge pattern object`);
    }
    if (isCoveredByBasePatterns(pattern)) continue;
    const json = canonicalJson(pattern);
    const digest = createHash('sha256').update(json).digest('hex').slice(0, 12);
    if (seen.has(digest)) continue;
    seen.add(digest);
    base.push({ id: `Extra${digest}`, pattern });
  }
  return base;
}

/**
 * Whether every event a pattern can match already reaches the queue through a base rule: its `source` lists
 * only security sources or custom-prefixed names, or its `detail-type` is only the CloudTrail API-call type.
 * A second rule would deliver the same event twice (harmless, the write is idempotent, but it costs).
 */
export function isCoveredByBasePatterns(pattern: Readonly<Record<string, unknown>>): boolean {
  const sources = pattern.source;
  if (Array.isArray(sources) && sources.length > 0) {
    const covered = sources.every(
      (s) =>
        typeof s === 'string' &&
        ((SECURITY_EVENT_SOURCES as readonly string[]).includes(s) || s.startsWith(CUSTOM_SOURCE_PREFIX)),
    );
    if (covered) return true;
  }
  const detailTypes = pattern['detail-type'];
  return (
    Array.isArray(detailTypes) &&
    detailTypes.length > 0 &&
    detailTypes.every((d) => d === CLOUDTRAIL_API_CALL_DETAIL_TYPE)
  );
}

/** Properties of {@link SoclessBus}. */
export interface SoclessBusProps {
  /** Only principals of this organization may put events on the bus. */
  readonly organizationId: string;
  /** Days the archive keeps events for replay; 0 keeps them indefinitely. */
  readonly archiveRetentionDays: number;
  /** Key of the ingest queue and its dead-letter queue. */
  readonly key: IKey;
  /**
   * More patterns to route into the ingest queue (playbook triggers); see {@link ingestPatterns}.
   * @default - the security sources, CloudTrail API calls and the custom prefix only
   */
  readonly extraPatterns?: ReadonlyArray<Readonly<Record<string, unknown>>>;
  /**
   * Visibility timeout of the ingest queue; AWS recommends six times the consumer's timeout.
   * @default Duration.minutes(3)
   */
  readonly queueVisibilityTimeout?: Duration;
}

/**
 * The hub's custom bus (named `NAMES.busName`, so spokes can build its ARN without a look-up), open to
 * `events:PutEvents` from the organization only, archived for replay, with rules that feed an encrypted ingest
 * queue (5 receives, then its dead-letter queue). The endpoint Lambda consumes the queue.
 */
export class SoclessBus extends Construct {
  readonly bus: EventBus;
  readonly ingestQueue: Queue;
  readonly ingestDeadLetterQueue: DeadLetterQueue;
  /** Catches events EventBridge could not deliver to the ingest queue after its retries. */
  readonly deliveryDeadLetterQueue: DeadLetterQueue;
  readonly rules: readonly Rule[];

  constructor(scope: Construct, id: string, props: SoclessBusProps) {
    super(scope, id);

    this.bus = new EventBus(this, 'Bus', {
      eventBusName: NAMES.busName,
      description: 'SOCless hub: security events forwarded by every spoke of the organization',
    });
    this.bus.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowPutEventsFromOrganization',
        principals: [new AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: { StringEquals: { 'aws:PrincipalOrgID': props.organizationId } },
      }),
    );
    this.bus.archive('Archive', {
      description: 'Every event on the SOCless bus, for replay',
      // An empty pattern archives everything that reaches the bus.
      eventPattern: {},
      retention: Duration.days(props.archiveRetentionDays),
    });

    this.ingestDeadLetterQueue = new DeadLetterQueue(this, 'IngestDlq', {
      key: props.key,
      description: 'events the endpoint failed to record after 5 receives',
    });
    this.deliveryDeadLetterQueue = new DeadLetterQueue(this, 'DeliveryDlq', {
      key: props.key,
      description: 'events EventBridge could not deliver to the ingest queue',
    });
    // cdk-nag recognises queue redrive and Lambda DLQs as dead-letter use, not an EventBridge target's DLQ.
    Validations.of(this.deliveryDeadLetterQueue.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is the dead-letter queue of the ingest rules' SQS target; a dead-letter queue of a dead-letter queue would only move the problem.",
    });
    this.ingestQueue = new Queue(this, 'IngestQueue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      visibilityTimeout: props.queueVisibilityTimeout ?? Duration.minutes(3),
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: this.ingestDeadLetterQueue.queue, maxReceiveCount: 5 },
    });

    const target = new SqsQueue(this.ingestQueue, { deadLetterQueue: this.deliveryDeadLetterQueue.queue });
    this.rules = ingestPatterns(props.extraPatterns).map(
      ({ id: ruleId, pattern }) =>
        new Rule(this, ruleId, {
          eventBus: this.bus,
          description: `SOCless ingest: ${JSON.stringify(pattern).slice(0, 400)}`,
          eventPattern: toCdkEventPattern(pattern),
          targets: [target],
        }),
    );
  }
}

/** CDK spells `detail-type` as `detailType` and passes every other key through as written. */
function toCdkEventPattern(pattern: Readonly<Record<string, unknown>>): EventPattern {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pattern)) out[key === 'detail-type' ? 'detailType' : key] = value;
  return out as EventPattern;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
