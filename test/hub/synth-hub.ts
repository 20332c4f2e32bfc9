import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { HubStack } from '../../hub/hub-stack.ts';
import { CONFIG_CONTEXT_KEY, parseConfig, type SoclessConfig, type SoclessConfigInput } from '../../shared/config.ts';
import type { CompiledPlaybook, IntegrationDeployment } from '../../shared/deploy-model.ts';
import { integrationPlaceholder } from '../../shared/deploy-model.ts';
import { NAMES } from '../../shared/names.ts';

const cdkJson = JSON.parse(readFileSync(fileURLToPath(new URL('../../cdk.json', import.meta.url)), 'utf8')) as {
  context: Record<string, unknown>;
};

/** The feature flags of cdk.json (not the socless config), so tests synthesize like `cdk synth` does. */
export const FEATURE_FLAGS: Record<string, unknown> = Object.fromEntries(
  Object.entries(cdkJson.context).filter(([key]) => key !== CONFIG_CONTEXT_KEY),
);

/** The sample configuration of cdk.json. */
export const SAMPLE_CONFIG_INPUT = cdkJson.context[CONFIG_CONTEXT_KEY] as SoclessConfigInput;

/** A real handler file: entries must exist, and tests skip bundling so its content does not matter here. */
const SAMPLE_ENTRY = fileURLToPath(new URL('../../hub/functions/endpoint.ts', import.meta.url));

/** Two integrations: a reader, and a remediator that assumes spoke roles and writes the vault. */
export const SAMPLE_INTEGRATIONS: readonly IntegrationDeployment[] = [
  {
    id: 'enrich_account',
    description: 'Looks the account up in the org registry',
    entry: SAMPLE_ENTRY,
    tables: [{ table: 'accounts', access: 'r' }],
  },
  {
    id: 'remediate_s3_public',
    description: 'Blocks public access on a bucket in a spoke account',
    entry: SAMPLE_ENTRY,
    tables: [
      { table: 'results', access: 'write-own' },
      { table: 'remediations', access: 'write-own' },
      { table: 'accounts', access: 'r' },
    ],
    vault: 'rw',
    assumesSpokeRoles: true,
    statements: [
      {
        actions: ['secretsmanager:GetSecretValue'],
        resources: ['arn:aws:secretsmanager:us-east-1:111111111111:secret:socless/*'],
      },
    ],
  },
];

/** A small hand-written ASL playbook that references one integration. */
export const SAMPLE_PLAYBOOK: CompiledPlaybook = {
  name: 'public_bucket',
  workflow: 'express',
  integrations: ['enrich_account'],
  triggers: [{ source: ['aws.securityhub'], 'detail-type': ['Security Hub Findings - Imported'] }],
  definition: {
    Comment: 'Enrich a public-bucket finding',
    StartAt: 'Enrich',
    States: {
      Enrich: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: integrationPlaceholder('enrich_account'), 'Payload.$': '$' },
        End: true,
      },
    },
  },
};

/** A standard-workflow playbook (it waits for a human) with a trigger on a non-security source. */
export const SAMPLE_STANDARD_PLAYBOOK: CompiledPlaybook = {
  name: 'approve_remediation',
  workflow: 'standard',
  integrations: ['remediate_s3_public'],
  triggers: [{ source: ['partner.alerts'] }],
  definition: {
    StartAt: 'Remediate',
    States: {
      Remediate: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: integrationPlaceholder('remediate_s3_public'), 'Payload.$': '$' },
        End: true,
      },
    },
  },
};

export interface SynthHubOptions {
  readonly integrations?: readonly IntegrationDeployment[];
  readonly playbooks?: readonly CompiledPlaybook[];
}

export interface SynthesizedHub {
  readonly app: App;
  readonly stack: HubStack;
  readonly template: Template;
  readonly config: SoclessConfig;
}

/**
 * Synthesizes the hub stack from the cdk.json sample config with `overrides` merged on top, with Lambda
 * bundling skipped (the assertions never look inside a bundle).
 */
export function synthHub(overrides: Partial<SoclessConfigInput> = {}, options: SynthHubOptions = {}): SynthesizedHub {
  const config = parseConfig({ ...SAMPLE_CONFIG_INPUT, ...overrides }, 'test/hub/synth-hub.ts');
  const app = new App({ context: { ...FEATURE_FLAGS, 'aws:cdk:bundling-stacks': [] } });
  const stack = new HubStack(app, NAMES.stacks.hub, {
    config,
    integrations: options.integrations ?? SAMPLE_INTEGRATIONS,
    playbooks: options.playbooks ?? [SAMPLE_PLAYBOOK, SAMPLE_STANDARD_PLAYBOOK],
  });
  return { app, stack, template: Template.fromStack(stack), config };
}
