/**
 * custom_mapping: reads or writes a key/value mapping. Answers to SOCless's AddCustomMapping (key + value:
 * put) and QueryCustomMapping (key: get, `{exists, mapping}`) with the same parameters.
 */
import { z } from 'zod';
import { defineIntegration } from '../../../shared/integration-runtime/define.ts';
import { CustomMappingsRepository } from '../../../shared/store/custom-mappings.ts';

export const CustomMappingParameters = z
  .object({
    key: z.string().min(1).max(1024),
    /** @default 'put' when a value is given, else 'get' */
    action: z.enum(['get', 'put']).optional(),
    value: z.unknown().optional(),
  })
  .superRefine((p, issue) => {
    if (p.action === 'put' && p.value === undefined) {
      issue.addIssue({ code: 'custom', path: ['value'], message: 'is required when action is "put"' });
    }
    if (p.action === 'get' && p.value !== undefined) {
      issue.addIssue({ code: 'custom', path: ['value'], message: 'must not be given when action is "get"' });
    }
  });

export const customMapping = defineIntegration({
  id: 'custom_mapping',
  references: [
    'socless.CustomMapping',
    'socless.custom_mapping',
    'socless.AddCustomMapping',
    'socless.add_custom_mapping',
    'socless.QueryCustomMapping',
    'socless.query_custom_mapping',
  ],
  description: 'Gets or puts a key/value mapping in the custom_mappings table.',
  parameters: CustomMappingParameters,
  deployment: { tables: [{ table: 'custom_mappings', access: 'rw' }], timeoutSeconds: 10 },
  async run(params, ctx) {
    const repo = new CustomMappingsRepository(ctx.deps.documentClient, ctx.tableName('custom_mappings'));
    const action = params.action ?? (params.value === undefined ? 'get' : 'put');
    if (action === 'put') {
      const item = await repo.put(params.key, params.value, ctx.now().toISOString());
      return { key: item.key, value: item.value, stored: true };
    }
    const item = await repo.get(params.key);
    if (!item) return { key: params.key, exists: false, mapping: {} };
    return { key: params.key, exists: true, value: item.value, mapping: { ...item } };
  },
});
