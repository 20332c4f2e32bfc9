/**
 * What the operations console reads and does, independent of where the hub runs. Two implementations:
 * the local hub (dynalite, in-process executor) and a deployed hub read with the operator's own AWS credentials
 * (DynamoDB tables, Step Functions). Pages render only what this interface returns; every action goes through
 * the same code the CLI uses (closing an investigation, answering an interaction, undoing a remediation).
 *
 * Everything in these records that came from an event is attacker-controlled text: pages render it as text.
 */
import type { CompiledPlaybook } from '../../shared/deploy-model.ts';
import type { InvestigationDetail, InvestigationSummary } from '../../shared/store/investigations.ts';
import type { RemediationRecord } from '../../shared/store/remediations.ts';
import type { StateResultRecord } from '../../shared/store/results.ts';

/** Filters of the investigations page; each is an exact match, all must hold. */
export interface InvestigationFilter {
  readonly account?: string;
  /** An OU name or id: the investigation's account is in that OU or below it. */
  readonly ou?: string;
  readonly status?: 'open' | 'closed';
  /** The severity label the investigation has now (latest seen, else the one it opened at). */
  readonly severity?: string;
  readonly source?: string;
  readonly playbook?: string;
}

/** One page of investigations, newest first, with counts over the whole filtered set. */
export interface InvestigationPage {
  readonly items: readonly InvestigationSummary[];
  /** Investigations matching the filter, all pages together. */
  readonly total: number;
  /** Per status, over investigations matching every filter but `status`. */
  readonly countsByStatus: Readonly<Record<'open' | 'closed', number>>;
  readonly page: number;
  readonly pageSize: number;
  /** The distinct values present, for the filter drop-downs (bounded lists). */
  readonly facets: {
    readonly accounts: readonly string[];
    readonly severities: readonly string[];
    readonly sources: readonly string[];
    readonly playbooks: readonly string[];
  };
}

/**
 * `UNKNOWN`: an execution of an earlier local hub process (a `--data` folder kept its tables, but a local execution
 * does not outlive the process that ran it): only the results it saved are known, not how it ended.
 */
export type ConsoleExecutionStatus =
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'ABORTED'
  | 'WAITING'
  | 'UNKNOWN';

/** One execution of a playbook, as the investigation and playbook pages list it. */
export interface ConsoleExecutionSummary {
  readonly arn: string;
  readonly playbook: string;
  readonly name: string;
  readonly status: ConsoleExecutionStatus;
  readonly startedAt?: string;
  readonly stoppedAt?: string;
  readonly investigationId?: string;
  /**
   * Where the status and path come from when not from a Step Functions history (an Express execution has none:
   * the results table and the state machine's log group), shown with the status.
   */
  readonly derivedFrom?: string;
}

/** One state the execution entered, in order. */
export interface ConsoleStep {
  readonly state: string;
  readonly enteredAt?: string;
  readonly status: 'succeeded' | 'failed' | 'running' | 'waiting';
  readonly input?: unknown;
  readonly output?: unknown;
  readonly error?: { readonly name: string; readonly message: string };
}

/** An execution with the path it took and each state's saved input, output and error. */
export interface ConsoleExecutionDetail extends ConsoleExecutionSummary {
  readonly playbookDefinition?: CompiledPlaybook;
  /** States entered, in order (the path to highlight on the graph). */
  readonly steps: readonly ConsoleStep[];
  /** Every saved result (results table), each attempt its own record. */
  readonly results: readonly StateResultRecord[];
  /** Write-ahead remediation records this execution claimed: plan, before-state, calls, after, verify. */
  readonly remediations: readonly RemediationRecord[];
  readonly error?: string;
  readonly cause?: string;
  /** The interaction the execution is parked on, if any. */
  readonly waitingOn?: { readonly id: string; readonly state: string };
}

/** An investigation with its events (the opener's normalized and raw event), occurrences and executions. */
export interface ConsoleInvestigation {
  readonly detail: InvestigationDetail;
  /** The normalized event of the investigation's opener (the events table record, without the raw body). */
  readonly normalized?: unknown;
  /** The raw event as received, or undefined when it was offloaded and cannot be read here. */
  readonly raw?: unknown;
  readonly executions: readonly ConsoleExecutionSummary[];
}

/** An interaction waiting for a person, with the plan it asks about. */
export interface ConsoleApproval {
  /** The id to answer by. */
  readonly id: string;
  readonly executionArn: string;
  readonly playbook?: string;
  readonly state: string;
  /** The integration that asked (its id, e.g. `request_approval`). */
  readonly integration: string;
  /** Where the question was posted (`slack`, `webhook`), when known. */
  readonly channel?: string;
  readonly createdAt: string;
  readonly investigationId?: string;
  /** What the interaction shows the person (message, the remediation plan when it asks about one). */
  readonly parameters: Readonly<Record<string, unknown>>;
}

export interface ConsoleAccount {
  readonly accountId: string;
  readonly name?: string;
  /** OU path from the root, names (ids where a name could not be read). */
  readonly ouPath: readonly string[];
  /** Why OU names could not be read (the path then shows ids), when they could not. */
  readonly ouNamesError?: string;
  readonly mode: string;
  /** Where the effective mode comes from (account tag, OU default, org default, …). */
  readonly modeSource: string;
  readonly lastEventAt?: string;
  /** Spoke coverage as the registry knows it (regions with a spoke, status). */
  readonly spoke?: { readonly status: string; readonly regions?: readonly string[] };
}

export interface ConsolePlaybook {
  readonly name: string;
  readonly workflow: string;
  readonly triggers: ReadonlyArray<Record<string, unknown>>;
  readonly integrations: readonly string[];
  readonly compiled: CompiledPlaybook;
}

/** An operator's answer to an interaction. */
export type Decision = 'approve' | 'reject';

/** The close form as it arrives (every field the operator's to set). */
export interface CloseForm {
  readonly resolution: string;
  readonly reason: string;
  readonly duplicateOf?: string;
}

/** The result of an action, as the page reports it. */
export interface ConsoleActionResult {
  readonly ok: boolean;
  readonly message: string;
  readonly detail?: unknown;
}

export interface ConsoleBackend {
  /** `local` or `aws:<account>/<region>`: shown in the page header. */
  readonly label: string;
  listInvestigations(filter: InvestigationFilter, page: number, pageSize: number): Promise<InvestigationPage>;
  /** Undefined when no investigation has that id. */
  investigation(id: string): Promise<ConsoleInvestigation | undefined>;
  /** Undefined when the execution is unknown. */
  execution(arn: string): Promise<ConsoleExecutionDetail | undefined>;
  approvals(): Promise<readonly ConsoleApproval[]>;
  /** Approve or reject; `operator` is who holds the console (never a value from the request body). */
  answer(id: string, decision: Decision, operator: string, reason: string): Promise<ConsoleActionResult>;
  /** Reverse what an execution applied, once, through the same code as `socless remediation undo`. */
  undo(executionArn: string, operator: string): Promise<ConsoleActionResult>;
  /** Close an investigation with a resolution, through the same code as `socless investigation close`. */
  close(id: string, request: CloseForm, operator: string): Promise<ConsoleActionResult>;
  accounts(): Promise<readonly ConsoleAccount[]>;
  playbooks(): Promise<readonly ConsolePlaybook[]>;
  /** Recent executions of a playbook, newest first. */
  recentExecutions(playbook: string, limit: number): Promise<readonly ConsoleExecutionSummary[]>;
}
