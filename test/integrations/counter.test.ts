import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CounterTypeError, counter } from '../../hub/integrations/counter/integration.ts';
import { customMapping } from '../../hub/integrations/custom-mapping/integration.ts';
import { IntegrationParameterError } from '../../shared/integration-runtime/errors.ts';
import { type Harness, startHarness } from './harness.ts';

describe('counter', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('starts a new counter at start + delta and reports the previous value', async () => {
    expect(await h.invoke(counter, { key: 'root-logins', start: 10 })).toEqual({
      key: 'root-logins',
      previous_value: 10,
      current_value: 11,
    });
  });

  it('loses no increment when many run at once', async () => {
    await Promise.all(Array.from({ length: 20 }, () => h.invoke(counter, { key: 'parallel' })));
    expect(await h.invoke(counter, { key: 'parallel', action: 'get' })).toEqual({
      key: 'parallel',
      exists: true,
      current_value: 20,
    });
  });

  it('counts down when told to', async () => {
    await h.invoke(counter, { key: 'budget', start: 5, delta: 2, direction: 'down' });
    expect(await h.invoke(counter, { key: 'budget', action: 'get' })).toMatchObject({ current_value: 3 });
  });

  it('reads an unknown counter as not existing, at its start value', async () => {
    expect(await h.invoke(counter, { key: 'never', action: 'get' })).toEqual({
      key: 'never',
      exists: false,
      current_value: 0,
    });
  });

  it('raises CounterTypeError on a key that holds a non-number', async () => {
    await h.invoke(customMapping, { key: 'text', value: 'hello' });
    const err = await h.invoke(counter, { key: 'text' }).catch((e) => e);
    expect(err).toBeInstanceOf(CounterTypeError);
    expect(err.name).toBe('CounterTypeError');
  });

  it('rejects a fractional delta', async () => {
    const err = await h.invoke(counter, { key: 'x', delta: 0.5 }).catch((e) => e);
    expect(err).toBeInstanceOf(IntegrationParameterError);
    expect(err.parameter).toBe('delta');
  });
});
