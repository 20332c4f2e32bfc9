/**
 * remediate: runs the remediation that answers a finding, as far as the account's mode allows (off → ignored,
 * notify → notified, dry-run → planned, auto → applied and verified, or guarded), and records before-state,
 * calls and after-state in the results table. Spoke sessions come from an injected factory: STS in AWS, none
 * in the local hub (plans are then built from the finding and labelled `stateSource: 'finding'`).
 */
import { SSMClient } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import {
  type RemediationMode,
  RemediationModeSchema,
  SEVERITY_LABELS,
  type SeverityLabel,
} from '../../../shared/config.ts';
import { defineIntegration, type IntegrationContext } from '../../../shared/integration-runtime/define.ts';
import { RESULTS_RETENTION_ENV } from '../../../shared/integration-runtime/deps.ts';
import { MissingEnvironmentError } from '../../../shared/integration-runtime/errors.ts';
import { UnknownRemediationError } from '../../../shared/remediation/errors.ts';
import {
  BlastRadiusGuard,
  DEFAULT_KILL_SWITCH_PARAMETER,
  KILL_SWITCH_PARAMETER_ENV,
  SsmKillSwitch,
  StaticKillSwitch,
} from '../../../shared/remediation/guard.ts';
import { saveRemediationRecord } from '../../../shared/remediation/record.ts';
import { type RemediationRuntime, runRemediation } from '../../../shared/remediation/runner.ts';
import { StsSpokeSessionFactory } from '../../../shared/remediation/session.ts';
import { type Remediation, RemediationEventSchema } from '../../../shared/remediation/types.ts';
import { AccountsRepository } from '../../../shared/store/accounts.ts';
import { ResultsRepository } from '../../../shared/store/results.ts';
import { REMEDIATIONS, remediationById, remediationsFor } from '../../remediations/index.ts';

/** ARN of the hub remediation role the Lambda chains through (same name the hub stack sets). */
export const HUB_REMEDIATION_ROLE_ENV = 'SOCLESS_HUB_REMEDIATION_ROLE_ARN';
/** sts:ExternalId spoke roles require (same name the hub stack sets). */
export const EXTERNAL_ID_ENV = 'SOCLESS_EXTERNAL_ID';
/** `config.remediation.autoMinSeverity`. */
export const AUTO_MIN_SEVERITY_ENV = 'SOCLESS_REMEDIATION_AUTO_MIN_SEVERITY';
/** `config.remediation.maxAutoPerAccountPerHour`. */
export const MAX_AUTO_PER_ACCOUNT_ENV = 'SOCLESS_REMEDIATION_MAX_AUTO_PER_ACCOUNT_PER_HOUR';
/** `config.remediation.maxAutoPerOrgPerHour`. */
export const MAX_AUTO_PER_ORG_ENV = 'SOCLESS_REMEDIATION_MAX_AUTO_PER_ORG_PER_HOUR';

export const RemediateParameters = z.object({
  /** The normalized finding (`$.artifacts.event.details`). */
  event: z.record(z.string(), z.unknown()),
  /** A remediation id; @default the first remediation in the registry that answers the finding */
  remediation: z.string().min(1).optional(),
  /** The account to act in. @default the finding's account */
  account_id: z
    .string()
    .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
    .optional(),
  /** The account's mode when the registry does not know it (`$.artifacts.account.mode`). @default off */
  mode: RemediationModeSchema.optional(),
  /**
   * Who approved the fix (the answer of a request_approval Interaction). A notify-mode account is then
   * remediated once as auto, without the severity floor, still held by the kill switch, never-auto and the
   * blast-radius guard (see runRemediation).
   */
  approved_by: z.string().min(1).max(256).optional(),
});

/** Builds the runtime (sessions, kill switch, guard) for one invocation. */
export type RemediationRuntimeFactory = (ctx: IntegrationContext) => RemediationRuntime;

function positiveInt(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`remediate: ${name} must be a positive integer, not "${raw}"`);
  return n;
}

let cachedSessions: { key: string; factory: StsSpokeSessionFactory } | undefined;

/**
 * The runtime from the Lambda environment: STS sessions (chained through the hub role) when the external id is
 * set; none otherwise, which is the local hub. A deployed Lambda without it fails, naming the variables.
 */
export const runtimeFromEnvironment: RemediationRuntimeFactory = (ctx) => {
  const env = ctx.deps.env;
  const severity = env[AUTO_MIN_SEVERITY_ENV] ?? 'HIGH';
  if (!(SEVERITY_LABELS as readonly string[]).includes(severity)) {
    throw new Error(
      `remediate: ${AUTO_MIN_SEVERITY_ENV} must be one of ${SEVERITY_LABELS.join(', ')}, not "${severity}"`,
    );
  }
  const guard = new BlastRadiusGuard(ctx.deps.documentClient, ctx.tableName('results'), {
    maxAutoPerAccountPerHour: positiveInt(env, MAX_AUTO_PER_ACCOUNT_ENV, 10),
    maxAutoPerOrgPerHour: positiveInt(env, MAX_AUTO_PER_ORG_ENV, 100),
  });
  const base = { guard, autoMinSeverity: severity as SeverityLabel, now: ctx.now };
  const externalId = env[EXTERNAL_ID_ENV];
  if (!externalId) {
    if (env.AWS_LAMBDA_FUNCTION_NAME)
      throw new MissingEnvironmentError('remediate', [EXTERNAL_ID_ENV, HUB_REMEDIATION_ROLE_ENV]);
    return { ...base, killSwitch: new StaticKillSwitch(false) };
  }
  const hubRoleArn = env[HUB_REMEDIATION_ROLE_ENV];
  const key = `${externalId}|${hubRoleArn ?? ''}`;
  // One factory per warm Lambda: its credential cache outlives a single invocation.
  if (cachedSessions?.key !== key) {
    cachedSessions = {
      key,
      factory: new StsSpokeSessionFactory({ externalId, ...(hubRoleArn ? { hubRoleArn } : {}) }),
    };
  }
  return {
    ...base,
    sessions: cachedSessions.factory,
    killSwitch: new SsmKillSwitch(
      new SSMClient({}),
      env[KILL_SWITCH_PARAMETER_ENV] || DEFAULT_KILL_SWITCH_PARAMETER,
      (err) => ctx.logger.error('kill switch unreadable: treating it as on', { error: String(err) }),
    ),
  };
};

export interface RemediateIntegrationOptions {
  /** @default runtimeFromEnvironment */
  readonly runtime?: RemediationRuntimeFactory;
  /** @default REMEDIATIONS */
  readonly registry?: readonly Remediation[];
}

/** Builds the integration; the local hub and tests inject a runtime (e.g. a spoke session factory). */
export function createRemediateIntegration(options: RemediateIntegrationOptions = {}) {
  const registry = options.registry ?? REMEDIATIONS;
  const makeRuntime = options.runtime ?? runtimeFromEnvironment;
  return defineIntegration({
    id: 'remediate',
    references: ['socless.Remediate', 'socless.remediate'],
    description: 'Runs the remediation that answers a finding in its account, as far as the account opted in.',
    parameters: RemediateParameters,
    deployment: {
      tables: [
        { table: 'accounts', access: 'r' },
        { table: 'results', access: 'rw' },
      ],
      assumesSpokeRoles: true,
      statements: [
        { actions: ['ssm:GetParameter'], resources: [`arn:aws:ssm:*:*:parameter${DEFAULT_KILL_SWITCH_PARAMETER}`] },
      ],
      timeoutSeconds: 120,
    },
    async run(params, ctx) {
      const parsed = RemediationEventSchema.safeParse(params.event);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(`remediate: parameter event.${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is invalid'}`);
      }
      const event = { ...parsed.data, account: params.account_id ?? parsed.data.account };
      const remediation = params.remediation
        ? remediationById(params.remediation, registry)
        : remediationsFor(event, registry)[0];
      if (!remediation) {
        throw new UnknownRemediationError(`no remediation answers ${event.source} finding "${event.kind}"`);
      }
      // The registry is read at run time, so an account that opts out stops remediation at once.
      const account = await new AccountsRepository(ctx.deps.documentClient, ctx.tableName('accounts')).get(
        event.account,
      );
      const mode: RemediationMode = account?.mode ?? params.mode ?? 'off';
      const outcome = await runRemediation(
        {
          remediation,
          event,
          mode,
          executionId: ctx.executionId,
          ...(params.approved_by ? { approvedBy: params.approved_by } : {}),
        },
        makeRuntime(ctx),
      );
      const savedAt = ctx.now().toISOString();
      const days = Number(ctx.deps.env[RESULTS_RETENTION_ENV] ?? 90);
      await saveRemediationRecord(
        new ResultsRepository(ctx.deps.documentClient, ctx.tableName('results')),
        {
          executionId: ctx.executionId,
          state: ctx.state,
          playbook: ctx.playbook,
          investigationId: ctx.investigationId,
          savedAt,
          expiresAt: Math.floor(Date.parse(savedAt) / 1000) + Math.round((days > 0 ? days : 90) * 86_400),
        },
        outcome,
      );
      ctx.logger.info('remediation', {
        remediation: outcome.id,
        account: outcome.account,
        mode,
        effectiveAction: outcome.effectiveAction,
        calls: outcome.actions.length,
      });
      return {
        remediation: outcome as unknown as Record<string, unknown>,
        owner: { name: account?.name ?? '', email: account?.email ?? '' },
        title: remediation.title,
      };
    },
  });
}

export const remediate = createRemediateIntegration();
