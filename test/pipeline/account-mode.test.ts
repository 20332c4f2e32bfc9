import { describe, expect, it } from 'vitest';
import { cachedAccountMode } from '../../shared/pipeline/account-mode.ts';

describe('cachedAccountMode', () => {
  it('reads each account once within the TTL and again after it', async () => {
    let clock = 0;
    const reads: string[] = [];
    let mode: 'notify' | 'auto' = 'notify';
    const resolve = cachedAccountMode(
      async (id) => {
        reads.push(id);
        return mode;
      },
      1000,
      () => clock,
    );
    expect(await resolve('111111111111')).toBe('notify');
    mode = 'auto';
    clock = 999;
    expect(await resolve('111111111111')).toBe('notify');
    expect(await resolve('222222222222')).toBe('auto');
    clock = 1000;
    expect(await resolve('111111111111')).toBe('auto');
    expect(reads).toEqual(['111111111111', '222222222222', '111111111111']);
  });
});
