/**
 * socless_slack: the socless-slack integrations (SendMessage, FindUser, CheckIfUserInChannel, SetChannelTopic,
 * CreateChannel, InviteToChannel, UploadFile) in one Lambda, with socless-slack's parameters and results; the
 * operation comes from the alias table through the compiler.
 */
import { z } from 'zod';
import { SoclessError } from '../../../shared/errors.ts';
import { defineIntegration } from '../../../shared/integration-runtime/define.ts';
import { SOCLESS_SLACK_INTEGRATION } from '../../../shared/playbook/socless-aliases.ts';
import { SOCLESS_SLACK_OPERATIONS } from './operations.ts';

/** The state names no operation, or one this Lambda does not host. */
export class UnknownSlackOperationError extends SoclessError {
  constructor(
    readonly state: string,
    readonly operation: string | undefined,
  ) {
    super(
      `state "${state}": socless_slack has no operation ${operation === undefined ? '(none given)' : `"${operation}"`} (operations: ${Object.keys(SOCLESS_SLACK_OPERATIONS).join(', ')})`,
    );
  }
}

export const soclessSlack = defineIntegration({
  id: SOCLESS_SLACK_INTEGRATION,
  references: [],
  operations: Object.keys(SOCLESS_SLACK_OPERATIONS),
  description: 'socless-slack integrations (SendMessage, FindUser, channel topic, create, invite, UploadFile).',
  parameters: z.record(z.string(), z.unknown()),
  // A state may pass its own token, from Secrets Manager or SSM only.
  secretParameters: ['token'],
  deployment: { tables: [], timeoutSeconds: 30 },
  async run(params, ctx) {
    const operation = ctx.operation !== undefined ? SOCLESS_SLACK_OPERATIONS[ctx.operation] : undefined;
    if (!operation) throw new UnknownSlackOperationError(ctx.state, ctx.operation);
    return operation(params, ctx);
  },
});
