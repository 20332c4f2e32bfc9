/**
 * Playbook compilation: validate, render to ASL, then check the ASL with asl-validator, so CDK, the CLI and
 * the local hub all deploy or run exactly what was checked.
 */
import aslValidator from 'asl-validator';
import { type CompiledPlaybook, referencedIntegrations } from '../deploy-model.ts';
import type { Problem } from '../errors.ts';
import type { IntegrationCatalog } from './catalog.ts';
import { type PlaybookVariables, resolvePlaybookDialect } from './dialect.ts';
import { loadPlaybookSources, type PlaybookSource } from './loader.ts';
import type { JsonObject } from './model.ts';
import { renderPlaybook } from './renderer.ts';
import { validatePlaybook } from './validator.ts';

export interface CompileOptions {
  readonly integrations: IntegrationCatalog;
  /**
   * Values of `${{self:provider.stage}}` and `${{self:custom.<name>}}` (the configuration's `stage` and
   * `variables.<stage>`). @default none: a playbook using a variable does not compile
   */
  readonly variables?: PlaybookVariables;
}

export type CompileResult =
  | {
      readonly ok: true;
      readonly playbook: CompiledPlaybook;
      readonly warnings: Problem[];
      readonly workflowReason: string;
      /** `socless` or `native` execution data (see ValidPlaybook.compat). */
      readonly compat: 'socless' | 'native';
      readonly compatReason: string;
      /** The playbook's `Playbook` field (its id is the folder name). */
      readonly displayName: string;
    }
  | { readonly ok: false; readonly problems: Problem[]; readonly warnings: Problem[] };

/** Replaces `${fn_<id>}` placeholders with a syntactically valid Lambda ARN (for validators and local runs). */
export function withPlaceholderArns(
  definition: unknown,
  arnFor: (id: string) => string = (id) => `arn:aws:lambda:us-east-1:000000000000:function:socless-${id}`,
): JsonObject {
  const text = JSON.stringify(definition).replace(/\$\{fn_([A-Za-z0-9_]+)\}/g, (_m, id: string) => arnFor(id));
  return JSON.parse(text) as JsonObject;
}

/** Runs asl-validator on rendered ASL; each finding becomes a problem on the playbook file. */
export function checkRenderedAsl(definition: unknown, file: string): Problem[] {
  // asl-validator writes QueryLanguage into the object it checks: give it a copy.
  const result = aslValidator(withPlaceholderArns(definition), { checkPaths: true, checkArn: true });
  return result.errors.map((e) => ({
    file,
    path: '$',
    reason: `rendered ASL rejected by asl-validator: ${e['Error code']}: ${e.Message}`,
  }));
}

/** Validates and renders one playbook. Never throws on bad input: problems are returned. */
export function compilePlaybook(source: PlaybookSource, options: CompileOptions): CompileResult {
  if (source.problems.length > 0) return { ok: false, problems: [...source.problems], warnings: [] };
  const dialect = resolvePlaybookDialect(source.json, source.file, options.variables);
  if (dialect.problems.length > 0) return { ok: false, problems: dialect.problems, warnings: [] };
  const validation = validatePlaybook({ ...source, json: dialect.json }, options.integrations);
  if (!validation.playbook) return { ok: false, problems: validation.problems, warnings: validation.warnings };
  const valid = validation.playbook;
  const definition = renderPlaybook(valid, options.integrations);
  const aslProblems = checkRenderedAsl(definition, source.file);
  if (aslProblems.length > 0) return { ok: false, problems: aslProblems, warnings: validation.warnings };
  return {
    ok: true,
    warnings: validation.warnings,
    workflowReason: valid.workflowReason,
    compat: valid.compat,
    compatReason: valid.compatReason,
    displayName: valid.displayName,
    playbook: {
      name: valid.name,
      definition,
      workflow: valid.workflow,
      triggers: valid.triggers,
      integrations: referencedIntegrations(definition),
    },
  };
}

/** Compiles every playbook under `rootDir`; the problems of all broken ones are returned together. */
export function compileAllPlaybooks(
  rootDir: string | undefined,
  options: CompileOptions,
): { playbooks: CompiledPlaybook[]; problems: Problem[]; warnings: Problem[] } {
  const playbooks: CompiledPlaybook[] = [];
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  for (const source of loadPlaybookSources(rootDir)) {
    const result = compilePlaybook(source, options);
    warnings.push(...result.warnings);
    if (result.ok) playbooks.push(result.playbook);
    else problems.push(...result.problems);
  }
  return { playbooks, problems, warnings };
}
