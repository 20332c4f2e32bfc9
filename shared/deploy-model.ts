/**
 * The contract between the runtime side (playbook compiler, integration registry) and the CDK side (hub
 * stack). Plain data, no CDK import: the hub stack turns these into Lambdas and state machines.
 */
import type { TableKey } from './tables.ts';

export type WorkflowType = 'express' | 'standard';

/**
 * Access to a table: `r` reads (GetItem, BatchGetItem, Query, ConditionCheckItem); `rw` reads and writes,
 * deletes included; `write-own` puts and updates the items it writes and reads them back (PutItem, UpdateItem,
 * GetItem, Query), with no DeleteItem and no BatchWriteItem: what integrations get on the results table.
 */
export type TableAccess = 'r' | 'rw' | 'write-own';

/** How one integration is deployed as its own Lambda with its own least-privilege role. */
export interface IntegrationDeployment {
  /** Integration id, snake_case, as playbooks name it (e.g. `enrich_account`). */
  readonly id: string;
  /** One line on what it does. */
  readonly description: string;
  /** Absolute path of the handler module (bundled by esbuild; it exports `handler`). */
  readonly entry: string;
  /** Tables it uses and how (see {@link TableAccess}); the stack sets the env var and the grant together. */
  readonly tables: ReadonlyArray<{ readonly table: TableKey; readonly access: TableAccess }>;
  /** Whether it assumes spoke roles (then it runs as, or may assume, the hub remediation role). */
  readonly assumesSpokeRoles?: boolean;
  /**
   * With `assumesSpokeRoles`: it only reads. The hub remediation role then admits it only with the source identity
   * `NAMES.readOnlySourceIdentity`, which no later hop can change and which the spoke roles deny every write to.
   */
  readonly readOnlySpokeAccess?: boolean;
  /** Extra IAM statements it needs beyond tables (e.g. `secretsmanager:GetSecretValue` on a prefix). */
  readonly statements?: ReadonlyArray<{ readonly actions: readonly string[]; readonly resources: readonly string[] }>;
  /** Publishes to the hub's notification topic (SNS, e-mail subscribers); the stack sets the env var and the grant. */
  readonly notifies?: boolean;
  /**
   * Puts playbook-created events (source `socless.playbook.*`, SOCless CreateEvents) on the hub's bus; the stack
   * sets the env var and a PutEvents grant on that bus for that source and detail-type only.
   */
  readonly createsEvents?: boolean;
  /** Reads or writes the S3 vault. */
  readonly vault?: 'r' | 'rw';
  /** @default 30 */
  readonly timeoutSeconds?: number;
  /** @default 256 */
  readonly memoryMb?: number;
}

/** A playbook compiled to ASL, ready to become a state machine. */
export interface CompiledPlaybook {
  readonly name: string;
  /** ASL (JSONPath) with `${fn_<integration id>}` placeholders where a Lambda ARN goes. */
  readonly definition: Record<string, unknown>;
  readonly workflow: WorkflowType;
  /** EventBridge patterns that start this playbook. */
  readonly triggers: ReadonlyArray<Record<string, unknown>>;
  /** Integration ids the definition references (each a placeholder in `definition`). */
  readonly integrations: readonly string[];
}

/** Definition-substitution key of an integration's Lambda ARN. */
export function integrationSubstitutionKey(integrationId: string): string {
  return `fn_${integrationId}`;
}

/** The placeholder written into compiled ASL where the integration's Lambda ARN goes. */
export function integrationPlaceholder(integrationId: string): string {
  return `\${${integrationSubstitutionKey(integrationId)}}`;
}

/** Finds every `${fn_<id>}` placeholder in a definition and returns the integration ids. */
export function referencedIntegrations(definition: unknown): string[] {
  const found = new Set<string>();
  const re = /\$\{fn_([A-Za-z0-9_]+)\}/g;
  const text = JSON.stringify(definition);
  for (let m = re.exec(text); m; m = re.exec(text)) found.add(m[1] as string);
  return [...found].sort();
}
