/**
 * Validates a SOCless-dialect playbook before it is rendered and reports every problem with the file, the JSON
 * path and the reason, so an author fixes them all in one pass.
 */
import type { WorkflowType } from '../deploy-model.ts';
import { jsonPath, type Problem } from '../errors.ts';
import { validateEventPattern } from '../event-pattern/index.ts';
import { type IntegrationCatalog, knownResourceNames, type ResolvedResource, resolveResource } from './catalog.ts';
import { checkPath, checkPayloadPath } from './jsonpath.ts';
import type { PlaybookSource } from './loader.ts';
import {
  EXPRESS_MAX_SECONDS,
  type JsonObject,
  MAX_STATE_NAME_LENGTH,
  STATE_TYPES,
  type StateType,
  TASK_FAILURE_END_STATE,
  TASK_FAILURE_HANDLER_STATE,
  type ValidPlaybook,
} from './model.ts';
import { activityHints, unknownResourceReason } from './socless-checks.ts';

/** Outcome of {@link validatePlaybook}: the typed playbook when there are no problems. */
export interface ValidationResult {
  readonly problems: Problem[];
  readonly warnings: Problem[];
  readonly playbook?: ValidPlaybook;
}

type Segments = readonly PropertyKey[];

const TOP_LEVEL_KEYS = [
  'Playbook',
  'Comment',
  'StartAt',
  'States',
  'Decorators',
  'Triggers',
  'Workflow',
  'TimeoutSeconds',
  'Version',
  'Compat',
  '$schema',
];
const COMPAT_MODES = ['socless', 'native'] as const;
const DECORATOR_KEYS = ['TaskFailureHandler', 'DisableDefaultRetry'];
const WORKFLOWS: readonly WorkflowType[] = ['express', 'standard'];
const PLAYBOOK_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

const IO = ['InputPath', 'OutputPath'];
const TASK_FIELDS = [
  'Resource',
  'Parameters',
  'ResultSelector',
  'ResultPath',
  ...IO,
  'Retry',
  'Catch',
  'TimeoutSeconds',
  'TimeoutSecondsPath',
  'HeartbeatSeconds',
  'HeartbeatSecondsPath',
  'Credentials',
  'Next',
  'End',
];
const FIELDS: Record<StateType, readonly string[]> = {
  Task: TASK_FIELDS,
  Interaction: TASK_FIELDS,
  Choice: ['Choices', 'Default', ...IO],
  Pass: ['Result', 'ResultPath', 'Parameters', ...IO, 'Next', 'End'],
  Wait: ['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath', ...IO, 'Next', 'End'],
  Parallel: ['Branches', 'Parameters', 'ResultSelector', 'ResultPath', ...IO, 'Retry', 'Catch', 'Next', 'End'],
  Map: [
    'ItemsPath',
    'ItemSelector',
    'Parameters',
    'ItemProcessor',
    'Iterator',
    'MaxConcurrency',
    'MaxConcurrencyPath',
    'ResultSelector',
    'ResultPath',
    ...IO,
    'Retry',
    'Catch',
    'Next',
    'End',
  ],
  Succeed: IO,
  Fail: ['Error', 'Cause', 'ErrorPath', 'CausePath'],
};
const NON_TERMINAL: ReadonlySet<StateType> = new Set(['Task', 'Interaction', 'Pass', 'Wait', 'Parallel', 'Map']);

/** Error names Step Functions defines (a typo such as `States.Timout` would never match). */
const STATES_ERRORS = new Set([
  'States.ALL',
  'States.DataLimitExceeded',
  'States.ExceedToleratedFailureThreshold',
  'States.HeartbeatTimeout',
  'States.Http.Socket',
  'States.IntrinsicFailure',
  'States.ItemReaderFailed',
  'States.NoChoiceMatched',
  'States.ParameterPathFailure',
  'States.Permissions',
  'States.QueryEvaluationError',
  'States.ResultPathMatchFailure',
  'States.ResultWriterFailed',
  'States.Runtime',
  'States.TaskFailed',
  'States.Timeout',
  'States.BranchFailed',
]);

const CHOICE_OPERATORS: Record<string, 'string' | 'number' | 'boolean' | 'timestamp' | 'path'> = {
  StringEquals: 'string',
  StringLessThan: 'string',
  StringGreaterThan: 'string',
  StringLessThanEquals: 'string',
  StringGreaterThanEquals: 'string',
  StringMatches: 'string',
  NumericEquals: 'number',
  NumericLessThan: 'number',
  NumericGreaterThan: 'number',
  NumericLessThanEquals: 'number',
  NumericGreaterThanEquals: 'number',
  BooleanEquals: 'boolean',
  TimestampEquals: 'timestamp',
  TimestampLessThan: 'timestamp',
  TimestampGreaterThan: 'timestamp',
  TimestampLessThanEquals: 'timestamp',
  TimestampGreaterThanEquals: 'timestamp',
  IsNull: 'boolean',
  IsPresent: 'boolean',
  IsNumeric: 'boolean',
  IsString: 'boolean',
  IsBoolean: 'boolean',
  IsTimestamp: 'boolean',
};
for (const op of Object.keys(CHOICE_OPERATORS)) {
  if (!op.startsWith('Is') && op !== 'StringMatches') CHOICE_OPERATORS[`${op}Path`] = 'path';
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const ASL_MAX_INT = 99_999_999;

/** What the checks learn about the playbook on the way (for workflow inference and the decorators). */
interface Facts {
  interactions: string[];
  longWaits: string[];
  callbackTasks: string[];
  /** Every state name in the machine, nested ones included, with its type and path. */
  names: Map<string, { type: unknown; path: string }>;
  mapsWithCustomInput: Array<{ name: string; path: string; hasIntegrationTask: boolean }>;
  /** States whose Resource resolved through the SOCless alias table or to an external integration. */
  soclessReferences: string[];
}

class Checker {
  readonly problems: Problem[] = [];
  readonly warnings: Problem[] = [];
  readonly facts: Facts = {
    interactions: [],
    longWaits: [],
    callbackTasks: [],
    names: new Map(),
    mapsWithCustomInput: [],
    soclessReferences: [],
  };
  /** State name → the message refusing an `AwaitMessageResponseActivity` state, with the Interaction to write. */
  activityRefusals: ReadonlyMap<string, string> = new Map();

  constructor(
    readonly file: string,
    readonly catalog: IntegrationCatalog,
  ) {}

  problem(path: Segments, reason: string): void {
    this.problems.push({ file: this.file, path: jsonPath(path), reason });
  }

  warn(path: Segments, reason: string): void {
    this.warnings.push({ file: this.file, path: jsonPath(path), reason });
  }

  /** Validates one States object with its StartAt; returns whether an integration Task/Interaction is inside. */
  scope(states: unknown, startAt: unknown, at: Segments, reserved: ReadonlySet<string>): boolean {
    let hasIntegration = false;
    if (typeof startAt !== 'string' || startAt.length === 0) {
      this.problem([...at, 'StartAt'], 'StartAt is required and must name a state');
    }
    if (!isObject(states) || Object.keys(states).length === 0) {
      this.problem([...at, 'States'], 'States is required and must be an object with at least one state');
      return false;
    }
    const names = new Set(Object.keys(states));
    if (typeof startAt === 'string' && startAt.length > 0 && !names.has(startAt)) {
      this.problem([...at, 'StartAt'], `StartAt "${startAt}" is not a state here (states: ${list(names)})`);
    }
    for (const [name, def] of Object.entries(states)) {
      const path = [...at, 'States', name];
      if (reserved.has(name)) {
        this.problem(path, `state name "${name}" is reserved for the TaskFailureHandler chain; rename the state`);
      }
      if (this.state(name, def, path, names, reserved)) hasIntegration = true;
    }
    if (typeof startAt === 'string' && names.has(startAt)) {
      const reached = reachable(states, startAt);
      for (const name of names) {
        if (!reached.has(name)) {
          this.problem([...at, 'States', name], `state "${name}" is unreachable from StartAt "${startAt}"`);
        }
      }
    }
    return hasIntegration;
  }

  /** Validates one state; returns whether it is (or contains) an integration Task/Interaction. */
  state(
    name: string,
    def: unknown,
    at: Segments,
    scope: ReadonlySet<string>,
    reserved: ReadonlySet<string>,
    options: { isHandler?: boolean } = {},
  ): boolean {
    if (name.length > MAX_STATE_NAME_LENGTH) {
      this.problem(at, `state name is ${name.length} characters long; Step Functions allows ${MAX_STATE_NAME_LENGTH}`);
    }
    const seen = this.facts.names.get(name);
    if (seen && !options.isHandler) {
      this.problem(at, `state name "${name}" is already used at ${seen.path}; names must be unique in the playbook`);
    }
    if (!isObject(def)) {
      this.problem(at, 'a state must be an object');
      return false;
    }
    if (!options.isHandler) this.facts.names.set(name, { type: def.Type, path: jsonPath(at) });
    const type = def.Type;
    if (typeof type !== 'string' || !(STATE_TYPES as readonly string[]).includes(type)) {
      this.problem([...at, 'Type'], `unknown state type ${JSON.stringify(type)} (known: ${STATE_TYPES.join(', ')})`);
      return false;
    }
    const stateType = type as StateType;
    const allowed = new Set(['Type', 'Comment', ...FIELDS[stateType]]);
    for (const key of Object.keys(def)) {
      if (!allowed.has(key)) {
        this.problem([...at, key], `unknown field "${key}" for a ${type} state (allowed: ${[...allowed].join(', ')})`);
      }
    }
    if (def.Comment !== undefined && typeof def.Comment !== 'string')
      this.problem([...at, 'Comment'], 'must be a string');
    this.transition(stateType, def, at, scope);
    for (const key of ['InputPath', 'OutputPath'] as const) {
      if (def[key] !== undefined && def[key] !== null) this.path([...at, key], def[key]);
    }
    if (def.ResultPath !== undefined && def.ResultPath !== null) {
      this.path([...at, 'ResultPath'], def.ResultPath, { reference: true, allowContext: false });
    }
    for (const key of ['Parameters', 'ResultSelector', 'ItemSelector'] as const) {
      if (def[key] !== undefined) this.payloadTemplate([...at, key], def[key]);
    }
    if (def.Retry !== undefined) this.retry([...at, 'Retry'], def.Retry);
    if (def.Catch !== undefined) this.catchers([...at, 'Catch'], def.Catch, scope);

    switch (stateType) {
      case 'Task':
      case 'Interaction':
        return this.task(name, stateType, def, at);
      case 'Choice':
        this.choice(def, at, scope);
        return false;
      case 'Wait':
        this.wait(name, def, at);
        return false;
      case 'Parallel':
        return this.parallel(def, at, reserved);
      case 'Map':
        return this.map(name, def, at, reserved);
      case 'Fail':
        for (const key of ['Error', 'Cause'] as const) {
          if (def[key] !== undefined && typeof def[key] !== 'string') this.problem([...at, key], 'must be a string');
        }
        for (const key of ['ErrorPath', 'CausePath'] as const) {
          if (def[key] !== undefined) this.payloadPath([...at, key], def[key]);
          if (def[key] !== undefined && def[key.replace('Path', '')] !== undefined) {
            this.problem([...at, key], `use ${key} or ${key.replace('Path', '')}, not both`);
          }
        }
        return false;
      default:
        return false;
    }
  }

  transition(type: StateType, def: JsonObject, at: Segments, scope: ReadonlySet<string>): void {
    const hasNext = def.Next !== undefined;
    const hasEnd = def.End !== undefined;
    if (!NON_TERMINAL.has(type)) {
      if (hasNext || hasEnd) {
        const hint = type === 'Choice' ? ': use Choices and Default' : ': it ends its branch by itself';
        this.problem([...at, hasNext ? 'Next' : 'End'], `a ${type} state may not have Next or End${hint}`);
      }
      return;
    }
    if (hasNext && hasEnd) this.problem(at, 'has both Next and End; keep exactly one');
    else if (!hasNext && !hasEnd) this.problem(at, 'needs Next (the state to run after it) or "End": true');
    if (hasEnd && def.End !== true) this.problem([...at, 'End'], 'End must be true (or be left out in favour of Next)');
    if (hasNext) this.target([...at, 'Next'], def.Next, scope);
  }

  target(at: Segments, value: unknown, scope: ReadonlySet<string>): void {
    if (typeof value !== 'string' || value.length === 0) {
      this.problem(at, 'must be the name of a state');
    } else if (!scope.has(value)) {
      this.problem(at, `"${value}" is not a state here (states: ${list(scope)})`);
    }
  }

  path(at: Segments, value: unknown, options: { reference?: boolean; allowContext?: boolean } = {}): void {
    const reason = checkPath(value, options);
    if (reason) this.problem(at, reason);
  }

  payloadPath(at: Segments, value: unknown): void {
    const reason = checkPayloadPath(value);
    if (reason) this.problem(at, reason);
  }

  /** Checks `"key.$"` values in Parameters/ResultSelector/ItemSelector, at any depth. */
  payloadTemplate(at: Segments, value: unknown): void {
    if (!isObject(value)) {
      this.problem(at, 'must be a JSON object');
      return;
    }
    const walk = (node: unknown, path: Segments): void => {
      if (Array.isArray(node)) {
        node.forEach((item, i) => {
          walk(item, [...path, i]);
        });
        return;
      }
      if (!isObject(node)) return;
      for (const [key, child] of Object.entries(node)) {
        if (key.endsWith('.$')) {
          this.payloadPath([...path, key], child);
          if (Object.hasOwn(node, key.slice(0, -2))) {
            this.problem([...path, key], `both "${key.slice(0, -2)}" and "${key}" are set; keep one`);
          }
        } else {
          walk(child, [...path, key]);
        }
      }
    };
    walk(value, at);
  }

  errorEquals(at: Segments, value: unknown, isLast: boolean): void {
    if (!Array.isArray(value) || value.length === 0) {
      this.problem(at, 'ErrorEquals must be a non-empty array of error names');
      return;
    }
    value.forEach((name, i) => {
      if (typeof name !== 'string' || name.length === 0) {
        this.problem([...at, i], 'an error name must be a non-empty string');
      } else if (name.startsWith('States.') && !STATES_ERRORS.has(name)) {
        this.problem([...at, i], `unknown Step Functions error "${name}" (known: ${[...STATES_ERRORS].join(', ')})`);
      }
    });
    if (value.includes('States.ALL')) {
      if (value.length > 1) this.problem(at, '"States.ALL" must appear alone in its ErrorEquals');
      if (!isLast) this.problem(at, 'the "States.ALL" entry must be the last one in its list');
    }
  }

  retry(at: Segments, value: unknown): void {
    if (!Array.isArray(value)) {
      this.problem(at, 'Retry must be an array of retriers');
      return;
    }
    value.forEach((retrier, i) => {
      const path = [...at, i];
      if (!isObject(retrier)) {
        this.problem(path, 'a retrier must be an object');
        return;
      }
      const allowed = [
        'ErrorEquals',
        'IntervalSeconds',
        'MaxAttempts',
        'BackoffRate',
        'MaxDelaySeconds',
        'JitterStrategy',
        'Comment',
      ];
      for (const key of Object.keys(retrier)) {
        if (!allowed.includes(key))
          this.problem([...path, key], `unknown retrier field "${key}" (allowed: ${allowed.join(', ')})`);
      }
      this.errorEquals([...path, 'ErrorEquals'], retrier.ErrorEquals, i === value.length - 1);
      this.integer([...path, 'IntervalSeconds'], retrier.IntervalSeconds, 1, 'a whole number of seconds, at least 1');
      this.integer([...path, 'MaxAttempts'], retrier.MaxAttempts, 0, 'a whole number, 0 or more (0 never retries)');
      this.integer([...path, 'MaxDelaySeconds'], retrier.MaxDelaySeconds, 1, 'a whole number of seconds, at least 1');
      const rate = retrier.BackoffRate;
      if (rate !== undefined && (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 1)) {
        this.problem([...path, 'BackoffRate'], `must be a number of at least 1.0, got ${JSON.stringify(rate)}`);
      }
      const jitter = retrier.JitterStrategy;
      if (jitter !== undefined && jitter !== 'FULL' && jitter !== 'NONE') {
        this.problem([...path, 'JitterStrategy'], `must be "FULL" or "NONE", got ${JSON.stringify(jitter)}`);
      }
    });
  }

  catchers(at: Segments, value: unknown, scope: ReadonlySet<string>): void {
    if (!Array.isArray(value)) {
      this.problem(at, 'Catch must be an array of catchers');
      return;
    }
    value.forEach((catcher, i) => {
      const path = [...at, i];
      if (!isObject(catcher)) {
        this.problem(path, 'a catcher must be an object');
        return;
      }
      const allowed = ['ErrorEquals', 'Next', 'ResultPath', 'Comment'];
      for (const key of Object.keys(catcher)) {
        if (!allowed.includes(key))
          this.problem([...path, key], `unknown catcher field "${key}" (allowed: ${allowed.join(', ')})`);
      }
      this.errorEquals([...path, 'ErrorEquals'], catcher.ErrorEquals, i === value.length - 1);
      if (catcher.Next === undefined) this.problem([...path, 'Next'], 'a catcher needs Next: the state to go to');
      else this.target([...path, 'Next'], catcher.Next, scope);
      if (catcher.ResultPath !== undefined && catcher.ResultPath !== null) {
        this.path([...path, 'ResultPath'], catcher.ResultPath, { reference: true, allowContext: false });
      }
    });
  }

  integer(at: Segments, value: unknown, min: number, what: string): void {
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > ASL_MAX_INT) {
      this.problem(at, `must be ${what}, got ${JSON.stringify(value)}`);
    }
  }

  task(name: string, type: 'Task' | 'Interaction', def: JsonObject, at: Segments): boolean {
    this.integer([...at, 'TimeoutSeconds'], def.TimeoutSeconds, 1, 'a whole number of seconds, at least 1');
    this.integer([...at, 'HeartbeatSeconds'], def.HeartbeatSeconds, 1, 'a whole number of seconds, at least 1');
    for (const key of ['TimeoutSeconds', 'HeartbeatSeconds'] as const) {
      if (def[key] !== undefined && def[`${key}Path`] !== undefined) {
        this.problem([...at, `${key}Path`], `use ${key} or ${key}Path, not both`);
      }
      if (def[`${key}Path`] !== undefined) this.path([...at, `${key}Path`], def[`${key}Path`]);
    }
    if (
      typeof def.TimeoutSeconds === 'number' &&
      typeof def.HeartbeatSeconds === 'number' &&
      def.HeartbeatSeconds >= def.TimeoutSeconds
    ) {
      this.problem([...at, 'HeartbeatSeconds'], 'must be smaller than TimeoutSeconds');
    }
    if (typeof def.Resource !== 'string' || def.Resource.length === 0) {
      this.problem([...at, 'Resource'], `a ${type} needs a Resource naming an integration`);
      return false;
    }
    const resolved: ResolvedResource = resolveResource(this.catalog, def.Resource);
    if (resolved.kind === 'unknown') {
      const refusal = this.activityRefusals.get(name);
      this.problem(
        [...at, 'Resource'],
        refusal ?? unknownResourceReason(def.Resource, resolved, knownResourceNames(this.catalog), this.catalog),
      );
      return false;
    }
    if (resolved.kind === 'integration' && resolved.via !== 'native') this.facts.soclessReferences.push(name);
    if (type === 'Interaction') {
      this.facts.interactions.push(name);
      if (resolved.kind === 'service') {
        this.problem([...at, 'Resource'], 'an Interaction must name an interaction integration, not a service ARN');
        return false;
      }
      if (resolved.entry.interaction !== true) {
        const interactive = this.catalog.entries.filter((e) => e.interaction === true).map((e) => e.id);
        this.problem(
          [...at, 'Resource'],
          `integration "${resolved.entry.id}" does not wait for a human, so it cannot back an Interaction (interaction integrations: ${interactive.join(', ') || 'none'})`,
        );
      }
      if (def.TimeoutSeconds === undefined && def.TimeoutSecondsPath === undefined) {
        this.warn(at, 'an Interaction without TimeoutSeconds waits for an answer for up to a year; set TimeoutSeconds');
      }
      return true;
    }
    if (resolved.kind === 'service') {
      if (/\.(sync(:2)?|waitForTaskToken)$/.test(resolved.arn)) this.facts.callbackTasks.push(name);
      return false;
    }
    if (resolved.entry.interaction === true) {
      this.warn([...at, 'Type'], `integration "${resolved.entry.id}" waits for a human: use "Type": "Interaction"`);
    }
    return true;
  }

  choice(def: JsonObject, at: Segments, scope: ReadonlySet<string>): void {
    if (!Array.isArray(def.Choices) || def.Choices.length === 0) {
      this.problem([...at, 'Choices'], 'a Choice state needs a non-empty Choices array');
    } else {
      def.Choices.forEach((rule, i) => {
        this.choiceRule([...at, 'Choices', i], rule, true, scope);
      });
    }
    if (def.Default !== undefined) this.target([...at, 'Default'], def.Default, scope);
  }

  choiceRule(at: Segments, rule: unknown, top: boolean, scope: ReadonlySet<string>): void {
    if (!isObject(rule)) {
      this.problem(at, 'a choice rule must be an object');
      return;
    }
    if (top) {
      if (rule.Next === undefined)
        this.problem([...at, 'Next'], 'a choice rule needs Next: the state to go to when it matches');
      else this.target([...at, 'Next'], rule.Next, scope);
    } else if (rule.Next !== undefined) {
      this.problem([...at, 'Next'], 'only a top-level choice rule may have Next (not one inside And/Or/Not)');
    }
    const operators = Object.keys(rule).filter((k) => k in CHOICE_OPERATORS);
    const combinators = Object.keys(rule).filter((k) => k === 'And' || k === 'Or' || k === 'Not');
    for (const key of Object.keys(rule)) {
      if (!(key in CHOICE_OPERATORS) && !['And', 'Or', 'Not', 'Variable', 'Next', 'Comment'].includes(key)) {
        this.problem([...at, key], `unknown choice rule field "${key}"`);
      }
    }
    if (operators.length + combinators.length !== 1) {
      this.problem(
        at,
        operators.length + combinators.length === 0
          ? 'a choice rule needs a comparison (e.g. StringEquals) with a Variable, or And/Or/Not'
          : `a choice rule has exactly one comparison or combinator, found ${[...combinators, ...operators].join(', ')}`,
      );
    }
    if (combinators.length > 0) {
      if (rule.Variable !== undefined) this.problem([...at, 'Variable'], 'And/Or/Not rules take no Variable');
      for (const c of combinators) {
        const value = rule[c];
        if (c === 'Not') {
          this.choiceRule([...at, c], value, false, scope);
        } else if (!Array.isArray(value) || value.length === 0) {
          this.problem([...at, c], `${c} must be a non-empty array of choice rules`);
        } else {
          value.forEach((r, i) => {
            this.choiceRule([...at, c, i], r, false, scope);
          });
        }
      }
      return;
    }
    if (operators.length === 0) return;
    if (rule.Variable === undefined) this.problem([...at, 'Variable'], 'a comparison needs a Variable (a JSONPath)');
    else this.path([...at, 'Variable'], rule.Variable);
    for (const op of operators) {
      const value = rule[op];
      const kind = CHOICE_OPERATORS[op];
      const ok =
        kind === 'path'
          ? checkPath(value) === undefined
          : kind === 'number'
            ? typeof value === 'number' && Number.isFinite(value)
            : kind === 'timestamp'
              ? typeof value === 'string' && RFC3339.test(value)
              : typeof value === kind;
      if (!ok) {
        const what =
          kind === 'path' ? 'a JSONPath' : kind === 'timestamp' ? 'an RFC 3339 timestamp string' : `a ${kind}`;
        this.problem([...at, op], `${op} takes ${what}, got ${JSON.stringify(value)}`);
      }
    }
  }

  wait(name: string, def: JsonObject, at: Segments): void {
    const given = ['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'].filter((k) => def[k] !== undefined);
    if (given.length !== 1) {
      this.problem(
        at,
        `a Wait state needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath${given.length ? ` (found ${given.join(', ')})` : ''}`,
      );
    }
    this.integer([...at, 'Seconds'], def.Seconds, 0, 'a whole number of seconds, 0 or more');
    if (def.Timestamp !== undefined && (typeof def.Timestamp !== 'string' || !RFC3339.test(def.Timestamp))) {
      this.problem(
        [...at, 'Timestamp'],
        `must be an RFC 3339 timestamp such as 2026-01-01T00:00:00Z, got ${JSON.stringify(def.Timestamp)}`,
      );
    }
    for (const key of ['SecondsPath', 'TimestampPath'] as const) {
      if (def[key] !== undefined) this.path([...at, key], def[key]);
    }
    const dynamic = def.Timestamp !== undefined || def.SecondsPath !== undefined || def.TimestampPath !== undefined;
    if (dynamic || (typeof def.Seconds === 'number' && def.Seconds > EXPRESS_MAX_SECONDS))
      this.facts.longWaits.push(name);
  }

  parallel(def: JsonObject, at: Segments, reserved: ReadonlySet<string>): boolean {
    if (!Array.isArray(def.Branches) || def.Branches.length === 0) {
      this.problem([...at, 'Branches'], 'a Parallel state needs a non-empty Branches array');
      return false;
    }
    let hasIntegration = false;
    def.Branches.forEach((branch, i) => {
      const path = [...at, 'Branches', i];
      if (!isObject(branch)) {
        this.problem(path, 'a branch must be an object with StartAt and States');
        return;
      }
      this.onlyKeys(path, branch, ['StartAt', 'States', 'Comment'], 'branch');
      if (this.scope(branch.States, branch.StartAt, path, reserved)) hasIntegration = true;
    });
    return hasIntegration;
  }

  map(name: string, def: JsonObject, at: Segments, reserved: ReadonlySet<string>): boolean {
    if (def.ItemsPath !== undefined) this.path([...at, 'ItemsPath'], def.ItemsPath);
    this.integer([...at, 'MaxConcurrency'], def.MaxConcurrency, 0, 'a whole number, 0 or more (0 = no limit)');
    if (def.MaxConcurrencyPath !== undefined) this.path([...at, 'MaxConcurrencyPath'], def.MaxConcurrencyPath);
    if (def.MaxConcurrency !== undefined && def.MaxConcurrencyPath !== undefined) {
      this.problem([...at, 'MaxConcurrencyPath'], 'use MaxConcurrency or MaxConcurrencyPath, not both');
    }
    if (def.ItemSelector !== undefined && def.Parameters !== undefined) {
      this.problem([...at, 'Parameters'], 'use ItemSelector (or the older Parameters), not both');
    }
    const hasProcessor = def.ItemProcessor !== undefined;
    if (hasProcessor === (def.Iterator !== undefined)) {
      this.problem(at, 'a Map state needs exactly one of ItemProcessor or Iterator');
      return false;
    }
    const key = hasProcessor ? 'ItemProcessor' : 'Iterator';
    const processor = def[key];
    const path = [...at, key];
    if (!isObject(processor)) {
      this.problem(path, `${key} must be an object with StartAt and States`);
      return false;
    }
    this.onlyKeys(
      path,
      processor,
      hasProcessor ? ['StartAt', 'States', 'ProcessorConfig', 'Comment'] : ['StartAt', 'States', 'Comment'],
      key,
    );
    const config = processor.ProcessorConfig;
    if (config !== undefined) {
      if (!isObject(config)) this.problem([...path, 'ProcessorConfig'], 'must be an object');
      else if (config.Mode !== undefined && config.Mode !== 'INLINE') {
        this.problem(
          [...path, 'ProcessorConfig', 'Mode'],
          `only INLINE Map processing is supported, got ${JSON.stringify(config.Mode)}`,
        );
      }
    }
    const hasIntegration = this.scope(processor.States, processor.StartAt, path, reserved);
    if (def.ItemSelector !== undefined || def.Parameters !== undefined) {
      this.facts.mapsWithCustomInput.push({ name, path: jsonPath(at), hasIntegrationTask: hasIntegration });
      if (hasIntegration) {
        this.warn(
          [...at, def.ItemSelector !== undefined ? 'ItemSelector' : 'Parameters'],
          'integration tasks in this Map keep their result under $.results.<State> of the iteration input: include "results": {} in the selector',
        );
      }
    }
    return hasIntegration;
  }

  onlyKeys(at: Segments, value: JsonObject, allowed: readonly string[], what: string): void {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key))
        this.problem([...at, key], `unknown ${what} field "${key}" (allowed: ${allowed.join(', ')})`);
    }
  }
}

/**
 * Validates a loaded playbook against the language and the integration catalog. Never throws on bad input:
 * every problem is returned with file, JSON path and reason.
 */
export function validatePlaybook(source: PlaybookSource, catalog: IntegrationCatalog): ValidationResult {
  if (source.problems.length > 0) return { problems: [...source.problems], warnings: [] };
  const c = new Checker(source.file, catalog);
  const doc = source.json;
  if (!isObject(doc)) {
    c.problem([], `a playbook must be a JSON object, got ${Array.isArray(doc) ? 'an array' : typeof doc}`);
    return { problems: c.problems, warnings: c.warnings };
  }
  for (const key of Object.keys(doc)) {
    if (!TOP_LEVEL_KEYS.includes(key))
      c.problem([key], `unknown top-level key "${key}" (allowed: ${TOP_LEVEL_KEYS.join(', ')})`);
  }
  // The folder is the playbook's id (state machine name, routing, results); `Playbook` is kept for display.
  if (!PLAYBOOK_NAME.test(source.name)) {
    c.problem(
      [],
      `the playbook folder name "${source.name}" is its id: it starts with a letter and has up to 64 letters, digits, "_" or "-"`,
    );
  }
  if (typeof doc.Playbook !== 'string' || doc.Playbook.length === 0) {
    c.problem(
      ['Playbook'],
      `Playbook is required: the playbook's display name (its id is the folder name "${source.name}")`,
    );
  } else if (doc.Playbook !== source.name) {
    c.warn(
      ['Playbook'],
      `Playbook "${doc.Playbook}" differs from its folder name: the playbook's id is "${source.name}" (the folder); "${doc.Playbook}" is kept for display`,
    );
  }
  if (doc.Compat !== undefined && !(COMPAT_MODES as readonly unknown[]).includes(doc.Compat)) {
    c.problem(['Compat'], `must be "socless" or "native", got ${JSON.stringify(doc.Compat)}`);
  }
  if (doc.Comment !== undefined && typeof doc.Comment !== 'string') c.problem(['Comment'], 'must be a string');
  c.integer(['TimeoutSeconds'], doc.TimeoutSeconds, 1, 'a whole number of seconds, at least 1');
  if (doc.Version !== undefined && doc.Version !== '1.0') c.problem(['Version'], 'must be "1.0"');

  const decorators = doc.Decorators;
  let handler: JsonObject | undefined;
  let disable: unknown;
  if (decorators !== undefined) {
    if (!isObject(decorators)) {
      c.problem(['Decorators'], 'must be an object');
    } else {
      for (const key of Object.keys(decorators)) {
        if (!DECORATOR_KEYS.includes(key))
          c.problem(['Decorators', key], `unknown decorator "${key}" (known: ${DECORATOR_KEYS.join(', ')})`);
      }
      if (decorators.TaskFailureHandler !== undefined) {
        if (!isObject(decorators.TaskFailureHandler))
          c.problem(['Decorators', 'TaskFailureHandler'], 'must be a state definition (an object)');
        else handler = decorators.TaskFailureHandler;
      }
      disable = decorators.DisableDefaultRetry;
    }
  }
  c.activityRefusals = activityHints(doc.States);
  const reserved: ReadonlySet<string> = handler
    ? new Set([TASK_FAILURE_HANDLER_STATE, TASK_FAILURE_END_STATE])
    : new Set();
  c.scope(doc.States, doc.StartAt, [], reserved);

  if (handler) {
    const at = ['Decorators', 'TaskFailureHandler'];
    if (handler.Type !== 'Task' && handler.Type !== 'Parallel') {
      c.problem(
        [...at, 'Type'],
        `the TaskFailureHandler must be a Task or a Parallel state, got ${JSON.stringify(handler.Type)}`,
      );
    } else {
      // The handler's own Next/End are replaced by the jump to the final Fail state, as SOCless does.
      const { Next: _n, End: _e, ...rest } = handler;
      const topNames = new Set([...(isObject(doc.States) ? Object.keys(doc.States) : []), TASK_FAILURE_END_STATE]);
      c.state(TASK_FAILURE_HANDLER_STATE, { ...rest, Next: TASK_FAILURE_END_STATE }, at, topNames, new Set(), {
        isHandler: true,
      });
    }
  }

  if (handler && isObject(doc.States)) {
    const catchable = Object.values(doc.States).filter(
      (def) => isObject(def) && ['Task', 'Interaction', 'Parallel', 'Map'].includes(def.Type as string),
    );
    if (catchable.every((def) => catchesEverything((def as JsonObject).Catch))) {
      c.warn(['Decorators', 'TaskFailureHandler'], 'never used: no top-level task is left without its own catch-all');
    }
  }

  const disabled = disableDefaultRetry(c, disable);
  const triggers = triggerPatterns(c, doc.Triggers);
  const workflow = chooseWorkflow(c, doc.Workflow);

  if (c.problems.length > 0 || !workflow) return { problems: c.problems, warnings: c.warnings };
  const {
    Playbook,
    Comment,
    StartAt,
    States,
    Decorators: _d,
    Triggers: _t,
    Workflow: _w,
    Compat,
    $schema: _s,
    ...passThrough
  } = doc;
  const compat =
    Compat === 'socless' || Compat === 'native' ? Compat : c.facts.soclessReferences.length > 0 ? 'socless' : 'native';
  return {
    problems: [],
    warnings: c.warnings,
    playbook: {
      name: source.name,
      displayName: Playbook as string,
      compat,
      compatReason:
        Compat !== undefined
          ? `"Compat": "${String(Compat)}" in the playbook`
          : compat === 'socless'
            ? `SOCless integrations: ${c.facts.soclessReferences.join(', ')}`
            : 'every integration is a native one',
      ...(typeof Comment === 'string' ? { comment: Comment } : {}),
      startAt: StartAt as string,
      states: States as Record<string, JsonObject>,
      passThrough,
      ...(handler ? { taskFailureHandler: handler } : {}),
      disableDefaultRetry: disabled,
      triggers,
      workflow: workflow.type,
      workflowReason: workflow.reason,
    },
  };
}

function disableDefaultRetry(c: Checker, value: unknown): { all: boolean; tasks: Set<string> } {
  const result = { all: false, tasks: new Set<string>() };
  if (value === undefined) return result;
  const at = ['Decorators', 'DisableDefaultRetry'];
  if (!isObject(value)) {
    c.problem(at, 'must be an object: {"all": true} or {"tasks": ["State", ...]}');
    return result;
  }
  c.onlyKeys(at, value, ['all', 'tasks'], 'DisableDefaultRetry');
  if (value.all !== undefined) {
    if (typeof value.all !== 'boolean') c.problem([...at, 'all'], 'must be true or false');
    else result.all = value.all;
  }
  if (value.tasks !== undefined) {
    if (!Array.isArray(value.tasks)) {
      c.problem([...at, 'tasks'], 'must be an array of Task or Interaction state names');
      return result;
    }
    value.tasks.forEach((name, i) => {
      const known = typeof name === 'string' ? c.facts.names.get(name) : undefined;
      if (typeof name !== 'string' || !known) {
        c.problem([...at, 'tasks', i], `${JSON.stringify(name)} is not a state of this playbook`);
      } else if (known.type !== 'Task' && known.type !== 'Interaction') {
        c.problem(
          [...at, 'tasks', i],
          `"${name}" is a ${String(known.type)} state; default retries only apply to Task and Interaction states`,
        );
      } else {
        result.tasks.add(name);
      }
    });
  }
  return result;
}

function triggerPatterns(c: Checker, value: unknown): Array<Record<string, unknown>> {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    c.problem(['Triggers'], 'must be an array of EventBridge event patterns');
    return [];
  }
  const patterns: Array<Record<string, unknown>> = [];
  value.forEach((pattern, i) => {
    if (!isObject(pattern)) {
      c.problem(['Triggers', i], 'an EventBridge event pattern must be a JSON object');
      return;
    }
    const base = jsonPath(['Triggers', i]);
    for (const p of validateEventPattern(pattern)) {
      const inner = p.path === '$' || p.path === '' ? '' : p.path.startsWith('$') ? p.path.slice(1) : `.${p.path}`;
      c.problems.push({ file: c.file, path: `${base}${inner}`, reason: p.reason });
    }
    patterns.push(pattern);
  });
  return patterns;
}

function chooseWorkflow(c: Checker, value: unknown): { type: WorkflowType; reason: string } | undefined {
  const { interactions, longWaits, callbackTasks } = c.facts;
  if (value !== undefined) {
    if (typeof value !== 'string' || !(WORKFLOWS as readonly string[]).includes(value)) {
      c.problem(['Workflow'], `must be "express" or "standard", got ${JSON.stringify(value)}`);
      return undefined;
    }
    if (value === 'express') {
      if (interactions.length > 0) {
        c.problem(
          ['Workflow'],
          `Express workflows cannot wait for a task token; Interaction state(s) ${interactions.join(', ')} need "standard"`,
        );
      }
      if (callbackTasks.length > 0) {
        c.problem(
          ['Workflow'],
          `Express workflows do not support .sync or .waitForTaskToken tasks (${callbackTasks.join(', ')}); use "standard"`,
        );
      }
      if (longWaits.length > 0) {
        c.problem(
          ['Workflow'],
          `Express workflows stop after ${EXPRESS_MAX_SECONDS} s but Wait state(s) ${longWaits.join(', ')} can wait longer; use "standard"`,
        );
      }
    }
    return { type: value as WorkflowType, reason: 'set by the playbook' };
  }
  if (interactions.length > 0) return { type: 'standard', reason: `Interaction state(s): ${interactions.join(', ')}` };
  if (longWaits.length > 0) {
    return {
      type: 'standard',
      reason: `Wait state(s) that can last over ${EXPRESS_MAX_SECONDS} s: ${longWaits.join(', ')}`,
    };
  }
  if (callbackTasks.length > 0)
    return { type: 'standard', reason: `callback/sync task(s): ${callbackTasks.join(', ')}` };
  return { type: 'express', reason: `nothing waits longer than ${EXPRESS_MAX_SECONDS} s` };
}

/** Names of states reachable from `startAt` through Next, Default, Choices and Catch. */
export function reachable(states: JsonObject, startAt: string): Set<string> {
  const seen = new Set<string>();
  const queue = [startAt];
  while (queue.length > 0) {
    const name = queue.pop() as string;
    if (seen.has(name) || !Object.hasOwn(states, name)) continue;
    seen.add(name);
    queue.push(...successors(states[name]));
  }
  return seen;
}

/** Every state a state can transition to (in its own scope). */
export function successors(def: unknown): string[] {
  if (!isObject(def)) return [];
  const out: string[] = [];
  if (typeof def.Next === 'string') out.push(def.Next);
  if (typeof def.Default === 'string') out.push(def.Default);
  if (Array.isArray(def.Choices)) {
    for (const rule of def.Choices) if (isObject(rule) && typeof rule.Next === 'string') out.push(rule.Next);
  }
  if (Array.isArray(def.Catch)) {
    for (const catcher of def.Catch) if (isObject(catcher) && typeof catcher.Next === 'string') out.push(catcher.Next);
  }
  return out;
}

/** Whether a catcher list handles every task failure (States.ALL or States.TaskFailed). */
export function catchesEverything(catchers: unknown): boolean {
  return (
    Array.isArray(catchers) &&
    catchers.some(
      (c) =>
        isObject(c) &&
        Array.isArray(c.ErrorEquals) &&
        (c.ErrorEquals.includes('States.ALL') || c.ErrorEquals.includes('States.TaskFailed')),
    )
  );
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(names: Iterable<string>): string {
  return [...names].join(', ');
}
