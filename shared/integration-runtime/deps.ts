/**
 * The clients and settings an integration Lambda runs with, created once per cold start by a factory and
 * injected, so the local hub points DynamoDB at dynalite and tests pass mocks.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type MetricSink, stdoutMetricSink } from '../metrics/emf.ts';
import { createDocumentClient } from '../store/clients.ts';
import { EventBridgeEventSink, type EventSink } from './event-sink.ts';
import { type Notifier, SnsNotifier } from './notifier.ts';
import { AwsSecretResolver, type SecretResolver } from './secrets.ts';
import { S3VaultStore, type VaultStore } from './vault.ts';

/** S3 vault bucket of the hub. */
export const VAULT_BUCKET_ENV = 'SOCLESS_VAULT_BUCKET';
/** SNS topic the notify integrations publish to. */
export const NOTIFY_TOPIC_ENV = 'SOCLESS_NOTIFY_TOPIC_ARN';
/** Name the hub stack gives the notification topic (IAM statements of notify integrations point at it). */
export const NOTIFY_TOPIC_NAME = 'SoclessNotifications';
/** The hub's event bus, where SOCless CreateEvents puts the events a playbook creates. */
export const EVENT_BUS_ENV = 'SOCLESS_EVENT_BUS_ARN';
/** Days a saved state result is kept (TTL). */
export const RESULTS_RETENTION_ENV = 'SOCLESS_RESULTS_RETENTION_DAYS';
/** Seconds a resolved secret is cached in a warm Lambda. */
export const SECRETS_TTL_ENV = 'SOCLESS_SECRETS_TTL_SECONDS';

export interface IntegrationDeps {
  readonly documentClient: DynamoDBDocumentClient;
  /** The vault; undefined when no bucket is configured (the wrapper then refuses to start). */
  readonly vault?: VaultStore;
  readonly secrets: SecretResolver;
  /** The notification channel; undefined when no topic is configured. */
  readonly notifier?: Notifier;
  /** Where playbook-created events go (the hub's bus); undefined when none is configured. */
  readonly eventSink?: EventSink;
  /** Environment variables (table names, topic, retention). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** @default crypto.randomUUID */
  readonly newId?: () => string;
  /**
   * Where embedded-metric-format lines go (stdout in a Lambda; see shared/metrics/catalog.ts).
   * @default none: nothing is emitted (the local hub, tests)
   */
  readonly metrics?: MetricSink;
}

/** The production dependencies, from the Lambda environment. */
export function createDefaultDeps(env: Readonly<Record<string, string | undefined>> = process.env): IntegrationDeps {
  const bucket = env[VAULT_BUCKET_ENV];
  const topic = env[NOTIFY_TOPIC_ENV];
  const bus = env[EVENT_BUS_ENV];
  const ttlSeconds = Number(env[SECRETS_TTL_ENV] ?? '300');
  return {
    documentClient: createDocumentClient(),
    ...(bucket ? { vault: new S3VaultStore(new S3Client({}), bucket) } : {}),
    secrets: new AwsSecretResolver(
      { secretsManager: new SecretsManagerClient({}), ssm: new SSMClient({}) },
      { ttlMs: (Number.isFinite(ttlSeconds) && ttlSeconds >= 0 ? ttlSeconds : 300) * 1000 },
    ),
    ...(topic ? { notifier: new SnsNotifier(new SNSClient({}), topic) } : {}),
    ...(bus ? { eventSink: new EventBridgeEventSink(new EventBridgeClient({}), bus) } : {}),
    env,
    logger: new Logger({ serviceName: 'socless-integration' }),
    metrics: stdoutMetricSink,
  };
}
