/**
 * The wrapper every integration Lambda runs through (SOCless's bootstrap, improved): validate the
 * invocation, resolve parameters, validate them with the integration's schema, run, offload a large result
 * to the vault, save the result, and raise typed errors whose names Step Functions matches.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { TableAccess } from '../deploy-model.ts';
import { jsonPath } from '../errors.ts';
import { METRICS } from '../metrics/catalog.ts';
import { emit } from '../metrics/emf.ts';
import { ResultsRepository, resultStateKey, type StateResultRecord } from '../store/results.ts';
import { TABLES, type TableKey } from '../tables.ts';
import type { Integration, IntegrationContext } from './define.ts';
import { type IntegrationDeps, NOTIFY_TOPIC_ENV, RESULTS_RETENTION_ENV, VAULT_BUCKET_ENV } from './deps.ts';
import { IntegrationParameterError, MissingEnvironmentError } from './errors.ts';
import { parseInvocation } from './invocation.ts';
import { resolveSoclessParameters } from './socless-params.ts';
import { resolveParameters } from './templates.ts';
import type { VaultPointer } from './vault.ts';

/** Results larger than this (UTF-8 JSON bytes) go to the vault; Step Functions caps a state's data at 256 KB. */
export const OFFLOAD_THRESHOLD_BYTES = 200 * 1024;
const DEFAULT_RETENTION_DAYS = 90;

/** The part of the Lambda context the wrapper reads. */
export interface InvocationContext {
  readonly awsRequestId?: string;
}

/** A Lambda handler of one integration. */
export type IntegrationHandler = (event: unknown, context?: InvocationContext) => Promise<Record<string, unknown>>;

/**
 * Tables an integration uses, plus the results table every wrapper writes: `write-own` (put and update its
 * own items, read them back; no delete, no batch write). An integration cannot ask for more on it.
 */
export function integrationTables(integration: Integration): Array<{ table: TableKey; access: TableAccess }> {
  const tables = new Map<TableKey, TableAccess>();
  for (const t of integration.deployment.tables) {
    if (t.table === 'results' && t.access === 'rw') {
      throw new Error(
        `integration ${integration.id} declares the results table "rw": integrations get "write-own" on it (the wrapper writes their results)`,
      );
    }
    tables.set(t.table, t.access);
  }
  tables.set('results', 'write-own');
  return [...tables].map(([table, access]) => ({ table, access }));
}

/** Every environment variable the wrapper and the integration need. */
export function requiredEnvironment(integration: Integration): string[] {
  const names = new Set<string>([VAULT_BUCKET_ENV]);
  for (const t of integrationTables(integration)) names.add(TABLES[t.table].envVar);
  for (const name of integration.environment ?? []) names.add(name);
  return [...names];
}

function assertEnvironment(integration: Integration, deps: IntegrationDeps): void {
  const missing = requiredEnvironment(integration).filter((name) => !deps.env[name]);
  if (!deps.vault && !missing.includes(VAULT_BUCKET_ENV)) missing.push(`${VAULT_BUCKET_ENV} (no vault client)`);
  if (
    (integration.environment ?? []).includes(NOTIFY_TOPIC_ENV) &&
    !deps.notifier &&
    !missing.includes(NOTIFY_TOPIC_ENV)
  ) {
    missing.push(`${NOTIFY_TOPIC_ENV} (no notifier)`);
  }
  if (missing.length > 0) throw new MissingEnvironmentError(integration.id, missing);
}

/**
 * Each state's latest successful result of an execution, as socless_python's execution context holds them, plus
 * `_Last_Saved_Results`. An offloaded result stays a vault pointer (templates read through it).
 */
function storedResults(records: readonly StateResultRecord[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let last: StateResultRecord | undefined;
  for (const r of [...records].sort((a, b) => a.savedAt.localeCompare(b.savedAt))) {
    if (r.status !== 'succeeded') continue;
    out[r.state] = r.resultRef ? { vault_ref: r.resultRef, offloaded: true } : r.result;
    last = r;
  }
  if (last) out._Last_Saved_Results = out[last.state];
  return out;
}

function errorSummary(err: unknown): { name: string; message: string } {
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

/**
 * Builds the Lambda handler of an integration. Checks the environment now (cold start), so a Lambda with a
 * missing variable fails at init with a message naming it rather than at its first event.
 */
export function toLambdaHandler(integration: Integration, deps: IntegrationDeps): IntegrationHandler {
  assertEnvironment(integration, deps);
  const env = deps.env;
  const logger = deps.logger;
  const now = deps.now ?? (() => new Date());
  const newId = deps.newId ?? randomUUID;
  const vault = deps.vault;
  const results = new ResultsRepository(deps.documentClient, env[TABLES.results.envVar] as string);
  const retentionDays = Number(env[RESULTS_RETENTION_ENV] ?? DEFAULT_RETENTION_DAYS);
  const declared = new Set(integration.deployment.tables.map((t) => t.table));

  return async (event, lambdaContext) => {
    const invocation = parseInvocation(integration.id, event);
    const meta = invocation._socless;
    const invocationId = lambdaContext?.awsRequestId ?? newId();
    logger.appendKeys({
      execution_id: meta.execution_id,
      investigation_id: meta.investigation_id,
      playbook: meta.playbook,
      state: meta.state,
      integration: integration.id,
    });
    const started = now();
    const record = {
      executionId: meta.execution_id,
      state: meta.state,
      playbook: meta.playbook,
      integration: integration.id,
      investigationId: meta.investigation_id,
      expiresAt:
        Math.floor(started.getTime() / 1000) +
        Math.round(
          (Number.isFinite(retentionDays) && retentionDays > 0 ? retentionDays : DEFAULT_RETENTION_DAYS) * 86_400,
        ),
    };
    try {
      const compat = meta.compat === 'socless';
      const soclessContext = compat
        ? {
            artifacts: invocation.context?.artifacts ?? {},
            results: {
              ...storedResults(await results.listByExecution(meta.execution_id)),
              ...(invocation.context?.results ?? {}),
            },
            errors: invocation.context?.errors ?? {},
          }
        : undefined;
      const resolved = soclessContext
        ? await resolveSoclessParameters(invocation.parameters, {
            state: meta.state,
            integration: integration.id,
            context: { ...soclessContext, execution_id: meta.execution_id.split(':').at(-1) ?? meta.execution_id },
            templatePaths: meta.templates ?? [],
            secretParameters: integration.secretParameters ?? [],
            secrets: deps.secrets,
            ...(vault ? { vault } : {}),
            now,
          })
        : await resolveParameters(invocation.parameters, {
            state: meta.state,
            integration: integration.id,
            ...(invocation.context ? { context: invocation.context } : {}),
            ...(meta.templates ? { templatePaths: meta.templates } : {}),
            secretParameters: integration.secretParameters ?? [],
            vaultParameters: integration.vaultParameters ?? [],
            secrets: deps.secrets,
            ...(vault ? { vault } : {}),
          });
      const parsed = (integration.parameters as z.ZodType).safeParse(resolved);
      if (!parsed.success) {
        const [first] = parsed.error.issues;
        throw new IntegrationParameterError({
          state: meta.state,
          integration: integration.id,
          parameter: jsonPath(first?.path ?? []).replace(/^\$\.?/, '') || '(parameters)',
          reason: parsed.error.issues
            .map((i, n) => `${n === 0 ? '' : `; ${jsonPath(i.path).replace(/^\$\.?/, '')}: `}${i.message}`)
            .join(''),
        });
      }
      const ctx: IntegrationContext = {
        integration: integration.id,
        state: meta.state,
        playbook: meta.playbook,
        executionId: meta.execution_id,
        investigationId: meta.investigation_id,
        ...(invocation.task_token ? { taskToken: invocation.task_token } : {}),
        ...(invocation.context ? { artifacts: invocation.context.artifacts } : {}),
        ...(meta.operation !== undefined ? { operation: meta.operation } : {}),
        ...(soclessContext ? { soclessContext } : {}),
        logger,
        deps,
        now,
        tableName: (table) => {
          if (!declared.has(table)) {
            throw new Error(`integration ${integration.id} did not declare table "${table}" in deployment.tables`);
          }
          return env[TABLES[table].envVar] as string;
        },
      };
      const result = await integration.run(parsed.data, ctx);
      const json = JSON.stringify(result);
      const bytes = Buffer.byteLength(json, 'utf8');
      let output: Record<string, unknown> = result;
      let resultRef: VaultPointer['vault_ref'] | undefined;
      if (bytes > OFFLOAD_THRESHOLD_BYTES && vault) {
        const executionName = meta.execution_id.split(':').at(-1) ?? meta.execution_id;
        resultRef = await vault.put(`results/${executionName}/${meta.state}/${invocationId}.json`, json);
        output = { vault_ref: resultRef, offloaded: true, bytes };
        logger.info('result offloaded to the vault', { bytes, key: resultRef.key });
      }
      const savedAt = now().toISOString();
      await results.save({
        ...record,
        stateKey: resultStateKey(meta.state, savedAt, invocationId),
        savedAt,
        status: 'succeeded',
        ...(resultRef ? { resultRef } : { result }),
      });
      logger.info('state succeeded', { ms: now().getTime() - started.getTime() });
      // SOCless data: the latest result both under its state's name and flattened (it replaces `results`).
      return compat ? { [meta.state]: output, ...output } : output;
    } catch (err) {
      const error = errorSummary(err);
      logger.error('state failed', { error });
      // One metric for every integration; the integration id (the deployed one) is a property for Logs Insights.
      emit(
        deps.metrics,
        {
          metric: METRICS.integrationFailures,
          value: 1,
          properties: { Integration: integration.id, error: error.name, playbook: meta.playbook, state: meta.state },
        },
        now(),
      );
      const savedAt = now().toISOString();
      try {
        await results.save({
          ...record,
          stateKey: resultStateKey(meta.state, savedAt, invocationId),
          savedAt,
          status: 'failed',
          error,
        });
      } catch (saveErr) {
        // The state's own error matters more than the audit record: log and rethrow the original.
        logger.error('could not save the failure record', { error: errorSummary(saveErr) });
      }
      throw err;
    } finally {
      logger.resetKeys();
    }
  };
}
