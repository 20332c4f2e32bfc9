import type { LocalExecution, LocalHub, LocalOutcome } from './hub.ts';

interface RemediationSummary {
  readonly id: string;
  readonly account: string;
  readonly mode: string;
  readonly effectiveAction?: string;
  readonly actions: unknown[];
  readonly stateSource?: string;
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

/** An execution as `--json` shows it: WAITING (with the interaction to answer) while parked on a person. */
function executionView(run: LocalExecution): Record<string, unknown> {
  return {
    playbook: run.playbook,
    name: run.name,
    status: run.result?.status ?? (run.waitingOn ? 'WAITING' : 'RUNNING'),
    states: run.result?.states ?? [],
    ...(run.result?.error ? { error: run.result.error, cause: run.result.cause } : {}),
    ...(run.waitingOn ? { interaction: run.waitingOn } : {}),
  };
}

/** The `socless local --json` line of one input (the contract in DESIGN.md). */
export function outcomeLine(input: string, outcomes: readonly LocalOutcome[]): Record<string, unknown> {
  const [first] = outcomes;
  if (!first) return { input, status: 'rejected', error: 'the input produced no event' };
  const line = (o: LocalOutcome): Record<string, unknown> => {
    const fix = remediationOf(o);
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
      ...(o.status === 'rejected' || o.status === 'pending' ? { error: o.reason ?? 'no reason recorded' } : {}),
      ...(o.status === 'self' && o.reason ? { reason: o.reason } : {}),
      ...(o.flags && o.flags.length > 0 ? { flags: o.flags } : {}),
      ...(o.redelivered ? { redelivered: true } : {}),
    };
  };
  return { input, ...line(first), ...(outcomes.length > 1 ? { events: outcomes.map(line) } : {}) };
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
  const fixText = fix
    ? `; ${fix.id}: ${fix.effectiveAction ?? fix.mode}, ${fix.actions.length} call(s)${fix.stateSource === 'finding' ? ' (planned from the finding)' : ''}`
    : '';
  const error = run.result?.error ? ` (${run.result.error})` : '';
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
