/**
 * The SOCless core operations, with SOCless's parameters and result shapes (see the SOCless contract). Each
 * takes the state's resolved parameters and returns its result; bad parameters fail naming the field.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { IntegrationContext } from '../../../shared/integration-runtime/define.ts';
import { IntegrationParameterError } from '../../../shared/integration-runtime/errors.ts';
import { renderLegacyContext } from '../../../shared/integration-runtime/socless-params.ts';
import { HttpClient, HttpServiceError } from '../../../shared/integrations/http.ts';
import { envList, INTEGRATION_ENV } from '../../../shared/integrations/settings.ts';
import { CustomMappingsRepository } from '../../../shared/store/custom-mappings.ts';
import { hostAllowed } from '../http-request/integration.ts';
import { setInvestigationStatus } from '../set-investigation-status/integration.ts';

type Params = Record<string, unknown>;
export type SoclessOperation = (params: Params, ctx: IntegrationContext) => Promise<Record<string, unknown>>;

function parse<S extends z.ZodType>(schema: S, params: Params, ctx: IntegrationContext): z.output<S> {
  const parsed = schema.safeParse(params);
  if (parsed.success) return parsed.data;
  const [first] = parsed.error.issues;
  throw new IntegrationParameterError({
    state: ctx.state,
    integration: `socless_core ${ctx.operation ?? ''}`.trim(),
    parameter: first?.path.join('.') || '(parameters)',
    reason: first?.message ?? 'is invalid',
  });
}

function fail(ctx: IntegrationContext, parameter: string, reason: string): never {
  throw new IntegrationParameterError({
    state: ctx.state,
    integration: `socless_core ${ctx.operation ?? ''}`.trim(),
    parameter,
    reason,
  });
}

function legacyContext(ctx: IntegrationContext): Record<string, unknown> {
  return { ...(ctx.soclessContext ?? { artifacts: ctx.artifacts ?? {}, results: {}, errors: {} }) };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** CacheResults: `{cached: entries}`; string values may use the legacy `{context.x}` syntax. */
const cacheResults: SoclessOperation = async (params, ctx) => {
  const { entries } = parse(z.object({ entries: z.record(z.string(), z.unknown()) }), params, ctx);
  const context = legacyContext(ctx);
  const cached: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entries)) {
    cached[key] =
      typeof value === 'string'
        ? renderLegacyContext(value, context, (reason) => fail(ctx, `entries.${key}`, reason))
        : value;
  }
  return { cached };
};

/**
 * Counter: a per-execution counter (loops). The previous value is `current_value` of this counter's own state
 * in the execution context (`state_name`), else `start`; the new value is one `delta` up or down from it.
 */
const counter: SoclessOperation = async (params, ctx) => {
  const p = parse(
    z.object({
      state_name: z.string().min(1),
      start: z.number().default(0),
      delta: z.number().default(1),
      direction: z.enum(['up', 'down']).default('up'),
    }),
    params,
    ctx,
  );
  const earlier = ctx.soclessContext?.results[p.state_name];
  const previous =
    isPlainObject(earlier) && typeof earlier.current_value === 'number' ? earlier.current_value : p.start;
  const current = p.direction === 'up' ? previous + p.delta : previous - p.delta;
  return { previous_value: previous, current_value: current };
};

/** SetInvestigationStatus: `{result: "success"}`, or `{result: "failure", message}` when it could not be set. */
const setStatus: SoclessOperation = async (params, ctx) => {
  const p = parse(
    z.object({
      investigation_id: z.string().min(1).optional(),
      status: z.enum(['open', 'closed', 'active', 'whitelisted']),
    }),
    params,
    ctx,
  );
  try {
    await setInvestigationStatus.run(
      {
        status: p.status,
        ...(p.investigation_id !== undefined ? { investigation_id: p.investigation_id } : {}),
      } as Parameters<typeof setInvestigationStatus.run>[0],
      ctx,
    );
    return { result: 'success' };
  } catch (err) {
    if (err instanceof IntegrationParameterError) throw err;
    return { result: 'failure', message: err instanceof Error ? err.message : String(err) };
  }
};

const addCustomMapping: SoclessOperation = async (params, ctx) => {
  const p = parse(z.object({ key: z.string().min(1).max(1024), value: z.unknown() }), params, ctx);
  if (p.value === undefined) fail(ctx, 'value', 'is required');
  const repo = new CustomMappingsRepository(ctx.deps.documentClient, ctx.tableName('custom_mappings'));
  const item = await repo.put(p.key, p.value, ctx.now().toISOString());
  return { key: item.key, value: item.value, stored: true };
};

const queryCustomMapping: SoclessOperation = async (params, ctx) => {
  const p = parse(z.object({ key: z.string().min(1).max(1024) }), params, ctx);
  const repo = new CustomMappingsRepository(ctx.deps.documentClient, ctx.tableName('custom_mappings'));
  const item = await repo.get(p.key);
  return item ? { exists: true, mapping: { key: item.key, value: item.value } } : { exists: false, mapping: {} };
};

/** MergeParallelOutput: the first output, each later one merged in (object values updated, others replaced). */
const mergeParallelOutput: SoclessOperation = async (params, ctx) => {
  const p = parse(z.object({ outputs: z.array(z.record(z.string(), z.unknown())).min(1) }), params, ctx);
  const merged: Record<string, unknown> = structuredClone(p.outputs[0] as Record<string, unknown>);
  for (const output of p.outputs.slice(1)) {
    for (const [key, value] of Object.entries(output)) {
      const before = merged[key];
      merged[key] = isPlainObject(before) && isPlainObject(value) ? { ...before, ...value } : value;
    }
  }
  return merged;
};

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * HTTPRequest: `{status_code, text, headers?, json?}`. The same host allow-list as http_request; `auth` (a
 * `[user, pass]` list or `"user,pass"`) becomes a Basic header. `raise_for_status` fails the state on 4xx/5xx.
 */
const httpRequest: SoclessOperation = async (params, ctx) => {
  const p = parse(
    z.object({
      method: z
        .string()
        .transform((m) => m.toUpperCase())
        .pipe(z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'])),
      url: z.url('must be an absolute URL'),
      raise_for_status: z.boolean().default(true),
      return_headers: z.boolean().default(false),
      auth: z.union([z.tuple([z.string(), z.string()]), z.string()]).optional(),
      headers: z.record(z.string(), z.string()).default({}),
      params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
      json: z.unknown().optional(),
      data: z.string().optional(),
      timeout: z.number().positive().max(30).optional(),
    }),
    params,
    ctx,
  );
  const url = new URL(p.url);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    fail(ctx, 'url', `must use https (got ${url.protocol})`);
  }
  if (url.username || url.password) fail(ctx, 'url', 'must not carry credentials; use auth');
  const allowed = envList(ctx.deps.env, INTEGRATION_ENV.httpAllowedHosts);
  if (!hostAllowed(url.hostname, allowed)) {
    fail(
      ctx,
      'url',
      `host ${url.hostname} is not in httpAllowedHosts (${allowed.length > 0 ? allowed.join(', ') : 'empty: add hosts to the socless configuration'})`,
    );
  }
  const headers: Record<string, string> = { ...p.headers };
  if (p.auth !== undefined) {
    const pair = Array.isArray(p.auth) ? p.auth : p.auth.split(',');
    if (pair.length !== 2) fail(ctx, 'auth', 'must be [user, password] or "user,password"');
    headers.authorization = `Basic ${Buffer.from(`${pair[0]}:${pair[1]}`).toString('base64')}`;
  }
  const client = new HttpClient({
    service: `http ${url.hostname}`,
    baseUrl: url.origin,
    ...(p.timeout !== undefined ? { timeoutMs: p.timeout * 1000 } : {}),
  });
  const query = Object.fromEntries(Object.entries(p.params).map(([k, v]) => [k, String(v)]));
  const res = await client.request({
    method: p.method,
    path: url.toString(),
    query,
    headers,
    ...(p.json !== undefined ? { json: p.json } : {}),
    ...(p.data !== undefined ? { rawBody: p.data } : {}),
  });
  if (p.raise_for_status && res.status >= 400) {
    throw new HttpServiceError(`http ${url.hostname}`, p.method, url.toString(), res.status, res.text);
  }
  return {
    status_code: res.status,
    text: res.text.slice(0, 100_000),
    ...(p.return_headers ? { headers: Object.fromEntries(res.headers.entries()) } : {}),
    ...(res.json !== undefined ? { json: res.json } : {}),
  };
};

/** SoclessLogFindings: writes `findings/Y/M/D/<playbook>/<uuid>.json` to the vault; `{file_id, full_path}`. */
const logFindings: SoclessOperation = async (params, ctx) => {
  const p = parse(
    z.object({
      investigation_escalated: z.boolean(),
      findings: z.unknown(),
      metadata: z.record(z.string(), z.unknown()).default({}),
    }),
    params,
    ctx,
  );
  const vault = ctx.deps.vault;
  if (!vault) fail(ctx, '(parameters)', 'needs the vault, which is not configured');
  const now = ctx.now();
  const date = now.toISOString().slice(0, 10).split('-').join('/');
  const fileId = `${ctx.deps.newId?.() ?? randomUUID()}.json`;
  const key = `findings/${date}/${ctx.playbook}/${fileId}`;
  const body = JSON.stringify({
    investigation_id: ctx.investigationId,
    execution_id: ctx.executionId,
    playbook: ctx.playbook,
    logged_at: now.toISOString(),
    investigation_escalated: p.investigation_escalated,
    findings: p.findings,
    metadata: p.metadata,
  });
  const ref = await vault.put(key, body);
  return { file_id: fileId, full_path: `${ref.bucket}/${ref.key}` };
};

/** Operation name (the SOCless integration name) → implementation. */
export const SOCLESS_CORE_OPERATIONS: Readonly<Record<string, SoclessOperation>> = {
  CacheResults: cacheResults,
  Counter: counter,
  SetInvestigationStatus: setStatus,
  AddCustomMapping: addCustomMapping,
  QueryCustomMapping: queryCustomMapping,
  MergeParallelOutput: mergeParallelOutput,
  HTTPRequest: httpRequest,
  SoclessLogFindings: logFindings,
};
