/**
 * remediate: runs the remediation that answers a finding, as far as the account's mode allows (off → ignored,
 * notify → notified, dry-run → planned, auto → applied and verified, or guarded). An auto run writes its
 * write-ahead record (before-state, plan, each applied call) in the `remediations` table before its first
 * call and resumes from it on a retry (see shared/remediation/runner.ts); every outcome is also the state's
 * result in the results table. Spoke sessions come from an injected factory: STS in AWS, none in the local hub
 * (plans are then built from the finding and labelled `stateSource: 'finding'`).
 *
 * Refused (outcome `ignored`, nothing read or changed): an event whose origin may not remediate
 * (`origin.mayRemediate: false`), and an `account_id` other than the event's account.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import {
  type RemediationMode,
  RemediationModeSchema,
  SEVERITY_LABELS,
  type SeverityLabel,
  type SoclessConfig,
} from '../../../shared/config.ts';
import { defineIntegration, type IntegrationContext } from '../../../shared/integration-runtime/define.ts';
import { RESULTS_RETENTION_ENV } from '../../../shared/integration-runtime/deps.ts';
import { MissingEnvironmentError } from '../../../shared/integration-runtime/errors.ts';
import { UnknownRemediationError } from '../../../shared/remediation/errors.ts';
import { externalIdFromSecret } from '../../../shared/remediation/external-id.ts';
import {
  BlastRadiusGuard,
  DEFAULT_KILL_SWITCH_PARAMETER,
  KILL_SWITCH_PARAMETER_ENV,
  type KillSwitchProblem,
  killSwitchUnreadableMetricLine,
  SsmKillSwitch,
  StaticKillSwitch,
} from '../../../shared/remediation/guard.ts';
import { type RemediationRuntime, runRemediation } from '../../../shared/remediation/runner.ts';
import { StsSpokeSessionFactory } from '../../../shared/remediation/session.ts';
import { HubSessionLedger, ledgeredSessions } from '../../../shared/remediation/session-ledger.ts';
import {
  autoAllowedIn,
  REMEDIATION_SETTINGS_ENV,
  type RemediationSettings,
  remediationSettingsFromEnv,
  remediationSettingsValue,
} from '../../../shared/remediation/settings.ts';
import {
  type Remediation,
  RemediationEventSchema,
  type RemediationOutcome,
} from '../../../shared/remediation/types.ts';
import { AccountsRepository } from '../../../shared/store/accounts.ts';
import { RemediationRecordsRepository } from '../../../shared/store/remediations.ts';
import { remediationById, remediationRegistry, remediationsFor } from '../../remediations/index.ts';

/** ARN of the hub remediation role the Lambda chains through (same name the hub stack sets). */
export const HUB_REMEDIATION_ROLE_ENV = 'SOCLESS_HUB_REMEDIATION_ROLE_ARN';
/** Secrets Manager secret (ARN or name) holding the sts:ExternalId spoke roles require (set by the hub stack). */
export const EXTERNAL_ID_SECRET_ENV = 'SOCLESS_EXTERNAL_ID_SECRET';
/** An explicit sts:ExternalId instead of the secret: only the local hub with `--aws` sets it (from config). */
export const EXTERNAL_ID_ENV = 'SOCLESS_EXTERNAL_ID';
/** `config.remediation.autoMinSeverity`. */
export const AUTO_MIN_SEVERITY_ENV = 'SOCLESS_REMEDIATION_AUTO_MIN_SEVERITY';
/** `config.remediation.maxAutoPerAccountPerHour`. */
export const MAX_AUTO_PER_ACCOUNT_ENV = 'SOCLESS_REMEDIATION_MAX_AUTO_PER_ACCOUNT_PER_HOUR';
/** `config.remediation.maxAutoPerOrgPerHour`. */
export const MAX_AUTO_PER_ORG_ENV = 'SOCLESS_REMEDIATION_MAX_AUTO_PER_ORG_PER_HOUR';

/**
 * The remediate function's environment from the configuration: the severity floor, the blast-radius budgets and
 * the per-remediation settings (which never-automatic entries config names as automatic, the Auto Scaling and
 * password policy settings). The hub stack sets it on the Lambda and the local hub on its integration
 * environment, so both run with the same values.
 */
export function remediationEnvironment(
  config: Pick<SoclessConfig['remediation'], 'autoMinSeverity' | 'maxAutoPerAccountPerHour' | 'maxAutoPerOrgPerHour'> &
    Partial<RemediationSettings>,
): Record<string, string> {
  return {
    [AUTO_MIN_SEVERITY_ENV]: config.autoMinSeverity,
    [MAX_AUTO_PER_ACCOUNT_ENV]: String(config.maxAutoPerAccountPerHour),
    [MAX_AUTO_PER_ORG_ENV]: String(config.maxAutoPerOrgPerHour),
    [REMEDIATION_SETTINGS_ENV]: remediationSettingsValue({
      autoAllowed: config.autoAllowed ?? [],
      autoAllowedByOu: config.autoAllowedByOu ?? {},
      autoAllowedByAccount: config.autoAllowedByAccount ?? {},
      isolateAutoScalingInstances: config.isolateAutoScalingInstances ?? false,
      ...(config.passwordPolicyBaseline ? { passwordPolicyBaseline: config.passwordPolicyBaseline } : {}),
    }),
  };
}

export const RemediateParameters = z.object({
  /** The normalized finding (`$.artifacts.event.details`). */
  event: z.record(z.string(), z.unknown()),
  /** A remediation id; @default the first remediation in the registry that answers the finding */
  remediation: z.string().min(1).optional(),
  /** The account to act in; must be the event's account (anything else is refused). @default the event's account */
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
  /**
   * The plan the approver saw (request_approval's `plan_hash`): when the live plan hashes differently, the run
   * is held (`plan-changed`) and nothing is applied, so the playbook can ask again with the new plan.
   */
  approved_plan_hash: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be a plan_hash (64 hex characters) from request_approval')
    .optional(),
});

/** Builds the runtime (sessions, kill switch, guard, records) for one invocation. */
export type RemediationRuntimeFactory = (ctx: IntegrationContext) => RemediationRuntime;

/** Where embedded-metric-format lines go; stdout in a Lambda (CloudWatch Logs extracts them). */
export type MetricSink = (line: string) => void;
const stdoutMetrics: MetricSink = (line) => {
  process.stdout.write(`${line}\n`);
};

/**
 * What happens when the kill switch cannot be read as on/off (missing, unreadable, another value): the run
 * treats it as on, and this logs an error and emits the metric HubMonitoring alarms on.
 */
export function reportKillSwitchProblem(
  ctx: Pick<IntegrationContext, 'logger' | 'now'>,
  parameter: string,
  metrics: MetricSink = stdoutMetrics,
): (problem: KillSwitchProblem, err: unknown) => void {
  return (problem, err) => {
    ctx.logger.error('kill switch not readable as on/off: treating it as on, no remediation is applied', {
      parameter,
      problem,
      error: String(err),
    });
    metrics(killSwitchUnreadableMetricLine(ctx.now(), problem));
  };
}

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
  const guard = new BlastRadiusGuard(ctx.deps.documentClient, ctx.tableName('remediations'), {
    maxAutoPerAccountPerHour: positiveInt(env, MAX_AUTO_PER_ACCOUNT_ENV, 10),
    maxAutoPerOrgPerHour: positiveInt(env, MAX_AUTO_PER_ORG_ENV, 100),
  });
  const base = { guard, autoMinSeverity: severity as SeverityLabel, now: ctx.now };
  const secretId = env[EXTERNAL_ID_SECRET_ENV];
  const explicit = env[EXTERNAL_ID_ENV];
  if (!secretId && !explicit) {
    if (env.AWS_LAMBDA_FUNCTION_NAME)
      throw new MissingEnvironmentError('remediate', [EXTERNAL_ID_SECRET_ENV, HUB_REMEDIATION_ROLE_ENV]);
    return { ...base, killSwitch: new StaticKillSwitch(false) };
  }
  const hubRoleArn = env[HUB_REMEDIATION_ROLE_ENV];
  const key = `${secretId ?? ''}|${explicit ? 'explicit' : ''}|${hubRoleArn ?? ''}`;
  // One factory per warm Lambda: its credential cache outlives a single invocation.
  if (cachedSessions?.key !== key) {
    const externalId = secretId ? externalIdFromSecret(new SecretsManagerClient({}), secretId) : (explicit as string);
    cachedSessions = {
      key,
      factory: new StsSpokeSessionFactory({ externalId, ...(hubRoleArn ? { hubRoleArn } : {}) }),
    };
  }
  const parameter = env[KILL_SWITCH_PARAMETER_ENV] || DEFAULT_KILL_SWITCH_PARAMETER;
  return {
    ...base,
    // Every fix session is in the ledger before it opens: its CloudTrail calls are then known as the hub's own.
    sessions: ledgeredSessions(
      cachedSessions.factory,
      new HubSessionLedger(ctx.deps.documentClient, ctx.tableName('remediations')),
    ),
    killSwitch: new SsmKillSwitch(new SSMClient({}), parameter, reportKillSwitchProblem(ctx, parameter)),
  };
};

export interface RemediateIntegrationOptions {
  /** @default runtimeFromEnvironment */
  readonly runtime?: RemediationRuntimeFactory;
  /** @default the registry with the settings of the Lambda environment (remediationRegistry) */
  readonly registry?: readonly Remediation[];
}

/** Builds the integration; the local hub and tests inject a runtime (e.g. a spoke session factory). */
export function createRemediateIntegration(options: RemediateIntegrationOptions = {}) {
  const makeRuntime = options.runtime ?? runtimeFromEnvironment;
  return defineIntegration({
    id: 'remediate',
    references: ['socless.Remediate', 'socless.remediate'],
    description: 'Runs the remediation that answers a finding in its account, as far as the account opted in.',
    parameters: RemediateParameters,
    deployment: {
      // The only integration with the remediations table (records and blast-radius counters); no delete.
      // The hub stack adds ssm:GetParameter on exactly the kill-switch parameter (spoke-assuming functions).
      tables: [
        { table: 'accounts', access: 'r' },
        { table: 'remediations', access: 'write-own' },
      ],
      assumesSpokeRoles: true,
      timeoutSeconds: 120,
    },
    async run(params, ctx) {
      const parsed = RemediationEventSchema.safeParse(params.event);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(`remediate: parameter event.${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is invalid'}`);
      }
      const event = parsed.data;
      const settings = remediationSettingsFromEnv(ctx.deps.env);
      const registry = options.registry ?? remediationRegistry(settings);
      const remediation = params.remediation
        ? remediationById(params.remediation, registry)
        : remediationsFor(event, registry)[0];
      if (!remediation) {
        throw new UnknownRemediationError(`no remediation answers ${event.source} finding "${event.kind}"`);
      }
      // The account acted in is the event's (its envelope account, or a trusted aggregator's claim checked by
      // the pipeline); a parameter cannot point the run at another one.
      if (params.account_id !== undefined && params.account_id !== event.account) {
        const outcome: RemediationOutcome = {
          id: remediation.id,
          account: event.account,
          region: event.region,
          mode: params.mode ?? 'off',
          effectiveAction: 'ignored',
          actions: [],
          held: {
            reason: 'account-mismatch',
            detail: `account_id ${params.account_id} is not the event's account ${event.account || '(none)'}: nothing was read or changed`,
          },
          undoable: remediation.undo !== undefined,
          severity: event.severity.label,
        };
        ctx.logger.warn('remediation refused', { remediation: remediation.id, reason: 'account-mismatch' });
        return {
          remediation: outcome as unknown as Record<string, unknown>,
          owner: { name: '', email: '' },
          title: remediation.title,
        };
      }
      // The registry is read at run time, so an account that opts out stops remediation at once.
      const account = await new AccountsRepository(ctx.deps.documentClient, ctx.tableName('accounts')).get(
        event.account,
      );
      const mode: RemediationMode = account?.mode ?? params.mode ?? 'off';
      const runtime = makeRuntime(ctx);
      const days = Number(ctx.deps.env[RESULTS_RETENTION_ENV] ?? 90);
      const outcome = await runRemediation(
        {
          remediation,
          event,
          mode,
          executionId: ctx.executionId,
          investigationId: ctx.investigationId,
          playbook: ctx.playbook,
          state: ctx.state,
          ...(params.approved_by ? { approvedBy: params.approved_by } : {}),
          ...(params.approved_plan_hash ? { approvedPlanHash: params.approved_plan_hash } : {}),
          autoAllowed: autoAllowedIn(settings, remediation.id, event.account, account?.ouPath ?? []),
        },
        {
          records: new RemediationRecordsRepository(ctx.deps.documentClient, ctx.tableName('remediations')),
          recordRetentionDays: Number.isFinite(days) && days > 0 ? days : 90,
          ...(ctx.deps.metrics ? { metrics: ctx.deps.metrics } : {}),
          ...runtime,
        },
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
