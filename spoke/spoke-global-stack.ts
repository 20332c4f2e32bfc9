import { BootstraplessSynthesizer, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { SoclessConfig } from '../shared/config.ts';
import { EventForwardingRole } from './event-forwarding-role.ts';
import { RemediationModeConditions } from './remediation-mode-conditions.ts';
import type { RemediationStatement } from './remediation-statements.ts';
import { addSpokeGlobalParameters, type SpokeGlobalParameters } from './spoke-parameters.ts';
import { SpokeRemediationRole } from './spoke-remediation-role.ts';

/** Properties of {@link SpokeGlobalStack}. */
export interface SpokeGlobalStackProps extends StackProps {
  /** The validated configuration: parameter defaults and per-account remediation modes come from it. */
  readonly config: SoclessConfig;
  /** The remediation role's permissions (generated from the remediation registry); may be empty. */
  readonly remediationStatements: ReadonlyArray<RemediationStatement>;
}

/**
 * The spoke's account-wide part, deployed once per member account in the home region (IAM is global):
 * the opt-in remediation role and the event-forwarding role. Flat, asset-free and without a bootstrap
 * version rule, so a service-managed StackSet can deploy it.
 */
export class SpokeGlobalStack extends Stack {
  readonly parameters: SpokeGlobalParameters;
  readonly modeConditions: RemediationModeConditions;
  readonly remediationRole: SpokeRemediationRole;
  readonly forwardingRole: EventForwardingRole;

  constructor(scope: Construct, id: string, props: SpokeGlobalStackProps) {
    super(scope, id, {
      description: 'SOCless spoke (global): opt-in remediation role and event-forwarding role',
      analyticsReporting: false,
      // No assets and no BootstrapVersion parameter: StackSet instances are never bootstrapped.
      synthesizer: new BootstraplessSynthesizer(),
      ...props,
    });
    const { config } = props;
    this.parameters = addSpokeGlobalParameters(this, config);
    this.modeConditions = new RemediationModeConditions(this, 'ModeConditions', {
      remediationMode: this.parameters.remediationMode,
      accountModes: config.remediation.accounts,
    });
    this.remediationRole = new SpokeRemediationRole(this, 'RemediationRole', {
      hubAccountId: this.parameters.hubAccountId.valueAsString,
      organizationId: this.parameters.organizationId.valueAsString,
      externalId: this.parameters.externalId.valueAsString,
      effectiveMode: this.modeConditions.effectiveMode,
      enabled: this.modeConditions.roleEnabled,
      statements: props.remediationStatements,
    });
    this.forwardingRole = new EventForwardingRole(this, 'EventForwardingRole', {
      hubBusArn: this.parameters.hubBusArn.valueAsString,
    });
  }
}
