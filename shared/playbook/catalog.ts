/**
 * The integration catalog: which Lambda integrations a playbook may name, and under which SOCless resource
 * names. The runtime ships the real catalog (`hub/integrations/index.ts`); the compiler only reads it.
 */
import { SoclessError } from '../errors.ts';
import { parseSoclessReference, type SoclessAlias, soclessAlias } from './socless-aliases.ts';

/** One integration a playbook Task or Interaction may call. */
export interface IntegrationCatalogEntry {
  /** snake_case integration id, e.g. `enrich_account`; becomes the `${fn_<id>}` placeholder. */
  readonly id: string;
  /** SOCless resource names it answers to, e.g. `['socless.EnrichAccount', 'socless.enrich_account']`. */
  readonly references: readonly string[];
  readonly description: string;
  /** True: may be used by an Interaction state (waits for a human). */
  readonly interaction?: boolean;
  /**
   * Set for an integration deployed outside this project (`integrations.external` in the configuration): the
   * Lambda ARN state machines invoke, and the name it was declared under.
   */
  readonly external?: { readonly name: string; readonly arn: string };
  /** The SOCless operations it hosts; an alias naming another operation is not served. @default any */
  readonly operations?: readonly string[];
}

/** One `integrations.external` entry of the configuration. */
export interface ExternalIntegrationConfig {
  readonly arn: string;
  readonly interaction: boolean;
  readonly description?: string;
}

/** Every integration the playbooks may use. */
export interface IntegrationCatalog {
  readonly entries: readonly IntegrationCatalogEntry[];
}

/** What a Task's `Resource` names. */
export type ResolvedResource =
  | {
      readonly kind: 'integration';
      readonly entry: IntegrationCatalogEntry;
      /** How it was found: a native reference or id, the SOCless alias table, or `integrations.external`. */
      readonly via: 'native' | 'alias' | 'external';
      /** The alias (with the operation the built-in runs) when found through the SOCless alias table. */
      readonly alias?: SoclessAlias;
    }
  | { readonly kind: 'service'; readonly arn: string }
  | {
      readonly kind: 'unknown';
      readonly reference: string;
      /** The SOCless name when the Resource was a SOCless reference form. */
      readonly soclessName?: string;
      /** A SOCless alias whose built-in integration is not in this catalog. */
      readonly missingBuiltIn?: SoclessAlias;
    };

/** `${{self:custom.<group>.<Integration>}}`, the Serverless-variable form SOCless playbooks use. */
const SOCLESS_RESOURCE = /^\$\{\{\s*self:custom\.([^}\s]+?)\s*\}\}$/;
const INTEGRATION_ID = /^[a-z][a-z0-9_]*$/;

/**
 * Resolves a Task/Interaction `Resource`: an `arn:aws:states:::` service integration (passed through), a
 * SOCless reference form (`${{self:custom.<group>.<Name>}}`, its `self.custom` typo, or the
 * `function:${{self:functions.<Name>.name}}` ARN), or a bare integration id or external name.
 *
 * A SOCless reference resolves, in order, to: an external declared as `<group>.<Name>` or `<Name>` (the team's
 * own choice wins), a native integration listing `<group>.<Name>` among its references, the built-in that the
 * SOCless alias table names for `<Name>`.
 */
export function resolveResource(catalog: IntegrationCatalog, resource: string): ResolvedResource {
  if (resource.startsWith('arn:aws:states:::')) return { kind: 'service', arn: resource };
  const socless = parseSoclessReference(resource);
  if (socless) {
    const qualified = `${socless.group}.${socless.name}`;
    const external =
      catalog.entries.find((e) => e.external?.name === qualified) ??
      catalog.entries.find((e) => e.external?.name === socless.name);
    if (external) return { kind: 'integration', entry: external, via: 'external' };
    if (socless.form !== 'function') {
      const native = catalog.entries.find((e) => !e.external && e.references.includes(qualified));
      if (native) return { kind: 'integration', entry: native, via: 'native' };
    }
    const alias = soclessAlias(socless.name);
    if (alias) {
      const entry = catalog.entries.find(
        (e) => e.id === alias.integration && !e.external && (!e.operations || e.operations.includes(alias.operation)),
      );
      if (entry) return { kind: 'integration', entry, via: 'alias', alias };
      return { kind: 'unknown', reference: qualified, soclessName: socless.name, missingBuiltIn: alias };
    }
    return { kind: 'unknown', reference: qualified, soclessName: socless.name };
  }
  const m = SOCLESS_RESOURCE.exec(resource);
  if (m) {
    const reference = m[1] as string;
    const entry = catalog.entries.find((e) => !e.external && e.references.includes(reference));
    return entry ? { kind: 'integration', entry, via: 'native' } : { kind: 'unknown', reference };
  }
  const entry =
    catalog.entries.find((e) => !e.external && e.id === resource) ??
    catalog.entries.find((e) => e.external?.name === resource);
  if (entry) return { kind: 'integration', entry, via: entry.external ? 'external' : 'native' };
  return { kind: 'unknown', reference: resource };
}

/** The catalog id an external integration gets: `ext_` and its name in snake_case (`jira.TransitionIssue` → `ext_jira_transition_issue`). */
export function externalIntegrationId(name: string): string {
  const snake = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
  return `ext_${snake}`;
}

/**
 * The catalog plus the configuration's external integrations (name → Lambda ARN). Each external becomes an
 * entry whose `${fn_ext_<name>}` placeholder the hub stack substitutes with exactly that ARN.
 */
export function withExternalIntegrations(
  catalog: IntegrationCatalog,
  externals: Readonly<Record<string, ExternalIntegrationConfig>>,
): IntegrationCatalog {
  const added: IntegrationCatalogEntry[] = Object.entries(externals).map(([name, ext]) => ({
    id: externalIntegrationId(name),
    references: [],
    description: ext.description ?? `external integration ${name} (${ext.arn})`,
    ...(ext.interaction ? { interaction: true } : {}),
    external: { name, arn: ext.arn },
  }));
  return defineIntegrationCatalog([...catalog.entries, ...added]);
}

/** Every name a playbook may write as a Resource, for error messages. */
export function knownResourceNames(catalog: IntegrationCatalog): string[] {
  const names = new Set<string>();
  for (const e of catalog.entries) {
    if (e.external) {
      names.add(e.external.name);
      continue;
    }
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
    if (ids.has(e.id)) {
      problems.push(
        e.external
          ? `external integration "${e.external.name}" gets the id "${e.id}", which another integration already has: rename it`
          : `integration id "${e.id}" is listed twice`,
      );
    }
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
