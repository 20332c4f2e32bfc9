/**
 * Parameter resolution: SOCless templates (`{{context.artifacts…}}`, `{{context.results…}}`), legacy
 * `$.results.X.y` strings, secret references and vault pointers.
 *
 * Safety rules, each tested:
 * - Templates are looked up, never evaluated: a template is a path into the invocation's context.
 * - One pass: text a template produced is never scanned again, so event data that itself looks like a
 *   template (a finding titled `{{context.results.x}}`) stays literal.
 * - Templates of every kind (`{{context.…}}`, legacy `$.…`, `{{secret:…}}`, `{{ssm:…}}`) are resolved only at
 *   the paths the state declares in `_socless.templates` — the strings the playbook author wrote, which the
 *   compiler lists. A state that declares no list gets none resolved: a value that reached `parameters`
 *   through a `.$` path (event data) is never templated. This keeps SOCless's behaviour (every string the
 *   playbook wrote is rendered) for playbook-written strings only.
 * - Context templates also need the invocation's `context` (the compiler adds it with the list).
 * - Secret references are resolved only inside the parameters an integration declares as secret-bearing, so
 *   even a playbook template cannot route a secret into, say, an e-mail body.
 * - Vault pointers (`{"vault_ref": …}`) are loaded only where they are declared: a pointer value inside a
 *   top-level parameter the integration lists in `vaultParameters`, or a state's whole result that the wrapper
 *   offloaded (`context.results.<State>`, marked `offloaded`) when a declared template reads through it. A
 *   pointer that arrives in event data stays data.
 */
import { jsonPath } from '../errors.ts';
import { IntegrationParameterError, SecretResolutionError } from './errors.ts';
import { parseSecretReference, type SecretResolver } from './secrets.ts';
import { decodeVaultBody, isVaultPointer, type VaultStore } from './vault.ts';

/** The data a template can read. */
export interface TemplateContext {
  readonly artifacts: Readonly<Record<string, unknown>>;
  readonly results: Readonly<Record<string, unknown>>;
}

export interface ResolveOptions {
  readonly state: string;
  readonly integration: string;
  /** Present only when the compiler found templates in the state's Parameters. */
  readonly context?: TemplateContext;
  /**
   * JSON paths under `parameters` that the playbook wrote as templates (`_socless.templates`). Only these are
   * resolved; absent means none.
   */
  readonly templatePaths?: readonly string[];
  /** Top-level parameter names in which secret references are resolved. */
  readonly secretParameters: readonly string[];
  /** Top-level parameter names in which vault pointer values are loaded. @default none */
  readonly vaultParameters?: readonly string[];
  readonly secrets: SecretResolver;
  /** Without a vault, vault pointers are passed through unchanged. */
  readonly vault?: VaultStore;
}

const TOKEN = /\{\{\s*((?:context\.|secret:|ssm:)[^{}]*?)\s*\}\}/g;
const WHOLE_TOKEN = /^\{\{\s*((?:context\.|secret:|ssm:)[^{}]*?)\s*\}\}$/;
const LEGACY_PATH = /^\$\.(?:artifacts|results)(?:\.[A-Za-z0-9_-]+|\[\d+\])+$/;
const SEGMENT = /([^.[\]]+)|\[(\d+)\]/g;

type Segment = string | number;

function displayPath(path: readonly Segment[]): string {
  return jsonPath(path).replace(/^\$\.?/, '') || '(parameters)';
}

function parsePath(text: string): Segment[] {
  const out: Segment[] = [];
  for (const m of text.matchAll(SEGMENT)) out.push(m[2] !== undefined ? Number(m[2]) : (m[1] as string));
  return out;
}

/**
 * Whether `node`, reached at `context.<scope>.<walked…>`, is a state's whole result that the wrapper offloaded
 * to the vault: the only pointers a template may read through (the wrapper writes them, events cannot).
 */
function isOffloadedResult(scope: string, walked: readonly Segment[], node: unknown): boolean {
  return (
    scope === 'results' &&
    walked.length === 3 &&
    isVaultPointer(node) &&
    (node as unknown as Record<string, unknown>).offloaded === true
  );
}

/** Resolves every parameter; returns a new object and leaves the input untouched. */
export async function resolveParameters(
  parameters: Readonly<Record<string, unknown>>,
  options: ResolveOptions,
): Promise<Record<string, unknown>> {
  const fail = (path: readonly Segment[], reason: string): never => {
    throw new IntegrationParameterError({
      state: options.state,
      integration: options.integration,
      parameter: displayPath(path),
      reason,
    });
  };

  const loadVault = async (value: unknown, path: readonly Segment[]): Promise<unknown> => {
    if (!options.vault || !isVaultPointer(value)) return value;
    try {
      return decodeVaultBody(await options.vault.get(value.vault_ref));
    } catch (err) {
      return fail(path, `holds a vault reference that cannot be read: ${(err as Error).message}`);
    }
  };

  const lookup = async (expression: string, path: readonly Segment[]): Promise<unknown> => {
    const segments = parsePath(expression);
    const [root, scope] = segments;
    if (root !== 'context' && root !== '$') return fail(path, `refers to "${expression}", which is not a context path`);
    if (scope !== 'artifacts' && scope !== 'results') {
      return fail(path, `refers to "${expression}": only context.artifacts and context.results can be read`);
    }
    const ctx = options.context as TemplateContext;
    let node: unknown = ctx[scope];
    const walked: Segment[] = ['context', scope];
    for (const seg of segments.slice(2)) {
      if (isOffloadedResult(scope, walked, node)) node = await loadVault(node, path);
      const missing =
        node === null ||
        typeof node !== 'object' ||
        (Array.isArray(node) ? typeof seg !== 'number' || seg >= node.length : !Object.hasOwn(node, String(seg)));
      if (missing) {
        return fail(path, `refers to "${expression}", but ${walked.join('.')} has no "${String(seg)}"`);
      }
      node = (node as Record<string | number, unknown>)[seg];
      walked.push(seg);
    }
    return isOffloadedResult(scope, walked, node) ? loadVault(node, path) : node;
  };

  const resolveToken = async (token: string, path: readonly Segment[]): Promise<unknown> => {
    if (token.startsWith('context.')) return lookup(token, path);
    try {
      return await options.secrets.resolve(parseSecretReference(token));
    } catch (err) {
      if (err instanceof SecretResolutionError) throw err;
      throw new SecretResolutionError(`{{${token}}}`, (err as Error).message, { cause: err });
    }
  };

  const templatesAllowedAt = (path: readonly Segment[]): boolean =>
    options.templatePaths?.includes(jsonPath(path)) === true;

  const vaultAllowedAt = (path: readonly Segment[]): boolean => {
    const top = path[0];
    return typeof top === 'string' && (options.vaultParameters ?? []).includes(top);
  };

  const tokenAllowed = (token: string, path: readonly Segment[]): boolean => {
    if (!templatesAllowedAt(path)) return false;
    if (token.startsWith('context.')) return options.context !== undefined;
    const top = path[0];
    return typeof top === 'string' && options.secretParameters.includes(top);
  };

  const resolveString = async (text: string, path: readonly Segment[]): Promise<unknown> => {
    if (options.context !== undefined && templatesAllowedAt(path) && LEGACY_PATH.test(text)) {
      return lookup(text, path);
    }
    const whole = WHOLE_TOKEN.exec(text);
    if (whole) {
      const token = whole[1] as string;
      return tokenAllowed(token, path) ? resolveToken(token, path) : text;
    }
    let out = '';
    let last = 0;
    for (const m of text.matchAll(TOKEN)) {
      const token = m[1] as string;
      if (!tokenAllowed(token, path)) continue;
      const value = await resolveToken(token, path);
      out += text.slice(last, m.index) + (typeof value === 'string' ? value : JSON.stringify(value));
      last = (m.index as number) + m[0].length;
    }
    return last === 0 ? text : out + text.slice(last);
  };

  const walk = async (value: unknown, path: Segment[]): Promise<unknown> => {
    if (typeof value === 'string') return resolveString(value, path);
    if (isVaultPointer(value) && vaultAllowedAt(path)) return loadVault(value, path);
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
