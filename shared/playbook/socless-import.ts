/**
 * Reads a SOCless playbooks repository (`playbooks/<name>/playbook.json` and the `custom:` mappings of its
 * `serverless.yml`) and reports, per playbook, what each integration reference maps to here: a built-in (with
 * its operation), a native integration, a configured external, or an integration still to declare — with the
 * `integrations.external` and `variables` entries to add. Reading only; the CLI writes with `--write`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Problem } from '../errors.ts';
import { type IntegrationCatalog, resolveResource } from './catalog.ts';
import { compilePlaybook } from './compile.ts';
import type { PlaybookVariables } from './dialect.ts';
import { loadPlaybookPath, type PlaybookSource } from './loader.ts';
import { parseSoclessReference } from './socless-aliases.ts';

/** One `Resource` of an imported playbook and what it maps to. */
export interface ImportedReference {
  readonly state: string;
  readonly resource: string;
  readonly maps:
    | { readonly to: 'built-in'; readonly integration: string; readonly operation?: string }
    | { readonly to: 'native'; readonly integration: string }
    | { readonly to: 'external'; readonly name: string }
    | { readonly to: 'service' }
    | { readonly to: 'missing'; readonly name: string; readonly serverless?: string; readonly reason?: string };
}

export interface ImportedPlaybook {
  readonly name: string;
  readonly file: string;
  readonly displayName?: string;
  readonly references: ImportedReference[];
  /** `${{self:custom.<path>}}` variables the playbook uses that are not integration references. */
  readonly variables: string[];
  /** Whether it compiles as is with the given configuration. */
  readonly compiles: boolean;
  readonly problems: Problem[];
}

export interface ImportReport {
  readonly playbooks: ImportedPlaybook[];
  /** The `integrations.external` entries every missing integration needs (ARNs to fill in). */
  readonly externalsToAdd: Record<string, { arn: string; interaction: boolean; description: string }>;
  /**
   * Variable values found in serverless.yml `custom:`, by stage then `${{self:custom.<path>}}` path. Without a
   * configured stage, a path that ends in the stage (`waits.${{self:provider.stage}}`) is filled in for every
   * stage serverless.yml lists under it; other paths go under `<stage>`.
   */
  readonly variablesFound: Record<string, Record<string, unknown>>;
  /** Variables the playbooks use that serverless.yml does not define as plain values. */
  readonly variablesMissing: string[];
}

/**
 * The `custom:` section of a serverless.yml as nested objects of scalars (a small reader for the mapping
 * blocks SOCless repositories hold: `key: value` lines by indentation; lists and anchors are skipped).
 */
export function readServerlessCustom(text: string): Record<string, unknown> {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => /^custom:\s*(#.*)?$/.test(l));
  if (start === -1) return {};
  const root: Record<string, unknown> = {};
  const stack: Array<{ indent: number; node: Record<string, unknown> }> = [{ indent: 0, node: root }];
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break;
    const m = /^(\s+)([^\s:#][^:]*?):\s*(.*?)\s*(#.*)?$/.exec(line);
    if (!m) continue;
    const indent = (m[1] as string).length;
    while (stack.length > 1 && (stack.at(-1) as { indent: number }).indent >= indent) stack.pop();
    const parent = (stack.at(-1) as { node: Record<string, unknown> }).node;
    const key = (m[2] as string).replace(/^['"]|['"]$/g, '');
    const raw = m[3] as string;
    if (raw === '') {
      const child: Record<string, unknown> = {};
      parent[key] = child;
      stack.push({ indent, node: child });
    } else {
      const unquoted = raw.replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1');
      parent[key] = /^-?\d+(\.\d+)?$/.test(unquoted) ? Number(unquoted) : unquoted;
    }
  }
  return root;
}

function lookup(values: Record<string, unknown>, path: string): unknown {
  let node: unknown = values;
  for (const seg of path.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, seg)) return undefined;
    node = (node as Record<string, unknown>)[seg];
  }
  return node;
}

/** Every `Type`/`Resource` pair of a playbook, nested states and the failure handler included. */
function tasksOf(doc: unknown): Array<{ state: string; resource: string; interaction: boolean }> {
  const out: Array<{ state: string; resource: string; interaction: boolean }> = [];
  const visit = (states: unknown) => {
    if (typeof states !== 'object' || states === null) return;
    for (const [name, def] of Object.entries(states as Record<string, Record<string, unknown>>)) {
      if (typeof def !== 'object' || def === null) continue;
      if (typeof def.Resource === 'string') {
        out.push({ state: name, resource: def.Resource, interaction: def.Type === 'Interaction' });
      }
      for (const b of (def.Branches as Array<Record<string, unknown>> | undefined) ?? []) visit(b.States);
      const body = (def.ItemProcessor ?? def.Iterator) as Record<string, unknown> | undefined;
      if (body) visit(body.States);
    }
  };
  const d = (doc ?? {}) as Record<string, unknown>;
  visit(d.States);
  const handler = (d.Decorators as Record<string, unknown> | undefined)?.TaskFailureHandler;
  if (handler) visit({ _Handle_Task_Failure: handler });
  return out;
}

/** `${{self:custom.<path>}}` variables used outside Resources (inner stage references resolved to `<stage>`). */
function variablesOf(doc: unknown, stage: string | undefined): string[] {
  const found = new Set<string>();
  const walk = (node: unknown, key?: string) => {
    if (typeof node === 'string') {
      if (key === 'Resource' && parseSoclessReference(node)) return;
      const text = node.replace(/\$\{\{\s*self:provider\.stage\s*\}\}/g, stage ?? '<stage>');
      for (const m of text.matchAll(/\$\{\{\s*self[:.]custom\.([^${}\s]+)\s*\}\}/g)) found.add(m[1] as string);
      return;
    }
    if (Array.isArray(node)) for (const item of node) walk(item);
    else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, k);
  };
  walk(doc);
  return [...found].sort();
}

/** Reads a SOCless repository (or a playbooks folder) and reports what maps where. */
export function importSoclessRepository(
  dir: string,
  options: { readonly catalog: IntegrationCatalog; readonly variables?: PlaybookVariables },
): ImportReport {
  const serverlessFile = join(dir, 'serverless.yml');
  const custom = existsSync(serverlessFile) ? readServerlessCustom(readFileSync(serverlessFile, 'utf8')) : {};
  const sources: PlaybookSource[] = loadPlaybookPath(dir);
  const externalsToAdd: ImportReport['externalsToAdd'] = {};
  const variablesFound: Record<string, Record<string, unknown>> = {};
  const found = (stage: string, path: string, value: unknown) => {
    variablesFound[stage] = { ...(variablesFound[stage] ?? {}), [path]: value };
  };
  const scalar = (v: unknown) => v !== undefined && (typeof v !== 'object' || v === null);
  const variablesMissing = new Set<string>();
  const playbooks = sources.map((source): ImportedPlaybook => {
    const references: ImportedReference[] = tasksOf(source.json).map(({ state, resource, interaction }) => {
      const resolved = resolveResource(options.catalog, resource);
      if (resolved.kind === 'service') return { state, resource, maps: { to: 'service' } };
      if (resolved.kind === 'integration') {
        if (resolved.via === 'external') {
          return {
            state,
            resource,
            maps: { to: 'external', name: resolved.entry.external?.name ?? resolved.entry.id },
          };
        }
        if (resolved.via === 'alias') {
          return {
            state,
            resource,
            maps: { to: 'built-in', integration: resolved.entry.id, operation: resolved.alias?.operation as string },
          };
        }
        return { state, resource, maps: { to: 'native', integration: resolved.entry.id } };
      }
      const ref = parseSoclessReference(resource);
      const name = resolved.soclessName ?? resolved.reference;
      const serverless = ref ? lookup(custom, `${ref.group}.${ref.name}`) : undefined;
      if (!resolved.missingBuiltIn) {
        externalsToAdd[name] = {
          arn: 'arn:aws:lambda:<region>:<account>:function:<function-name>',
          interaction,
          description:
            typeof serverless === 'string' ? `was ${serverless} in serverless.yml` : `used by ${source.name}.${state}`,
        };
      }
      return {
        state,
        resource,
        maps: {
          to: 'missing',
          name,
          ...(typeof serverless === 'string' ? { serverless } : {}),
          ...(resolved.missingBuiltIn
            ? {
                reason: `the built-in ${resolved.missingBuiltIn.integration} does not serve ${resolved.missingBuiltIn.operation} yet`,
              }
            : {}),
        },
      };
    });
    const variables = variablesOf(source.json, options.variables?.stage);
    for (const v of variables) {
      if (options.variables && lookup(options.variables.values as Record<string, unknown>, v) !== undefined) continue;
      const perStage = /^(.+)\.<stage>$/.exec(v);
      const under = perStage ? lookup(custom, perStage[1] as string) : undefined;
      if (perStage && under && typeof under === 'object') {
        for (const [stage, value] of Object.entries(under as Record<string, unknown>)) {
          if (scalar(value)) found(stage, `${perStage[1]}.${stage}`, value);
        }
        continue;
      }
      const value = lookup(custom, v);
      if (scalar(value)) found(options.variables?.stage ?? '<stage>', v, value);
      else variablesMissing.add(v);
    }
    const compiled = compilePlaybook(source, {
      integrations: options.catalog,
      ...(options.variables ? { variables: options.variables } : {}),
    });
    const doc = (source.json ?? {}) as Record<string, unknown>;
    return {
      name: source.name,
      file: source.file,
      ...(typeof doc.Playbook === 'string' ? { displayName: doc.Playbook } : {}),
      references,
      variables,
      compiles: compiled.ok,
      problems: compiled.ok ? [] : compiled.problems,
    };
  });
  return { playbooks, externalsToAdd, variablesFound, variablesMissing: [...variablesMissing].sort() };
}
