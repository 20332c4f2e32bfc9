import { jsonPath, SoclessError } from '../errors.ts';
import { type IpRange, ipInRange, parseCidr, parseIpAddress } from './ip.ts';
import { exceedsJsonDepth } from './json-depth.ts';
import { foldCase, matchesWildcard, parseWildcard, type Wildcard } from './strings.ts';

/** One thing wrong with an event pattern: where (JSON path such as `$.detail.severity[0]`) and why. */
export interface PatternProblem {
  readonly path: string;
  readonly reason: string;
}

/** Thrown by {@link compileEventPattern} for an invalid pattern; lists every problem found. */
export class EventPatternError extends SoclessError {
  readonly problems: readonly PatternProblem[];
  constructor(problems: readonly PatternProblem[]) {
    super(`Invalid EventBridge event pattern:\n${problems.map((p) => `  - ${p.path}: ${p.reason}`).join('\n')}`);
    this.problems = problems;
  }
}

/** A validated pattern, compiled once, that tests parsed events without re-reading the pattern. */
export interface CompiledPattern {
  /** The pattern as given (parsed, if it was given as JSON text). */
  readonly pattern: unknown;
  /** Whether the event (a parsed JSON object) matches, with EventBridge semantics. */
  matches(event: unknown): boolean;
}

/** Options of the validator and compiler. */
export interface EventPatternOptions {
  /**
   * Deepest object nesting a pattern may have (the pattern object itself is level 1).
   * @default 32
   */
  readonly maxDepth?: number;
}

/** The comparison operators EventBridge accepts inside a value array. */
export const PATTERN_OPERATORS = [
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
] as const;

/** EventBridge compares numbers with six decimal places within ±5e9; outside that numeric matching does not apply. */
export const NUMERIC_LIMIT = 5e9;
const DEFAULT_MAX_DEPTH = 32;
const OPERATOR_SET: ReadonlySet<string> = new Set(PATTERN_OPERATORS);
const OR_KEY = '$or';

type Scalar = string | number | boolean | null;
type Predicate = (value: Scalar) => boolean;

interface LeafMatcher {
  readonly strings: ReadonlySet<string>;
  readonly numbers: readonly number[];
  readonly ips: readonly IpRange[];
  readonly matchTrue: boolean;
  readonly matchFalse: boolean;
  readonly matchNull: boolean;
  readonly predicates: readonly Predicate[];
  readonly existsTrue: boolean;
  readonly existsFalse: boolean;
}

interface ObjectNode {
  readonly leaves: ReadonlyArray<{ readonly key: string; readonly matcher: LeafMatcher }>;
  readonly objects: ReadonlyArray<{ readonly key: string; readonly node: ObjectNode }>;
  /** Each entry is one `$or`: at least one of its branches must match the same object. */
  readonly ors: ReadonlyArray<readonly ObjectNode[]>;
}

type Path = ReadonlyArray<string | number>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

/** Numbers compared in millionths, the precision EventBridge documents for numeric matching. */
function toMicros(n: number): number {
  return Math.round(n * 1e6);
}

function inNumericRange(n: number): boolean {
  return Number.isFinite(n) && n >= -NUMERIC_LIMIT && n <= NUMERIC_LIMIT;
}

function numbersEqual(a: number, b: number): boolean {
  if (inNumericRange(a) && inNumericRange(b)) return toMicros(a) === toMicros(b);
  return a === b;
}

/** Builds the compiled tree and collects every problem on the way. */
class PatternCompiler {
  readonly problems: PatternProblem[] = [];

  private problem(path: Path, reason: string): void {
    this.problems.push({ path: jsonPath(path), reason });
  }

  compileObject(obj: Record<string, unknown>, path: Path, insideOr: boolean): ObjectNode {
    const leaves: Array<{ key: string; matcher: LeafMatcher }> = [];
    const objects: Array<{ key: string; node: ObjectNode }> = [];
    const ors: ObjectNode[][] = [];
    const keys = Object.keys(obj);
    if (keys.length === 0) this.problem(path, 'empty objects are not allowed: name at least one field to match');
    for (const key of keys) {
      const value = obj[key];
      const here = [...path, key];
      if (key === OR_KEY) {
        const branches = this.compileOr(value, here);
        if (branches) ors.push(branches);
        continue;
      }
      if (insideOr && OPERATOR_SET.has(key)) {
        this.problem(here, `"${key}" is an operator name and cannot be used as a field name inside $or`);
        continue;
      }
      if (Array.isArray(value)) {
        leaves.push({ key, matcher: this.compileLeaf(value, here) });
      } else if (isPlainObject(value)) {
        objects.push({ key, node: this.compileObject(value, here, insideOr) });
      } else {
        this.problem(here, `must be an object or an array of match values, not ${describe(value)}`);
      }
    }
    return { leaves, objects, ors };
  }

  private compileOr(value: unknown, path: Path): ObjectNode[] | undefined {
    if (!Array.isArray(value)) {
      this.problem(path, `$or must be an array of at least two pattern objects, not ${describe(value)}`);
      return undefined;
    }
    if (value.length < 2) {
      this.problem(path, `$or must list at least two pattern objects (found ${value.length})`);
    }
    const branches: ObjectNode[] = [];
    value.forEach((branch, i) => {
      if (isPlainObject(branch)) branches.push(this.compileObject(branch, [...path, i], true));
      else this.problem([...path, i], `each $or alternative must be a pattern object, not ${describe(branch)}`);
    });
    return branches;
  }

  private compileLeaf(values: readonly unknown[], path: Path): LeafMatcher {
    const strings = new Set<string>();
    const numbers: number[] = [];
    const ips: IpRange[] = [];
    const predicates: Predicate[] = [];
    let matchTrue = false;
    let matchFalse = false;
    let matchNull = false;
    let existsTrue = false;
    let existsFalse = false;
    if (values.length === 0) this.problem(path, 'empty arrays are not allowed: list at least one value to match');
    values.forEach((value, i) => {
      const here = [...path, i];
      if (typeof value === 'string') {
        strings.add(value);
        // EventBridge treats a value that is an IP address as that address, so equal addresses in other spellings match.
        const ip = parseIpAddress(value);
        if (ip) ips.push({ version: ip.version, first: ip.value, last: ip.value });
      } else if (typeof value === 'number') {
        if (Number.isFinite(value)) numbers.push(value);
        else this.problem(here, 'must be a finite number');
      } else if (value === true) {
        matchTrue = true;
      } else if (value === false) {
        matchFalse = true;
      } else if (value === null) {
        matchNull = true;
      } else if (isPlainObject(value)) {
        const compiled = this.compileOperator(value, here);
        if (compiled === 'exists-true') existsTrue = true;
        else if (compiled === 'exists-false') existsFalse = true;
        else if (compiled) predicates.push(compiled);
      } else {
        this.problem(
          here,
          `a match value must be a string, number, true, false, null or an operator object, not ${describe(value)}`,
        );
      }
    });
    return { strings, numbers, ips, matchTrue, matchFalse, matchNull, predicates, existsTrue, existsFalse };
  }

  private compileOperator(
    obj: Record<string, unknown>,
    path: Path,
  ): Predicate | 'exists-true' | 'exists-false' | undefined {
    const keys = Object.keys(obj);
    if (keys.length !== 1) {
      this.problem(
        path,
        keys.length === 0
          ? 'an operator object must have exactly one key (found none)'
          : `an operator object must have exactly one key (found ${keys.map((k) => `"${k}"`).join(', ')})`,
      );
      return undefined;
    }
    const op = keys[0]!;
    const arg = obj[op];
    const here = [...path, op];
    switch (op) {
      case 'prefix':
      case 'suffix':
        return this.compilePrefixSuffix(op, arg, here);
      case 'equals-ignore-case': {
        if (typeof arg !== 'string') return this.fail(here, `equals-ignore-case needs a string, not ${describe(arg)}`);
        const folded = foldCase(arg);
        return (v) => typeof v === 'string' && foldCase(v) === folded;
      }
      case 'wildcard': {
        const wildcard = this.compileWildcard(arg, here);
        return wildcard && ((v) => typeof v === 'string' && matchesWildcard(wildcard, v));
      }
      case 'anything-but':
        return this.compileAnythingBut(arg, here);
      case 'numeric':
        return this.compileNumeric(arg, here);
      case 'exists':
        if (typeof arg !== 'boolean') return this.fail(here, `exists must be true or false, not ${describe(arg)}`);
        return arg ? 'exists-true' : 'exists-false';
      case 'cidr': {
        if (typeof arg !== 'string') return this.fail(here, `cidr needs a string, not ${describe(arg)}`);
        const range = parseCidr(arg);
        if (typeof range === 'string') return this.fail(here, range);
        return (v) => typeof v === 'string' && ipInRange(v, range);
      }
      default:
        return this.fail(path, `unknown operator "${op}": expected one of ${PATTERN_OPERATORS.join(', ')}`);
    }
  }

  private fail(path: Path, reason: string): undefined {
    this.problem(path, reason);
    return undefined;
  }

  private compilePrefixSuffix(op: 'prefix' | 'suffix', arg: unknown, path: Path): Predicate | undefined {
    const test = op === 'prefix' ? (s: string, p: string) => s.startsWith(p) : (s: string, p: string) => s.endsWith(p);
    if (typeof arg === 'string') return (v) => typeof v === 'string' && test(v, arg);
    if (isPlainObject(arg)) {
      const keys = Object.keys(arg);
      if (keys.length === 1 && keys[0] === 'equals-ignore-case') {
        const inner = arg['equals-ignore-case'];
        if (typeof inner !== 'string') {
          return this.fail(
            [...path, 'equals-ignore-case'],
            `equals-ignore-case needs a string, not ${describe(inner)}`,
          );
        }
        const folded = foldCase(inner);
        return (v) => typeof v === 'string' && test(foldCase(v), folded);
      }
    }
    return this.fail(path, `${op} needs a string or {"equals-ignore-case": string}, not ${describe(arg)}`);
  }

  private compileWildcard(arg: unknown, path: Path): Wildcard | undefined {
    if (typeof arg !== 'string') return this.fail(path, `wildcard needs a string, not ${describe(arg)}`);
    const parsed = parseWildcard(arg);
    return typeof parsed === 'string' ? this.fail(path, `wildcard ${JSON.stringify(arg)}: ${parsed}`) : parsed;
  }

  private compileAnythingBut(arg: unknown, path: Path): Predicate | undefined {
    if (typeof arg === 'string') return (v) => v !== arg;
    if (typeof arg === 'number') {
      return (v) => typeof v !== 'number' || !numbersEqual(v, arg);
    }
    if (Array.isArray(arg)) {
      if (arg.length === 0) return this.fail(path, 'anything-but list must not be empty');
      if (arg.every((x) => typeof x === 'string')) {
        const excluded = new Set<string>(arg);
        return (v) => typeof v !== 'string' || !excluded.has(v);
      }
      if (arg.every((x) => typeof x === 'number')) {
        const excluded = arg as number[];
        return (v) => typeof v !== 'number' || !excluded.some((n) => numbersEqual(v, n));
      }
      return this.fail(
        path,
        'anything-but list must hold only strings or only numbers (no mixing, no null/true/false)',
      );
    }
    if (isPlainObject(arg)) {
      const keys = Object.keys(arg);
      if (keys.length !== 1) {
        return this.fail(
          path,
          'anything-but object must have exactly one of prefix, suffix, equals-ignore-case, wildcard',
        );
      }
      const op = keys[0]!;
      const inner = arg[op];
      const here = [...path, op];
      switch (op) {
        case 'prefix':
        case 'suffix': {
          if (typeof inner !== 'string' || inner.length === 0) {
            return this.fail(here, `anything-but ${op} needs a non-empty string, not ${describe(inner)}`);
          }
          return op === 'prefix'
            ? (v) => typeof v !== 'string' || !v.startsWith(inner)
            : (v) => typeof v !== 'string' || !v.endsWith(inner);
        }
        case 'equals-ignore-case': {
          const list = this.stringOrStrings(inner, here, 'anything-but equals-ignore-case');
          if (!list) return undefined;
          const folded = new Set(list.map(foldCase));
          return (v) => typeof v !== 'string' || !folded.has(foldCase(v));
        }
        case 'wildcard': {
          const list = this.stringOrStrings(inner, here, 'anything-but wildcard');
          if (!list) return undefined;
          const wildcards = list.map((w, i) => this.compileWildcard(w, Array.isArray(inner) ? [...here, i] : here));
          if (wildcards.some((w) => w === undefined)) return undefined;
          const compiled = wildcards as Wildcard[];
          return (v) => typeof v !== 'string' || !compiled.some((w) => matchesWildcard(w, v));
        }
        default:
          return this.fail(
            path,
            `unsupported anything-but operator "${op}": expected prefix, suffix, equals-ignore-case or wildcard`,
          );
      }
    }
    return this.fail(
      path,
      `anything-but needs a string, a number, a list of strings or of numbers, or an object, not ${describe(arg)}`,
    );
  }

  private stringOrStrings(value: unknown, path: Path, what: string): string[] | undefined {
    if (typeof value === 'string') return [value];
    if (Array.isArray(value) && value.length > 0 && value.every((x) => typeof x === 'string')) return value;
    return this.fail(path, `${what} needs a string or a non-empty list of strings, not ${describe(value)}`);
  }

  private compileNumeric(arg: unknown, path: Path): Predicate | undefined {
    if (!Array.isArray(arg))
      return this.fail(path, `numeric needs an array such as [">", 0, "<=", 5], not ${describe(arg)}`);
    if (arg.length !== 2 && arg.length !== 4) {
      return this.fail(
        path,
        `numeric needs one comparison [op, number] or a range [">"|">=", low, "<"|"<=", high] (found ${arg.length} elements)`,
      );
    }
    const operand = (i: number): number | undefined => {
      const n = arg[i];
      if (typeof n !== 'number' || !Number.isFinite(n)) {
        return this.fail([...path, i], `numeric operand must be a number, not ${describe(n)}`);
      }
      if (!inNumericRange(n)) {
        return this.fail([...path, i], `numeric operand ${n} is outside the supported range -5e9 to 5e9`);
      }
      return n;
    };
    const first = arg[0];
    const valid = ['=', '<', '<=', '>', '>='];
    if (typeof first !== 'string' || !valid.includes(first)) {
      return this.fail([...path, 0], `numeric operator must be one of ${valid.join(' ')}, not ${describe(first)}`);
    }
    const a = operand(1);
    if (arg.length === 2) {
      if (a === undefined) return undefined;
      const bound = toMicros(a);
      const cmp = comparator(first as Comparison, bound);
      return (v) => typeof v === 'number' && inNumericRange(v) && cmp(toMicros(v));
    }
    if (first !== '>' && first !== '>=') {
      return this.fail([...path, 0], `a numeric range must start with a lower bound (">" or ">="), not "${first}"`);
    }
    const second = arg[2];
    if (second !== '<' && second !== '<=') {
      return this.fail(
        [...path, 2],
        `a numeric range must end with an upper bound ("<" or "<="), not ${describe(second)}`,
      );
    }
    const b = operand(3);
    if (a === undefined || b === undefined) return undefined;
    if (a >= b) return this.fail(path, `numeric range is empty: lower bound ${a} must be less than upper bound ${b}`);
    const low = comparator(first, toMicros(a));
    const high = comparator(second, toMicros(b));
    return (v) => {
      if (typeof v !== 'number' || !inNumericRange(v)) return false;
      const m = toMicros(v);
      return low(m) && high(m);
    };
  }
}

type Comparison = '=' | '<' | '<=' | '>' | '>=';

function comparator(op: Comparison, bound: number): (micros: number) => boolean {
  switch (op) {
    case '=':
      return (m) => m === bound;
    case '<':
      return (m) => m < bound;
    case '<=':
      return (m) => m <= bound;
    case '>':
      return (m) => m > bound;
    case '>=':
      return (m) => m >= bound;
  }
}

function testScalar(m: LeafMatcher, v: Scalar): boolean {
  switch (typeof v) {
    case 'string':
      if (m.strings.has(v)) return true;
      if (m.ips.length > 0) {
        for (const r of m.ips) if (ipInRange(v, r)) return true;
      }
      break;
    case 'number':
      for (const n of m.numbers) if (numbersEqual(v, n)) return true;
      break;
    case 'boolean':
      if (v ? m.matchTrue : m.matchFalse) return true;
      break;
    default:
      if (v === null && m.matchNull) return true;
  }
  for (const p of m.predicates) if (p(v)) return true;
  return false;
}

/**
 * Matches one field of a pattern against the event's value there. Only leaves (strings, numbers, booleans, null)
 * are values: an object is "not a leaf" (so `exists: false` matches it, as the documentation shows), and an array
 * contributes each of its leaf elements (nested arrays flattened).
 */
function matchLeaf(m: LeafMatcher, value: unknown): boolean {
  if (value === undefined) return m.existsFalse;
  if (!Array.isArray(value)) {
    if (typeof value === 'object' && value !== null) return m.existsFalse;
    return m.existsTrue || testScalar(m, value as Scalar);
  }
  let leaves = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push(current[i]);
    } else if (current === null || typeof current !== 'object') {
      if (current === undefined) continue;
      leaves++;
      if (m.existsTrue || testScalar(m, current as Scalar)) return true;
    }
  }
  return leaves === 0 && m.existsFalse;
}

function field(obj: Record<string, unknown> | undefined, key: string): unknown {
  // Own properties only: a pattern key such as "constructor" must not reach Object.prototype.
  return obj !== undefined && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function matchObject(node: ObjectNode, obj: Record<string, unknown> | undefined): boolean {
  for (const leaf of node.leaves) if (!matchLeaf(leaf.matcher, field(obj, leaf.key))) return false;
  for (const child of node.objects) if (!matchNested(child.node, field(obj, child.key))) return false;
  for (const branches of node.ors) {
    let any = false;
    for (const branch of branches) {
      if (matchObject(branch, obj)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  return true;
}

/**
 * Matches a nested pattern object. When the event holds an array there, each object element is tried on its own,
 * so fields are never combined across different elements (EventBridge's array-consistent matching).
 */
function matchNested(node: ObjectNode, value: unknown): boolean {
  if (!Array.isArray(value)) return matchObject(node, isPlainObject(value) ? value : undefined);
  let sawObject = false;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push(current[i]);
    } else if (isPlainObject(current)) {
      sawObject = true;
      if (matchObject(node, current)) return true;
    }
  }
  return !sawObject && matchObject(node, undefined);
}

function readPattern(pattern: unknown): { value: unknown } | PatternProblem {
  if (typeof pattern !== 'string') return { value: pattern };
  try {
    return { value: JSON.parse(pattern) as unknown };
  } catch (err) {
    return { path: '$', reason: `is not valid JSON (${(err as Error).message})` };
  }
}

function compileInternal(
  pattern: unknown,
  options: EventPatternOptions,
): { problems: PatternProblem[]; root?: ObjectNode; value?: unknown } {
  const read = readPattern(pattern);
  if ('reason' in read) return { problems: [read] };
  const value = read.value;
  if (!isPlainObject(value)) {
    return { problems: [{ path: '$', reason: `an event pattern must be a JSON object, not ${describe(value)}` }] };
  }
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (exceedsJsonDepth(value, maxDepth + 1)) {
    // +1: leaf value arrays and operator objects sit below the deepest field object.
    return { problems: [{ path: '$', reason: `nests deeper than ${maxDepth} levels` }] };
  }
  const compiler = new PatternCompiler();
  const root = compiler.compileObject(value, [], false);
  return { problems: compiler.problems, root, value };
}

/**
 * Checks an event pattern the way EventBridge does and returns every problem (empty when valid). The pattern may
 * be a parsed object or its JSON text.
 */
export function validateEventPattern(pattern: unknown, options: EventPatternOptions = {}): PatternProblem[] {
  return compileInternal(pattern, options).problems;
}

/**
 * Validates and compiles an event pattern once for fast repeated matching.
 * @throws EventPatternError listing every problem when the pattern is invalid.
 */
export function compileEventPattern(pattern: unknown, options: EventPatternOptions = {}): CompiledPattern {
  const { problems, root, value } = compileInternal(pattern, options);
  if (problems.length > 0 || !root) throw new EventPatternError(problems);
  return {
    pattern: value,
    matches(event: unknown): boolean {
      // An event is a JSON object; anything else (including unparsed JSON text) cannot match.
      return isPlainObject(event) && matchObject(root, event);
    },
  };
}

/**
 * One-off convenience: compiles `pattern` and tests `event`. Prefer {@link compileEventPattern} in loops.
 * @throws EventPatternError when the pattern is invalid.
 */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  return compileEventPattern(pattern).matches(event);
}
