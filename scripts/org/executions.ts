/**
 * `socless exec`: start a playbook on an event, list failed executions with the failing state and cause,
 * and re-drive failed executions recorded in the `events` table.
 *
 * State machines are found by name: the hub names every playbook's state machine `socless-<playbook>`
 * (hub/constructs/playbook-state-machine.ts), so the ARN of one playbook is built from the hub account and
 * region, and "every playbook" is ListStateMachines filtered by that prefix. No stack output is needed.
 */
import { createHash } from 'node:crypto';
import { type CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeExecutionCommand,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  RedriveExecutionCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SoclessConfig } from '../../shared/config.ts';
import { SoclessError } from '../../shared/errors.ts';
import { normalizeEvent } from '../../shared/events/index.ts';
import { effectiveMode } from '../../shared/org/accounts.ts';
import { errorText } from '../../shared/org/organizations.ts';
import { checkAccountTrust } from '../../shared/pipeline/account-trust.ts';
import { executionInputForEvent } from '../../shared/pipeline/execution-input.ts';
import type { EventRecord } from '../../shared/pipeline/types.ts';
import { TASK_FAILURE_END_STATE, TASK_FAILURE_ERROR, TASK_FAILURE_HANDLER_STATE } from '../../shared/playbook/model.ts';
import type { AccountsRepository } from '../../shared/store/accounts.ts';
import type { ApiGates } from './gates.ts';

/** Prefix of playbook state machine names (the hub's `STATE_MACHINE_NAME_PREFIX`). */
export const PLAYBOOK_STATE_MACHINE_PREFIX = 'socless-';

/** The state machine ARN of a playbook in the hub. */
export function playbookStateMachineArn(config: SoclessConfig, playbook: string, partition = 'aws'): string {
  return `arn:${partition}:states:${config.homeRegion}:${config.hubAccountId}:stateMachine:${PLAYBOOK_STATE_MACHINE_PREFIX}${playbook}`;
}

/** One playbook state machine. */
export interface PlaybookStateMachine {
  readonly playbook: string;
  readonly arn: string;
  readonly type: 'STANDARD' | 'EXPRESS' | string;
}

/** Every `socless-*` state machine (ListStateMachines, every page). */
export async function listPlaybookStateMachines(
  sfn: SFNClient,
  gates: Pick<ApiGates, 'sfn'>,
): Promise<PlaybookStateMachine[]> {
  const out: PlaybookStateMachine[] = [];
  let token: string | undefined;
  do {
    const page = await gates.sfn.call(() => sfn.send(new ListStateMachinesCommand({ nextToken: token })));
    for (const sm of page.stateMachines ?? []) {
      if (!sm.name?.startsWith(PLAYBOOK_STATE_MACHINE_PREFIX) || !sm.stateMachineArn) continue;
      out.push({
        playbook: sm.name.slice(PLAYBOOK_STATE_MACHINE_PREFIX.length),
        arn: sm.stateMachineArn,
        type: sm.type ?? 'STANDARD',
      });
    }
    token = page.nextToken;
  } while (token);
  return out.sort((a, b) => a.playbook.localeCompare(b.playbook));
}

/** Parses `24h`, `30m`, `7d` or an ISO 8601 time into an ISO time `now` minus that much. */
export function parseSince(text: string, now: number, option = '--since'): string {
  const m = /^(\d+)\s*(m|h|d)$/.exec(text.trim());
  if (m) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd'];
    return new Date(now - Number(m[1]) * unit).toISOString();
  }
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new SoclessError(`${option}: "${text}" is not a duration (30m, 24h, 7d) or an ISO time`);
  return new Date(t).toISOString();
}

// ---------------------------------------------------------------------------------------------------------
// Failures

export const FAILED_STATUSES: readonly ExecutionStatus[] = ['FAILED', 'TIMED_OUT', 'ABORTED'];

/** One failed, timed-out or aborted execution. */
export interface ExecutionFailure {
  readonly playbook: string;
  readonly executionArn: string;
  readonly name: string;
  readonly status: string;
  readonly startDate?: string;
  readonly stopDate?: string;
  /** The last state entered before the execution ended. */
  readonly failedState?: string;
  readonly error?: string;
  readonly cause?: string;
}

/** The failures found, and what could not be read. */
export interface FailuresReport {
  readonly failures: readonly ExecutionFailure[];
  /** Express state machines not read: Step Functions keeps no history for them (read from their logs when given). */
  readonly skipped: readonly string[];
  readonly errors: readonly string[];
}

/** Failed, timed-out and aborted executions since `since`, each with its failing state and error cause. */
export async function findFailures(
  deps: {
    readonly sfn: SFNClient;
    readonly gates: Pick<ApiGates, 'sfn'>;
    /** Reads Express playbooks' failures from their log groups; without it they are listed as skipped. */
    readonly logs?: CloudWatchLogsClient;
  },
  machines: readonly PlaybookStateMachine[],
  since: string,
): Promise<FailuresReport> {
  const failures: ExecutionFailure[] = [];
  const skipped: string[] = [];
  const errors: string[] = [];
  const sinceMs = Date.parse(since);
  await Promise.all(
    machines.map(async (machine) => {
      if (machine.type === 'EXPRESS') {
        // No history in Step Functions: read the failures from the machine's log group (ERROR with data).
        if (!deps.logs) {
          skipped.push(machine.playbook);
          return;
        }
        try {
          failures.push(...(await expressFailures(deps.logs, machine, sinceMs)));
        } catch (err) {
          errors.push(`FilterLogEvents ${expressLogGroup(machine.playbook)}: ${errorText(err)}`);
        }
        return;
      }
      await Promise.all(
        FAILED_STATUSES.map(async (status) => {
          try {
            let token: string | undefined;
            let older = false;
            do {
              const page = await deps.gates.sfn.call(() =>
                deps.sfn.send(
                  new ListExecutionsCommand({ stateMachineArn: machine.arn, statusFilter: status, nextToken: token }),
                ),
              );
              // Listed newest first: the first one older than the window ends the listing.
              for (const e of page.executions ?? []) {
                if (e.startDate && e.startDate.getTime() < sinceMs) {
                  older = true;
                  break;
                }
                if (!e.executionArn) continue;
                const arn = e.executionArn;
                const detail = await failureDetail(deps, arn).catch((err: unknown) => {
                  errors.push(`GetExecutionHistory ${arn}: ${errorText(err)}`);
                  return {};
                });
                failures.push({
                  playbook: machine.playbook,
                  executionArn: arn,
                  name: e.name ?? '',
                  status: e.status ?? status,
                  ...(e.startDate ? { startDate: e.startDate.toISOString() } : {}),
                  ...(e.stopDate ? { stopDate: e.stopDate.toISOString() } : {}),
                  ...detail,
                });
              }
              token = older ? undefined : page.nextToken;
            } while (token);
          } catch (err) {
            errors.push(`ListExecutions ${machine.playbook} ${status}: ${errorText(err)}`);
          }
        }),
      );
    }),
  );
  failures.sort((a, b) => (b.stopDate ?? '').localeCompare(a.stopDate ?? ''));
  return { failures, skipped, errors };
}

/** The log group of a playbook's state machine (hub/constructs/playbook-state-machine.ts). */
export function expressLogGroup(playbook: string): string {
  return `/aws/vendedlogs/states/${PLAYBOOK_STATE_MACHINE_PREFIX}${playbook}`;
}

const EXECUTION_ENDS: Readonly<Record<string, string>> = {
  ExecutionFailed: 'FAILED',
  ExecutionTimedOut: 'TIMED_OUT',
  ExecutionAborted: 'ABORTED',
};

/**
 * Failed, timed-out and aborted Express executions since `sinceMs`, from the state machine's log group. Express
 * playbooks log at ERROR with execution data (shared/state-machine-logging.ts): each failing run writes its
 * error events (a task's failure with its error and cause, then ExecutionFailed) and nothing for the runs that
 * succeed. ERROR-level events do not name states, so `failedState` is absent; when the TaskFailureHandler ended
 * the run, the error and cause are the failed task's.
 */
export async function expressFailures(
  logs: CloudWatchLogsClient,
  machine: PlaybookStateMachine,
  sinceMs: number,
  /** One execution (a filter pattern on `execution_arn`, matched in CloudWatch Logs) and an end to the window. */
  scope: { readonly executionArn?: string; readonly untilMs?: number } = {},
): Promise<ExecutionFailure[]> {
  if (scope.executionArn !== undefined && /["\\]/.test(scope.executionArn)) {
    throw new SoclessError(`not an execution ARN: ${JSON.stringify(scope.executionArn)}`);
  }
  const byExecution = new Map<string, Array<{ type: string; at: number; error?: string; cause?: string }>>();
  let token: string | undefined;
  do {
    const page = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: expressLogGroup(machine.playbook),
        startTime: sinceMs,
        ...(scope.untilMs !== undefined ? { endTime: scope.untilMs } : {}),
        ...(scope.executionArn !== undefined ? { filterPattern: `{ $.execution_arn = "${scope.executionArn}" }` } : {}),
        nextToken: token,
      }),
    );
    for (const e of page.events ?? []) {
      let entry: { type?: unknown; execution_arn?: unknown; event_timestamp?: unknown; details?: unknown };
      try {
        entry = JSON.parse(e.message ?? '') as typeof entry;
      } catch {
        continue;
      }
      if (typeof entry.type !== 'string' || typeof entry.execution_arn !== 'string') continue;
      const details = (typeof entry.details === 'object' && entry.details !== null ? entry.details : {}) as {
        error?: unknown;
        cause?: unknown;
      };
      const list = byExecution.get(entry.execution_arn) ?? [];
      list.push({
        type: entry.type,
        at: Number(entry.event_timestamp ?? e.timestamp ?? 0),
        ...(typeof details.error === 'string' ? { error: details.error } : {}),
        ...(typeof details.cause === 'string' ? { cause: details.cause } : {}),
      });
      byExecution.set(entry.execution_arn, list);
    }
    token = page.nextToken;
  } while (token);
  const failures: ExecutionFailure[] = [];
  for (const [arn, events] of byExecution) {
    events.sort((a, b) => a.at - b.at);
    const end = events.find((e) => EXECUTION_ENDS[e.type]);
    if (!end) continue;
    // The TaskFailureHandler's own Fail state only points elsewhere: the task's failure before it says why.
    const task = [...events].reverse().find((e) => !EXECUTION_ENDS[e.type] && (e.error || e.cause));
    const source = end.error === TASK_FAILURE_ERROR && task ? task : end;
    failures.push({
      playbook: machine.playbook,
      executionArn: arn,
      // arn:<partition>:states:<region>:<account>:express:<state machine>:<name>:<id>
      name: arn.split(':')[7] ?? '',
      status: EXECUTION_ENDS[end.type] as string,
      stopDate: new Date(end.at).toISOString(),
      ...(source.error ? { error: source.error } : {}),
      ...(source.cause ? { cause: source.cause } : {}),
    });
  }
  return failures;
}

/**
 * Reads the history newest first until the last state entered: the failing state, and the error and cause. When
 * the playbook's TaskFailureHandler ran (the run ends in its Fail state, `Socless.TaskFailed`, whose cause only
 * points at the history), it reads on past the handler to the Task that failed: its state, error and message.
 */
export async function failureDetail(
  deps: { readonly sfn: SFNClient; readonly gates: Pick<ApiGates, 'sfn'> },
  executionArn: string,
): Promise<Pick<ExecutionFailure, 'failedState' | 'error' | 'cause'>> {
  let error: string | undefined;
  let cause: string | undefined;
  let handled = false;
  let original = false;
  let token: string | undefined;
  // A failing run's last state is normally in the first page; ten pages bounds a pathological history.
  for (let pages = 0; pages < 10; pages++) {
    const page = await deps.gates.sfn.call(() =>
      deps.sfn.send(
        new GetExecutionHistoryCommand({
          executionArn,
          reverseOrder: true,
          maxResults: 50,
          includeExecutionData: false,
          nextToken: token,
        }),
      ),
    );
    for (const event of page.events ?? []) {
      const failed = failureOf(event);
      if (failed && error === undefined) {
        error = failed.error;
        cause = failed.cause;
        handled = failed.error === TASK_FAILURE_ERROR;
      } else if (failed && handled && !original && event.type !== 'ExecutionFailed') {
        // The task failure the handler caught: what a person needs instead of the handler's pointer.
        error = failed.error;
        cause = lambdaMessage(failed.cause);
        original = true;
      }
      const entered = event.stateEnteredEventDetails?.name;
      if (!entered) continue;
      if (handled && (entered === TASK_FAILURE_END_STATE || entered === TASK_FAILURE_HANDLER_STATE)) continue;
      if (handled && !original) continue;
      return { failedState: entered, ...(error ? { error } : {}), ...(cause ? { cause } : {}) };
    }
    token = page.nextToken;
    if (!token) break;
  }
  return { ...(error ? { error } : {}), ...(cause ? { cause } : {}) };
}

/** A Lambda failure's cause is its JSON error (`{"errorType","errorMessage"}`): the message is what a person reads. */
function lambdaMessage(cause: string | undefined): string | undefined {
  if (!cause) return cause;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string' ? parsed.errorMessage : cause;
  } catch {
    return cause;
  }
}

function failureOf(event: HistoryEvent): { error?: string; cause?: string } | undefined {
  const d =
    event.executionFailedEventDetails ??
    event.executionTimedOutEventDetails ??
    event.executionAbortedEventDetails ??
    event.taskFailedEventDetails ??
    event.taskTimedOutEventDetails ??
    event.lambdaFunctionFailedEventDetails ??
    event.lambdaFunctionTimedOutEventDetails;
  if (!d || (!d.error && !d.cause)) return undefined;
  return { ...(d.error ? { error: d.error } : {}), ...(d.cause ? { cause: d.cause } : {}) };
}

// ---------------------------------------------------------------------------------------------------------
// Replay

/** One execution of a recorded event, and whether it can be re-driven. */
export interface ReplayItem {
  readonly eventId: string;
  readonly receivedAt: string;
  readonly playbook: string;
  readonly executionArn: string;
  readonly status: string;
  /** `redrive` (Standard, REDRIVABLE), or `skip` with the reason. */
  readonly action: 'redrive' | 'skip';
  readonly reason?: string;
}

/** Options of {@link planReplay}. */
export interface ReplayOptions {
  readonly since: string;
  /** Execution statuses to re-drive. @default FAILED, TIMED_OUT, ABORTED */
  readonly statuses?: readonly ExecutionStatus[];
  readonly playbook?: string;
}

/** Reads the events received since `since` (status-index: dispatched and pending) and their executions' state. */
export async function planReplay(
  deps: {
    readonly sfn: SFNClient;
    readonly documents: DynamoDBDocumentClient;
    readonly eventsTable: string;
    readonly gates: Pick<ApiGates, 'sfn' | 'dynamodb'>;
  },
  options: ReplayOptions,
): Promise<ReplayItem[]> {
  const statuses = new Set<string>(options.statuses ?? FAILED_STATUSES);
  const records: EventRecord[] = [];
  for (const status of ['dispatched', 'pending'] as const) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await deps.gates.dynamodb.call(() =>
        deps.documents.send(
          new QueryCommand({
            TableName: deps.eventsTable,
            IndexName: 'status-index',
            KeyConditionExpression: '#s = :s AND #r >= :since',
            ExpressionAttributeNames: { '#s': 'status', '#r': 'receivedAt' },
            ExpressionAttributeValues: { ':s': status, ':since': options.since },
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      records.push(...((page.Items ?? []) as EventRecord[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
  const refs = records.flatMap((r) =>
    (r.executions ?? [])
      .filter((e) => e.arn && (!options.playbook || e.playbook === options.playbook))
      .map((e) => ({ record: r, playbook: e.playbook, arn: e.arn as string })),
  );
  const items = await Promise.all(
    refs.map(async ({ record, playbook, arn }): Promise<ReplayItem | undefined> => {
      const base = { eventId: record.id, receivedAt: record.receivedAt, playbook, executionArn: arn };
      if (arn.includes(':express:')) {
        return { ...base, status: 'unknown', action: 'skip', reason: 'Express executions cannot be re-driven' };
      }
      try {
        const d = await deps.gates.sfn.call(() => deps.sfn.send(new DescribeExecutionCommand({ executionArn: arn })));
        const status = d.status ?? 'UNKNOWN';
        if (!statuses.has(status)) return undefined;
        if (d.redriveStatus === 'REDRIVABLE') return { ...base, status, action: 'redrive' };
        return {
          ...base,
          status,
          action: 'skip',
          reason: d.redriveStatusReason ?? `redrive status ${d.redriveStatus ?? 'unknown'}`,
        };
      } catch (err) {
        return { ...base, status: 'UNKNOWN', action: 'skip', reason: `DescribeExecution: ${errorText(err)}` };
      }
    }),
  );
  return items.filter((i): i is ReplayItem => i !== undefined);
}

/** Re-drives every `redrive` item (RedriveExecution, idempotent per execution and redrive count). */
export async function applyReplay(
  deps: { readonly sfn: SFNClient; readonly gates: Pick<ApiGates, 'sfn'> },
  items: readonly ReplayItem[],
): Promise<{ executionArn: string; ok: boolean; error?: string }[]> {
  return Promise.all(
    items
      .filter((i) => i.action === 'redrive')
      .map(async (i) => {
        try {
          await deps.gates.sfn.call(() =>
            deps.sfn.send(
              new RedriveExecutionCommand({
                executionArn: i.executionArn,
                // The same token within the idempotency window makes a repeated replay a no-op.
                clientToken: createHash('sha256').update(`replay:${i.executionArn}`).digest('hex').slice(0, 64),
              }),
            ),
          );
          return { executionArn: i.executionArn, ok: true };
        } catch (err) {
          return { executionArn: i.executionArn, ok: false, error: errorText(err) };
        }
      }),
  );
}

// ---------------------------------------------------------------------------------------------------------
// Start

/** Starts `playbook` on an EventBridge event (as text), with the input the pipeline would give it. */
export async function startPlaybook(
  deps: {
    readonly sfn: SFNClient;
    readonly gates: Pick<ApiGates, 'sfn' | 'dynamodb'>;
    readonly config: SoclessConfig;
    readonly accounts?: AccountsRepository;
    readonly now?: () => number;
  },
  playbook: string,
  eventText: string,
  source: string,
): Promise<{ executionArn: string; name: string; eventId: string }> {
  let raw: unknown;
  try {
    raw = JSON.parse(eventText);
  } catch (err) {
    throw new SoclessError(`${source}: is not valid JSON (${(err as Error).message})`);
  }
  const normalized = normalizeEvent(raw);
  if (!normalized.ok) {
    throw new SoclessError(`${source}: ${normalized.field ? `${normalized.field}: ` : ''}${normalized.reason}`);
  }
  const event = normalized.events[0];
  if (!event) throw new SoclessError(`${source}: holds no event`);
  const repo = deps.accounts;
  // The pipeline's rule holds for a manual start too: an event speaks for the account that sent it, unless that
  // account is a trusted aggregator naming an account of the org registry.
  const held = await checkAccountTrust(event, {
    trustedAggregators: deps.config.trustedAggregators,
    ...(repo
      ? { isOrgAccount: async (id: string) => (await deps.gates.dynamodb.call(() => repo.get(id))) !== undefined }
      : {}),
  });
  if (held?.status === 'rejected') {
    throw new SoclessError(`${source}: not started, the event would be held back by the hub: ${held.reason}`);
  }
  const registered = repo ? await deps.gates.dynamodb.call(() => repo.get(event.account)) : undefined;
  const mode = registered
    ? registered.mode
    : effectiveMode(deps.config, { accountId: event.account, ouPath: [], tags: {} }).mode;
  const now = (deps.now ?? Date.now)();
  // A manual run gets its own name: the pipeline's deterministic name may already be taken by that event.
  const digest = createHash('sha256').update(`${playbook}\u0000${event.id}\u0000${now}`).digest('hex').slice(0, 24);
  const name = `manual-${playbook.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 48)}-${digest}`;
  const input = executionInputForEvent(event, { playbook, executionName: name, account: { id: event.account, mode } });
  const out = await deps.gates.sfn.call(() =>
    deps.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: playbookStateMachineArn(deps.config, playbook),
        name,
        input: JSON.stringify(input),
      }),
    ),
  );
  if (!out.executionArn) throw new SoclessError(`StartExecution of ${playbook} returned no execution ARN`);
  return { executionArn: out.executionArn, name, eventId: event.id };
}
