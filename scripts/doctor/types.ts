/** What `socless doctor` reports: one line per check with its status and, when it is not a pass, the exact fix. */

/** pass: ready; warn: works but weaker than it should be (or could not be checked); fail: blocks a deploy or a run. */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** One line of the report. */
export interface CheckResult {
  /** Stable id, e.g. `cdk-bootstrap`, `guardduty`. */
  readonly id: string;
  readonly status: CheckStatus;
  /** What was found, in one sentence. */
  readonly detail: string;
  /** The console path or CLI command that fixes it (warn and fail; skip says how to run it). */
  readonly fix?: string;
}

/** Before the first deploy, or of a running hub. */
export type CheckPhase = 'deploy' | 'running';

/** Helpers to build results. */
export const pass = (id: string, detail: string): CheckResult => ({ id, status: 'pass', detail });
export const warn = (id: string, detail: string, fix: string): CheckResult => ({ id, status: 'warn', detail, fix });
export const fail = (id: string, detail: string, fix: string): CheckResult => ({ id, status: 'fail', detail, fix });
export const skip = (id: string, detail: string, fix: string): CheckResult => ({ id, status: 'skip', detail, fix });

/** The whole run. */
export interface DoctorReport {
  readonly callerAccount: string;
  readonly callerArn: string;
  readonly checks: readonly CheckResult[];
  readonly summary: Readonly<Record<CheckStatus, number>>;
}

const LABEL: Readonly<Record<CheckStatus, string>> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };

/** The report as text: one line per check, its fix indented below it. */
export function reportText(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.id.length), 10);
  const lines = [`socless doctor as ${report.callerArn} (account ${report.callerAccount})`];
  for (const check of report.checks) {
    lines.push(`${LABEL[check.status]}  ${check.id.padEnd(width)}  ${check.detail}`);
    if (check.fix && check.status !== 'pass') lines.push(`${' '.repeat(width + 8)}fix: ${check.fix}`);
  }
  const s = report.summary;
  lines.push(`${s.pass} pass, ${s.warn} warn, ${s.fail} fail, ${s.skip} skipped`);
  return `${lines.join('\n')}\n`;
}

export function summarize(checks: readonly CheckResult[]): Record<CheckStatus, number> {
  const summary: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const c of checks) summary[c.status]++;
  return summary;
}
