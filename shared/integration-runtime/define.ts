/**
 * One integration = one `defineIntegration({...})`: its id, the SOCless names it answers to, a zod schema of
 * its parameters, what it needs deployed, and `run`. The wrapper (`toLambdaHandler`) does everything else.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { z } from 'zod';
import type { IntegrationDeployment } from '../deploy-model.ts';
import type { TableKey } from '../tables.ts';
import type { IntegrationDeps } from './deps.ts';

/** What `run` gets besides its parameters. */
export interface IntegrationContext {
  readonly integration: string;
  readonly state: string;
  readonly playbook: string;
  /** The Step Functions execution id (`$$.Execution.Id`). */
  readonly executionId: string;
  readonly investigationId: string;
  /** Present on an Interaction: store it, and the answer comes back with it. */
  readonly taskToken?: string;
  /** The execution's artifacts, when the invocation carried them (states with templates). */
  readonly artifacts?: Readonly<Record<string, unknown>>;
  /** The operation a SOCless alias named (`CacheResults`), for an integration hosting several. */
  readonly operation?: string;
  /**
   * Present for a SOCless-style playbook: what socless_python calls the execution context (artifacts, every
   * state's result so far, errors), for operations that read it (Counter, legacy `{context.x}` text).
   */
  readonly soclessContext?: {
    readonly artifacts: Readonly<Record<string, unknown>>;
    readonly results: Readonly<Record<string, unknown>>;
    readonly errors: Readonly<Record<string, unknown>>;
  };
  readonly logger: Logger;
  readonly deps: IntegrationDeps;
  /** The physical name of a table this integration declared in `deployment.tables`. */
  tableName(table: TableKey): string;
  now(): Date;
}

/** Deployment needs, minus what the registry fills in (id, entry, description). */
export type IntegrationDeploymentSpec = Omit<IntegrationDeployment, 'id' | 'entry' | 'description'>;

/** An integration as written. `S` is the zod schema of its parameters. */
export interface IntegrationDefinition<
  S extends z.ZodType = z.ZodType,
  R extends Record<string, unknown> = Record<string, unknown>,
> {
  /** snake_case id; playbooks may name it directly (`"Resource": "enrich_account"`). */
  readonly id: string;
  /** SOCless resource names it answers to, e.g. `socless.EnrichAccount`, `socless.enrich_account`. */
  readonly references: readonly string[];
  readonly description: string;
  readonly parameters: S;
  /** Top-level parameters in which `{{secret:…}}` / `{{ssm:…}}` references are resolved. @default none */
  readonly secretParameters?: readonly string[];
  /**
   * Top-level parameters in which a vault pointer value (`{"vault_ref": …}`, e.g. an offloaded result passed
   * with `.$`) is replaced by the vault object's content. Elsewhere a pointer stays data. @default none
   */
  readonly vaultParameters?: readonly string[];
  /** May be used by an Interaction state (it stores the task token and a human answers later). */
  readonly interaction?: boolean;
  /** The SOCless operations it hosts (named by the alias table), for an integration that hosts several. */
  readonly operations?: readonly string[];
  /** Environment variables it needs beyond its tables and the vault (checked at cold start). */
  readonly environment?: readonly string[];
  readonly deployment: IntegrationDeploymentSpec;
  /** Does the work. Throw a SoclessError subclass: its name is what Retry/Catch match. */
  run(params: z.output<S>, ctx: IntegrationContext): Promise<R>;
}

/** Any integration, as the registry holds them. */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds integrations of every parameter type
export type Integration = IntegrationDefinition<any, Record<string, unknown>>;

/** Declares an integration; checks the id and references are well-formed. */
export function defineIntegration<S extends z.ZodType, R extends Record<string, unknown>>(
  definition: IntegrationDefinition<S, R>,
): IntegrationDefinition<S, R> {
  if (!/^[a-z][a-z0-9_]*$/.test(definition.id)) {
    throw new Error(`integration id "${definition.id}" must be snake_case (a-z, 0-9, _)`);
  }
  for (const ref of definition.references) {
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(ref)) {
      throw new Error(`integration ${definition.id}: reference "${ref}" must look like <group>.<Integration>`);
    }
  }
  return definition;
}
