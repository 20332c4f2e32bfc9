import { CfnParameter, type Stack } from 'aws-cdk-lib';
import { REMEDIATION_MODES, type SoclessConfig } from '../shared/config.ts';
import { busArn } from '../shared/names.ts';

/** Parameter names of the spoke templates; the rollout stack sets and overrides them by these names. */
export const SPOKE_PARAMETER_NAMES = {
  remediationMode: 'RemediationMode',
  hubAccountId: 'HubAccountId',
  hubBusArn: 'HubBusArn',
  externalId: 'ExternalId',
  organizationId: 'OrganizationId',
} as const;

/** The AWS partition a region belongs to (config holds regions, and the hub bus ARN default needs one). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  return 'aws';
}

/** The hub bus ARN the spokes forward to by default: SoclessBus in the hub account's home region. */
export function defaultHubBusArn(config: SoclessConfig): string {
  return busArn(config.hubAccountId, config.homeRegion, partitionOf(config.homeRegion));
}

/** Adds `HubBusArn` (default from config): the only parameter the regional template needs. */
export function addHubBusArnParameter(stack: Stack, config: SoclessConfig): CfnParameter {
  return new CfnParameter(stack, SPOKE_PARAMETER_NAMES.hubBusArn, {
    type: 'String',
    description: 'ARN of the SoclessBus event bus in the hub account',
    default: defaultHubBusArn(config),
    allowedPattern: '^arn:aws[a-z-]*:events:[a-z0-9-]+:\\d{12}:event-bus/[A-Za-z0-9._-]+$',
    constraintDescription: 'must be an event bus ARN',
  });
}

/** The global template's parameters. */
export interface SpokeGlobalParameters {
  readonly remediationMode: CfnParameter;
  readonly hubAccountId: CfnParameter;
  readonly hubBusArn: CfnParameter;
  readonly externalId: CfnParameter;
  readonly organizationId: CfnParameter;
}

/** Adds the global template's parameters, defaults filled from config. */
export function addSpokeGlobalParameters(stack: Stack, config: SoclessConfig): SpokeGlobalParameters {
  return {
    remediationMode: new CfnParameter(stack, SPOKE_PARAMETER_NAMES.remediationMode, {
      type: 'String',
      description: 'How far SOCless remediation may go in this account; off removes the remediation role',
      allowedValues: [...REMEDIATION_MODES],
      default: config.remediation.defaultMode,
    }),
    hubAccountId: new CfnParameter(stack, SPOKE_PARAMETER_NAMES.hubAccountId, {
      type: 'String',
      description: 'The SOCless hub (security) account',
      default: config.hubAccountId,
      allowedPattern: '^\\d{12}$',
      constraintDescription: 'must be a 12-digit account id',
    }),
    hubBusArn: addHubBusArnParameter(stack, config),
    externalId: new CfnParameter(stack, SPOKE_PARAMETER_NAMES.externalId, {
      type: 'String',
      description:
        'sts:ExternalId the hub presents when it assumes the remediation and undo roles (the value of the hub secret config.externalIdSecretName; no default, never in the template)',
      noEcho: true,
      minLength: 16,
      allowedPattern: '^[\\w+=,.@:/-]+$',
    }),
    organizationId: new CfnParameter(stack, SPOKE_PARAMETER_NAMES.organizationId, {
      type: 'String',
      description: 'The AWS Organization whose principals may assume the remediation role',
      default: config.organizationId,
      allowedPattern: '^o-[a-z0-9]{10,32}$',
    }),
  };
}
