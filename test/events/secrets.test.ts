import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createSecretFetcher, SecretUnavailableError } from '../../shared/events/index.ts';

const sm = mockClient(SecretsManagerClient);

afterEach(() => {
  sm.reset();
});

describe('createSecretFetcher', () => {
  it('reads a secret once and serves it from the cache until the TTL passes', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'v1' });
    let now = 0;
    const fetch = createSecretFetcher(new SecretsManagerClient({ region: 'us-east-1' }), {
      ttlMs: 1000,
      now: () => now,
    });
    expect(await fetch('webhook/secret')).toBe('v1');
    expect(await fetch('webhook/secret')).toBe('v1');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'v2' });
    now = 1001;
    expect(await fetch('webhook/secret')).toBe('v2');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    expect(sm.commandCalls(GetSecretValueCommand)[0]!.args[0].input).toEqual({ SecretId: 'webhook/secret' });
  });

  it('shares one request between concurrent reads', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'shared' });
    const fetch = createSecretFetcher(new SecretsManagerClient({ region: 'us-east-1' }));
    const values = await Promise.all([fetch('a'), fetch('a'), fetch('a')]);
    expect(values).toEqual(['shared', 'shared', 'shared']);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('names the secret when it cannot be read, and does not cache the failure', async () => {
    sm.on(GetSecretValueCommand).rejectsOnce(new Error('AccessDeniedException')).resolves({ SecretString: 'ok' });
    const fetch = createSecretFetcher(new SecretsManagerClient({ region: 'us-east-1' }));
    await expect(fetch('webhook/secret')).rejects.toThrow(SecretUnavailableError);
    await expect(fetch('webhook/secret')).resolves.toBe('ok');
  });

  it('rejects a secret without a string value', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1]) });
    const fetch = createSecretFetcher(new SecretsManagerClient({ region: 'us-east-1' }));
    await expect(fetch('bin')).rejects.toThrow('Secret bin: has no string value');
  });
});
