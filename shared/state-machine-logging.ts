/**
 * What each playbook state machine sends to CloudWatch Logs, by workflow type: declared once, used by the
 * hub's PlaybookStateMachine construct and by the cost model (`npm run bench -- cost`).
 *
 * ERROR for both types. At `ALL` with execution data Step Functions writes every state's input and output
 * (about five log events per Task), which the cost model measured at several times the cost of Step Functions
 * itself. What `ALL` would give is kept elsewhere: a Standard execution's full history is in Step Functions for
 * 90 days, and every state's output of either type is in the results table; failed executions and states are
 * still logged with their data.
 */
import type { WorkflowType } from './deploy-model.ts';

export type StateMachineLogLevel = 'ALL' | 'ERROR' | 'FATAL' | 'OFF';

export interface StateMachineLogging {
  readonly level: StateMachineLogLevel;
  readonly includeExecutionData: boolean;
}

export const STATE_MACHINE_LOGGING: Readonly<Record<WorkflowType, StateMachineLogging>> = {
  express: { level: 'ERROR', includeExecutionData: true },
  standard: { level: 'ERROR', includeExecutionData: true },
};

/** The previous default (every event with data), kept for the cost model's before/after. */
export const STATE_MACHINE_LOGGING_ALL: Readonly<Record<WorkflowType, StateMachineLogging>> = {
  express: { level: 'ALL', includeExecutionData: true },
  standard: { level: 'ALL', includeExecutionData: true },
};
