/**
 * Playbook tests: `playbooks/<name>/tests/*.json` cases run against the compiled playbook, locally, with the
 * integrations in-process against a fresh dynalite per case (so cases cannot leak state into each other).
 *
 * A case: `{ description, event: "<file in ../events/>" | {inline event}, account?: {id, mode, name?, email?,
 * tags?, ouPath?}, seedRegistry?: boolean, mocks?: {State: result | {error, cause}}, interactions?: {State:
 * "approve" | "reject"}, expect: {status, states, output?, results?, notifications?} }`. `expect.results` is a subset
 * of each state's saved result, by state name: what the integration returned after resolving its parameters, as
 * later states read it (`context.results.<State>`); a mocked state saves none. `expect.events` lists the events the
 * run created (SOCless CreateEvents), in order, each a subset of `{source, detailType, detail}`: they are recorded,
 * not routed. The run has the name the pipeline gives it (from the event id and the playbook), as integrations
 * that tie a run to its event check.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { RemediationModeSchema } from '../config.ts';
import type { CompiledPlaybook } from '../deploy-model.ts';
import { jsonPath, type Problem, SoclessError } from '../errors.ts';
import { normalizeEvent } from '../events/index.ts';
import type { PlaybookEventEntry } from '../events/socless-create-events.ts';
import type { Integration } from '../integration-runtime/define.ts';
import { toLambdaHandler } from '../integration-runtime/handler.ts';
import { executionInputForEvent } from '../pipeline/execution-input.ts';
import { executionName as pipelineExecutionName } from '../pipeline/execution-name.ts';
import type { IntegrationCatalog } from '../playbook/catalog.ts';
import { compilePlaybook } from '../playbook/compile.ts';
import type { PlaybookVariables } from '../playbook/dialect.ts';
import { loadPlaybookSources, type PlaybookSource } from '../playbook/loader.ts';
import { AccountsRepository } from '../store/accounts.ts';
import { ResultsRepository } from '../store/results.ts';
import { LocalCallbackStore } from './callback-store.ts';
import { startLocalDynamo } from './dynalite.ts';
import { type LocalExecutionResult, runLocalExecution } from './executor.ts';
import { createLocalDeps } from './local-deps.ts';

const StatusSchema = z.enum(['SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT']);

export const PlaybookTestCaseSchema = z
  .object({
    description: z.string().min(1, 'must say what the case checks'),
    event: z.union([
      z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\.json$/, 'must be a .json file name in the playbook events/ folder'),
      z.record(z.string(), z.unknown()),
    ]),
    account: z
      .object({
        id: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
        mode: RemediationModeSchema.default('notify'),
        name: z.string().optional(),
        email: z.string().optional(),
        tags: z.record(z.string(), z.string()).optional(),
        ouPath: z.array(z.string()).optional(),
      })
      .strict()
      .optional(),
    /** Put the account in the registry (accounts table). @default true */
    seedRegistry: z.boolean().default(true),
    mocks: z.record(z.string(), z.unknown()).default({}),
    interactions: z.record(z.string(), z.enum(['approve', 'reject'])).default({}),
    expect: z
      .object({
        status: StatusSchema,
        states: z.array(z.string()),
        output: z.unknown().optional(),
        results: z.record(z.string(), z.unknown()).optional(),
        events: z.array(z.record(z.string(), z.unknown())).optional(),
        notifications: z.array(z.record(z.string(), z.unknown())).optional(),
      })
      .strict(),
  })
  .strict();

export type PlaybookTestCase = z.output<typeof PlaybookTestCaseSchema>;

/** The outcome of one case. */
export interface PlaybookTestResult {
  readonly playbook: string;
  /** The case file. */
  readonly file: string;
  readonly description: string;
  readonly passed: boolean;
  /** What did not match, or why the case could not run. */
  readonly failures: string[];
  readonly execution?: Pick<
    LocalExecutionResult,
    'status' | 'states' | 'error' | 'cause' | 'transitions' | 'durationMs'
  >;
}

export interface PlaybookTestOptions {
  /** @default the repository's playbooks/ folder */
  readonly rootDir?: string;
  /** Playbooks to test. @default every playbook */
  readonly names?: readonly string[];
  readonly integrations: Iterable<Integration>;
  readonly catalog: IntegrationCatalog;
  /** Playbooks read by path (`socless playbook test ./path`); replaces rootDir and names. */
  readonly sources?: readonly PlaybookSource[];
  /** Stage variables of SOCless-style playbooks. */
  readonly variables?: PlaybookVariables;
}

/** The parts of `actual` that differ from the subset `expected` describes (empty when it matches). */
export function subsetMismatches(actual: unknown, expected: unknown, path = '$'): string[] {
  if (expected === null || typeof expected !== 'object') {
    return Object.is(actual, expected)
      ? []
      : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array, got ${JSON.stringify(actual)}`];
    if (actual.length !== expected.length)
      return [`${path}: expected ${expected.length} item(s), got ${actual.length}`];
    return expected.flatMap((e, i) => subsetMismatches(actual[i], e, `${path}[${i}]`));
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
    return [`${path}: expected an object, got ${JSON.stringify(actual)}`];
  }
  return Object.entries(expected).flatMap(([k, e]) =>
    Object.hasOwn(actual, k)
      ? subsetMismatches((actual as Record<string, unknown>)[k], e, jsonPath([...pathSegments(path), k]))
      : [`${jsonPath([...pathSegments(path), k])}: missing`],
  );
}

function pathSegments(path: string): PropertyKey[] {
  // Re-parse `$.a.b[0]` so nested keys print through jsonPath consistently.
  return [...path.matchAll(/\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g)].map((m) =>
    m[2] !== undefined ? Number(m[2]) : (m[1] ?? JSON.parse(`"${m[3]}"`)),
  );
}

/** Reads and validates the cases of one playbook; a bad case file yields problems naming the field. */
export function loadPlaybookTestCases(
  dir: string,
): Array<{ file: string; testCase?: PlaybookTestCase; problems: Problem[] }> {
  const testsDir = join(dir, 'tests');
  if (!existsSync(testsDir)) return [];
  return readdirSync(testsDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const file = join(testsDir, f);
      let raw: unknown;
      try {
        raw = JSON.parse(readFileSync(file, 'utf8'));
      } catch (err) {
        return { file, problems: [{ file, path: '$', reason: `is not valid JSON (${(err as Error).message})` }] };
      }
      const parsed = PlaybookTestCaseSchema.safeParse(raw);
      if (!parsed.success) {
        return {
          file,
          problems: parsed.error.issues.map((i) => ({ file, path: jsonPath(i.path), reason: i.message })),
        };
      }
      return { file, testCase: parsed.data, problems: [] };
    });
}

async function runCase(
  playbook: CompiledPlaybook,
  dir: string,
  file: string,
  testCase: PlaybookTestCase,
  integrations: readonly Integration[],
): Promise<PlaybookTestResult> {
  const base = { playbook: playbook.name, file, description: testCase.description };
  const fail = (failures: string[]): PlaybookTestResult => ({ ...base, passed: false, failures });

  let raw: unknown = testCase.event;
  if (typeof testCase.event === 'string') {
    const eventFile = join(dir, 'events', testCase.event);
    if (!existsSync(eventFile)) return fail([`${file}: $.event: ${eventFile} does not exist`]);
    raw = readFileSync(eventFile, 'utf8');
  }
  const normalized = normalizeEvent(raw);
  if (!normalized.ok) {
    return fail([
      `${file}: $.event: rejected by the normalizer: ${normalized.reason}${normalized.field ? ` (${normalized.field})` : ''}`,
    ]);
  }
  const event = normalized.events[0];
  if (!event) return fail([`${file}: $.event: the normalizer produced no event`]);
  const account = testCase.account ?? { id: event.account, mode: 'notify' as const };

  const dynamo = await startLocalDynamo();
  try {
    // Events the run creates (SOCless CreateEvents) are recorded for `expect.events`, not routed.
    const created: PlaybookEventEntry[] = [];
    const deps = {
      ...createLocalDeps({ documentClient: dynamo.client }),
      eventSink: { put: async (entries: readonly PlaybookEventEntry[]) => void created.push(...entries) },
    };
    if (testCase.seedRegistry) {
      await new AccountsRepository(dynamo.client, 'accounts').put({
        accountId: account.id,
        name: testCase.account?.name ?? `account-${account.id}`,
        email: testCase.account?.email ?? '',
        mode: account.mode,
        tags: testCase.account?.tags ?? {},
        ouPath: testCase.account?.ouPath ?? [],
      });
    }
    // The event and its open dedup record, as the endpoint leaves them before starting the playbook.
    const now = new Date();
    await dynamo.client.send(
      new PutCommand({
        TableName: 'events',
        Item: {
          id: event.id,
          status: 'dispatched',
          receivedAt: now.toISOString(),
          updatedAt: now.toISOString(),
          dedupKey: event.dedupKey,
          investigationId: event.id,
          account: account.id,
          region: event.region,
          playbooks: [playbook.name],
        },
      }),
    );
    await dynamo.client.send(
      new PutCommand({
        TableName: 'dedup',
        Item: {
          dedupKey: event.dedupKey,
          investigationId: event.id,
          status: 'open',
          openedAt: now.toISOString(),
          expiresAt: Math.floor(now.getTime() / 1000) + 86_400,
        },
      }),
    );

    const executionName = pipelineExecutionName(event.id, playbook.name);
    const input = executionInputForEvent(event, {
      playbook: playbook.name,
      executionName,
      account: { id: account.id, mode: account.mode },
    });
    const callbacks = new LocalCallbackStore();
    callbacks.onPending((p) => {
      const decision = testCase.interactions[p.state];
      if (decision) callbacks.answer(p.id, decision, 'playbook-test');
      else callbacks.fail(p.id, 'States.Timeout', `no answer for Interaction "${p.state}" in the test case`);
    });
    const handlers = new Map(integrations.map((i) => [i.id, toLambdaHandler(i, deps)]));
    const result = await runLocalExecution(playbook.definition, input, {
      handlers,
      mocks: testCase.mocks,
      callbacks,
      stateMachineName: playbook.name,
      executionName,
    });

    const failures: string[] = [];
    const want = testCase.expect;
    if (result.status !== want.status) {
      failures.push(
        `status: expected ${want.status}, got ${result.status}${result.error ? ` (${result.error}: ${result.cause ?? ''})` : ''}`,
      );
    }
    if (JSON.stringify(result.states) !== JSON.stringify(want.states)) {
      failures.push(`states: expected ${want.states.join(' → ')}, got ${result.states.join(' → ') || '(none)'}`);
    }
    if (want.output !== undefined) {
      failures.push(...subsetMismatches(result.output, want.output).map((m) => `output ${m}`));
    }
    if (want.results !== undefined) {
      const saved = await new ResultsRepository(dynamo.client, 'results').listByExecution(result.executionArn);
      for (const [state, expected] of Object.entries(want.results)) {
        const record = saved.find((r) => r.state === state);
        if (!record) failures.push(`results.${state}: no result was saved for it`);
        else failures.push(...subsetMismatches(record.result, expected, `$.${state}`).map((m) => `results ${m}`));
      }
    }
    if (want.events !== undefined) {
      const events = created.map((e) => ({ source: e.Source, detailType: e.DetailType, detail: JSON.parse(e.Detail) }));
      if (events.length !== want.events.length) {
        failures.push(`events: expected ${want.events.length} created, got ${events.length}`);
      }
      want.events.forEach((e, i) => {
        failures.push(...subsetMismatches(events[i], e, `$[${i}]`).map((m) => `events ${m}`));
      });
    }
    if (want.notifications !== undefined) {
      const sent = deps.notifier.sent;
      if (sent.length !== want.notifications.length) {
        failures.push(`notifications: expected ${want.notifications.length}, got ${sent.length}`);
      }
      want.notifications.forEach((n, i) => {
        failures.push(...subsetMismatches(sent[i], n, `$[${i}]`).map((m) => `notifications ${m}`));
      });
    }
    return {
      ...base,
      passed: failures.length === 0,
      failures,
      execution: {
        status: result.status,
        states: result.states,
        transitions: result.transitions,
        durationMs: result.durationMs,
        ...(result.error ? { error: result.error } : {}),
        ...(result.cause ? { cause: result.cause } : {}),
      },
    };
  } finally {
    await dynamo.close();
  }
}

/** Runs the cases of the selected playbooks; never throws for a failing case, only for unknown names. */
export async function runPlaybookTests(options: PlaybookTestOptions): Promise<PlaybookTestResult[]> {
  const sources = options.sources ?? loadPlaybookSources(options.rootDir);
  const names = options.sources ? [] : (options.names ?? []);
  const unknown = names.filter((n) => !sources.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new SoclessError(
      `unknown playbook(s): ${unknown.join(', ')}; known: ${sources.map((s) => s.name).join(', ')}`,
    );
  }
  const integrations = [...options.integrations];
  const results: PlaybookTestResult[] = [];
  for (const source of sources) {
    if (names.length > 0 && !names.includes(source.name)) continue;
    const cases = loadPlaybookTestCases(source.dir);
    if (cases.length === 0) continue;
    const compiled = compilePlaybook(source, {
      integrations: options.catalog,
      ...(options.variables ? { variables: options.variables } : {}),
    });
    // A playbook that does not compile fails every case; its problems are told once, with the first case.
    let toldCompileProblems: string | undefined;
    for (const c of cases) {
      const description = c.testCase?.description ?? basename(c.file);
      if (!compiled.ok) {
        results.push({
          playbook: source.name,
          file: c.file,
          description,
          passed: false,
          failures: toldCompileProblems
            ? [`not run: the playbook does not compile (the problems are listed under ${toldCompileProblems})`]
            : compiled.problems.map((p) => `does not compile: ${p.file}: ${p.path}: ${p.reason}`),
        });
        toldCompileProblems ??= basename(c.file);
        continue;
      }
      if (!c.testCase) {
        results.push({
          playbook: source.name,
          file: c.file,
          description,
          passed: false,
          failures: c.problems.map((p) => `${p.file}: ${p.path}: ${p.reason}`),
        });
        continue;
      }
      results.push(await runCase(compiled.playbook, source.dir, c.file, c.testCase, integrations));
    }
  }
  return results;
}
