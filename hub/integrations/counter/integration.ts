/** counter: an atomic counter in the custom_mappings table (how often has this happened?). */
import { z } from 'zod';
import { SoclessError } from '../../../shared/errors.ts';
import { defineIntegration } from '../../../shared/integration-runtime/define.ts';
import { CustomMappingsRepository } from '../../../shared/store/custom-mappings.ts';

/** The key holds something other than a number, so it cannot be counted. */
export class CounterTypeError extends SoclessError {
  constructor(readonly key: string) {
    super(`custom mapping "${key}" holds a value that is not a number: it cannot be used as a counter`);
  }
}

export const CounterParameters = z.object({
  key: z.string().min(1).max(1024),
  /** @default 'increment' */
  action: z.enum(['get', 'increment']).default('increment'),
  delta: z.number().int().default(1),
  /** SOCless's Counter counts up or down. @default 'up' */
  direction: z.enum(['up', 'down']).default('up'),
  /** The value a new counter starts from. @default 0 */
  start: z.number().int().default(0),
});

export const counter = defineIntegration({
  id: 'counter',
  references: ['socless.Counter', 'socless.counter'],
  description: 'Reads or atomically changes a named counter (previous_value, current_value).',
  parameters: CounterParameters,
  deployment: { tables: [{ table: 'custom_mappings', access: 'rw' }], timeoutSeconds: 10 },
  async run(params, ctx) {
    const repo = new CustomMappingsRepository(ctx.deps.documentClient, ctx.tableName('custom_mappings'));
    if (params.action === 'get') {
      const item = await repo.get(params.key);
      if (item === undefined) return { key: params.key, exists: false, current_value: params.start };
      if (typeof item.value !== 'number') throw new CounterTypeError(params.key);
      return { key: params.key, exists: true, current_value: item.value };
    }
    const delta = params.direction === 'down' ? -params.delta : params.delta;
    let current: number;
    try {
      current = await repo.increment(params.key, delta, params.start, ctx.now().toISOString());
    } catch (err) {
      // DynamoDB refuses arithmetic on a non-number attribute with a ValidationException.
      if (err instanceof Error && err.name === 'ValidationException') throw new CounterTypeError(params.key);
      throw err;
    }
    return { key: params.key, previous_value: current - delta, current_value: current };
  },
});
