/**
 * What Twilio's SOCless renderer (the `sls-apb` Serverless plugin) would add to one run of the same playbook,
 * for the benchmark that compares it with this compiler (which adds nothing to the happy path).
 *
 * Read from the plugin's renderer (`lib/apb.ts`, `lib/constants.ts`, and the older `lib/apb.js`):
 * - Every run starts at `Was_Playbook_Direct_Executed`, a Choice that checks whether the input already holds
 *   `artifacts` and `execution_id`, and then goes through either `PLAYBOOK_FORMATTER` (a Pass adding empty
 *   `results`/`errors`) or, for a direct StartExecution, `Setup_Socless_Global_State` (a Lambda Task):
 *   2 extra transitions per run, plus 1 Lambda invocation when invoked directly.
 * - Every Parallel state is followed by `merge_<name>`, a Task calling the `MergeParallelOutput` Lambda:
 *   1 extra transition and 1 Lambda invocation each time a Parallel runs (nested ones included).
 * - With a `TaskFailureHandler`, a failing task's Catch goes to `_Task_Failed` (a Pass) before the handler:
 *   1 extra transition on a run that fails.
 * - Renderer v1 (before the Parameters rework) put a `helper_<name>` Pass holding the state's parameters in
 *   front of every Task/Interaction that had Parameters: 1 extra transition per such task run.
 *
 * Lambda results in SOCless travel inside the Lambda's return value, not through extra states, so they add
 * no transitions.
 */
import type { JsonObject } from './model.ts';
import { isObject } from './validator.ts';

export interface SoclessOverheadOptions {
  /**
   * States one run visited, in order, with repeats (from the execution history or the local executor). When
   * absent, every state is assumed to run exactly once and the failure path is not taken.
   */
  readonly visited?: readonly string[];
  /** The run was started by a direct StartExecution rather than SOCless's endpoint. @default false */
  readonly directInvocation?: boolean;
  /** Model renderer v1, with a helper Pass before every Task/Interaction that has Parameters. @default false */
  readonly legacyHelperStates?: boolean;
}

export interface SoclessOverhead {
  /** State transitions Twilio's renderer adds to this run. */
  readonly extraTransitions: number;
  /** Lambda invocations it adds (merge and setup Lambdas). */
  readonly extraLambdaInvocations: number;
  readonly breakdown: {
    readonly setup: number;
    readonly parallelMerge: number;
    readonly failureLabel: number;
    readonly helperStates: number;
  };
}

/** Name → definition of every state of a SOCless playbook, nested branches and iterators included. */
function collectStates(states: unknown, into: Map<string, JsonObject>): Map<string, JsonObject> {
  if (!isObject(states)) return into;
  for (const [name, def] of Object.entries(states)) {
    if (!isObject(def)) continue;
    into.set(name, def);
    if (Array.isArray(def.Branches)) for (const b of def.Branches) if (isObject(b)) collectStates(b.States, into);
    const body = def.ItemProcessor ?? def.Iterator;
    if (isObject(body)) collectStates(body.States, into);
  }
  return into;
}

/**
 * Extra transitions and Lambda invocations Twilio's SOCless renderer adds to one run of `playbook` (the
 * playbook JSON in the SOCless dialect). See the module comment for the model.
 */
export function soclessRendererStateOverhead(playbook: unknown, options: SoclessOverheadOptions = {}): SoclessOverhead {
  const doc = isObject(playbook) ? playbook : {};
  const states = collectStates(doc.States, new Map());
  const runs = options.visited ?? [...states.keys()];
  let parallelMerge = 0;
  let helperStates = 0;
  for (const name of runs) {
    const def = states.get(name);
    if (!def) continue;
    if (def.Type === 'Parallel') parallelMerge++;
    if (
      options.legacyHelperStates &&
      (def.Type === 'Task' || def.Type === 'Interaction') &&
      def.Parameters !== undefined
    ) {
      helperStates++;
    }
  }
  const hasHandler = isObject(doc.Decorators) && isObject(doc.Decorators.TaskFailureHandler);
  const failureLabel = hasHandler && options.visited?.includes('_Handle_Task_Failure') ? 1 : 0;
  const setup = 2;
  return {
    extraTransitions: setup + parallelMerge + failureLabel + helperStates,
    extraLambdaInvocations: parallelMerge + (options.directInvocation ? 1 : 0),
    breakdown: { setup, parallelMerge, failureLabel, helperStates },
  };
}
