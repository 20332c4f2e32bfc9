import { Logger } from '@aws-lambda-powertools/logger';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { SoclessError } from '../../shared/errors.ts';
import { defineIntegration } from '../../shared/integration-runtime/define.ts';
import type { IntegrationDeps } from '../../shared/integration-runtime/deps.ts';
import {
  IntegrationInvocationError,
  IntegrationParameterError,
  MissingEnvironmentError,
} from '../../shared/integration-runtime/errors.ts';
import { OFFLOAD_THRESHOLD_BYTES, toLambdaHandler } from '../../shared/integration-runtime/handler.ts';
import { StaticSecretResolver } from '../../shared/integration-runtime/secrets.ts';
import { S3VaultStore } from '../../shared/integration-runtime/vault.ts';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { localTableEnvironment } from '../../shared/store/clients.ts';
import { ResultsRepository } from '../../shared/store/results.ts';

const s3 = mockClient(S3Client);

class UpstreamDownError extends SoclessError {}

const sizeable = defineIntegration({
  id: 'sizeable',
  references: ['test.Sizeable'],
  description: 'returns a result of the requested size',
  parameters: z.object({ bytes: z.number().int().min(0), fail: z.boolean().default(false) }),
  deployment: { tables: [] },
  async run(params) {
    if (params.fail) throw new UpstreamDownError('upstream is down');
    return { data: 'x'.repeat(params.bytes) };
  },
});

function event(parameters: Record<string, unknown>, state = 'Fetch') {
  return {
    _socless: {
      state,
      playbook: 'pb',
      execution_id: 'arn:aws:states:us-east-1:111122223333:execution:pb:exec-1',
      investigation_id: 'inv-1',
    },
    parameters,
  };
}

describe('toLambdaHandler', () => {
  let dynamo: LocalDynamo;
  let deps: IntegrationDeps;
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    deps = {
      documentClient: dynamo.client,
      vault: new S3VaultStore(new S3Client({ region: 'us-east-1' }), 'vault-bucket'),
      secrets: new StaticSecretResolver({}),
      env: { ...localTableEnvironment(), SOCLESS_VAULT_BUCKET: 'vault-bucket', SOCLESS_RESULTS_RETENTION_DAYS: '7' },
      logger,
      now: () => new Date('2025-01-02T03:04:05.000Z'),
    };
  });
  afterAll(async () => {
    await dynamo.close();
  });
  afterEach(() => {
    s3.reset();
    vi.restoreAllMocks();
  });

  it('returns the result and saves it to the results table with a TTL', async () => {
    const handler = toLambdaHandler(sizeable, deps);
    const out = await handler(event({ bytes: 3 }), { awsRequestId: 'req-1' });
    expect(out).toEqual({ data: 'xxx' });
    const [saved] = await new ResultsRepository(dynamo.client, 'results').listByExecution(
      'arn:aws:states:us-east-1:111122223333:execution:pb:exec-1',
    );
    expect(saved).toMatchObject({
      stateKey: 'Fetch#2025-01-02T03:04:05.000Z#req-1',
      investigationId: 'inv-1',
      status: 'succeeded',
      result: { data: 'xxx' },
      expiresAt: Date.parse('2025-01-02T03:04:05.000Z') / 1000 + 7 * 86_400,
    });
  });

  it('tags the log context with the execution and investigation ids', async () => {
    const append = vi.spyOn(logger, 'appendKeys');
    await toLambdaHandler(sizeable, deps)(event({ bytes: 1 }));
    expect(append).toHaveBeenCalledWith(
      expect.objectContaining({
        execution_id: expect.stringContaining('exec-1'),
        investigation_id: 'inv-1',
        state: 'Fetch',
      }),
    );
  });

  it('offloads a result above the threshold to the vault and returns a vault pointer', async () => {
    s3.on(PutObjectCommand).resolves({});
    const handler = toLambdaHandler(sizeable, deps);
    const out = await handler(event({ bytes: OFFLOAD_THRESHOLD_BYTES + 10 }, 'Big'), { awsRequestId: 'req-2' });
    expect(out).toMatchObject({
      vault_ref: { bucket: 'vault-bucket', key: 'results/exec-1/Big/req-2.json' },
      offloaded: true,
    });
    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put?.Bucket).toBe('vault-bucket');
    expect(String(put?.Body).length).toBeGreaterThan(OFFLOAD_THRESHOLD_BYTES);
    const saved = await new ResultsRepository(dynamo.client, 'results').listByExecution(
      'arn:aws:states:us-east-1:111122223333:execution:pb:exec-1',
    );
    const big = saved.find((r) => r.state === 'Big');
    expect(big?.resultRef).toEqual({ bucket: 'vault-bucket', key: 'results/exec-1/Big/req-2.json' });
    expect(big?.result).toBeUndefined();
  });

  it('raises IntegrationParameterError naming the state and the parameter', async () => {
    const err = await toLambdaHandler(sizeable, deps)(event({ bytes: 'many' }, 'Sized')).catch((e) => e);
    expect(err).toBeInstanceOf(IntegrationParameterError);
    expect(err.name).toBe('IntegrationParameterError');
    expect(err.parameter).toBe('bytes');
    expect(err.message).toMatch(/state "Sized" \(sizeable\): parameter "bytes"/);
  });

  it('keeps the name of an integration error and records the failed attempt', async () => {
    const err = await toLambdaHandler(sizeable, deps)(event({ bytes: 1, fail: true }, 'Down'), {
      awsRequestId: 'r-3',
    }).catch((e) => e);
    expect(err.name).toBe('UpstreamDownError');
    const saved = await new ResultsRepository(dynamo.client, 'results').listByExecution(
      'arn:aws:states:us-east-1:111122223333:execution:pb:exec-1',
    );
    expect(saved.find((r) => r.state === 'Down')).toMatchObject({
      status: 'failed',
      error: { name: 'UpstreamDownError', message: 'upstream is down' },
    });
  });

  it('rejects an event that is not an integration invocation', async () => {
    const err = await toLambdaHandler(sizeable, deps)({ parameters: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(IntegrationInvocationError);
    expect(err.message).toMatch(/\$\._socless/);
  });

  it('fails at cold start naming every missing environment variable', () => {
    const needy = defineIntegration({
      ...sizeable,
      id: 'needy',
      environment: ['SOCLESS_SOMETHING'],
      deployment: { tables: [{ table: 'accounts', access: 'r' }] },
    });
    const { vault: _v, ...noVault } = deps;
    const build = () => toLambdaHandler(needy, { ...noVault, env: {} });
    expect(build).toThrow(MissingEnvironmentError);
    expect(build).toThrow(/SOCLESS_VAULT_BUCKET.*SOCLESS_ACCOUNTS_TABLE.*SOCLESS_RESULTS_TABLE.*SOCLESS_SOMETHING/);
  });
});
