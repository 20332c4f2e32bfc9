/**
 * socless_core: the SOCless core integrations (SetInvestigationStatus, HTTPRequest, CacheResults, Counter,
 * AddCustomMapping, QueryCustomMapping, MergeParallelOutput, SoclessLogFindings, CreateEvents) in one Lambda, with SOCless's
 * parameter and result shapes. They are small, so one function hosts them all (one role, a few CloudFormation
 * resources) instead of one Lambda each; the operation comes from the alias table through the compiler.
 */
import { z } from 'zod';
import { SoclessError } from '../../../shared/errors.ts';
import { defineIntegration } from '../../../shared/integration-runtime/define.ts';
import { SOCLESS_CORE_INTEGRATION } from '../../../shared/playbook/socless-aliases.ts';
import { SOCLESS_CORE_OPERATIONS } from './operations.ts';

/** The state names no operation, or one this Lambda does not host. */
export class UnknownSoclessOperationError extends SoclessError {
  constructor(
    readonly state: string,
    readonly operation: string | undefined,
  ) {
    super(
      `state "${state}": socless_core has no operation ${operation === undefined ? '(none given)' : `"${operation}"`} (operations: ${Object.keys(SOCLESS_CORE_OPERATIONS).join(', ')})`,
    );
  }
}

export const soclessCore = defineIntegration({
  id: SOCLESS_CORE_INTEGRATION,
  references: [],
  operations: Object.keys(SOCLESS_CORE_OPERATIONS),
  description:
    'SOCless core integrations (SetInvestigationStatus, HTTPRequest, CacheResults, Counter, mappings, CreateEvents, …).',
  parameters: z.record(z.string(), z.unknown()),
  // HTTPRequest sends credentials in auth or headers (resolved from secret('/ssm/path') only there).
  secretParameters: ['auth', 'headers'],
  deployment: {
    tables: [
      { table: 'events', access: 'rw' },
      { table: 'dedup', access: 'rw' },
      { table: 'custom_mappings', access: 'rw' },
    ],
    timeoutSeconds: 30,
    // CreateEvents puts socless.playbook.* events on the hub's bus (and nothing else).
    createsEvents: true,
  },
  async run(params, ctx) {
    const operation = ctx.operation !== undefined ? SOCLESS_CORE_OPERATIONS[ctx.operation] : undefined;
    if (!operation) throw new UnknownSoclessOperationError(ctx.state, ctx.operation);
    return operation(params, ctx);
  },
});
