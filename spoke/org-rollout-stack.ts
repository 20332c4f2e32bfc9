import { CfnParameter, CfnStackSet, type CfnStackSetProps, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { SoclessConfig } from '../shared/config.ts';
import { NAMES } from '../shared/names.ts';
import type { SpokeRoleStatements } from './remediation-statements.ts';
import { type GlobalRolloutPlan, planGlobalRollout } from './rollout-plan.ts';
import { SPOKE_PARAMETER_NAMES } from './spoke-parameters.ts';
import { type SpokeTemplates, synthSpokeTemplates } from './synth-spoke-templates.ts';

/** Properties of {@link OrgRolloutStack}. */
export interface OrgRolloutStackProps extends StackProps {
  /** The validated configuration: target OUs, regions, remediation modes and rollout settings. */
  readonly config: SoclessConfig;
  /** The spoke remediation role's permissions (generated from the remediation registry). */
  readonly remediationStatements: SpokeRoleStatements;
  /**
   * Where the configuration came from, named in configuration errors.
   * @default 'socless configuration'
   */
  readonly configSource?: string;
  /**
   * Pre-synthesized spoke templates.
   * @default - synthesized here with synthSpokeTemplates, using this app's context
   */
  readonly spokeTemplates?: SpokeTemplates;
}

/**
 * Deploys the spokes org-wide from the management account (or a delegated StackSets administrator) with two
 * service-managed StackSets: the global spoke in the home region, the regional spoke in every enabled region.
 * Auto-deployment gives every account that joins a target OU its spoke without anyone acting.
 */
export class OrgRolloutStack extends Stack {
  readonly globalStackSet: CfnStackSet;
  readonly regionalStackSet: CfnStackSet;
  readonly plan: GlobalRolloutPlan;
  /** `SpokeExternalId`: NoEcho, no default. */
  readonly externalId: CfnParameter;

  constructor(scope: Construct, id: string, props: OrgRolloutStackProps) {
    const { config } = props;
    super(scope, id, {
      description: 'SOCless org rollout: service-managed StackSets for the spoke global and regional stacks',
      ...props,
      // The management account is not in config: the region alone pins the stack.
      env: props.env ?? { region: config.homeRegion },
    });
    this.plan = planGlobalRollout(config, props.configSource);
    const templates =
      props.spokeTemplates ??
      synthSpokeTemplates(config, props.remediationStatements, { context: this.node.getAllContext() });
    const common = stackSetCommon(config);
    // The external id comes in at deploy time (from the hub's secret) and goes on to every stack instance as a
    // NoEcho parameter: it is in neither template body.
    this.externalId = new CfnParameter(this, 'SpokeExternalId', {
      type: 'String',
      noEcho: true,
      minLength: 16,
      allowedPattern: '^[\\w+=,.@:/-]+$',
      description: `sts:ExternalId the spoke roles require: the value of the hub secret ${config.externalIdSecretName}`,
    });

    this.globalStackSet = new CfnStackSet(this, 'SpokeGlobalStackSet', {
      ...common,
      stackSetName: NAMES.stackSets.global,
      description: 'SOCless spoke (global): remediation role and event-forwarding role, home region only',
      templateBody: JSON.stringify(templates.global),
      // What auto-deployment gives an account added later; its OU's mode needs update-stack-instances for that OU.
      parameters: [
        { parameterKey: SPOKE_PARAMETER_NAMES.remediationMode, parameterValue: this.plan.autoDeploymentMode },
        { parameterKey: SPOKE_PARAMETER_NAMES.externalId, parameterValue: this.externalId.valueAsString },
      ],
      stackInstancesGroup: this.plan.groups.map((group) => ({
        deploymentTargets: { organizationalUnitIds: [...group.organizationalUnitIds] },
        regions: [config.homeRegion],
        parameterOverrides: [{ parameterKey: SPOKE_PARAMETER_NAMES.remediationMode, parameterValue: group.mode }],
      })),
    });

    this.regionalStackSet = new CfnStackSet(this, 'SpokeRegionalStackSet', {
      ...common,
      // An account that joins a target OU later gets both spokes from auto-deployment; its regional rules name
      // the forwarding role the global spoke creates, so that operation waits for the global one
      // (AutoDeployment.DependsOn, a list of StackSet ARNs).
      autoDeployment: { ...autoDeploymentOf(config), dependsOn: [stackSetArn(this.globalStackSet)] },
      stackSetName: NAMES.stackSets.regional,
      description: 'SOCless spoke (regional): forward security events to the hub bus, every enabled region',
      templateBody: JSON.stringify(templates.regional),
      stackInstancesGroup: [
        {
          deploymentTargets: { organizationalUnitIds: [...new Set(config.targetOuIds)] },
          regions: [...config.regions],
        },
      ],
    });
    // The regional rules use the forwarding role that the global stack creates.
    this.regionalStackSet.addResourceDependency(this.globalStackSet);
  }
}

/** Properties both StackSets share. */
function stackSetCommon(
  config: SoclessConfig,
): Omit<CfnStackSetProps, 'stackSetName' | 'templateBody' | 'description'> {
  return {
    permissionModel: 'SERVICE_MANAGED',
    callAs: config.rollout.callAs,
    capabilities: ['CAPABILITY_NAMED_IAM'],
    autoDeployment: autoDeploymentOf(config),
    managedExecution: { Active: true },
    operationPreferences: {
      regionConcurrencyType: 'PARALLEL',
      maxConcurrentPercentage: config.rollout.maxConcurrentPercentage,
      failureTolerancePercentage: config.rollout.failureTolerancePercentage,
      concurrencyMode: 'SOFT_FAILURE_TOLERANCE',
    },
  };
}

/** Auto-deployment on: an account that joins a target OU gets its spoke without anyone acting. */
function autoDeploymentOf(config: SoclessConfig): CfnStackSet.AutoDeploymentProperty {
  return { enabled: true, retainStacksOnAccountRemoval: config.rollout.retainStacksOnAccountRemoval };
}

/** The ARN of a StackSet of this stack (`StackSetId` is `<name>:<uuid>`), in the account that deploys it. */
function stackSetArn(stackSet: CfnStackSet): string {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not a JS template
  return Fn.sub('arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stackset/${Id}', {
    Id: stackSet.attrStackSetId,
  });
}
