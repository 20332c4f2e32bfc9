import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type Stack, Stage } from 'aws-cdk-lib';
import type { SoclessConfig } from '../shared/config.ts';
import { NAMES } from '../shared/names.ts';
import type { SpokeRoleStatements } from './remediation-statements.ts';
import { SpokeGlobalStack } from './spoke-global-stack.ts';
import { SpokeRegionalStack } from './spoke-regional-stack.ts';

/** CloudFormation's limit on an inline TemplateBody (StackSet TemplateBody included), in bytes. */
export const TEMPLATE_BODY_LIMIT_BYTES = 51_200;

/** The two spoke templates as CloudFormation JSON objects. */
export interface SpokeTemplates {
  readonly global: object;
  readonly regional: object;
}

/** Options of {@link synthSpokeTemplates}. */
export interface SynthSpokeTemplatesOptions {
  /**
   * Context for the private app that synthesizes the spokes (feature flags, usually the calling app's).
   * @default - none
   */
  readonly context?: Record<string, unknown>;
}

/**
 * Synthesizes the spoke global and regional stacks, each in its own Stage of a private app, and returns their
 * templates: what the org rollout StackSets carry as TemplateBody, and what the CLI can print or upload.
 * Throws when a template exceeds the 51,200-byte TemplateBody limit.
 */
export function synthSpokeTemplates(
  config: SoclessConfig,
  remediationStatements: SpokeRoleStatements,
  options: SynthSpokeTemplatesOptions = {},
): SpokeTemplates {
  const outdir = mkdtempSync(join(tmpdir(), 'socless-spoke-'));
  try {
    const app = new App({
      outdir,
      autoSynth: false,
      context: {
        ...options.context,
        // Smaller, stable templates: no construct paths, no CDK version resource.
        'aws:cdk:enable-path-metadata': false,
        'aws:cdk:version-reporting': false,
      },
    });
    const globalStage = new Stage(app, 'SpokeGlobalTemplate');
    const global = new SpokeGlobalStack(globalStage, NAMES.stacks.spokeGlobal, { config, remediationStatements });
    const regionalStage = new Stage(app, 'SpokeRegionalTemplate');
    const regional = new SpokeRegionalStack(regionalStage, NAMES.stacks.spokeRegional, { config });
    return { global: templateOf(globalStage, global), regional: templateOf(regionalStage, regional) };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function templateOf(stage: Stage, stack: Stack): object {
  const template = stage.synth().getStackArtifact(stack.artifactId).template as object;
  const bytes = Buffer.byteLength(JSON.stringify(template), 'utf8');
  if (bytes > TEMPLATE_BODY_LIMIT_BYTES) {
    throw new RangeError(
      `the ${stack.stackName} template is ${bytes} bytes; a StackSet TemplateBody may hold ${TEMPLATE_BODY_LIMIT_BYTES}: reduce remediation statements or account overrides`,
    );
  }
  return template;
}
