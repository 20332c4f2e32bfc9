/**
 * The integration registry: every integration a playbook can call, one module each. Adding one is adding a
 * folder (integration.ts + handler.ts) and a line here. The compiler reads INTEGRATION_CATALOG, the hub
 * stack deploys integrationDeployments(), the local hub runs INTEGRATIONS in-process.
 */
import { fileURLToPath } from 'node:url';
import type { IntegrationDeployment } from '../../shared/deploy-model.ts';
import type { Integration } from '../../shared/integration-runtime/define.ts';
import { integrationTables } from '../../shared/integration-runtime/handler.ts';
import {
  defineIntegrationCatalog,
  type ExternalIntegrationConfig,
  type IntegrationCatalog,
  withExternalIntegrations,
} from '../../shared/playbook/catalog.ts';
import { commentJiraIssue } from './comment-jira-issue/integration.ts';
import { counter } from './counter/integration.ts';
import { createJiraIssue } from './create-jira-issue/integration.ts';
import { customMapping } from './custom-mapping/integration.ts';
import { enrichAccount } from './enrich-account/integration.ts';
import { enrichResource } from './enrich-resource/integration.ts';
import { httpRequest } from './http-request/integration.ts';
import { interactionTimeout } from './interaction-timeout/integration.ts';
import { notifyEmail } from './notify-email/integration.ts';
import { notifySlack } from './notify-slack/integration.ts';
import { remediate } from './remediate/integration.ts';
import { requestApproval } from './request-approval/integration.ts';
import { saveToVault } from './save-to-vault/integration.ts';
import { setInvestigationStatus } from './set-investigation-status/integration.ts';
import { soclessAwsRequest } from './socless-aws-request/integration.ts';
import { soclessCore } from './socless-core/integration.ts';
import { soclessSlack } from './socless-slack/integration.ts';
import { soclessSlackPrompt } from './socless-slack-prompt/integration.ts';

/** One registered integration and the Lambda handler file that serves it. */
export interface RegisteredIntegration {
  readonly integration: Integration;
  /** Absolute path of the handler module (exports `handler`). */
  readonly entry: string;
}

const entry = (folder: string): string => fileURLToPath(new URL(`./${folder}/handler.ts`, import.meta.url));

/** Every integration, with its handler file. */
export const REGISTERED_INTEGRATIONS: readonly RegisteredIntegration[] = [
  { integration: enrichAccount, entry: entry('enrich-account') },
  { integration: setInvestigationStatus, entry: entry('set-investigation-status') },
  { integration: counter, entry: entry('counter') },
  { integration: customMapping, entry: entry('custom-mapping') },
  { integration: saveToVault, entry: entry('save-to-vault') },
  { integration: notifyEmail, entry: entry('notify-email') },
  { integration: remediate, entry: entry('remediate') },
  { integration: requestApproval, entry: entry('request-approval') },
  { integration: interactionTimeout, entry: entry('interaction-timeout') },
  { integration: notifySlack, entry: entry('notify-slack') },
  { integration: httpRequest, entry: entry('http-request') },
  { integration: createJiraIssue, entry: entry('create-jira-issue') },
  { integration: commentJiraIssue, entry: entry('comment-jira-issue') },
  { integration: enrichResource, entry: entry('enrich-resource') },
  { integration: soclessCore, entry: entry('socless-core') },
  { integration: soclessAwsRequest, entry: entry('socless-aws-request') },
  { integration: soclessSlack, entry: entry('socless-slack') },
  { integration: soclessSlackPrompt, entry: entry('socless-slack-prompt') },
];

/** Every integration, by id. */
export const INTEGRATIONS: ReadonlyMap<string, Integration> = new Map(
  REGISTERED_INTEGRATIONS.map((r) => [r.integration.id, r.integration]),
);

/** What the playbook compiler may resolve a Task/Interaction Resource to. */
export const INTEGRATION_CATALOG: IntegrationCatalog = defineIntegrationCatalog(
  REGISTERED_INTEGRATIONS.map(({ integration: i }) => ({
    id: i.id,
    references: i.references,
    description: i.description,
    ...(i.interaction ? { interaction: true } : {}),
    ...(i.operations ? { operations: i.operations } : {}),
  })),
);

/** The catalog plus the configuration's `integrations.external` (what playbooks compile against). */
export function integrationCatalogFor(config: {
  readonly integrations: { readonly external: Readonly<Record<string, ExternalIntegrationConfig>> };
}): IntegrationCatalog {
  return withExternalIntegrations(INTEGRATION_CATALOG, config.integrations.external);
}

/**
 * How each integration is deployed. Every wrapper writes the results table and may read/write the vault
 * (large results are offloaded there and vault pointers in parameters are read), so both are added here.
 */
export function integrationDeployments(): IntegrationDeployment[] {
  return REGISTERED_INTEGRATIONS.map(({ integration: i, entry: file }) => ({
    ...i.deployment,
    id: i.id,
    description: i.description,
    entry: file,
    tables: integrationTables(i),
    vault: 'rw',
  }));
}
