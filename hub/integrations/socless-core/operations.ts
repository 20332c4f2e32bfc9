/**
 * The SOCless core operations, with SOCless's parameters and result shapes (see the SOCless contract). Each
 * takes the state's resolved parameters and returns its result; bad parameters fail naming the field.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { SoclessError } from '../../../shared/errors.ts';
import {
  PLAYBOOK_EVENT_SOURCE_PREFIX,
  PlaybookEventDetailSchema,
  type PlaybookEventParent,
  playbookEventEntries,
  SoclessCreateEventsError,
} from '../../../shared/events/socless-create-events.ts';
import type { IntegrationContext } from '../../../shared/integration-runtime/define.ts';
import { IntegrationParameterError } from '../../../shared/integration-runtime/errors.ts';
import { renderLegacyContext } from '../../../shared/integration-runtime/socless-params.ts';
import { HttpClient, HttpServiceError } from '../../../shared/integrations/http.ts';
import { envList, INTEGRATION_ENV } from '../../../shared/integrations/settings.ts';
import { executionName } from '../../../shared/pipeline/execution-name.ts';
import { CustomMappingsRepository } from '../../../shared/store/custom-mappings.ts';
import { readRawText } from '../../../shared/store/events.ts';
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

/** CreateEvents cannot tie this run to its investigation, or the loop guard refuses the events. */
export class CreateEventsRefusedError extends SoclessError {
  constructor(
    readonly state: string,
    reason: string,
  ) {
    super(`state "${state}": socless_core CreateEvents: ${reason}`);
  }
}

/**
 * What the events a run creates inherit, from the events table only: the run's own event (its id must give this
 * execution's name, so a rewritten `artifacts.event.id` does not match), its investigation (the run's, and the
 * account and region the new events are in) and, when a playbook created that event too, its depth and chain.
 */
async function parentOfRun(ctx: IntegrationContext): Promise<PlaybookEventParent> {
  const refuse = (reason: string): never => {
    throw new CreateEventsRefusedError(ctx.state, reason);
  };
  const artifacts = ctx.soclessContext?.artifacts ?? ctx.artifacts ?? {};
  const eventId = (artifacts as { event?: { id?: unknown } }).event?.id;
  if (typeof eventId !== 'string' || eventId === '')
    return refuse('the execution carries no event id (artifacts.event.id)');
  const name = ctx.executionId.split(':').at(-1) ?? ctx.executionId;
  if (executionName(eventId, ctx.playbook) !== name) {
    return refuse(`execution ${name} is not the run of event ${eventId} by playbook ${ctx.playbook}`);
  }
  const table = ctx.tableName('events');
  const get = async (id: string) =>
    (await ctx.deps.documentClient.send(new GetCommand({ TableName: table, Key: { id } }))).Item as
      | Record<string, unknown>
      | undefined;
  const own = await get(eventId);
  if (!own) return refuse(`event ${eventId} is not in the events table`);
  // The pipeline writes the investigation after starting the runs: until then only a new one (its own id) is known.
  const investigationId = typeof own.investigationId === 'string' ? own.investigationId : eventId;
  if (investigationId !== ctx.investigationId) {
    return refuse(
      `the run says investigation ${ctx.investigationId}, but event ${eventId} belongs to ${investigationId}`,
    );
  }
  const investigation = investigationId === eventId ? own : await get(investigationId);
  const account = investigation?.account;
  if (typeof account !== 'string' || !/^\d{12}$/.test(account)) {
    return refuse(`investigation ${investigationId} has no stored account`);
  }
  const dedupKey = typeof own.dedupKey === 'string' && own.dedupKey !== '' ? own.dedupKey : eventId;
  const createdBy = await createdByOf(own, ctx, refuse);
  return {
    playbook: ctx.playbook,
    execution: ctx.executionId,
    investigationId,
    account,
    region: typeof investigation?.region === 'string' ? investigation.region : '',
    dedupKey,
    ...(createdBy ? { createdBy } : {}),
  };
}

/** The `createdBy` of a stored event a playbook created (read from its raw envelope), else undefined. */
async function createdByOf(
  record: Record<string, unknown>,
  ctx: IntegrationContext,
  refuse: (reason: string) => never,
): Promise<PlaybookEventParent['createdBy']> {
  // Inline, or its own item of the events table (written once, before the record).
  let text = await readRawText(ctx.deps.documentClient, ctx.tableName('events'), record);
  const ref = record.rawRef as { bucket?: unknown; key?: unknown } | undefined;
  if (text === undefined && typeof ref?.bucket === 'string' && typeof ref.key === 'string') {
    if (!ctx.deps.vault) return refuse(`event ${String(record.id)} is kept in the vault, which is not configured`);
    text = await ctx.deps.vault.get({ bucket: ref.bucket, key: ref.key });
  }
  let envelope: { source?: unknown; detail?: { createdBy?: unknown } } | undefined;
  try {
    envelope = text === undefined ? undefined : (JSON.parse(text) as typeof envelope);
  } catch {
    envelope = undefined;
  }
  if (typeof envelope?.source !== 'string' || !envelope.source.startsWith(PLAYBOOK_EVENT_SOURCE_PREFIX)) {
    return undefined;
  }
  const parsed = PlaybookEventDetailSchema.shape.createdBy.safeParse(envelope.detail?.createdBy);
  if (!parsed.success)
    return refuse(`event ${String(record.id)} was created by a playbook but its createdBy is unreadable`);
  return parsed.data;
}

/**
 * CreateEvents: one event per detail, each through the hub's bus and the endpoint like any other event (saved
 * first, deduplicated on SOCless's hash, routed), with source `socless.playbook.<playbook>`, the account of this
 * run's investigation and no right to remediate; `{completed: true}`. The parameters name no account.
 */
const createEvents: SoclessOperation = async (params, ctx) => {
  const sink = ctx.deps.eventSink;
  if (!sink) fail(ctx, '(parameters)', 'needs the hub event bus (SOCLESS_EVENT_BUS_ARN), which is not configured');
  const parent = await parentOfRun(ctx);
  let entries: ReturnType<typeof playbookEventEntries>;
  try {
    entries = playbookEventEntries(params, parent);
  } catch (err) {
    if (!(err instanceof SoclessCreateEventsError)) throw err;
    if (err.field === '(depth)') throw new CreateEventsRefusedError(ctx.state, err.message);
    return fail(ctx, err.field, err.message);
  }
  await sink.put(entries);
  return { completed: true };
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
  CreateEvents: createEvents,
};
