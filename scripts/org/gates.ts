/** One {@link ApiGate} per AWS API the org commands call, with defaults that stay under observed limits. */
import type { LimitFunction } from 'p-limit';
import { SoclessError } from '../../shared/errors.ts';
import { ApiGate, type ApiGateStats, type Clock, SYSTEM_CLOCK } from '../../shared/org/organizations.ts';

export const API_NAMES = ['organizations', 'sts', 'cloudformation', 'dynamodb', 'sfn'] as const;
export type ApiName = (typeof API_NAMES)[number];

/** Every gate the org and exec commands use. */
export type ApiGates = Readonly<Record<ApiName, ApiGate>>;

/**
 * Default pacing. Organizations and STS publish no per-second quota; other tools report Organizations
 * throttling after 160-250 accounts scanned in a burst, so its bucket stays at 8/s with no burst.
 */
export const DEFAULT_RATES: Readonly<Record<ApiName, { ratePerSecond: number; concurrency: number }>> = {
  organizations: { ratePerSecond: 8, concurrency: 4 },
  sts: { ratePerSecond: 40, concurrency: 16 },
  cloudformation: { ratePerSecond: 4, concurrency: 2 },
  dynamodb: { ratePerSecond: 25, concurrency: 8 },
  sfn: { ratePerSecond: 10, concurrency: 5 },
};

/** Options of {@link createGates}. */
export interface CreateGatesOptions {
  /** Requests per second per API, over the defaults. */
  readonly rates?: Partial<Record<ApiName, number>>;
  /** Calls in flight per API, over the defaults. */
  readonly concurrency?: Partial<Record<ApiName, number>>;
  /** One limiter shared by every gate (the benchmark's one-call-at-a-time run). */
  readonly sharedLimiter?: LimitFunction;
  /** @default SYSTEM_CLOCK */
  readonly clock?: Clock;
  /** @default Math.random */
  readonly random?: () => number;
}

export function createGates(options: CreateGatesOptions = {}): ApiGates {
  const gates = {} as Record<ApiName, ApiGate>;
  for (const name of API_NAMES) {
    gates[name] = new ApiGate({
      name,
      ratePerSecond: options.rates?.[name] ?? DEFAULT_RATES[name].ratePerSecond,
      concurrency: options.concurrency?.[name] ?? DEFAULT_RATES[name].concurrency,
      ...(options.sharedLimiter ? { limiter: options.sharedLimiter } : {}),
      clock: options.clock ?? SYSTEM_CLOCK,
      ...(options.random ? { random: options.random } : {}),
    });
  }
  return gates;
}

export function gateStats(gates: ApiGates): Record<ApiName, ApiGateStats> {
  return Object.fromEntries(API_NAMES.map((n) => [n, gates[n].stats()])) as Record<ApiName, ApiGateStats>;
}

/** Parses `--rate organizations=10,sts=50` (also accepted as repeated options). */
export function parseRates(values: readonly string[]): Partial<Record<ApiName, number>> {
  const rates: Partial<Record<ApiName, number>> = {};
  for (const part of values.flatMap((v) => v.split(','))) {
    const [name, value] = part.split('=');
    if (!name || !(API_NAMES as readonly string[]).includes(name.trim())) {
      throw new SoclessError(
        `--rate: "${part}" must be <api>=<requests per second>, api one of ${API_NAMES.join(', ')}`,
      );
    }
    const rate = Number(value);
    if (!Number.isFinite(rate) || rate <= 0) {
      throw new SoclessError(`--rate: ${name} must be a positive number of requests per second, got "${value}"`);
    }
    rates[name.trim() as ApiName] = rate;
  }
  return rates;
}
