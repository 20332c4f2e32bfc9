/**
 * Parameter resolution for SOCless-style playbooks, as socless_python does it, with its silent failures
 * turned into errors:
 * - `$.a.b` → the whole value at `context.a.b`;
 * - `vault:<key>` → the vault object's content (`vault:<key>!json` → parsed JSON);
 * - `{{ … }}` → a small expression language over `context`: paths (`context.results.State.x`, `[0]`,
 *   `['key']`), string and number literals, the functions `vault('key')`, `secret('/ssm/path')`,
 *   `fromjson(x)`, `fromtimestamp(epoch)`, `datetime_from_now(days=…, hours=…, minutes=…, seconds=…)` and the
 *   filters `| fromjson`, `| tojson`, `| maptostr`, `| lower`, `| upper`, `| string`, `| int`;
 * - a single expression yields its native value; mixed text yields a string; a string result that reads as a
 *   literal (`"123"`, `"True"`, `"[1,2]"`) becomes that value (`"007"` stays text).
 *
 * Trust rules (the same as for native playbooks): only strings the playbook author wrote are resolved (the
 * compiler lists their paths; a value that came out of the event is never scanned again); `secret()` works only
 * in the parameters the integration declares secret-bearing; `env()` is refused (a playbook must not read the
 * Lambda's environment). A missing reference, a syntax error or an unreadable vault object fails the state
 * with an IntegrationParameterError naming the state and the parameter — the template text is never passed on.
 */
import { jsonPath } from '../errors.ts';
import { IntegrationParameterError, SecretResolutionError } from './errors.ts';
import type { SecretResolver } from './secrets.ts';
import { decodeVaultBody, isVaultPointer, type VaultStore } from './vault.ts';

/** What a SOCless template reads: the execution's artifacts, every state's result so far, the errors. */
export interface SoclessContext {
  readonly artifacts: Readonly<Record<string, unknown>>;
  readonly results: Readonly<Record<string, unknown>>;
  readonly errors: Readonly<Record<string, unknown>>;
  readonly execution_id?: string;
}

export interface SoclessResolveOptions {
  readonly state: string;
  readonly integration: string;
  readonly context: SoclessContext;
  /** Paths under the parameters that the playbook author wrote as strings to resolve. */
  readonly templatePaths: readonly string[];
  /** Top-level parameters in which `secret()` may be used. */
  readonly secretParameters: readonly string[];
  readonly secrets: SecretResolver;
  readonly vault?: VaultStore;
  readonly now: () => Date;
}

type Segment = string | number;

/** A template could not be parsed or evaluated; turned into an IntegrationParameterError by the caller. */
class TemplateFault extends Error {}

const LITERAL_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** socless_python's literal conversion of a rendered string, minus the cases that would lose text. */
export function soclessLiteral(text: string): unknown {
  const t = text.trim();
  if (t === 'True' || t === 'true') return true;
  if (t === 'False' || t === 'false') return false;
  if (t === 'None' || t === 'null') return null;
  if (LITERAL_NUMBER.test(t)) return Number(t);
  if ((t.startsWith('[') && t.endsWith(']')) || (t.startsWith('{') && t.endsWith('}'))) {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

// ---------- a tiny expression parser ----------

type Token =
  | { kind: 'ident'; value: string }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'punct'; value: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i] as string;
    if (/\s/.test(ch)) {
      i++;
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'ident', value: m[0] });
      i += m[0].length;
    } else if (/[0-9-]/.test(ch)) {
      const m = /^-?\d+(\.\d+)?/.exec(source.slice(i));
      if (!m) throw new TemplateFault(`unexpected "${ch}" at column ${i + 1}`);
      tokens.push({ kind: 'number', value: Number(m[0]) });
      i += m[0].length;
    } else if (ch === "'" || ch === '"') {
      let j = i + 1;
      let value = '';
      while (j < source.length && source[j] !== ch) {
        if (source[j] === '\\' && j + 1 < source.length) j++;
        value += source[j];
        j++;
      }
      if (j >= source.length) throw new TemplateFault(`unterminated string starting at column ${i + 1}`);
      tokens.push({ kind: 'string', value });
      i = j + 1;
    } else if ('.[]()|,='.includes(ch)) {
      tokens.push({ kind: 'punct', value: ch });
      i++;
    } else {
      throw new TemplateFault(`unexpected "${ch}" at column ${i + 1}`);
    }
  }
  return tokens;
}

type Expr =
  | { type: 'path'; root: string; segments: Segment[] }
  | { type: 'literal'; value: unknown }
  | { type: 'call'; name: string; args: Expr[]; kwargs: Record<string, Expr> }
  | { type: 'filter'; name: string; input: Expr };

function parseExpression(source: string): Expr {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = () => tokens[pos];
  const isPunct = (value: string) => {
    const t = peek();
    return t?.kind === 'punct' && t.value === value;
  };
  const expect = (value: string) => {
    if (!isPunct(value)) throw new TemplateFault(`expected "${value}"${peek() ? '' : ' before the end'}`);
    pos++;
  };

  const primary = (): Expr => {
    const t = peek();
    if (!t) throw new TemplateFault('empty expression');
    pos++;
    if (t.kind === 'string') return { type: 'literal', value: t.value };
    if (t.kind === 'number') return { type: 'literal', value: t.value };
    if (t.kind === 'punct') throw new TemplateFault(`unexpected "${t.value}"`);
    if (isPunct('(')) {
      pos++;
      const args: Expr[] = [];
      const kwargs: Record<string, Expr> = {};
      while (!isPunct(')')) {
        const a = peek();
        const b = tokens[pos + 1];
        if (a?.kind === 'ident' && b?.kind === 'punct' && b.value === '=') {
          pos += 2;
          kwargs[a.value] = pipeline();
        } else {
          args.push(pipeline());
        }
        if (!isPunct(')')) expect(',');
      }
      pos++;
      return { type: 'call', name: t.value, args, kwargs };
    }
    const segments: Segment[] = [];
    for (;;) {
      if (isPunct('.')) {
        pos++;
        const name = peek();
        if (name?.kind !== 'ident' && name?.kind !== 'number') throw new TemplateFault('expected a name after "."');
        pos++;
        segments.push(String(name.value));
      } else if (isPunct('[')) {
        pos++;
        const index = peek();
        if (index?.kind !== 'number' && index?.kind !== 'string') {
          throw new TemplateFault('expected an index or a quoted key inside [ ]');
        }
        pos++;
        segments.push(index.value);
        expect(']');
      } else {
        break;
      }
    }
    if (t.value === 'True' || t.value === 'true') return { type: 'literal', value: true };
    if (t.value === 'False' || t.value === 'false') return { type: 'literal', value: false };
    if (t.value === 'None' || t.value === 'none') return { type: 'literal', value: null };
    return { type: 'path', root: t.value, segments };
  };

  const pipeline = (): Expr => {
    let expr = primary();
    while (isPunct('|')) {
      pos++;
      const name = peek();
      if (name?.kind !== 'ident') throw new TemplateFault('expected a filter name after "|"');
      pos++;
      expr = { type: 'filter', name: name.value, input: expr };
    }
    return expr;
  };

  const expr = pipeline();
  if (pos < tokens.length) throw new TemplateFault(`unexpected text after the expression at token ${pos + 1}`);
  return expr;
}

// ---------- resolution ----------

const TEMPLATE = /\{\{([\s\S]*?)\}\}/g;
const VAULT_REF = /^vault:(.+?)(!json)?$/;

/** Resolves a SOCless-style state's parameters. Returns a new object; the input is not changed. */
export async function resolveSoclessParameters(
  parameters: Readonly<Record<string, unknown>>,
  options: SoclessResolveOptions,
): Promise<Record<string, unknown>> {
  const declared = new Set(options.templatePaths);

  const fail = (path: readonly Segment[], reason: string): never => {
    throw new IntegrationParameterError({
      state: options.state,
      integration: options.integration,
      parameter: jsonPath(path).replace(/^\$\.?/, '') || '(parameters)',
      reason,
    });
  };

  const readVault = async (key: string, asJson: boolean, path: readonly Segment[]): Promise<unknown> => {
    const vault = options.vault;
    if (!vault) return fail(path, `refers to vault:${key}, but no vault is configured`);
    let body: string;
    try {
      body = await vault.get({ bucket: vault.bucket, key });
    } catch (err) {
      return fail(path, `refers to vault:${key}, which cannot be read: ${(err as Error).message}`);
    }
    if (!asJson) return body;
    try {
      return JSON.parse(body) as unknown;
    } catch {
      return fail(path, `refers to vault:${key}!json, but the vault object is not JSON`);
    }
  };

  const walkPath = async (
    root: unknown,
    rootName: string,
    segments: readonly Segment[],
    path: readonly Segment[],
    written: string,
  ): Promise<unknown> => {
    let node = root;
    const walked = [rootName];
    for (const seg of segments) {
      if (isVaultPointer(node) && (node as unknown as Record<string, unknown>).offloaded === true && options.vault) {
        node = decodeVaultBody(await options.vault.get(node.vault_ref));
      }
      const has =
        node !== null &&
        typeof node === 'object' &&
        (Array.isArray(node) ? typeof seg === 'number' && seg < node.length : Object.hasOwn(node, String(seg)));
      if (!has) return fail(path, `refers to "${written}", but ${walked.join('.')} has no "${String(seg)}"`);
      node = (node as Record<string | number, unknown>)[seg];
      walked.push(String(seg));
    }
    return node;
  };

  const contextObject = (): Record<string, unknown> => ({
    artifacts: options.context.artifacts,
    results: options.context.results,
    errors: options.context.errors,
    ...(options.context.execution_id !== undefined ? { execution_id: options.context.execution_id } : {}),
  });

  const evaluate = async (expr: Expr, path: readonly Segment[], written: string): Promise<unknown> => {
    switch (expr.type) {
      case 'literal':
        return expr.value;
      case 'path':
        if (expr.root !== 'context') {
          return fail(
            path,
            `refers to "${expr.root}" in "${written}": templates read from context (context.artifacts, context.results, context.errors)`,
          );
        }
        return walkPath(contextObject(), 'context', expr.segments, path, written);
      case 'filter': {
        const value = await evaluate(expr.input, path, written);
        return applyFilter(expr.name, value, path, written);
      }
      case 'call':
        return call(expr, path, written);
    }
  };

  const stringArg = async (expr: Expr, args: Expr[], index: number, path: readonly Segment[], written: string) => {
    const arg = args[index];
    const value = arg ? await evaluate(arg, path, written) : undefined;
    if (typeof value !== 'string')
      return fail(path, `${(expr as { name: string }).name}() in "${written}" takes a string`);
    return value;
  };

  const call = async (expr: Extract<Expr, { type: 'call' }>, path: readonly Segment[], written: string) => {
    switch (expr.name) {
      case 'vault': {
        const key = await stringArg(expr, expr.args, 0, path, written);
        return readVault(key, false, path);
      }
      case 'secret': {
        const top = path[0];
        if (typeof top !== 'string' || !options.secretParameters.includes(top)) {
          return fail(
            path,
            `uses secret() in "${written}", but ${options.integration} resolves secrets only in ${options.secretParameters.join(', ') || 'no parameter'}`,
          );
        }
        const name = await stringArg(expr, expr.args, 0, path, written);
        try {
          return await options.secrets.resolve({ kind: 'ssm', name });
        } catch (err) {
          if (err instanceof SecretResolutionError) throw err;
          throw new SecretResolutionError(`secret('${name}')`, (err as Error).message, { cause: err });
        }
      }
      case 'env':
        return fail(
          path,
          `uses env() in "${written}": playbooks cannot read the Lambda environment; use secret('/ssm/path') for credentials or a configuration variable`,
        );
      case 'fromjson': {
        const text = await stringArg(expr, expr.args, 0, path, written);
        return applyFilter('fromjson', text, path, written);
      }
      case 'fromtimestamp': {
        const arg = expr.args[0];
        const value = arg ? await evaluate(arg, path, written) : undefined;
        const seconds = typeof value === 'string' ? Number(value) : value;
        if (typeof seconds !== 'number' || !Number.isFinite(seconds)) {
          return fail(path, `fromtimestamp() in "${written}" takes epoch seconds`);
        }
        return new Date(seconds * 1000).toISOString();
      }
      case 'datetime_from_now': {
        const units: Record<string, number> = { days: 86_400_000, hours: 3_600_000, minutes: 60_000, seconds: 1000 };
        let ms = 0;
        for (const [key, arg] of Object.entries(expr.kwargs)) {
          const factor = units[key];
          const value = await evaluate(arg, path, written);
          if (factor === undefined || typeof value !== 'number') {
            return fail(path, `datetime_from_now() in "${written}" takes days=, hours=, minutes= or seconds= numbers`);
          }
          ms += value * factor;
        }
        return new Date(options.now().getTime() + ms).toISOString();
      }
      default:
        return fail(
          path,
          `calls an unknown function ${expr.name}() in "${written}" (known: vault, secret, fromjson, fromtimestamp, datetime_from_now)`,
        );
    }
  };

  const applyFilter = (name: string, value: unknown, path: readonly Segment[], written: string): unknown => {
    switch (name) {
      case 'fromjson':
        if (typeof value !== 'string') return fail(path, `fromjson in "${written}" needs text`);
        try {
          return JSON.parse(value) as unknown;
        } catch {
          return fail(path, `fromjson in "${written}": the text is not JSON`);
        }
      case 'tojson':
        return JSON.stringify(value);
      case 'maptostr':
        if (!Array.isArray(value)) return fail(path, `maptostr in "${written}" needs a list`);
        return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      case 'lower':
        return String(value).toLowerCase();
      case 'upper':
        return String(value).toUpperCase();
      case 'string':
        return typeof value === 'string' ? value : JSON.stringify(value);
      case 'int': {
        const n = Number.parseInt(String(value), 10);
        return Number.isNaN(n) ? fail(path, `int in "${written}": ${JSON.stringify(value)} is not a number`) : n;
      }
      default:
        return fail(
          path,
          `uses an unknown filter "${name}" in "${written}" (known: fromjson, tojson, maptostr, lower, upper, string, int)`,
        );
    }
  };

  const renderTemplate = async (expression: string, path: readonly Segment[], written: string) => {
    let expr: Expr;
    try {
      expr = parseExpression(expression);
    } catch (err) {
      if (err instanceof TemplateFault)
        return fail(path, `has a template syntax error in "${written}": ${err.message}`);
      throw err;
    }
    return evaluate(expr, path, written);
  };

  const resolveString = async (text: string, path: readonly Segment[]): Promise<unknown> => {
    if (text.startsWith('$.')) {
      const segments: Segment[] = [];
      for (const m of text.slice(2).matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
        segments.push(m[2] !== undefined ? Number(m[2]) : (m[1] as string));
      }
      return walkPath(contextObject(), '$', segments, path, text);
    }
    const vaultRef = VAULT_REF.exec(text);
    if (vaultRef) return readVault(vaultRef[1] as string, vaultRef[2] !== undefined, path);
    const leftover = text.replace(TEMPLATE, '');
    if (leftover.includes('{{') || leftover.includes('}}')) {
      return fail(path, `has a template syntax error in "${text}": unbalanced {{ }}`);
    }
    const matches = [...text.matchAll(TEMPLATE)];
    if (matches.length === 0) return text;
    if (matches.length === 1 && matches[0]?.[0] === text.trim()) {
      const value = await renderTemplate(matches[0][1] as string, path, text);
      return typeof value === 'string' ? soclessLiteral(value) : value;
    }
    let out = '';
    let last = 0;
    for (const m of matches) {
      const value = await renderTemplate(m[1] as string, path, text);
      out += text.slice(last, m.index) + (typeof value === 'string' ? value : JSON.stringify(value));
      last = (m.index as number) + m[0].length;
    }
    return soclessLiteral(out + text.slice(last));
  };

  const walk = async (value: unknown, path: Segment[]): Promise<unknown> => {
    if (typeof value === 'string') return declared.has(jsonPath(path)) ? resolveString(value, path) : value;
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (const [i, v] of value.entries()) out.push(await walk(v, [...path, i]));
      return out;
    }
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = await walk(v, [...path, k]);
      return out;
    }
    return value;
  };

  return (await walk(parameters, [])) as Record<string, unknown>;
}

/**
 * SOCless's legacy `{context.x}` syntax in message text (SendMessage, CacheResults): each `{context.a.b}` is
 * replaced by the value there; a reference to nothing fails naming the parameter.
 */
export function renderLegacyContext(
  text: string,
  context: Readonly<Record<string, unknown>>,
  fail: (reason: string) => never,
): string {
  return text.replace(/\{context((?:\.[A-Za-z0-9_-]+|\[\d+\])+)\}/g, (whole, path: string) => {
    let node: unknown = context;
    for (const m of path.matchAll(/\.([A-Za-z0-9_-]+)|\[(\d+)\]/g)) {
      const seg = m[2] !== undefined ? Number(m[2]) : (m[1] as string);
      if (node === null || typeof node !== 'object' || !Object.hasOwn(node, String(seg))) {
        return fail(`refers to ${whole}, which does not exist`);
      }
      node = (node as Record<string | number, unknown>)[seg];
    }
    return typeof node === 'string' ? node : JSON.stringify(node);
  });
}
