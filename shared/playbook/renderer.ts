/**
 * Renders a validated playbook to Amazon States Language (JSONPath). Unlike Twilio's renderer it adds no
 * state to the happy path: the execution input is built by the starter (`buildExecutionInput`), Parallel
 * outputs are merged by a ResultSelector instead of a merge Lambda, and parameters travel in the Task's own
 * Parameters instead of a helper Pass state.
 */
import { integrationPlaceholder } from '../deploy-model.ts';
import { jsonPath } from '../errors.ts';
import { type IntegrationCatalog, resolveResource } from './catalog.ts';
import {
  DEFAULT_RETRY,
  type JsonObject,
  TASK_FAILURE_END_STATE,
  TASK_FAILURE_ERROR,
  TASK_FAILURE_HANDLER_STATE,
  type ValidPlaybook,
  WAIT_FOR_TASK_TOKEN_RESOURCE,
} from './model.ts';
import { convertTemplates } from './templates.ts';
import { catchesEverything, isObject } from './validator.ts';

/** Where a state sits: decides its catchers and how it reaches the execution's artifacts. */
interface Placement {
  /** In the top-level States (only there can a Catch reach the failure handler). */
  readonly top: boolean;
  /** Inside a Map iteration, whose input is the item selector's output, not the execution state. */
  readonly inMap: boolean;
  /** Add the TaskFailureHandler catcher (false for the handler itself). */
  readonly failureCatch: boolean;
}

/** `$.results.<State>` (bracket notation when the name is not a plain identifier). */
export function memberPath(base: string, name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `${base}.${name}` : `${base}['${name.replace(/'/g, "\\'")}']`;
}

/**
 * Merges a state's own retriers with DEFAULT_RETRY: the user's come first; error names they already list are
 * removed from the default; a user retrier on `States.ALL` or `States.TaskFailed` (both match the Lambda
 * errors) drops the default altogether, which also keeps `States.ALL` last.
 */
export function mergeRetry(user: unknown, withDefault: boolean): JsonObject[] {
  const retriers = Array.isArray(user) ? user.map((r) => structuredClone(r) as JsonObject) : [];
  if (!withDefault) return retriers;
  const covered = new Set(retriers.flatMap((r) => (Array.isArray(r.ErrorEquals) ? (r.ErrorEquals as string[]) : [])));
  if (covered.has('States.ALL') || covered.has('States.TaskFailed')) return retriers;
  const remaining = DEFAULT_RETRY.ErrorEquals.filter((e) => !covered.has(e));
  if (remaining.length > 0) retriers.push({ ...DEFAULT_RETRY, ErrorEquals: [...remaining] });
  return retriers;
}

class Renderer {
  /** Whether any catcher was pointed at the failure handler. */
  handlerUsed = false;

  constructor(
    readonly playbook: ValidPlaybook,
    readonly catalog: IntegrationCatalog,
  ) {}

  render(): JsonObject {
    const pb = this.playbook;
    const states = this.scope(pb.states, {
      top: true,
      inMap: false,
      failureCatch: pb.taskFailureHandler !== undefined,
    });
    // A handler no catcher leads to would be an unreachable state, which Step Functions rejects.
    if (pb.taskFailureHandler && this.handlerUsed) {
      const { Next: _n, End: _e, ...handler } = pb.taskFailureHandler;
      Object.assign(
        states,
        this.state(
          TASK_FAILURE_HANDLER_STATE,
          { ...handler, Next: TASK_FAILURE_END_STATE },
          {
            top: true,
            inMap: false,
            failureCatch: false,
          },
        ),
      );
      states[TASK_FAILURE_END_STATE] = {
        Type: 'Fail',
        Error: TASK_FAILURE_ERROR,
        Cause: 'A task failed and the playbook TaskFailureHandler ran; see $.errors in the execution history.',
      };
    }
    return {
      ...(pb.comment !== undefined ? { Comment: pb.comment } : {}),
      StartAt: pb.startAt,
      States: states,
      ...pb.passThrough,
    };
  }

  scope(states: Readonly<Record<string, JsonObject>>, placement: Placement): Record<string, JsonObject> {
    const out: Record<string, JsonObject> = {};
    for (const [name, def] of Object.entries(states)) Object.assign(out, this.state(name, def, placement));
    return out;
  }

  state(name: string, def: JsonObject, placement: Placement): Record<string, JsonObject> {
    switch (def.Type) {
      case 'Task':
      case 'Interaction':
        return { [name]: this.task(name, def, placement) };
      case 'Parallel':
        return { [name]: this.parallel(name, def, placement) };
      case 'Map':
        return { [name]: this.map(name, def, placement) };
      case 'Pass':
        return { [name]: this.pass(def) };
      default:
        return { [name]: structuredClone(def) };
    }
  }

  task(name: string, def: JsonObject, placement: Placement): JsonObject {
    const resolved = resolveResource(this.catalog, def.Resource as string);
    const disabled = this.playbook.disableDefaultRetry.all || this.playbook.disableDefaultRetry.tasks.has(name);
    const out: JsonObject = { Type: 'Task' };
    if (def.Comment !== undefined) out.Comment = def.Comment;
    if (resolved.kind === 'service') {
      out.Resource = resolved.arn;
      copy(def, out, ['InputPath', 'Parameters']);
    } else if (resolved.kind === 'integration' && this.playbook.compat === 'socless' && resolved.entry.external) {
      return this.soclessExternalTask(name, def, resolved.entry.id, placement, disabled);
    } else if (resolved.kind === 'integration') {
      const parameters = isObject(def.Parameters) ? def.Parameters : {};
      const payload =
        this.playbook.compat === 'socless'
          ? this.soclessInvocation(name, parameters, placement, resolved.alias?.operation)
          : this.invocation(name, parameters, placement);
      copy(def, out, ['InputPath']);
      if (def.Type === 'Interaction') {
        out.Resource = WAIT_FOR_TASK_TOKEN_RESOURCE;
        out.Parameters = {
          FunctionName: integrationPlaceholder(resolved.entry.id),
          Payload: { ...payload, 'task_token.$': '$$.Task.Token' },
        };
      } else {
        out.Resource = integrationPlaceholder(resolved.entry.id);
        out.Parameters = payload;
      }
    }
    copy(def, out, ['ResultSelector']);
    // SOCless data: the integration returns `{<State>: r, ...r}`, which replaces `results` (the latest result,
    // flattened and under its state's name); earlier results stay readable through the results table.
    const defaultResultPath =
      this.playbook.compat === 'socless' && resolved.kind === 'integration'
        ? '$.results'
        : memberPath('$.results', name);
    out.ResultPath = def.ResultPath !== undefined ? def.ResultPath : defaultResultPath;
    copy(def, out, [
      'OutputPath',
      'TimeoutSeconds',
      'TimeoutSecondsPath',
      'HeartbeatSeconds',
      'HeartbeatSecondsPath',
      'Credentials',
    ]);
    this.errorHandling(name, def, out, placement, !disabled);
    return transition(def, out);
  }

  /** The object an integration Lambda receives (the contract's `IntegrationInvocation`). */
  invocation(name: string, parameters: JsonObject, placement: Placement): JsonObject {
    const converted = convertTemplates(parameters);
    // A Map iteration's input is what its item selector built, so the artifacts are read from the execution input.
    const artifacts = placement.inMap ? '$$.Execution.Input.artifacts' : '$.artifacts';
    const meta: JsonObject = {
      state: name,
      playbook: this.playbook.name,
      'execution_id.$': '$$.Execution.Id',
      'investigation_id.$': `${artifacts}.investigation_id`,
    };
    if (converted.templates.length > 0) meta.templates = [...converted.templates];
    return {
      _socless: meta,
      parameters: converted.parameters,
      ...(converted.templates.length > 0 ? { context: { 'artifacts.$': artifacts, 'results.$': '$.results' } } : {}),
    };
  }

  /**
   * The invocation of a built-in integration in a SOCless-style playbook: every string the author wrote is
   * resolved at run time as socless_python does (`$.` references to whole values, `vault:` ids, `{{ … }}`
   * templates), against the execution's stored results; no native-path conversion.
   */
  soclessInvocation(name: string, parameters: JsonObject, placement: Placement, operation?: string): JsonObject {
    const templates = soclessTemplatePaths(parameters);
    const artifacts = placement.inMap ? '$$.Execution.Input.artifacts' : '$.artifacts';
    const meta: JsonObject = {
      state: name,
      playbook: this.playbook.name,
      'execution_id.$': '$$.Execution.Id',
      'investigation_id.$': `${artifacts}.investigation_id`,
      compat: 'socless',
      ...(operation !== undefined ? { operation } : {}),
      templates,
    };
    return {
      _socless: meta,
      parameters: structuredClone(parameters),
      context: { 'artifacts.$': artifacts, 'results.$': '$.results', 'errors.$': '$.errors' },
    };
  }

  /**
   * An external integration in a SOCless-style playbook gets exactly what SOCless's renderer gives a Lambda
   * (`execution_id`, `artifacts`, `errors`, `results`, `State_Config: {Name, Parameters}`) and returns the whole
   * context back, as socless_python does. Only its `results` and `errors` are kept: the artifacts are restored
   * from the execution input, so an external cannot rewrite the event or the account a later state acts in.
   */
  soclessExternalTask(
    name: string,
    def: JsonObject,
    integrationId: string,
    placement: Placement,
    retryDisabled: boolean,
  ): JsonObject {
    const out: JsonObject = { Type: 'Task' };
    if (def.Comment !== undefined) out.Comment = def.Comment;
    const payload: JsonObject = {
      'execution_id.$': '$$.Execution.Name',
      'artifacts.$': placement.inMap ? '$$.Execution.Input.artifacts' : '$.artifacts',
      'results.$': '$.results',
      'errors.$': '$.errors',
      State_Config: { Name: name, Parameters: isObject(def.Parameters) ? structuredClone(def.Parameters) : {} },
    };
    copy(def, out, ['InputPath']);
    if (def.Type === 'Interaction') {
      out.Resource = WAIT_FOR_TASK_TOKEN_RESOURCE;
      out.Parameters = {
        FunctionName: integrationPlaceholder(integrationId),
        Payload: { ...payload, 'task_token.$': '$$.Task.Token' },
      };
    } else {
      out.Resource = integrationPlaceholder(integrationId);
      out.Parameters = payload;
    }
    // No ResultPath: the default ("$") replaces the state's data with the selected result.
    if (def.ResultSelector !== undefined || def.ResultPath !== undefined) {
      copy(def, out, ['ResultSelector', 'ResultPath']);
    } else {
      out.ResultSelector = {
        'execution_id.$': '$$.Execution.Name',
        'artifacts.$': '$$.Execution.Input.artifacts',
        'results.$': '$.results',
        'errors.$': '$.errors',
      };
    }
    copy(def, out, [
      'OutputPath',
      'TimeoutSeconds',
      'TimeoutSecondsPath',
      'HeartbeatSeconds',
      'HeartbeatSecondsPath',
      'Credentials',
    ]);
    this.errorHandling(name, def, out, placement, !retryDisabled);
    return transition(def, out);
  }

  errorHandling(name: string, def: JsonObject, out: JsonObject, placement: Placement, defaultRetry: boolean): void {
    const retry = mergeRetry(def.Retry, defaultRetry);
    if (retry.length > 0) out.Retry = retry;
    const catchers = Array.isArray(def.Catch) ? def.Catch.map((c) => structuredClone(c) as JsonObject) : [];
    if (placement.top && placement.failureCatch && !catchesEverything(def.Catch)) {
      this.handlerUsed = true;
      catchers.push({
        ErrorEquals: ['States.TaskFailed'],
        ResultPath: memberPath('$.errors', name),
        Next: TASK_FAILURE_HANDLER_STATE,
      });
    }
    if (catchers.length > 0) out.Catch = catchers;
  }

  parallel(name: string, def: JsonObject, placement: Placement): JsonObject {
    const branches = (def.Branches as JsonObject[]).map((branch) => ({
      ...(branch.Comment !== undefined ? { Comment: branch.Comment } : {}),
      StartAt: branch.StartAt,
      States: this.scope(branch.States as Record<string, JsonObject>, { ...placement, top: false }),
    }));
    const out: JsonObject = { Type: 'Parallel' };
    copy(def, out, ['Comment', 'InputPath', 'Parameters']);
    out.Branches = branches;
    const custom = ['InputPath', 'Parameters', 'ResultSelector', 'ResultPath', 'OutputPath'].some(
      (k) => def[k] !== undefined,
    );
    if (custom) {
      copy(def, out, ['ResultSelector']);
      out.ResultPath = def.ResultPath !== undefined ? def.ResultPath : memberPath('$.results', name);
      copy(def, out, ['OutputPath']);
    } else {
      // Each branch returns the whole execution state; merge their results and errors back into one state,
      // which SOCless did with an extra MergeParallelOutput Lambda state.
      out.ResultSelector = {
        // SOCless's top-level execution_id stays where a SOCless-style playbook reads it.
        ...(this.playbook.compat === 'socless' ? { 'execution_id.$': '$$.Execution.Name' } : {}),
        'artifacts.$': '$[0].artifacts',
        'results.$': mergeExpression(branches.length, 'results'),
        'errors.$': mergeExpression(branches.length, 'errors'),
      };
    }
    this.errorHandling(name, def, out, placement, false);
    return transition(def, out);
  }

  map(name: string, def: JsonObject, placement: Placement): JsonObject {
    const source = (def.ItemProcessor ?? def.Iterator) as JsonObject;
    const out: JsonObject = { Type: 'Map' };
    copy(def, out, ['Comment', 'InputPath', 'ItemsPath', 'MaxConcurrency', 'MaxConcurrencyPath']);
    const injected = def.ItemSelector === undefined && def.Parameters === undefined;
    if (injected) {
      // Each iteration gets the item plus the execution state, so its tasks work like top-level ones.
      out.ItemSelector = {
        'item.$': '$$.Map.Item.Value',
        'index.$': '$$.Map.Item.Index',
        'artifacts.$': '$.artifacts',
        'results.$': '$.results',
        errors: {},
      };
    } else {
      copy(def, out, ['ItemSelector', 'Parameters']);
    }
    out.ItemProcessor = {
      ...(isObject(source.ProcessorConfig) ? { ProcessorConfig: source.ProcessorConfig } : {}),
      StartAt: source.StartAt,
      States: this.scope(source.States as Record<string, JsonObject>, { ...placement, top: false, inMap: true }),
    };
    if (def.ResultSelector !== undefined) out.ResultSelector = structuredClone(def.ResultSelector);
    else if (injected) out.ResultSelector = { 'items.$': '$[*].results' };
    out.ResultPath = def.ResultPath !== undefined ? def.ResultPath : memberPath('$.results', name);
    copy(def, out, ['OutputPath']);
    this.errorHandling(name, def, out, placement, false);
    return transition(def, out);
  }

  pass(def: JsonObject): JsonObject {
    const out = structuredClone(def);
    // A Pass has no runtime to render templates, but whole-string references become exact native paths.
    if (isObject(def.Parameters)) out.Parameters = convertTemplates(def.Parameters).parameters;
    return out;
  }
}

/** Paths (under the parameters, `$.a.b`) of every string a SOCless-style state resolves at run time. */
function soclessTemplatePaths(parameters: JsonObject): string[] {
  const paths: string[] = [];
  const walk = (node: unknown, path: readonly PropertyKey[]): void => {
    if (typeof node === 'string') {
      if (isSoclessRuntimeString(node)) paths.push(jsonPath(path));
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((item, i) => {
        walk(item, [...path, i]);
      });
      return;
    }
    if (!isObject(node)) return;
    // A "key.$" value is a Step Functions path: Step Functions resolves it, never the runtime.
    for (const [key, value] of Object.entries(node)) if (!key.endsWith('.$')) walk(value, [...path, key]);
  };
  walk(parameters, []);
  return paths;
}

/** `$.` references, `vault:` ids and `{{ … }}` templates: what socless_python resolves in a parameter string. */
export function isSoclessRuntimeString(value: string): boolean {
  return value.startsWith('$.') || value.startsWith('vault:') || /\{\{[\s\S]*?\}\}/.test(value);
}

/** `States.JsonMerge` over every branch's `field`, nested because the intrinsic takes two objects. */
function mergeExpression(branches: number, field: string): string {
  let expr = `$[0].${field}`;
  for (let i = 1; i < branches; i++) expr = `States.JsonMerge(${expr}, $[${i}].${field}, false)`;
  return expr;
}

function copy(from: JsonObject, to: JsonObject, keys: readonly string[]): void {
  for (const key of keys) if (from[key] !== undefined) to[key] = structuredClone(from[key]);
}

function transition(def: JsonObject, out: JsonObject): JsonObject {
  if (def.Next !== undefined) out.Next = def.Next;
  if (def.End !== undefined) out.End = def.End;
  return out;
}

/** Renders a playbook that passed {@link validatePlaybook} to ASL with `${fn_<id>}` placeholders. */
export function renderPlaybook(playbook: ValidPlaybook, catalog: IntegrationCatalog): JsonObject {
  return new Renderer(playbook, catalog).render();
}
