import type { LocalExecution, LocalHub, LocalOutcome } from './hub.ts';

export interface RemediationSummary {
  readonly id: string;
  readonly account: string;
  readonly mode: string;
  readonly effectiveAction?: string;
  readonly actions: unknown[];
  readonly stateSource?: string;
  /** For `not-applicable`: why. */
  readonly notApplicable?: string;
  /** For a plan made without reading the account: what a live run would read and change. */
  readonly intent?: string;
}

/** The remediation one run performed or planned, from the result of its remediate state (any state name). */
function remediationOfRun(run: LocalExecution, outcome: LocalOutcome): RemediationSummary | undefined {
  const results = (run.result?.output as { results?: Record<string, unknown> } | undefined)?.results ?? {};
  for (const value of Object.values(results)) {
    const r = (value as { remediation?: Record<string, unknown> } | null)?.remediation;
    if (r && typeof r === 'object' && typeof r.id === 'string') {
      return {
        id: r.id,
        account: String(r.account ?? outcome.account ?? ''),
        mode: String(r.mode ?? outcome.mode ?? ''),
        ...(typeof r.effectiveAction === 'string' ? { effectiveAction: r.effectiveAction } : {}),
        actions: Array.isArray(r.actions) ? r.actions : [],
        ...(typeof r.stateSource === 'string' ? { stateSource: r.stateSource } : {}),
        ...(typeof (r.notApplicable as { reason?: unknown } | undefined)?.reason === 'string'
          ? { notApplicable: (r.notApplicable as { reason: string }).reason }
          : {}),
        ...(typeof (r.intent as { summary?: unknown } | undefined)?.summary === 'string'
          ? { intent: (r.intent as { summary: string }).summary }
          : {}),
      };
    }
  }
  return undefined;
}

/** The remediation an event's executions performed or planned (the first one found). */
export function remediationOf(outcome: LocalOutcome): RemediationSummary | undefined {
  for (const run of outcome.runs) {
    const found = remediationOfRun(run, outcome);
    if (found) return found;
  }
  return undefined;
}

/**
 * Why a run failed, as a person needs it: the failing Task and its own error and message (what the execution
 * history would show), not the Fail state's pointer to the history.
 */
export function failureOf(run: LocalExecution): { error: string; cause: string; state?: string } | undefined {
  const result = run.result;
  if (!result || result.status === 'SUCCEEDED') return undefined;
  if (result.failure) {
    return {
      state: result.failure.state,
      error: `${result.failure.state}: ${result.failure.error}`,
      cause: result.failure.cause,
    };
  }
  if (!result.error) return undefined;
  return { error: result.error, cause: result.cause ?? '' };
}

/** An execution as `--json` shows it: WAITING (with the interaction to answer) while parked on a person. */
function executionView(run: LocalExecution): Record<string, unknown> {
  const failure = failureOf(run);
  return {
    playbook: run.playbook,
    name: run.name,
    status: run.result?.status ?? (run.waitingOn ? 'WAITING' : 'RUNNING'),
    states: run.result?.states ?? [],
    ...(failure
      ? { error: failure.error, cause: failure.cause, ...(failure.state ? { failedState: failure.state } : {}) }
      : {}),
    ...(run.waitingOn ? { interaction: run.waitingOn } : {}),
  };
}

/** The `socless local --json` line of one input (the contract in DESIGN.md). */
export function outcomeLine(input: string, outcomes: readonly LocalOutcome[]): Record<string, unknown> {
  const [first] = outcomes;
  if (!first) return { input, status: 'rejected', error: 'the input produced no event' };
  const line = (o: LocalOutcome): Record<string, unknown> => {
    const fix = remediationOf(o);
    const failed = o.runs.map((r) => ({ run: r, failure: failureOf(r) })).find((f) => f.failure);
    return {
      eventId: o.eventId,
      status: o.status,
      playbook: o.playbooks[0] ?? null,
      ...(o.playbooks.length > 1 ? { playbooks: o.playbooks } : {}),
      account: o.account ?? null,
      ...(o.mode ? { mode: o.mode } : {}),
      ...(o.investigationId ? { investigationId: o.investigationId } : {}),
      execution: o.runs[0] ? executionView(o.runs[0]) : null,
      ...(o.runs.length > 1 ? { executions: o.runs.map(executionView) } : {}),
      ...(fix ? { remediation: fix } : {}),
      ...(o.previousInvestigationId ? { previousInvestigationId: o.previousInvestigationId } : {}),
      ...(o.regression ? { regression: true } : {}),
      ...(o.status === 'rejected' || o.status === 'pending' ? { error: o.reason ?? 'no reason recorded' } : {}),
      ...(o.status === 'unrouted' && o.reason ? { reason: o.reason } : {}),
      // A playbook that failed after its retries: which one, at which state, and the state's own message.
      ...(failed?.failure && o.status !== 'rejected' && o.status !== 'pending'
        ? { error: `${failed.run.playbook} failed at ${failed.failure.error}`, cause: failed.failure.cause }
        : {}),
      ...(o.status === 'self' && o.reason ? { reason: o.reason } : {}),
      ...(o.flags && o.flags.length > 0 ? { flags: o.flags } : {}),
      ...(o.redelivered ? { redelivered: true } : {}),
    };
  };
  return { input, ...line(first), ...(outcomes.length > 1 ? { events: outcomes.map(line) } : {}) };
}

/** A remediation in one phrase; a plan made without reading the account says what it would do, never "0 calls". */
export function remediationText(fix: RemediationSummary): string {
  const action = fix.effectiveAction ?? fix.mode;
  if (fix.notApplicable) return `not applicable (${fix.notApplicable})`;
  if (action === 'compliant') return 'already compliant, nothing to do';
  if (action === 'ignored') return 'ignored (mode off)';
  if (fix.actions.length === 0 && fix.intent) return `${action}, state not read: would ${fix.intent}`;
  return `${action}, ${fix.actions.length} call(s)${fix.stateSource === 'finding' ? ' (planned from the finding)' : ''}`;
}

function pad(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s.padEnd(n);
}

const COLUMNS = { event: 46, account: 36, playbook: 24 } as const;

function row(event: string, account: string, playbook: string, outcome: string, time: string): string {
  return `${pad(event, COLUMNS.event)} ${pad(account, COLUMNS.account)} ${pad(playbook, COLUMNS.playbook)} ${time.padStart(7)}  ${outcome}`;
}

function runText(run: LocalExecution, outcome: LocalOutcome, answerFlags: string): string {
  if (run.waitingOn) {
    return `waiting for a person at ${run.waitingOn.state}: npx socless local answer ${run.waitingOn.id} approve|reject${answerFlags}`;
  }
  const status = run.result ? `${run.result.status} after ${run.result.states.length} states` : 'RUNNING';
  const fix = remediationOfRun(run, outcome);
  const fixText = fix ? `; ${fix.id}: ${remediationText(fix)}` : '';
  const failure = failureOf(run);
  const error = failure ? ` at ${failure.error}: ${failure.cause}` : '';
  return `${status}${error}${fixText}`;
}

/**
 * Table rows for one input: a row per execution (or one for an event that started none). `answerFlags` (e.g.
 * ` --port 4851`) is added to the `socless local answer` hint so it reaches this hub as printed.
 */
export function outcomeRows(
  hub: LocalHub,
  input: string,
  outcomes: readonly LocalOutcome[],
  ms: number,
  answerFlags = '',
): string[] {
  return outcomes.flatMap((o) => {
    const acct = o.account ? hub.account(o.account) : undefined;
    const account = o.account ? `${o.account} ${acct?.name ?? '(not in org)'} [${o.mode ?? acct?.mode ?? '?'}]` : '-';
    if (o.runs.length === 0) {
      const text =
        o.status === 'duplicate'
          ? `duplicate of investigation ${o.investigationId}`
          : o.status === 'rejected'
            ? `rejected: ${o.reason ?? ''}`
            : o.status === 'pending'
              ? `pending: ${o.reason ?? ''}`
              : o.status === 'self'
                ? `self: ${o.reason ?? ''}`
                : o.status;
      return [row(input, account, '-', text, `${ms} ms`)];
    }
    return o.runs.map((r, i) =>
      i === 0
        ? row(input, account, r.playbook, runText(r, o, answerFlags), `${ms} ms`)
        : row('', '', r.playbook, runText(r, o, answerFlags), ''),
    );
  });
}

export function tableHeader(): string {
  return row('EVENT', 'ACCOUNT [MODE]', 'PLAYBOOK', 'OUTCOME', 'TIME');
}
