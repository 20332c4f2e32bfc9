/** Runs every doctor check with bounded concurrency and turns what a check could not read into a report line. */
import pLimit from 'p-limit';
import { errorText } from '../../shared/org/organizations.ts';
import { type DoctorCheck, isAccessDenied } from './check.ts';
import { DEPLOY_CHECKS } from './checks-deploy.ts';
import { RUNNING_CHECKS } from './checks-running.ts';
import { SOURCE_CHECKS } from './checks-sources.ts';
import type { DoctorDeps } from './deps.ts';
import { type CheckResult, type DoctorReport, skip, summarize, warn } from './types.ts';

/** Every check, in report order: first deploy, event sources, then the running hub. */
export const ALL_CHECKS: readonly DoctorCheck[] = [...DEPLOY_CHECKS, ...SOURCE_CHECKS, ...RUNNING_CHECKS];

/** Options of {@link runDoctor}. */
export interface RunDoctorOptions {
  /** @default ALL_CHECKS */
  readonly checks?: readonly DoctorCheck[];
  /** Checks in flight at once (each also passes its API's gate). @default 4 */
  readonly concurrency?: number;
}

/** One check, never throwing: a refused call is a warn line naming the permission, anything else says what failed. */
export async function runCheck(check: DoctorCheck, deps: DoctorDeps): Promise<readonly CheckResult[]> {
  if (check.scope === 'hub' && deps.caller.account !== deps.config.hubAccountId) {
    return [
      skip(
        check.id,
        `needs the hub account ${deps.config.hubAccountId}; these credentials are of ${deps.caller.account}`,
        'run socless doctor --profile <a profile of the hub account>',
      ),
    ];
  }
  try {
    const out = await check.run(deps);
    return Array.isArray(out) ? out : [out as CheckResult];
  } catch (err) {
    if (isAccessDenied(err)) {
      const who = check.scope === 'org' && deps.orgRole ? deps.orgRole : deps.caller.arn;
      return [
        warn(
          check.id,
          `could not check: access denied (${errorText(err)})`,
          check.scope === 'org'
            ? `allow ${check.actions.join(', ')} for ${who}, or pass --org-role <role in the management account>`
            : `allow ${check.actions.join(', ')} for ${who}`,
        ),
      ];
    }
    return [
      warn(check.id, `could not check: ${errorText(err)}`, 'run again; add --debug for the stack trace if it repeats'),
    ];
  }
}

/** Runs the checks (at most `concurrency` at once) and returns them in report order with a summary. */
export async function runDoctor(deps: DoctorDeps, options: RunDoctorOptions = {}): Promise<DoctorReport> {
  const limit = pLimit(options.concurrency ?? 4);
  const results = await Promise.all((options.checks ?? ALL_CHECKS).map((c) => limit(() => runCheck(c, deps))));
  const checks = results.flat();
  return { callerAccount: deps.caller.account, callerArn: deps.caller.arn, checks, summary: summarize(checks) };
}
