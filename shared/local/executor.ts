/**
 * Runs compiled ASL locally with aws-local-stepfunctions: the same definition CDK deploys, with every
 * `${fn_x}` Lambda ARN mapped to the in-process integration handler (the very same wrapper as in AWS).
 *
 * Every Task is given a local handler, so nothing ever calls AWS; a Task on a resource with no local
 * implementation fails with `Local.UnsupportedResource` unless a mock replaces it.
 */
import '../polyfills.ts';
import { randomUUID } from 'node:crypto';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import type { IntegrationHandler } from '../integration-runtime/handler.ts';
import {
  soclessConfirmationOutput,
  soclessResponseOutput,
  soclessStateOutput,
} from '../integrations/socless-answers.ts';
import { INTERACTION_REJECTED_ERROR, type LocalCallbackStore } from './callback-store.ts';

export const LOCAL_ACCOUNT_ID = '000000000000';
export const WAIT_FOR_TASK_TOKEN = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
/** setTimeout overflows past 2^31-1 ms; an Interaction without TimeoutSeconds waits this long locally. */
const LOCAL_MAX_TASK_SECONDS = 20 * 86_400;
type TaskHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type TaskHandler = TaskHandlers[string];
const PLACEHOLDER = /\$\{fn_([A-Za-z0-9_]+)\}/g;
/** Catalog ids of `integrations.external` entries start with this (see externalIntegrationId). */
const EXTERNAL_ID_PREFIX = 'ext_';

/** A per-state mock: a result, or an error the state fails with. */
export type StateMock = { readonly error: string; readonly cause?: string } | unknown;

export interface LocalExecutionOptions {
  /** Integration id → handler (built with `toLambdaHandler` and local deps). */
  readonly handlers: ReadonlyMap<string, IntegrationHandler>;
  /** State name → result (or `{error, cause}`) that replaces the call. */
  readonly mocks?: Readonly<Record<string, StateMock>>;
  /** Needed when the playbook has an Interaction. */
  readonly callbacks?: LocalCallbackStore;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default the definition's name or 'local' */
  readonly stateMachineName?: string;
  /** @default a random id */
  readonly executionName?: string;
  /** Milliseconds every retry waits. @default 0 */
  readonly retryIntervalMs?: number;
  /** Milliseconds every Wait state waits; undefined keeps the definition's times. @default 0 */
  readonly waitTimeMs?: number | undefined;
  readonly signal?: AbortSignal;
  /** Called with each state event as it happens (what Step Functions' execution history records). */
  readonly onStateEvent?: (event: LocalStateEvent) => void;
}

/** One state event of a local run: entered (with its input), exited (with its output), failed, retried, caught. */
export interface LocalStateEvent {
  readonly type: 'StateEntered' | 'StateExited' | 'StateFailed' | 'StateRetried' | 'StateCaught';
  readonly state: string;
  readonly at: string;
  readonly input?: unknown;
  readonly output?: unknown;
  readonly error?: { readonly name: string; readonly message: string };
  /** The Map iteration the state ran in, for states inside a Map. */
  readonly index?: number;
}

export type LocalExecutionStatus = 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

export interface LocalExecutionResult {
  readonly status: LocalExecutionStatus;
  readonly executionArn: string;
  /** Every state entered, in order (a retried state once per attempt is not repeated: entries only). */
  readonly states: string[];
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /**
   * For a failed run: the last Task that failed, with its own error and message. A playbook's TaskFailureHandler
   * ends in a Fail state whose cause only points at the history; this is what the history would show.
   */
  readonly failure?: { readonly state: string; readonly error: string; readonly cause: string };
  /** State transitions as Step Functions Standard bills them: one per state entered. */
  readonly transitions: number;
  readonly durationMs: number;
}

// Validating a definition costs ~0.5 s (the validator compiles its schema each time): validate each
// distinct definition once and reuse the machine, which keeps no state between runs.
const MACHINES = new Map<string, StateMachine>();
const MAX_CACHED_MACHINES = 64;

function machineFor(definition: Record<string, unknown>): StateMachine {
  const key = JSON.stringify(definition);
  let machine = MACHINES.get(key);
  if (!machine) {
    machine = new StateMachine(definition as unknown as StateMachineDefinition, {
      validationOptions: { checkArn: true, checkPaths: true },
    });
    if (MACHINES.size >= MAX_CACHED_MACHINES) MACHINES.delete(MACHINES.keys().next().value as string);
    MACHINES.set(key, machine);
  }
  return machine;
}

/** The local ARN of an integration's Lambda. */
export function localFunctionArn(integrationId: string, region = 'us-east-1'): string {
  return `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:socless-${integrationId}`;
}

function isErrorMock(mock: unknown): mock is { error: string; cause?: string } {
  if (typeof mock !== 'object' || mock === null || Array.isArray(mock)) return false;
  const keys = Object.keys(mock);
  return (
    typeof (mock as Record<string, unknown>).error === 'string' && keys.every((k) => k === 'error' || k === 'cause')
  );
}

/** An error as Step Functions reports a failed Lambda: the name is the error, the cause Lambda's JSON. */
function lambdaError(err: unknown): Error {
  const name = err instanceof Error ? err.name : 'Error';
  const message = err instanceof Error ? err.message : String(err);
  const out = new Error(JSON.stringify({ errorType: name, errorMessage: message }));
  out.name = name;
  return out;
}

/** The message of a task error; a Lambda error's JSON cause is unwrapped to its `errorMessage`. */
function causeText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  try {
    const parsed = JSON.parse(message) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Not JSON: the message is the cause.
  }
  return message;
}

/**
 * A mock is written as the integration's own result. In a SOCless-style playbook a built-in returns it as
 * `{<State>: r, ...r}` and an external returns the whole context with it in `results`: shape the mock the same
 * way, so test cases stay written in the integration's terms.
 */
function soclessMockResult(state: string, taskInput: unknown, mock: unknown): unknown {
  if (typeof mock !== 'object' || mock === null || Array.isArray(mock)) return mock;
  const input = (taskInput ?? {}) as Record<string, unknown>;
  const payload = (input.Payload ?? input) as Record<string, unknown>;
  const flattened = { [state]: mock, ...(mock as Record<string, unknown>) };
  if ((payload._socless as Record<string, unknown> | undefined)?.compat === 'socless') return flattened;
  if (typeof payload.State_Config === 'object' && payload.State_Config !== null) {
    return { artifacts: payload.artifacts, results: flattened, errors: payload.errors ?? {} };
  }
  return mock;
}

function namedError(name: string, cause: string): Error {
  const err = new Error(cause);
  err.name = name;
  return err;
}

type JsonObject = Record<string, unknown>;

/** Visits every state, including those inside Parallel branches and Map iterators. */
function forEachState(definition: JsonObject, visit: (name: string, state: JsonObject) => void): void {
  const states = (definition.States ?? {}) as Record<string, JsonObject>;
  for (const [name, state] of Object.entries(states)) {
    visit(name, state);
    for (const branch of (state.Branches as JsonObject[] | undefined) ?? []) forEachState(branch, visit);
    const inner = (state.ItemProcessor ?? state.Iterator) as JsonObject | undefined;
    if (inner) forEachState(inner, visit);
  }
}

/**
 * Runs one execution to the end and reports what happened. Never throws for an execution failure: a failed,
 * aborted or timed-out run is a result.
 */
export async function runLocalExecution(
  definition: Record<string, unknown>,
  input: unknown,
  options: LocalExecutionOptions,
): Promise<LocalExecutionResult> {
  const region = options.region ?? 'us-east-1';
  const arnToId = new Map<string, string>();
  const text = JSON.stringify(definition).replace(PLACEHOLDER, (_m, id: string) => {
    const arn = localFunctionArn(id, region);
    arnToId.set(arn, id);
    return arn;
  });
  const local = JSON.parse(text) as JsonObject;
  const machineName = options.stateMachineName ?? 'local';
  const executionName = options.executionName ?? randomUUID();
  const executionArn = `arn:aws:states:${region}:${LOCAL_ACCOUNT_ID}:execution:${machineName}:${executionName}`;

  const handlerFor = (arn: unknown, state: string): IntegrationHandler => {
    const id = typeof arn === 'string' ? arnToId.get(arn) : undefined;
    const handler = id ? options.handlers.get(id) : undefined;
    if (id?.startsWith(EXTERNAL_ID_PREFIX) && !handler) {
      // An external integration is someone else's Lambda: locally it can only be mocked.
      throw namedError(
        'Local.ExternalIntegration',
        `state "${state}" calls the external integration "${id.slice(EXTERNAL_ID_PREFIX.length)}" (${id}), which cannot run locally: give the test case a mock for "${state}" (a result, or {"error": …, "cause": …})`,
      );
    }
    if (!id || !handler) {
      throw namedError('Local.UnsupportedResource', `state "${state}": no local integration for ${String(arn)}`);
    }
    return handler;
  };

  const taskHandlers: TaskHandlers = {};
  let lastFailure: LocalExecutionResult['failure'];
  const retryOverrides: Record<string, number> = {};
  const waitOverrides: Record<string, number> = {};
  const waitMs = 'waitTimeMs' in options ? options.waitTimeMs : 0;

  forEachState(local, (name, state) => {
    if (Array.isArray(state.Retry)) retryOverrides[name] = options.retryIntervalMs ?? 0;
    if (state.Type === 'Wait' && waitMs !== undefined) waitOverrides[name] = waitMs;
    if (state.Type !== 'Task') return;
    const resource = String(state.Resource);
    if (
      resource === WAIT_FOR_TASK_TOKEN &&
      state.TimeoutSeconds === undefined &&
      state.TimeoutSecondsPath === undefined
    ) {
      // The library enforces a 60 s default; a human needs longer (AWS's default is the execution's limit).
      state.TimeoutSeconds = LOCAL_MAX_TASK_SECONDS;
    }
    const run = async (taskInput: unknown): Promise<unknown> => {
      try {
        return await runTask(taskInput);
      } catch (err) {
        lastFailure = { state: name, error: (err as Error).name ?? 'Error', cause: causeText(err) };
        throw err;
      }
    };
    const runTask = async (taskInput: unknown): Promise<unknown> => {
      if (options.mocks && Object.hasOwn(options.mocks, name)) {
        const mock = options.mocks[name];
        if (isErrorMock(mock)) throw namedError(mock.error, mock.cause ?? '');
        return soclessMockResult(name, taskInput, structuredClone(mock));
      }
      if (resource === WAIT_FOR_TASK_TOKEN) return runInteraction(name, taskInput as JsonObject);
      if (resource === LAMBDA_INVOKE) {
        const { FunctionName, Payload } = taskInput as JsonObject;
        const handler = handlerFor(FunctionName, name);
        try {
          return { StatusCode: 200, Payload: await handler(Payload, { awsRequestId: randomUUID() }) };
        } catch (err) {
          throw lambdaError(err);
        }
      }
      const handler = handlerFor(resource, name);
      try {
        return await handler(taskInput, { awsRequestId: randomUUID() });
      } catch (err) {
        throw lambdaError(err);
      }
    };
    taskHandlers[name] = run as unknown as TaskHandler;
  });

  const runInteraction = async (state: string, taskInput: JsonObject): Promise<unknown> => {
    const callbacks = options.callbacks;
    if (!callbacks) {
      throw namedError('Local.NoCallbackStore', `state "${state}" waits for a human but no callback store was given`);
    }
    const handler = handlerFor(taskInput.FunctionName, state);
    // $$.Task.Token is one static value locally: mint a token per interaction so answers cannot cross.
    const taskToken = `local-token-${randomUUID()}`;
    const payload: JsonObject = { ...((taskInput.Payload ?? {}) as JsonObject), task_token: taskToken };
    const parameters = (payload.parameters ?? {}) as JsonObject;
    const { id, result } = callbacks.register({
      taskToken,
      executionId: executionArn,
      state,
      integration: arnToId.get(String(taskInput.FunctionName)) ?? String(taskInput.FunctionName),
      parameters,
    });
    interactions.add(id);
    try {
      await handler(payload, { awsRequestId: randomUUID() });
    } catch (err) {
      callbacks.cancel(id);
      throw lambdaError(err);
    }
    const meta = (payload._socless ?? {}) as JsonObject;
    const confirmation = meta.compat === 'socless' && meta.operation === 'PromptForConfirmation';
    const response = meta.compat === 'socless' && meta.operation === 'PromptForResponse';
    try {
      const answer = await result;
      if (response) {
        // A SOCless PromptForResponse resumes with the reply in `text` (the answer's text, reason or note).
        const a = (answer ?? {}) as JsonObject;
        const text = [a.text, a.reason, a.responder_note].find((v) => typeof v === 'string' && v.trim() !== '');
        if (typeof text !== 'string')
          throw new Error(`state "${state}": PromptForResponse was answered without a reply`);
        return soclessResponseOutput(state, { text, responder: String(a.responder ?? 'local'), messageId: id });
      }
      // A native Interaction in a SOCless-style playbook resumes with SOCless data, as a Task's result does.
      if (!confirmation) return meta.compat === 'socless' ? soclessStateOutput(state, answer) : answer;
      const responder = String((answer as JsonObject | undefined)?.responder ?? 'local');
      return soclessConfirmationOutput(state, { decision: 'approve', responder, messageId: id });
    } catch (err) {
      // A "no" to a SOCless PromptForConfirmation is an answer ("false"), as the deployed interactions function does.
      if (confirmation && (err as Error).name === INTERACTION_REJECTED_ERROR) {
        return soclessConfirmationOutput(state, { decision: 'reject', responder: 'local', messageId: id });
      }
      throw err;
    } finally {
      interactions.delete(id);
      callbacks.cancel(id);
    }
  };
  const interactions = new Set<string>();

  const machine = machineFor(local);
  const started = Date.now();
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: taskHandlers,
      retryIntervalOverrides: retryOverrides,
      waitTimeOverrides: waitOverrides,
    },
    context: {
      Execution: { Id: executionArn, Name: executionName, RoleArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/local` },
      StateMachine: {
        Id: `arn:aws:states:${region}:${LOCAL_ACCOUNT_ID}:stateMachine:${machineName}`,
        Name: machineName,
      },
      Task: { Token: 'local-task-token' },
    },
  });
  const onAbort = () => execution.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  const states: string[] = [];
  const collect = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') states.push(event.state.name);
      if (options.onStateEvent && 'state' in event) {
        const failed = event.type === 'StateFailed' ? event : undefined;
        options.onStateEvent({
          type: event.type,
          state: event.state.name,
          at: new Date(event.timestamp).toISOString(),
          ...(event.type === 'StateEntered' ? { input: event.state.input } : {}),
          ...(event.type === 'StateExited' ? { output: event.state.output } : {}),
          ...(failed
            ? {
                error: {
                  name: String(failed.Error),
                  message:
                    failed.Cause instanceof Error || typeof failed.Cause === 'string'
                      ? causeText(failed.Cause)
                      : JSON.stringify(failed.Cause),
                },
              }
            : {}),
          ...(event.index !== undefined ? { index: event.index } : {}),
        });
      }
    }
  })();

  let outcome: Omit<LocalExecutionResult, 'states' | 'transitions' | 'durationMs' | 'executionArn'>;
  try {
    outcome = { status: 'SUCCEEDED', output: await execution.result };
  } catch (err) {
    if (err instanceof ExecutionAbortedError)
      outcome = { status: 'ABORTED', error: 'States.Aborted', cause: err.message };
    else if (err instanceof ExecutionTimeoutError) {
      outcome = { status: 'TIMED_OUT', error: 'States.Timeout', cause: err.message };
    } else if (err instanceof ExecutionError && err.cause instanceof Error) {
      outcome = { status: 'FAILED', error: err.cause.name, cause: err.cause.message };
    } else {
      outcome = {
        status: 'FAILED',
        error: (err as Error).name ?? 'Error',
        cause: (err as Error).message ?? String(err),
      };
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  // Release interactions still parked (an aborted or timed-out run) so nothing waits forever.
  for (const id of interactions) {
    try {
      options.callbacks?.fail(id, 'States.Aborted', `execution ${outcome.status.toLowerCase()}`);
    } catch {
      // Answered in the meantime: nothing to release.
    }
  }
  // Every event is queued before the result settles; one macrotask lets the reader drain the queue. The
  // library's reader can miss its close and wait forever, so it is not awaited to the end.
  await Promise.race([collect, new Promise((resolve) => setImmediate(resolve))]);
  const failure = outcome.status === 'FAILED' && lastFailure ? { failure: lastFailure } : {};
  return {
    ...outcome,
    ...failure,
    executionArn,
    states,
    transitions: states.length,
    durationMs: Date.now() - started,
  };
}
