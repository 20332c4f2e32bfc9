/**
 * Integration dependencies for the local hub and tests: DynamoDB is whatever DocumentClient is passed
 * (dynalite), the vault is local, notifications are recorded, secrets come from a fixed map.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type IntegrationDeps, NOTIFY_TOPIC_ENV, VAULT_BUCKET_ENV } from '../integration-runtime/deps.ts';
import { StaticSecretResolver } from '../integration-runtime/secrets.ts';
import { localTableEnvironment } from '../store/clients.ts';
import { RecordingNotifier } from './local-notifier.ts';
import { LOCAL_VAULT_BUCKET, LocalVaultStore } from './local-vault.ts';

export const LOCAL_NOTIFY_TOPIC_ARN = 'arn:aws:sns:us-east-1:000000000000:SoclessNotifications';

export interface LocalDepsOptions {
  readonly documentClient: DynamoDBDocumentClient;
  /** Vault files go under this directory; in memory when absent. */
  readonly vaultDir?: string;
  /** `secret:<id>` / `ssm:<name>` → value. */
  readonly secrets?: Readonly<Record<string, string>>;
  /** @default 'SILENT' (tests); the local hub passes 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  readonly now?: () => Date;
}

/** Local dependencies plus handles on the local vault and notifier. */
export interface LocalIntegrationDeps extends IntegrationDeps {
  readonly vault: LocalVaultStore;
  readonly notifier: RecordingNotifier;
}

export function createLocalDeps(options: LocalDepsOptions): LocalIntegrationDeps {
  return {
    documentClient: options.documentClient,
    vault: new LocalVaultStore(LOCAL_VAULT_BUCKET, options.vaultDir),
    notifier: new RecordingNotifier(),
    secrets: new StaticSecretResolver(options.secrets ?? {}),
    env: {
      ...localTableEnvironment(),
      [VAULT_BUCKET_ENV]: LOCAL_VAULT_BUCKET,
      [NOTIFY_TOPIC_ENV]: LOCAL_NOTIFY_TOPIC_ARN,
    },
    logger: new Logger({ serviceName: 'socless-local', logLevel: options.logLevel ?? 'SILENT' }),
    ...(options.now ? { now: options.now } : {}),
  };
}
