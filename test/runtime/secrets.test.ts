import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretResolutionError } from '../../shared/integration-runtime/errors.ts';
import { AwsSecretResolver, parseSecretReference } from '../../shared/integration-runtime/secrets.ts';

const sm = mockClient(SecretsManagerClient);
const ssm = mockClient(SSMClient);

describe('parseSecretReference', () => {
  it('splits a secret name from its JSON key at the first colon', () => {
    expect(parseSecretReference('secret:prod/slack:token')).toEqual({
      kind: 'secret',
      id: 'prod/slack',
      jsonKey: 'token',
    });
    expect(parseSecretReference('secret:prod/slack')).toEqual({ kind: 'secret', id: 'prod/slack' });
  });

  it('keeps the seven parts of an ARN together and takes what follows as the JSON key', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/slack-AbCdEf';
    expect(parseSecretReference(`secret:${arn}:token`)).toEqual({ kind: 'secret', id: arn, jsonKey: 'token' });
    expect(parseSecretReference(`secret:${arn}`)).toEqual({ kind: 'secret', id: arn });
  });

  it('reads an SSM parameter name', () => {
    expect(parseSecretReference('ssm:/socless/webhook')).toEqual({ kind: 'ssm', name: '/socless/webhook' });
  });

  it('rejects an empty reference', () => {
    expect(() => parseSecretReference('secret:')).toThrow(SecretResolutionError);
  });
});

describe('AwsSecretResolver', () => {
  afterEach(() => {
    sm.reset();
    ssm.reset();
  });

  it('fetches a secret once and serves it from the cache until the TTL passes', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: '{"token":"t-1"}' });
    let now = 1_000;
    const resolver = new AwsSecretResolver(
      { secretsManager: new SecretsManagerClient({}), ssm: new SSMClient({}) },
      { ttlMs: 60_000, now: () => now },
    );
    expect(await resolver.resolve({ kind: 'secret', id: 'prod/slack', jsonKey: 'token' })).toBe('t-1');
    expect(await resolver.resolve({ kind: 'secret', id: 'prod/slack' })).toBe('{"token":"t-1"}');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    now += 60_001;
    await resolver.resolve({ kind: 'secret', id: 'prod/slack', jsonKey: 'token' });
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('decrypts SSM parameters', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'https://hooks.example' } });
    const resolver = new AwsSecretResolver({ secretsManager: new SecretsManagerClient({}), ssm: new SSMClient({}) });
    expect(await resolver.resolve({ kind: 'ssm', name: '/socless/webhook' })).toBe('https://hooks.example');
    expect(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({
      Name: '/socless/webhook',
      WithDecryption: true,
    });
  });

  it('says which reference failed when the secret is missing or lacks the key', async () => {
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(new Error('Secrets Manager can’t find the specified secret.'), {
        name: 'ResourceNotFoundException',
      }),
    );
    sm.on(GetSecretValueCommand, { SecretId: 'json' }).resolves({ SecretString: '{"a":1}' });
    const resolver = new AwsSecretResolver({ secretsManager: new SecretsManagerClient({}), ssm: new SSMClient({}) });
    await expect(resolver.resolve({ kind: 'secret', id: 'nope' })).rejects.toThrow(/\{\{secret:nope\}\}.*can’t find/);
    await expect(resolver.resolve({ kind: 'secret', id: 'json', jsonKey: 'b' })).rejects.toThrow(/no JSON key "b"/);
  });
});
