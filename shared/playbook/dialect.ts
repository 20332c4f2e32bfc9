// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Serverless variables are literal ${{...}} strings
/**
 * The Serverless-framework variables SOCless playbooks carry, resolved before validation:
 * `${{self:provider.stage}}`, `${{self:custom.<path>}}` (and the `self.custom` typo form), nested as in
 * `${{self:custom.waits.${{self:provider.stage}}}}`, plus `"apb_render_nonstring_value(X)"`, which stands for X
 * unquoted (a number for a Wait's `Seconds`, say).
 *
 * Values come from the configuration: `stage` and `variables.<stage>` (a map per stage). A reference to a
 * variable that is not defined is a problem naming the variable and where it was written; nothing is left as
 * literal text. Integration references in `Resource` (`${{self:custom.core.X}}`) are not variables: the
 * integration catalog resolves those.
 */
import { jsonPath, type Problem } from '../errors.ts';
import { parseSoclessReference } from './socless-aliases.ts';

/** The variables a playbook may reference: the stage and that stage's `variables` map. */
export interface PlaybookVariables {
  /** The value of `${{self:provider.stage}}`; undefined when the configuration sets no stage. */
  readonly stage?: string;
  /** `${{self:custom.<path>}}` looks `<path>` up here (the configuration's `variables.<stage>`). */
  readonly values: Readonly<Record<string, unknown>>;
}

/** The innermost `${{ … }}`: no `$`, `{` or `}` inside it. */
const INNERMOST = /\$\{\{\s*([^${}]*?)\s*\}\}/;
const NON_STRING = /^apb_render_nonstring_value\(([\s\S]*)\)$/;

type Segments = readonly PropertyKey[];

/** Result of {@link resolvePlaybookDialect}. */
export interface DialectResult {
  readonly json: unknown;
  readonly problems: Problem[];
  /** Whether the playbook used any Serverless variable or `apb_render_nonstring_value` (a SOCless playbook). */
  readonly usedSoclessDialect: boolean;
}

/** Looks a dotted path up in the variables; undefined when any segment is missing. */
function lookup(values: Readonly<Record<string, unknown>>, path: string): unknown {
  let node: unknown = values;
  for (const segment of path.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, segment)) {
      return undefined;
    }
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/**
 * Resolves every Serverless variable and `apb_render_nonstring_value` in a playbook. The input is not changed.
 * Without `variables`, any variable is a problem (the caller had no configuration to read them from).
 */
export function resolvePlaybookDialect(json: unknown, file: string, variables?: PlaybookVariables): DialectResult {
  const problems: Problem[] = [];
  let used = false;
  const problem = (at: Segments, reason: string) => problems.push({ file, path: jsonPath(at), reason });

  /** One variable's value, or undefined after recording a problem. */
  const variable = (expression: string, at: Segments): unknown => {
    const m = /^self[:.](provider\.stage|custom\.(.+))$/.exec(expression);
    if (!m) {
      problem(
        at,
        `Serverless variable \${{${expression}}} is not supported in a playbook: use \${{self:custom.<name>}} (from "variables" in the configuration) or \${{self:provider.stage}}`,
      );
      return undefined;
    }
    if (m[1] === 'provider.stage') {
      if (variables?.stage === undefined) {
        problem(at, '${{self:provider.stage}} is used but the configuration sets no "stage"');
        return undefined;
      }
      return variables.stage;
    }
    const path = m[2] as string;
    const value = variables ? lookup(variables.values, path) : undefined;
    if (value === undefined) {
      const where = variables?.stage !== undefined ? `variables.${variables.stage}` : 'variables.<stage>';
      problem(
        at,
        `variable "${path}" (\${{${expression}}}) is not defined: add it under ${where} in the configuration`,
      );
      return undefined;
    }
    return value;
  };

  const resolveString = (text: string, at: Segments): unknown => {
    let current: unknown = text;
    // Innermost first, so `${{self:custom.a.${{self:provider.stage}}}}` becomes `${{self:custom.a.prod}}`.
    for (let guard = 0; typeof current === 'string' && guard < 32; guard++) {
      const m = INNERMOST.exec(current);
      if (!m) break;
      used = true;
      const value = variable(m[1] as string, at);
      if (value === undefined) return text;
      const whole = m[0] === current;
      current = whole
        ? value
        : current.slice(0, m.index) +
          (typeof value === 'string' ? value : JSON.stringify(value)) +
          current.slice(m.index + m[0].length);
    }
    if (typeof current === 'string') {
      const nonString = NON_STRING.exec(current.trim());
      if (nonString) {
        used = true;
        const inner = (nonString[1] as string).trim();
        try {
          return JSON.parse(inner) as unknown;
        } catch {
          problem(
            at,
            `apb_render_nonstring_value(${inner}): "${inner}" is not a JSON value (a number, true, false, null, an array or an object)`,
          );
          return text;
        }
      }
    }
    return current;
  };

  const walk = (node: unknown, at: Segments, key?: string): unknown => {
    if (typeof node === 'string') {
      // An integration reference in Resource is resolved by the catalog, not as a variable.
      if (key === 'Resource' && parseSoclessReference(node)) return node;
      if (key === 'Resource' && /^\$\{\{\s*self[:.]custom\.[^${}]+\}\}$/.test(node)) return node;
      return resolveString(node, at);
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...at, i]));
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) out[k] = walk(v, [...at, k], k);
    return out;
  };

  return { json: walk(json, []), problems, usedSoclessDialect: used };
}

/** The playbook variables a configuration defines: its `stage` and `variables.<stage>`. */
export function playbookVariablesFrom(config: {
  readonly stage?: string | undefined;
  readonly variables: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}): PlaybookVariables {
  const values = config.stage !== undefined ? (config.variables[config.stage] ?? {}) : {};
  return config.stage !== undefined ? { stage: config.stage, values } : { values };
}
