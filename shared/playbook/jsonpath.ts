/**
 * Syntax checks for the JSONPath subset Amazon States Language accepts (JSONPath query language), so a typo
 * in a playbook is reported with its location before Step Functions rejects the whole definition.
 *
 * - A *Path* (`InputPath`, `OutputPath`, `ItemsPath`, `"key.$"` values) starts with `$` (state input) or `$$`
 *   (context object) and may use wildcards, slices, unions and filters.
 * - A *Reference Path* (`ResultPath`, Choice `Variable`) identifies a single node: only `.name`, `['name']`
 *   and `[index]` steps.
 * - A `"key.$"` value may also be an intrinsic function call, e.g. `States.Format('{}', $.a)`.
 */

/** The intrinsic functions of ASL with their [minimum, maximum] argument counts. */
export const INTRINSIC_FUNCTIONS: Readonly<Record<string, readonly [number, number]>> = {
  'States.Format': [1, Number.POSITIVE_INFINITY],
  'States.StringToJson': [1, 1],
  'States.JsonToString': [1, 1],
  'States.Array': [0, Number.POSITIVE_INFINITY],
  'States.ArrayPartition': [2, 2],
  'States.ArrayContains': [2, 2],
  'States.ArrayRange': [3, 3],
  'States.ArrayGetItem': [2, 2],
  'States.ArrayLength': [1, 1],
  'States.ArrayUnique': [1, 1],
  'States.Base64Encode': [1, 1],
  'States.Base64Decode': [1, 1],
  'States.Hash': [2, 2],
  'States.JsonMerge': [3, 3],
  'States.MathRandom': [2, 3],
  'States.MathAdd': [2, 2],
  'States.StringSplit': [2, 2],
  'States.UUID': [0, 0],
};

export interface PathCheckOptions {
  /** Only single-node steps (ResultPath, Choice Variable). */
  readonly reference?: boolean;
  /** Whether `$$.` (the context object) may start the path. @default true */
  readonly allowContext?: boolean;
}

/** Characters a dot-notation member name may not contain. */
const NAME_STOP = new Set([
  '.',
  '[',
  ']',
  '(',
  ')',
  "'",
  '"',
  ',',
  ' ',
  '\t',
  '\n',
  '\r',
  '*',
  '?',
  '@',
  '!',
  '=',
  '<',
  '>',
  '\\',
]);

/**
 * Checks one path; returns `undefined` when it is valid, otherwise the reason in words.
 */
export function checkPath(path: unknown, options: PathCheckOptions = {}): string | undefined {
  if (typeof path !== 'string') return `must be a string JSONPath, got ${describe(path)}`;
  if (!path.startsWith('$')) return `"${path}" is not a JSONPath: it must start with "$"`;
  const allowContext = options.allowContext ?? true;
  let i = 1;
  if (path.startsWith('$$')) {
    if (!allowContext) return `"${path}" may not refer to the context object ($$)`;
    i = 2;
  }
  while (i < path.length) {
    const step = readStep(path, i, options.reference === true);
    if (typeof step === 'string')
      return `"${path}" is not a valid ${options.reference ? 'reference path' : 'JSONPath'}: ${step}`;
    i = step.next;
  }
  return undefined;
}

/** Checks a `"key.$"` value: a Path or an intrinsic function call. */
export function checkPayloadPath(value: unknown): string | undefined {
  if (typeof value !== 'string') return `the value of a "key.$" field must be a string, got ${describe(value)}`;
  if (value.startsWith('States.')) {
    const result = readIntrinsic(value, 0);
    if (typeof result === 'string') return `"${value}" is not a valid intrinsic function call: ${result}`;
    if (result.next !== value.length) {
      return `"${value}" is not a valid intrinsic function call: unexpected "${value.slice(result.next)}" after the call`;
    }
    return undefined;
  }
  return checkPath(value);
}

/** Whether a string looks like it was meant to be a path (for template conversion). */
export function isReferencePath(value: string): boolean {
  return checkPath(value, { reference: true, allowContext: false }) === undefined;
}

type Step = { next: number } | string;

function readStep(path: string, i: number, reference: boolean): Step {
  const c = path[i];
  if (c === '.') {
    if (path[i + 1] === '.') {
      if (reference) return 'recursive descent (..) is not allowed in a reference path';
      const name = readName(path, i + 2);
      if (name.length === 0 && path[i + 2] !== '*') return `expected a member name after ".." at position ${i}`;
      return { next: i + 2 + (name.length === 0 ? 1 : name.length) };
    }
    if (path[i + 1] === '*') {
      if (reference) return 'wildcards are not allowed in a reference path';
      return { next: i + 2 };
    }
    const name = readName(path, i + 1);
    if (name.length === 0) return `expected a member name after "." at position ${i}`;
    return { next: i + 1 + name.length };
  }
  if (c === '[') return readBracket(path, i, reference);
  return `unexpected "${c}" at position ${i}`;
}

function readName(path: string, start: number): string {
  let end = start;
  while (end < path.length && !NAME_STOP.has(path[end] as string)) end++;
  return path.slice(start, end);
}

function readBracket(path: string, i: number, reference: boolean): Step {
  const close = findClosingBracket(path, i);
  if (close < 0) return `unclosed "[" at position ${i}`;
  const inner = path.slice(i + 1, close).trim();
  const next = close + 1;
  if (/^\d+$/.test(inner)) return { next };
  if (/^'(?:[^'\\]|\\.)*'$/.test(inner) || /^"(?:[^"\\]|\\.)*"$/.test(inner)) {
    return inner.length > 2 ? { next } : 'an empty quoted member name';
  }
  if (reference) return `"[${inner}]" selects more than one node, which a reference path may not do`;
  if (inner === '*') return { next };
  if (/^-?\d*:-?\d*(?::-?\d+)?$/.test(inner) && inner !== ':') return { next };
  if (/^-\d+$/.test(inner)) return { next };
  if (/^(?:\d+|'[^']*')(?:\s*,\s*(?:\d+|'[^']*'))+$/.test(inner)) return { next };
  if (inner.startsWith('?(') && inner.endsWith(')') && inner.length > 3) {
    return balanced(inner) ? { next } : `unbalanced parentheses in filter "[${inner}]"`;
  }
  if (inner.startsWith('(') && inner.endsWith(')') && inner.length > 2) return { next };
  return `"[${inner}]" is not a valid subscript (use [n], ['name'], [*], [a:b], [n,m] or [?(...)])`;
}

function findClosingBracket(path: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let j = open; j < path.length; j++) {
    const ch = path[j];
    if (quote) {
      if (ch === '\\') j++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '[') depth++;
    else if (ch === ']') {
      depth--;
      if (depth === 0) return j;
    }
  }
  return -1;
}

function balanced(text: string): boolean {
  let depth = 0;
  let quote: string | undefined;
  for (let j = 0; j < text.length; j++) {
    const ch = text[j];
    if (quote) {
      if (ch === '\\') j++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0 && quote === undefined;
}

/** Reads `States.Name(arg, ...)` starting at `i`; returns the index after the closing parenthesis. */
function readIntrinsic(text: string, i: number): Step {
  const m = /^States\.[A-Za-z0-9]+/.exec(text.slice(i));
  if (!m) return `expected an intrinsic function name at position ${i}`;
  const name = m[0];
  const arity = INTRINSIC_FUNCTIONS[name];
  if (!arity) return `unknown intrinsic function ${name} (known: ${Object.keys(INTRINSIC_FUNCTIONS).join(', ')})`;
  let j = i + name.length;
  if (text[j] !== '(') return `expected "(" after ${name}`;
  j++;
  let count = 0;
  j = skipSpaces(text, j);
  if (text[j] === ')') {
    j++;
  } else {
    for (;;) {
      const arg = readArgument(text, j);
      if (typeof arg === 'string') return arg;
      count++;
      j = skipSpaces(text, arg.next);
      if (text[j] === ',') {
        j = skipSpaces(text, j + 1);
        continue;
      }
      if (text[j] === ')') {
        j++;
        break;
      }
      return j >= text.length ? `missing ")" to close ${name}(` : `unexpected "${text[j]}" at position ${j}`;
    }
  }
  const [min, max] = arity;
  if (count < min || count > max) {
    const expected = min === max ? `${min}` : max === Number.POSITIVE_INFINITY ? `at least ${min}` : `${min} to ${max}`;
    return `${name} takes ${expected} argument(s), got ${count}`;
  }
  return { next: j };
}

function readArgument(text: string, i: number): Step {
  const c = text[i];
  if (c === undefined) return 'missing argument before the end of the call';
  if (c === "'") {
    for (let j = i + 1; j < text.length; j++) {
      if (text[j] === '\\') {
        j++;
        continue;
      }
      if (text[j] === "'") return { next: j + 1 };
    }
    return `unterminated string literal at position ${i}`;
  }
  if (text.startsWith('States.', i)) return readIntrinsic(text, i);
  if (c === '$') {
    let end = i;
    let depth = 0;
    while (end < text.length) {
      const ch = text[end];
      if (ch === '[') depth++;
      else if (ch === ']') depth--;
      else if (depth === 0 && (ch === ',' || ch === ')' || ch === ' ')) break;
      end++;
    }
    const reason = checkPath(text.slice(i, end));
    return reason ?? { next: end };
  }
  const literal = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i));
  if (literal) return { next: i + literal[0].length };
  return `unexpected "${c}" at position ${i} (an argument is a 'string', a number, true/false/null, a path or an intrinsic call)`;
}

function skipSpaces(text: string, i: number): number {
  let j = i;
  while (text[j] === ' ') j++;
  return j;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `"${value}"` : typeof value;
}
