import { parseConfig, type SoclessConfig } from '../../shared/config.ts';
import type { Clock } from '../../shared/org/organizations.ts';

/** A clock that never waits: `sleep` moves time forward and records the wait. */
export function virtualClock(): Clock & { readonly sleeps: number[]; advance(ms: number): void } {
  let t = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep(ms: number) {
      sleeps.push(ms);
      t += ms;
      return Promise.resolve();
    },
    advance(ms: number) {
      t += ms;
    },
  };
}

export const HOME = 'us-east-1';
export const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];

/** A configuration for the simulated organization (root r-ab12 targeted, three regions). */
export function testConfig(overrides: Record<string, unknown> = {}): SoclessConfig {
  return parseConfig(
    {
      hubAccountId: '100000000000',
      organizationId: 'o-a1b2c3d4e5',
      homeRegion: HOME,
      regions: REGIONS,
      targetOuIds: ['r-ab12'],
      externalId: 'socless-test-external-id',
      ...overrides,
    },
    'test',
  );
}

/**
 * A discrete-event clock: `sleep` resolves when `run` moves time to its deadline, which it does only once
 * every other pending callback has run. Time is exact and never inflated by concurrent sleepers.
 */
export function eventClock(): Clock & { run<T>(work: Promise<T>): Promise<T> } {
  let t = 0;
  const timers: { at: number; wake: () => void }[] = [];
  const idle = () => new Promise<void>((done) => setImmediate(done));
  return {
    now: () => t,
    sleep(ms: number) {
      return new Promise<void>((wake) => {
        timers.push({ at: t + ms, wake });
      });
    },
    async run<T>(work: Promise<T>): Promise<T> {
      let settled = false;
      const watched = work.finally(() => {
        settled = true;
      });
      for (;;) {
        await idle();
        if (settled) return watched;
        timers.sort((a, b) => a.at - b.at);
        const next = timers.shift();
        if (!next) return watched;
        t = Math.max(t, next.at);
        next.wake();
      }
    },
  };
}
