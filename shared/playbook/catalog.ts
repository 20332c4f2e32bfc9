/**
 * The integration catalog: which Lambda integrations a playbook may name, and under which SOCless resource
 * names. The runtime ships the real catalog (`hub/integrations/index.ts`); the compiler only reads it.
 */
import { SoclessError } from '../errors.ts';

/** One integration a playbook Task or Interaction may call. */
export interface IntegrationCatalogEntry {
  /** snake_case integration id, e.g. `enrich_account`; becomes the `${fn_<id>}` placeholder. */
  readonly id: string;
  /** SOCless resource names it answers to, e.g. `['socless.EnrichAccount', 'socless.enrich_account']`. */
  readonly references: readonly string[];
  readonly description: string;
  /** True: may be used by an Interaction state (waits for a human). */
  readonly interaction?: boolean;
}

/** Every integration the playbooks may use. */
export interface IntegrationCatalog {
  readonly entries: readonly IntegrationCatalogEntry[];
}

/** What a Task's `Resource` names. */
export type ResolvedResource =
  | { readonly kind: 'integration'; readonly entry: IntegrationCatalogEntry }
  | { readonly kind: 'service'; readonly arn: string }
  | { readonly kind: 'unknown'; readonly reference: string };

/** `${{self:custom.<group>.<Integration>}}`, the Serverless-variable form SOCless playbooks use. */
const SOCLESS_RESOURCE = /^\$\{\{\s*self:custom\.([^}\s]+?)\s*\}\}$/;
const INTEGRATION_ID = /^[a-z][a-z0-9_]*$/;

/**
 * Resolves a Task/Interaction `Resource`: a SOCless reference, a bare integration id, or an
 * `arn:aws:states:::` service integration (passed through unchanged).
 */
export function resolveResource(catalog: IntegrationCatalog, resource: string): ResolvedResource {
  if (resource.startsWith('arn:aws:states:::')) return { kind: 'service', arn: resource };
  const m = SOCLESS_RESOURCE.exec(resource);
  const reference = m ? (m[1] as string) : resource;
  const entry = m
    ? catalog.entries.find((e) => e.references.includes(reference))
    : catalog.entries.find((e) => e.id === resource);
  return entry ? { kind: 'integration', entry } : { kind: 'unknown', reference };
}

/** Every name a playbook may write as a Resource, for error messages. */
export function knownResourceNames(catalog: IntegrationCatalog): string[] {
  const names = new Set<string>();
  for (const e of catalog.entries) {
    for (const r of e.references) names.add(`\${{self:custom.${r}}}`);
    names.add(e.id);
  }
  return [...names].sort();
}

/**
 * Builds a catalog and checks it: ids are snake_case and unique, and no SOCless reference answers to two
 * integrations (a playbook would otherwise compile to whichever came first).
 */
export function defineIntegrationCatalog(entries: readonly IntegrationCatalogEntry[]): IntegrationCatalog {
  const problems: string[] = [];
  const ids = new Set<string>();
  const refs = new Map<string, string>();
  for (const e of entries) {
    if (!INTEGRATION_ID.test(e.id)) problems.push(`integration id "${e.id}" must be snake_case`);
    if (ids.has(e.id)) problems.push(`integration id "${e.id}" is listed twice`);
    ids.add(e.id);
    for (const r of e.references) {
      const owner = refs.get(r);
      if (owner !== undefined && owner !== e.id)
        problems.push(`reference "${r}" is claimed by "${owner}" and "${e.id}"`);
      refs.set(r, e.id);
    }
  }
  if (problems.length > 0) throw new SoclessError(`invalid integration catalog: ${problems.join('; ')}`);
  return { entries };
}
