import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customMapping } from '../../hub/integrations/custom-mapping/integration.ts';
import { IntegrationParameterError } from '../../shared/integration-runtime/errors.ts';
import { type Harness, startHarness } from './harness.ts';

describe('custom_mapping', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('puts a value and gets it back (AddCustomMapping / QueryCustomMapping style)', async () => {
    expect(await h.invoke(customMapping, { key: 'team:payments', value: { channel: '#pay-sec' } })).toEqual({
      key: 'team:payments',
      value: { channel: '#pay-sec' },
      stored: true,
    });
    expect(await h.invoke(customMapping, { key: 'team:payments' })).toMatchObject({
      exists: true,
      value: { channel: '#pay-sec' },
      mapping: { key: 'team:payments', value: { channel: '#pay-sec' } },
    });
  });

  it('reports a missing key as not existing', async () => {
    expect(await h.invoke(customMapping, { key: 'nothing', action: 'get' })).toEqual({
      key: 'nothing',
      exists: false,
      mapping: {},
    });
  });

  it('surfaces a DynamoDB failure instead of answering', async () => {
    // DynamoDB refuses items above 400 KB; the state must fail rather than report the value stored.
    const err = await h.invoke(customMapping, { key: 'huge', value: 'x'.repeat(410 * 1024) }).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ValidationException');
  });

  it('requires a value when the action is put', async () => {
    const err = await h.invoke(customMapping, { key: 'k', action: 'put' }, { state: 'Remember' }).catch((e) => e);
    expect(err).toBeInstanceOf(IntegrationParameterError);
    expect(err.message).toMatch(/state "Remember" \(custom_mapping\): parameter "value" is required/);
  });
});
