/** The remediation kit: sessions into spoke accounts, mode and guard logic, policies, runs and undo. */
export {
  awsErrorCode,
  CALLS,
  type CallSpec,
  callKey,
  createSpokeClients,
  iamActionOf,
  type SpokeClients,
  type SpokeCredentials,
  type SpokeService,
} from './calls.ts';
export {
  RemediationApiError,
  RemediationNotOptedInError,
  RemediationTargetError,
  RemediationUndoError,
  SpokeSessionError,
  SpokeThrottledError,
  UnknownRemediationError,
} from './errors.ts';
export {
  BlastRadiusGuard,
  DEFAULT_KILL_SWITCH_PARAMETER,
  type GuardDecision,
  type GuardLimits,
  hourBucket,
  KILL_SWITCH_METRIC_NAMESPACE,
  KILL_SWITCH_PARAMETER_ENV,
  KILL_SWITCH_UNREADABLE_METRIC,
  type KillSwitch,
  type KillSwitchProblem,
  killSwitchUnreadableMetricLine,
  SsmKillSwitch,
  StaticKillSwitch,
} from './guard.ts';
export {
  allIamActions,
  callsFor,
  directionOnlyCalls,
  FIX_ACTIONS_CANNOT_WEAKEN,
  FIX_ROLE_DENIES,
  FIX_ROLE_RESIDUAL_RISKS,
  type FixRoleResidualRisk,
  iamActions,
  type PolicyDocument,
  remediationStatements,
  type SessionStatement,
  type StatementSet,
  sessionPolicy,
  sessionResource,
  spokeRoleStatementSets,
  statementSid,
} from './policy.ts';
export { type UndoOptions, type UndoResult, undoCalls, undoExecution } from './record.ts';
export { isTargetGone, type Refusal, type RefusalPhase, refusalOf, TARGET_GONE_CODES } from './refusal.ts';
export {
  atOrAbove,
  callRunner,
  FINDING_STATE_ASSUMPTION,
  type RemediationRunRequest,
  type RemediationRuntime,
  runRemediation,
} from './runner.ts';
export {
  partitionOf,
  SPOKE_SESSION_SECONDS,
  type SpokeSession,
  type SpokeSessionFactory,
  type SpokeSessionRequest,
  StsSpokeSessionFactory,
  type StsSpokeSessionFactoryOptions,
  sessionsFor,
  spokeSessionName,
} from './session.ts';
export { answersFinding, triggerPatterns } from './triggers.ts';
export * from './types.ts';
