import type { LocalHub, LocalOutcome } from './hub.ts';

interface RemediationSummary {
  readonly id: string;
  readonly account: string;
  readonly mode: string;
  readonly effectiveAction?: string;
  readonly actions: unknown[];
  readonly stateSource?: string;
}

/** The remediation a run performed or planned, from the result of its remediate state (any state name). */
export function remediationOf(outcome: LocalOutcome): RemediationSummary | undefined {
  for (const run of outcome.runs) {
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
  }
  return undefined;
}

/** The `socless local --json` line of one input (the contract in DESIGN.md). */
export function outcomeLine(input: string, outcomes: readonly LocalOutcome[]): Record<string, unknown> {
  const [first] = outcomes;
  if (!first) return { input, status: 'rejected', error: 'the input produced no event' };
  const line = (o: LocalOutcome): Record<string, unknown> => {
    const run = o.runs[0];
    return {
      eventId: o.eventId,
      status: o.status,
      playbook: o.playbooks[0] ?? null,
      ...(o.playbooks.length > 1 ? { playbooks: o.playbooks } : {}),
      account: o.account ?? null,
      ...(o.mode ? { mode: o.mode } : {}),
      ...(o.investigationId ? { investigationId: o.investigationId } : {}),
      execution: run
        ? {
            name: run.name,
            status: run.result?.status ?? 'RUNNING',
            states: run.result?.states ?? [],
            ...(run.result?.error ? { error: run.result.error, cause: run.result.cause } : {}),
          }
        : null,
      ...(o.runs.length > 1
        ? {
            executions: o.runs.map((r) => ({
              playbook: r.playbook,
              name: r.name,
              status: r.result?.status ?? 'RUNNING',
              states: r.result?.states ?? [],
            })),
          }
        : {}),
      ...(remediationOf(o) ? { remediation: remediationOf(o) } : {}),
      ...(o.status === 'rejected' || o.status === 'pending' ? { error: o.reason ?? 'no reason recorded' } : {}),
      ...(o.redelivered ? { redelivered: true } : {}),
    };
  };
  return { input, ...line(first), ...(outcomes.length > 1 ? { events: outcomes.map(line) } : {}) };
}

function pad(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s.padEnd(n);
}

/** A table row per event: what came in, whose account, which playbook, what happened, how long it took. */
export function outcomeRows(hub: LocalHub, input: string, outcomes: readonly LocalOutcome[], ms: number): string[] {
  return outcomes.map((o) => {
    const acct = o.account ? hub.account(o.account) : undefined;
    const account = o.account ? `${o.account}${acct ? ` ${acct.name} (${o.mode ?? acct.mode})` : ''}` : '-';
    const runs = o.runs
      .map((r) => `${r.result?.status ?? 'RUNNING'} ${r.result?.states.length ?? 0} states`)
      .join(', ');
    const fix = remediationOf(o);
    const fixText = fix ? `; ${fix.id}: ${fix.effectiveAction ?? fix.mode} (${fix.actions.length} call(s))` : '';
    const outcome =
      o.status === 'dispatched'
        ? `${runs}${fixText}`
        : o.status === 'duplicate'
          ? `duplicate of ${o.investigationId}`
          : o.status === 'rejected'
            ? `rejected: ${o.reason ?? ''}`
            : o.status;
    return `${pad(input, 44)} ${pad(account, 38)} ${pad(o.playbooks.join(',') || '-', 24)} ${pad(outcome, 60)} ${String(ms).padStart(5)} ms`;
  });
}

export function tableHeader(): string {
  return `${pad('EVENT', 44)} ${pad('ACCOUNT', 38)} ${pad('PLAYBOOK', 24)} ${pad('OUTCOME', 60)} ${'TIME'.padStart(8)}`;
}
