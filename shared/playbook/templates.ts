/**
 * SOCless parameter references, turned into native Step Functions paths where that is exact, so an
 * integration receives resolved values and the runtime only renders what truly is a template.
 *
 * - `"{{context.results.Enrich.owner}}"` (a whole-string template) → `"key.$": "$.results.Enrich.owner"`
 * - `"$.results.Enrich.owner"` (SOCless legacy reference) → `"key.$": "$.results.Enrich.owner"`
 * - `"Hello {{context.artifacts.event.details.title}}"` stays a template for the runtime.
 */
import { jsonPath } from '../errors.ts';
import { isReferencePath } from './jsonpath.ts';

/** `{{ context.a.b[0] }}` with nothing around it. */
const WHOLE_TEMPLATE = /^\{\{\s*context((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])+)\s*\}\}$/;
/** Roots of the execution state a legacy `$.` reference may name. */
const LEGACY_ROOT = /^\$\.(artifacts|results|errors)(?=$|[.[])/;

/** Result of {@link convertTemplates}. */
export interface ConvertedParameters {
  readonly parameters: Record<string, unknown>;
  /** JSON paths (relative to the parameters object, `$.a.b`) of values the runtime must render. */
  readonly templates: readonly string[];
}

/** The native path a whole-string SOCless reference stands for, or undefined when it is not one. */
export function nativePathFor(value: string): string | undefined {
  const whole = WHOLE_TEMPLATE.exec(value);
  if (whole) {
    const path = `$${whole[1]}`;
    return isReferencePath(path) ? path : undefined;
  }
  // A `!json` conversion suffix or a vault reference needs the runtime, so it is not converted.
  if (LEGACY_ROOT.test(value) && isReferencePath(value)) return value;
  return undefined;
}

/** Whether the runtime must render this string (a Jinja-style template or an unconverted `$.` reference). */
export function isRuntimeTemplate(value: string): boolean {
  return /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/.test(value) || value.startsWith('$.');
}

/**
 * Rewrites a state's Parameters: exact references under an object key become `"key.$"` paths; the rest are
 * kept and listed in `templates` when the runtime has to render them. `"key.$"` fields are left as written.
 */
export function convertTemplates(parameters: Record<string, unknown>): ConvertedParameters {
  const templates: string[] = [];
  const walk = (node: unknown, path: readonly PropertyKey[]): unknown => {
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i]));
    if (typeof node === 'string') {
      if (isRuntimeTemplate(node)) templates.push(jsonPath(path));
      return node;
    }
    if (typeof node !== 'object' || node === null) return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      if (key.endsWith('.$')) {
        out[key] = value;
        continue;
      }
      const native = typeof value === 'string' ? nativePathFor(value) : undefined;
      if (native !== undefined && !Object.hasOwn(node, `${key}.$`)) out[`${key}.$`] = native;
      else out[key] = walk(value, [...path, key]);
    }
    return out;
  };
  return { parameters: walk(parameters, []) as Record<string, unknown>, templates };
}
