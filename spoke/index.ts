/** The spoke side of socless-org: spoke stacks, the org rollout stack and the forwarded-event catalogue. */
export {
  EventForwardingRole,
  type EventForwardingRoleProps,
  HubBusForwardingRule,
  type HubBusForwardingRuleProps,
  HubBusPutEventsRole,
  type HubBusPutEventsRoleProps,
} from './event-forwarding-role.ts';
export {
  FORWARDED_EVENTS,
  type ForwardedEventDefinition,
  type ForwardedEventPattern,
  forwardedEventPattern,
} from './forwarded-events.ts';
export { ForwardingDeadLetterQueue } from './forwarding-dead-letter-queue.ts';
export { ForwardingRule, type ForwardingRuleProps } from './forwarding-rule.ts';
export { ORGANIZATIONS_EVENTS_REGION, OrgEventsStack, type OrgEventsStackProps } from './org-events-stack.ts';
export { OrgRolloutStack, type OrgRolloutStackProps } from './org-rollout-stack.ts';
export {
  anyCondition,
  RemediationModeConditions,
  type RemediationModeConditionsProps,
} from './remediation-mode-conditions.ts';
export {
  type RemediationStatement,
  RemediationStatementError,
  type SpokeRoleStatements,
  type StatementConditions,
  validateRemediationStatements,
} from './remediation-statements.ts';
export { type GlobalRolloutPlan, planGlobalRollout, type RemediationInstanceGroup } from './rollout-plan.ts';
export {
  customActionRegions,
  SecurityHubActionsStack,
  type SecurityHubActionsStackProps,
  securityHubActionsStackName,
} from './security-hub-actions-stack.ts';
export { SpokeGlobalStack, type SpokeGlobalStackProps } from './spoke-global-stack.ts';
export { defaultHubBusArn, partitionOf, SPOKE_PARAMETER_NAMES } from './spoke-parameters.ts';
export { SpokeRegionalStack, type SpokeRegionalStackProps } from './spoke-regional-stack.ts';
export {
  INLINE_POLICY_LIMIT,
  MANAGED_POLICY_LIMIT,
  SpokeRemediationRole,
  type SpokeRemediationRoleProps,
  type SpokeRoleTrustProps,
} from './spoke-remediation-role.ts';
export { SpokeUndoRole, type SpokeUndoRoleProps } from './spoke-undo-role.ts';
export {
  type SpokeTemplates,
  type SynthSpokeTemplatesOptions,
  synthSpokeTemplates,
  TEMPLATE_BODY_LIMIT_BYTES,
} from './synth-spoke-templates.ts';
