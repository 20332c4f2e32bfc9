import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { externalIdFromSecret, resolveExternalId } from '../../shared/remediation/external-id.ts';

const sm = mockClient(SecretsManagerClient);
const SECRET = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:socless/spoke-external-id-AbCdEf';

describe('externalIdFromSecret', () => {
  beforeEach(() => sm.reset());

  it('reads the secret once within its cache time and again after it', async () => {
    sm.on(GetSecretValueCommand, { SecretId: SECRET }).resolves({ SecretString: 'Q3x9LmP0aZ7rT2vW8yB4nC6d' });
    let now = 0;
    const read = externalIdFromSecret(new SecretsManagerClient({}), SECRET, { ttlMs: 1000, now: () => now });

    expect(await Promise.all([read(), read()])).toEqual(['Q3x9LmP0aZ7rT2vW8yB4nC6d', 'Q3x9LmP0aZ7rT2vW8yB4nC6d']);
    now = 999;
    await read();
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    now = 1001;
    await read();
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('names the secret when it cannot be read, and does not cache the failure', async () => {
    sm.on(GetSecretValueCommand).rejectsOnce(new Error('AccessDeniedException')).resolves({
      SecretString: 'Q3x9LmP0aZ7rT2vW8yB4nC6d',
    });
    const read = externalIdFromSecret(new SecretsManagerClient({}), SECRET);

    await expect(read()).rejects.toThrow(`the external id secret ${SECRET} cannot be read: AccessDeniedException`);
    await expect(read()).resolves.toBe('Q3x9LmP0aZ7rT2vW8yB4nC6d');
  });

  it('refuses a value STS would not take or that is too short to be a shared secret', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'short' });
    await expect(externalIdFromSecret(new SecretsManagerClient({}), SECRET)()).rejects.toThrow('16 to 1224 characters');
    sm.on(GetSecretValueCommand).resolves({ SecretString: '' });
    await expect(externalIdFromSecret(new SecretsManagerClient({}), SECRET)()).rejects.toThrow('is empty');
  });

  it('resolveExternalId prefers an explicit configured value and otherwise reads the configured secret', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'socless/spoke-external-id' }).resolves({
      SecretString: 'from-the-secret-0123456789',
    });
    const client = new SecretsManagerClient({});

    expect(
      await resolveExternalId(
        { externalId: 'configured-0123456789', externalIdSecretName: 'socless/spoke-external-id' },
        client,
      ),
    ).toBe('configured-0123456789');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    expect(await resolveExternalId({ externalIdSecretName: 'socless/spoke-external-id' }, client)).toBe(
      'from-the-secret-0123456789',
    );
  });
});
