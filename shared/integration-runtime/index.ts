/** The integration runtime: define an integration, wrap it as a Lambda handler. */
export { defineIntegration, type Integration, type IntegrationContext, type IntegrationDefinition } from './define.ts';
export {
  createDefaultDeps,
  type IntegrationDeps,
  NOTIFY_TOPIC_ENV,
  NOTIFY_TOPIC_NAME,
  RESULTS_RETENTION_ENV,
  SECRETS_TTL_ENV,
  VAULT_BUCKET_ENV,
} from './deps.ts';
export {
  IntegrationInvocationError,
  IntegrationParameterError,
  InvestigationNotFoundError,
  MissingEnvironmentError,
  SecretResolutionError,
  VaultError,
} from './errors.ts';
export {
  type IntegrationHandler,
  integrationTables,
  OFFLOAD_THRESHOLD_BYTES,
  requiredEnvironment,
  toLambdaHandler,
} from './handler.ts';
export { type IntegrationInvocation, IntegrationInvocationSchema, parseInvocation } from './invocation.ts';
export { type Notification, type Notifier, SnsNotifier } from './notifier.ts';
export { AwsSecretResolver, type SecretResolver, StaticSecretResolver } from './secrets.ts';
export { resolveParameters, type TemplateContext } from './templates.ts';
export { isVaultPointer, S3VaultStore, type VaultPointer, type VaultRef, type VaultStore } from './vault.ts';
