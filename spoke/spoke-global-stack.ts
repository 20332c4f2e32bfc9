import { BootstraplessSynthesizer, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { SoclessConfig } from '../shared/config.ts';
import { EventForwardingRole } from './event-forwarding-role.ts';
import { RemediationModeConditions } from './remediation-mode-conditions.ts';
import type { SpokeRoleStatements } from './remediation-statements.ts';
import { addSpokeGlobalParameters, type SpokeGlobalParameters } from './spoke-parameters.ts';
import { SpokeRemediationRole } from './spoke-remediation-role.ts';
import { SpokeUndoRole } from './spoke-undo-role.ts';

/** Properties of {@link SpokeGlobalStack}. */
export interface SpokeGlobalStackProps extends StackProps {
  /** The validated configuration: parameter defaults and per-account remediation modes come from it. */
  readonly config: SoclessConfig;
  /**
   * The spoke roles' permissions by direction (generated from the remediation registry, see
   * spokeRoleStatements()); any set may be empty.
   */
  readonly remediationStatements: SpokeRoleStatements;
}

/**
 * The spoke's account-wide part, deployed once per member account in the home region (IAM is global):
 * the opt-in remediation role (reads; fix-direction writes in notify and auto accounts), the opt-in undo role
 * (reads and undo-direction writes, reachable from operator roles only) and the event-forwarding role. Flat, asset-free and without a bootstrap
 * version rule, so a service-managed StackSet can deploy it.
 */
export class SpokeGlobalStack extends Stack {
  readonly parameters: SpokeGlobalParameters;
  readonly modeConditions: RemediationModeConditions;
  readonly remediationRole: SpokeRemediationRole;
  readonly undoRole: SpokeUndoRole;
  readonly forwardingRole: EventForwardingRole;

  constructor(scope: Construct, id: string, props: SpokeGlobalStackProps) {
    super(scope, id, {
      description: 'SOCless spoke (global): opt-in remediation and undo roles, event-forwarding role',
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
    const trust = {
      hubAccountId: this.parameters.hubAccountId.valueAsString,
      organizationId: this.parameters.organizationId.valueAsString,
      externalId: this.parameters.externalId.valueAsString,
      effectiveMode: this.modeConditions.effectiveMode,
      enabled: this.modeConditions.roleEnabled,
    };
    this.remediationRole = new SpokeRemediationRole(this, 'RemediationRole', {
      ...trust,
      // The condition exists only where a fix policy uses it (CloudFormation refuses an unused one).
      ...(props.remediationStatements.fix.length > 0 ? { fixEnabled: this.modeConditions.fixEnabled } : {}),
      statements: props.remediationStatements,
    });
    this.undoRole = new SpokeUndoRole(this, 'UndoRole', {
      ...trust,
      statements: props.remediationStatements.undo,
      ...(this.remediationRole.readPolicy ? { readPolicy: this.remediationRole.readPolicy } : {}),
    });
    this.forwardingRole = new EventForwardingRole(this, 'EventForwardingRole', {
      hubBusArn: this.parameters.hubBusArn.valueAsString,
    });
  }
}
