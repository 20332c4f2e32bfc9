import { TooManyRequestsException } from '@aws-sdk/client-organizations';
import { describe, expect, it } from 'vitest';
import { ApiGate, isThrottlingError } from '../../shared/org/organizations.ts';
import { eventClock, virtualClock } from './helpers.ts';

const throttle = () => new TooManyRequestsException({ message: 'Too many requests', $metadata: {} });

describe('ApiGate', () => {
  it('spaces requests by the configured rate', async () => {
    const clock = eventClock();
    const gate = new ApiGate({ name: 'organizations', ratePerSecond: 10, concurrency: 4, clock });
    const sentAt: number[] = [];

    await clock.run(Promise.all(Array.from({ length: 6 }, () => gate.call(async () => sentAt.push(clock.now())))));

    expect(sentAt).toEqual([0, 100, 200, 300, 400, 500]);
    expect(gate.stats()).toMatchObject({ requests: 6, succeeded: 6, throttled: 0 });
  });

  it('lets a burst through back to back, then paces', async () => {
    const clock = virtualClock();
    const gate = new ApiGate({ name: 'sts', ratePerSecond: 10, burst: 3, concurrency: 1, clock });
    const sentAt: number[] = [];

    for (let i = 0; i < 4; i++) await gate.call(async () => sentAt.push(clock.now()));

    expect(sentAt.slice(0, 3)).toEqual([0, 0, 0]);
    expect(sentAt[3]).toBeGreaterThanOrEqual(100);
  });

  it('retries throttling errors after a full-jitter backoff that doubles, and lowers its rate', async () => {
    const clock = virtualClock();
    const gate = new ApiGate({ name: 'organizations', ratePerSecond: 1000, baseDelayMs: 200, clock, random: () => 1 });
    let attempts = 0;

    const out = await gate.call(async () => {
      attempts++;
      if (attempts <= 2) throw throttle();
      return 'ok';
    });

    expect(out).toBe('ok');
    expect(clock.sleeps.filter((ms) => ms >= 200)).toEqual([200, 400]);
    expect(gate.stats()).toMatchObject({ requests: 3, succeeded: 1, throttled: 2, exhausted: 0 });
    expect(gate.stats().currentRatePerSecond).toBeLessThan(1000);
  });

  it('gives up after the last attempt and rethrows the throttling error', async () => {
    const clock = virtualClock();
    const gate = new ApiGate({ name: 'sts', ratePerSecond: 100, maxAttempts: 3, clock, random: () => 0 });

    await expect(gate.call(() => Promise.reject(throttle()))).rejects.toThrow(TooManyRequestsException);
    expect(gate.stats()).toMatchObject({ requests: 3, throttled: 3, exhausted: 1 });
  });

  it('passes other errors through at once', async () => {
    const gate = new ApiGate({ name: 'sts', ratePerSecond: 100, clock: virtualClock() });
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDenied' });

    await expect(gate.call(() => Promise.reject(denied))).rejects.toBe(denied);
    expect(gate.stats()).toMatchObject({ requests: 1, throttled: 0 });
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new ApiGate({ name: 'x', ratePerSecond: 0 })).toThrow(/ratePerSecond/);
  });
});

describe('isThrottlingError', () => {
  it('recognises the throttling errors of Organizations, STS, Step Functions and HTTP 429', () => {
    expect(isThrottlingError(throttle())).toBe(true);
    expect(isThrottlingError(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }))).toBe(true);
    expect(isThrottlingError(Object.assign(new Error('x'), { name: 'ThrottlingException' }))).toBe(true);
    expect(isThrottlingError({ name: 'Other', $metadata: { httpStatusCode: 429 } })).toBe(true);
    expect(isThrottlingError(Object.assign(new Error('no'), { name: 'AccessDenied' }))).toBe(false);
    expect(isThrottlingError('Throttling')).toBe(false);
  });
});
