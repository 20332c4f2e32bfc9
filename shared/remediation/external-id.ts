/**
 * The sts:ExternalId spoke roles require. The hub stack generates it into a Secrets Manager secret; hub
 * Lambdas and the CLI read it at run time, so the value is in no template, Lambda environment or config file.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SoclessConfig } from '../config.ts';
import { SoclessError } from '../errors.ts';

/** What STS accepts as an ExternalId, and the length the spoke parameter requires. */
const EXTERNAL_ID = /^[\w+=,.@:/-]{16,1224}$/;

/** The external id could not be had: the secret is unreadable or holds no usable value. */
export class ExternalIdUnavailableError extends SoclessError {}

/**
 * A reader of the external id secret, cached for `ttlMs` (a rotated value is picked up within that time);
 * concurrent reads share one request and failures are not cached.
 */
export function externalIdFromSecret(
  client: Pick<SecretsManagerClient, 'send'>,
  secretId: string,
  options: { readonly ttlMs?: number; readonly now?: () => number } = {},
): () => Promise<string> {
  const ttlMs = options.ttlMs ?? 15 * 60_000;
  const now = options.now ?? Date.now;
  let cached: { value: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;
  return async () => {
    if (cached && cached.expiresAt > now()) return cached.value;
    pending ??= (async () => {
      let value: string | undefined;
      try {
        value = (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
      } catch (err) {
        throw new ExternalIdUnavailableError(
          `the external id secret ${secretId} cannot be read: ${(err as Error).message}`,
          { cause: err },
        );
      }
      const trimmed = value?.trim() ?? '';
      if (!EXTERNAL_ID.test(trimmed)) {
        throw new ExternalIdUnavailableError(
          `the external id secret ${secretId} must hold 16 to 1224 characters of letters, digits and +=,.@:/-_ (it ${trimmed ? 'holds other characters or is too short' : 'is empty'})`,
        );
      }
      cached = { value: trimmed, expiresAt: now() + ttlMs };
      return trimmed;
    })().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}

/**
 * The external id for CLI tools: `externalId` from config when an operator set one (for machines that cannot
 * read the hub's secret), else the secret `externalIdSecretName` read with the caller's credentials.
 */
export async function resolveExternalId(
  config: Pick<SoclessConfig, 'externalId' | 'externalIdSecretName'>,
  client: Pick<SecretsManagerClient, 'send'>,
): Promise<string> {
  if (config.externalId) return config.externalId;
  return externalIdFromSecret(client, config.externalIdSecretName)();
}
