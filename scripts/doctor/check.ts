/** The shape of one doctor check and what every check shares (error names, gated calls). */

import type { DoctorDeps } from './deps.ts';
import type { CheckPhase, CheckResult } from './types.ts';

/** Who can answer a check: the hub account's credentials, Organizations (management or delegated), or anyone. */
export type CheckScope = 'hub' | 'org' | 'any';

/** One prerequisite. A check never throws for what it finds; an error it cannot interpret becomes a warn line. */
export interface DoctorCheck {
  readonly id: string;
  readonly phase: CheckPhase;
  readonly scope: CheckScope;
  /** The IAM actions it calls, named when access is denied. */
  readonly actions: readonly string[];
  run(deps: DoctorDeps): Promise<CheckResult | readonly CheckResult[]>;
}

/** The error's name (SDK v3 exceptions carry the service's error code there). */
export function errorName(err: unknown): string {
  return typeof err === 'object' && err !== null && 'name' in err ? String((err as { name: unknown }).name) : '';
}

/** True when the service refused the caller: a permission to grant, not a finding. */
export function isAccessDenied(err: unknown): boolean {
  return /AccessDenied|UnauthorizedOperation|AuthorizationError|NotAuthorized/.test(errorName(err));
}

/** The error message, one line. */
export function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}
