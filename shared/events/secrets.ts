import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SoclessError } from '../errors.ts';

/** A secret could not be read, or holds no string value. */
export class SecretUnavailableError extends SoclessError {
  readonly secretId: string;
  constructor(secretId: string, message: string, options?: { cause?: unknown }) {
    super(`Secret ${secretId}: ${message}`, options);
    this.secretId = secretId;
  }
}

/** Reads a secret's string value, served from a short cache. */
export type SecretFetcher = (secretId: string) => Promise<string>;

/**
 * A cached Secrets Manager reader for webhook secrets. Values are kept for `ttlMs` (so rotation takes effect
 * within that time); concurrent reads of one secret share a single request; failures are not cached.
 */
export function createSecretFetcher(
  client: Pick<SecretsManagerClient, 'send'>,
  options: {
    /** @default 300000 (5 minutes) */
    readonly ttlMs?: number;
    /** @default Date.now */
    readonly now?: () => number;
  } = {},
): SecretFetcher {
  const ttlMs = options.ttlMs ?? 300_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { value: string; expiresAt: number }>();
  const inFlight = new Map<string, Promise<string>>();
  return async (secretId) => {
    const cached = cache.get(secretId);
    if (cached && cached.expiresAt > now()) return cached.value;
    const pending = inFlight.get(secretId);
    if (pending) return pending;
    const request = (async () => {
      let value: string | undefined;
      try {
        const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
        value = out.SecretString;
      } catch (err) {
        throw new SecretUnavailableError(secretId, `cannot be read (${(err as Error).message})`, { cause: err });
      }
      if (value === undefined || value === '') throw new SecretUnavailableError(secretId, 'has no string value');
      cache.set(secretId, { value, expiresAt: now() + ttlMs });
      return value;
    })();
    inFlight.set(secretId, request);
    try {
      return await request;
    } finally {
      inFlight.delete(secretId);
    }
  };
}
