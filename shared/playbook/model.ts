/**
 * Names and shapes shared by the playbook validator, renderer and graph printer.
 */
import type { WorkflowType } from '../deploy-model.ts';

/** A JSON object as read from a playbook. */
export type JsonObject = Record<string, unknown>;

/** State types a playbook may use: ASL's, plus SOCless's `Interaction` (a Task that waits for a human). */
export const STATE_TYPES = [
  'Task',
  'Interaction',
  'Choice',
  'Pass',
  'Wait',
  'Parallel',
  'Map',
  'Succeed',
  'Fail',
] as const;
export type StateType = (typeof STATE_TYPES)[number];

/** Retry SOCless puts on every Lambda task: transient Lambda service errors, 2 s, 6 attempts, backoff 2. */
export const DEFAULT_RETRY = Object.freeze({
  ErrorEquals: Object.freeze(['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException']),
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
});

/** The state the `TaskFailureHandler` decorator becomes (same name as Twilio's renderer uses). */
export const TASK_FAILURE_HANDLER_STATE = '_Handle_Task_Failure';
/** The Fail state the failure-handler chain ends in. */
export const TASK_FAILURE_END_STATE = '_End_With_Failure';
/** Error name of the execution when the failure handler ran. */
export const TASK_FAILURE_ERROR = 'Socless.TaskFailed';

/** Resource of a rendered Interaction. */
export const WAIT_FOR_TASK_TOKEN_RESOURCE = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

/** Express workflows stop after 5 minutes: anything that can wait longer needs Standard. */
export const EXPRESS_MAX_SECONDS = 300;

/** Step Functions' limit on a state name. */
export const MAX_STATE_NAME_LENGTH = 80;

/** A playbook that passed validation, in the shape the renderer consumes. */
export interface ValidPlaybook {
  /** The playbook's id: its folder name. */
  readonly name: string;
  /** The playbook's `Playbook` field (may differ from the folder name; display only). */
  readonly displayName: string;
  /**
   * `socless`: the execution data keeps SOCless's shape (each result flattened into `results` and under
   * `results.<State>`, parameters resolved as socless_python does); `native`: the leaner native shape.
   */
  readonly compat: 'socless' | 'native';
  /** Why that mode was chosen (shown by the CLI). */
  readonly compatReason: string;
  readonly comment?: string;
  readonly startAt: string;
  readonly states: Readonly<Record<string, JsonObject>>;
  /** Top-level ASL fields passed through (`TimeoutSeconds`, `Version`). */
  readonly passThrough: JsonObject;
  readonly taskFailureHandler?: JsonObject;
  readonly disableDefaultRetry: { readonly all: boolean; readonly tasks: ReadonlySet<string> };
  readonly triggers: ReadonlyArray<Record<string, unknown>>;
  readonly workflow: WorkflowType;
  /** Why the workflow type was chosen (shown by the CLI). */
  readonly workflowReason: string;
}
