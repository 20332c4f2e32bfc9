/**
 * socless_aws_request: SOCless's AWSRequest (service_name, operation, operation_parameters, assume_role_config,
 * disable_pagination, save_to_vault → the API response, `{ResultPages: [...]}` when paginated, `{file_id,
 * vault_id}` when saved to the vault), held to what a playbook may be trusted with:
 *
 * - reads only: the operation must be on an explicit allow-list (AWS_REQUEST_ALLOWED), anything else is refused
 *   naming it;
 * - in the account of the event the execution runs for, only: the execution name must be the one the pipeline
 *   gives (event id, playbook), and that event's stored account is the one acted in. `assume_role_config` must
 *   name that account (its SoclessRemediationRole); any other account or role is refused;
 * - through a `read` session of the spoke session machinery (hub remediation role → SoclessRemediationRole),
 *   whose session policy allows exactly the one requested action: never a fix or undo session.
 *
 * It is its own Lambda so that only this one function (besides remediate) chains into the hub remediation role.
 */
import { randomUUID } from 'node:crypto';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { SoclessError } from '../../../shared/errors.ts';
import { defineIntegration, type IntegrationContext } from '../../../shared/integration-runtime/define.ts';
import { IntegrationParameterError, MissingEnvironmentError } from '../../../shared/integration-runtime/errors.ts';
import { NAMES, spokeRemediationRoleArn } from '../../../shared/names.ts';
import { executionName } from '../../../shared/pipeline/execution-name.ts';
import { SOCLESS_AWS_REQUEST_INTEGRATION } from '../../../shared/playbook/socless-aliases.ts';
import { plainOutput } from '../../../shared/remediation/calls.ts';
import { externalIdFromSecret } from '../../../shared/remediation/external-id.ts';
import { partitionOf, type SpokeSessionFactory, StsSpokeSessionFactory } from '../../../shared/remediation/session.ts';
import type { Remediation } from '../../../shared/remediation/types.ts';
import { EXTERNAL_ID_ENV, EXTERNAL_ID_SECRET_ENV, HUB_REMEDIATION_ROLE_ENV } from '../remediate/integration.ts';
import { type AllowedRead, AWS_REQUEST_ALLOWED, allowedRead, callSpecOf } from './allow-list.ts';

/** Pages read at most when paginating (each page is a separate read call). */
export const AWS_REQUEST_MAX_PAGES = 20;

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

export const AwsRequestParameters = z.object({
  service_name: z.string().min(1).max(64),
  operation: z.string().min(1).max(128),
  operation_parameters: z.record(z.string(), z.unknown()).default({}),
  assume_role_config: z.record(z.string(), z.unknown()),
  disable_pagination: z.boolean().default(false),
  save_to_vault: z.boolean().default(false),
  /** The region to call; @default the event's region */
  region_name: z.string().regex(REGION, 'must be an AWS region name').optional(),
});

/** The operation is not one AWSRequest may make (a write, or a read not on the allow-list). */
export class AwsRequestOperationRefusedError extends SoclessError {
  constructor(
    readonly state: string,
    readonly service: string,
    readonly operation: string,
  ) {
    const offered = [
      ...new Set(AWS_REQUEST_ALLOWED.filter((r) => r.service === service.toLowerCase()).map((r) => r.operation)),
    ];
    super(
      `state "${state}": AWSRequest refuses ${service}.${operation}: only read-only operations on its allow-list are served (${
        offered.length > 0 ? `${service}: ${offered.join(', ')}` : `no operation of service "${service}" is allowed`
      }); a playbook never writes in a member account through AWSRequest (use the remediate integration)`,
    );
  }
}

/** The call cannot be tied to the account of the event this execution runs for. */
export class AwsRequestAccountError extends SoclessError {
  constructor(
    readonly state: string,
    reason: string,
  ) {
    super(`state "${state}": AWSRequest refused: ${reason}`);
  }
}

/** Opens spoke sessions for one invocation (STS in AWS; tests inject one). */
export type AwsRequestSessionsFactory = (ctx: IntegrationContext) => SpokeSessionFactory;

let cached: { key: string; factory: StsSpokeSessionFactory } | undefined;

/** Sessions from the Lambda environment (the same chain and external id as remediate). */
export const sessionsFromEnvironment: AwsRequestSessionsFactory = (ctx) => {
  const env = ctx.deps.env;
  const secretId = env[EXTERNAL_ID_SECRET_ENV];
  const explicit = env[EXTERNAL_ID_ENV];
  if (!secretId && !explicit) {
    throw new MissingEnvironmentError(SOCLESS_AWS_REQUEST_INTEGRATION, [
      EXTERNAL_ID_SECRET_ENV,
      HUB_REMEDIATION_ROLE_ENV,
    ]);
  }
  const hubRoleArn = env[HUB_REMEDIATION_ROLE_ENV];
  const key = `${secretId ?? ''}|${explicit ? 'explicit' : ''}|${hubRoleArn ?? ''}`;
  if (cached?.key !== key) {
    const externalId = secretId ? externalIdFromSecret(new SecretsManagerClient({}), secretId) : (explicit as string);
    cached = {
      key,
      factory: new StsSpokeSessionFactory({
        externalId,
        ...(hubRoleArn ? { hubRoleArn } : {}),
        // The hub role admits this reader only with this identity, and spoke roles let it read and nothing else.
        sourceIdentity: NAMES.readOnlySourceIdentity,
      }),
    };
  }
  return cached.factory;
};

/**
 * The session policy subject of one read: a pseudo-remediation whose only permission group is the one read
 * action on any resource, so the generated session policy allows exactly that action and nothing else.
 */
export function readOnlySubject(read: AllowedRead): Remediation {
  return {
    id: 'socless-aws-request',
    permissions: [{ calls: [read.call], resources: ['*'] }],
  } as unknown as Remediation;
}

function param(ctx: IntegrationContext, parameter: string, reason: string): never {
  throw new IntegrationParameterError({
    state: ctx.state,
    integration: `${SOCLESS_AWS_REQUEST_INTEGRATION} AWSRequest`,
    parameter,
    reason,
  });
}

/** The account and region of the event this execution runs for, from the events table (never from parameters). */
async function eventOfExecution(ctx: IntegrationContext): Promise<{ account: string; region: string }> {
  const artifacts = ctx.soclessContext?.artifacts ?? ctx.artifacts ?? {};
  const event = (artifacts as { event?: { id?: unknown } }).event;
  const eventId = typeof event?.id === 'string' ? event.id : undefined;
  if (!eventId) throw new AwsRequestAccountError(ctx.state, 'the execution carries no event id (artifacts.event.id)');
  // The execution name is Step Functions' own ($$.Execution.Id); the pipeline derives it from the event id and
  // the playbook, so an artifacts.event.id rewritten by a state does not match it.
  const name = ctx.executionId.split(':').at(-1) ?? ctx.executionId;
  if (executionName(eventId, ctx.playbook) !== name) {
    throw new AwsRequestAccountError(
      ctx.state,
      `execution ${name} is not the run of event ${eventId} by playbook ${ctx.playbook}: the account to read in is unknown`,
    );
  }
  const out = await ctx.deps.documentClient.send(
    new GetCommand({
      TableName: ctx.tableName('events'),
      Key: { id: eventId },
      ProjectionExpression: 'account, #r',
      ExpressionAttributeNames: { '#r': 'region' },
    }),
  );
  const account = out.Item?.account;
  if (typeof account !== 'string' || !/^\d{12}$/.test(account)) {
    throw new AwsRequestAccountError(ctx.state, `event ${eventId} has no stored account`);
  }
  const region = typeof out.Item?.region === 'string' ? out.Item.region : '';
  return { account, region };
}

/** `assume_role_config` must name the event's account (and, if it names a role, the spoke remediation role). */
function checkAssumeRoleConfig(
  ctx: IntegrationContext,
  config: Record<string, unknown>,
  account: string,
  partition: string,
): void {
  const expected = spokeRemediationRoleArn(account, partition);
  const roleArn = config.role_arn ?? config.RoleArn ?? config.roleArn;
  const accountId = config.account_id ?? config.AccountId ?? config.account;
  if (roleArn === undefined && accountId === undefined) {
    param(
      ctx,
      'assume_role_config',
      `must name the event's account: {"role_arn": "${expected}"} or {"account_id": "${account}"}`,
    );
  }
  if (roleArn !== undefined && roleArn !== expected) {
    param(
      ctx,
      'assume_role_config.role_arn',
      `is ${JSON.stringify(roleArn)}: AWSRequest reads only in the account of the event, through ${expected}`,
    );
  }
  if (accountId !== undefined && accountId !== account) {
    param(ctx, 'assume_role_config.account_id', `is ${JSON.stringify(accountId)}, not the event's account ${account}`);
  }
}

export interface SoclessAwsRequestOptions {
  /** @default sessionsFromEnvironment */
  readonly sessions?: AwsRequestSessionsFactory;
}

export function createSoclessAwsRequestIntegration(options: SoclessAwsRequestOptions = {}) {
  const sessionsOf = options.sessions ?? sessionsFromEnvironment;
  return defineIntegration({
    id: SOCLESS_AWS_REQUEST_INTEGRATION,
    references: [],
    operations: ['AWSRequest'],
    description: "SOCless AWSRequest: allow-listed read-only AWS calls in the event's account, through a read session.",
    parameters: AwsRequestParameters,
    deployment: {
      tables: [{ table: 'events', access: 'r' }],
      assumesSpokeRoles: true,
      readOnlySpokeAccess: true,
      timeoutSeconds: 60,
    },
    async run(params, ctx) {
      if (ctx.operation !== undefined && ctx.operation !== 'AWSRequest') {
        throw new AwsRequestOperationRefusedError(ctx.state, SOCLESS_AWS_REQUEST_INTEGRATION, ctx.operation);
      }
      const read = allowedRead(params.service_name, params.operation);
      const spec = read ? callSpecOf(read) : undefined;
      if (!read || !spec || spec.write) {
        throw new AwsRequestOperationRefusedError(ctx.state, params.service_name, params.operation);
      }
      const event = await eventOfExecution(ctx);
      const region = params.region_name ?? (REGION.test(event.region) ? event.region : undefined);
      if (!region)
        param(ctx, 'region_name', `is required: event's region ${JSON.stringify(event.region)} is not usable`);
      const partition = partitionOf(region);
      checkAssumeRoleConfig(ctx, params.assume_role_config, event.account, partition);

      const session = await sessionsOf(ctx).open({
        account: event.account,
        region,
        remediation: readOnlySubject(read),
        executionId: ctx.executionId,
        purpose: 'read',
      });
      let result: Record<string, unknown>;
      if (read.paging && !params.disable_pagination) {
        const pages: Record<string, unknown>[] = [];
        let token: unknown;
        do {
          const input = {
            ...params.operation_parameters,
            ...(token !== undefined ? { [read.paging.inputToken]: token } : {}),
          };
          const page = plainOutput(await spec.send(session.clients, input));
          pages.push(page);
          token = page[read.paging.outputToken];
        } while (typeof token === 'string' && token !== '' && pages.length < AWS_REQUEST_MAX_PAGES);
        result = { ResultPages: pages };
      } else {
        result = plainOutput(await spec.send(session.clients, params.operation_parameters));
      }
      ctx.logger.info('AWSRequest', {
        service: read.service,
        operation: read.operation,
        account: event.account,
        region,
      });
      if (!params.save_to_vault) return result;
      const vault = ctx.deps.vault;
      if (!vault) param(ctx, 'save_to_vault', 'needs the vault, which is not configured');
      const key = `investigations/${ctx.investigationId.replace(/[^A-Za-z0-9_-]/g, '_')}/aws-request-${(ctx.deps.newId ?? randomUUID)()}.json`;
      const ref = await vault.put(key, JSON.stringify(result), 'application/json');
      return { file_id: ref.key, vault_id: `vault:${ref.key}` };
    },
  });
}

export const soclessAwsRequest = createSoclessAwsRequestIntegration();
