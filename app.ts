import { pathToFileURL } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SecurityHubCustomActions } from './hub/constructs/security-hub-custom-actions.ts';
import { loadPipelineConfig, PIPELINE_CONTEXT_KEY } from './hub/delivery/pipeline-config.ts';
import { guardEnabled, guardValidator } from './hub/delivery/policy-as-code.ts';
import { SoclessPipelineStack } from './hub/delivery/socless-pipeline-stack.ts';
import { HubStack, type HubStackProps } from './hub/hub-stack.ts';
import { integrationCatalogFor, integrationDeployments } from './hub/integrations/index.ts';
import { remediationApiNames, spokeRoleStatements } from './hub/remediations/index.ts';
import { loadConfig, type SoclessConfig } from './shared/config.ts';
import { formatProblem, SoclessError } from './shared/errors.ts';
import { NAMES } from './shared/names.ts';
import { compileAllPlaybooks, playbookVariablesFrom } from './shared/playbook/index.ts';
import {
  customActionRegions,
  OrgEventsStack,
  OrgRolloutStack,
  SecurityHubActionsStack,
  SpokeGlobalStack,
  SpokeRegionalStack,
  securityHubActionsStackName,
} from './spoke/index.ts';

/** Synth stops here when a playbook does not compile: the problems name file, path and reason. */
export class PlaybookBuildError extends SoclessError {}

export interface SoclessApp {
  readonly app: App;
  readonly config: SoclessConfig;
  readonly hub: HubStack;
  readonly spokeGlobal: SpokeGlobalStack;
  readonly spokeRegional: SpokeRegionalStack;
  readonly rollout: OrgRolloutStack;
  /** Forwards account tag changes from the management account (us-east-1) to the hub's registry sync. */
  readonly orgEvents: OrgEventsStack;
  /**
   * SOCless's Security Hub custom actions in the delegated administrator account, one stack per region; present
   * only when `securityHub.customActions.where` is `delegated-admin` (with `hub`, the hub stack holds them).
   */
  readonly securityHubActions: readonly SecurityHubActionsStack[];
  /** The delivery pipeline; present only when cdk.json context `soclessPipeline` configures one. */
  readonly pipeline?: SoclessPipelineStack;
}

/**
 * The whole org deployment as one CDK app: the hub (security account, home region), the two spoke stacks
 * (for a single-account deploy; the org gets them through the rollout's StackSets), and the rollout stack
 * (management account or delegated StackSets admin), and the org-events stack (management account, us-east-1).
 * Works offline: no look-ups, no credentials.
 */
export function buildSoclessApp(app: App = new App()): SoclessApp {
  const config = loadConfig((key) => app.node.tryGetContext(key));
  const compiled = compileAllPlaybooks(undefined, {
    integrations: integrationCatalogFor(config),
    variables: playbookVariablesFrom(config),
  });
  if (compiled.problems.length > 0) {
    throw new PlaybookBuildError(
      `playbooks do not compile:\n${compiled.problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`,
    );
  }
  const remediationStatements = spokeRoleStatements();
  // Spokes forward the configured risky API calls plus every call a remediation answers.
  const spokeConfig: SoclessConfig = {
    ...config,
    riskyApiNames: [...new Set([...config.riskyApiNames, ...remediationApiNames()])],
  };

  const hubProps: HubStackProps = {
    description: 'socless-org hub: SOCless core in the security account (home region)',
    config,
    integrations: integrationDeployments(),
    playbooks: compiled.playbooks,
  };
  const hub = new HubStack(app, NAMES.stacks.hub, hubProps);
  const spokeGlobal = new SpokeGlobalStack(app, NAMES.stacks.spokeGlobal, {
    config: spokeConfig,
    remediationStatements,
  });
  const spokeRegional = new SpokeRegionalStack(app, NAMES.stacks.spokeRegional, { config: spokeConfig });
  const rollout = new OrgRolloutStack(app, NAMES.stacks.orgRollout, { config: spokeConfig, remediationStatements });
  const orgEvents = new OrgEventsStack(app, NAMES.stacks.orgEvents, { config });
  // Security Hub custom actions where its administrator is: the hub's default bus forwards them to the hub bus.
  const customActions = config.securityHub.customActions;
  if (customActions.where === 'hub') {
    new SecurityHubCustomActions(hub, 'SecurityHubCustomActions', { forwardTo: hub.bus.bus.eventBusArn });
  }
  const securityHubActions =
    customActions.where === 'delegated-admin'
      ? customActionRegions(config).map(
          (region) =>
            new SecurityHubActionsStack(app, securityHubActionsStackName(region), {
              config,
              env: { account: customActions.account, region },
            }),
        )
      : [];

  const pipelineConfig = loadPipelineConfig(app.node.tryGetContext(PIPELINE_CONTEXT_KEY));
  const pipeline = pipelineConfig
    ? new SoclessPipelineStack(app, 'SoclessPipeline', { pipeline: pipelineConfig, hub: hubProps })
    : undefined;

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  if (guardEnabled(app)) Validations.of(app).addPlugins(guardValidator({ tracing: config.tracing }));
  return {
    app,
    config,
    hub,
    spokeGlobal,
    spokeRegional,
    rollout,
    orgEvents,
    securityHubActions,
    ...(pipeline ? { pipeline } : {}),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    buildSoclessApp().app.synth();
  } catch (err) {
    if (err instanceof SoclessError) {
      process.stderr.write(`${err.name}: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
