/**
 * Express twins of Standard playbooks, chosen at dispatch by the account's effective mode.
 *
 * `remediate-finding` is Standard only because, in `notify` mode (and for the few findings a person must approve
 * even in `auto`), it waits for a human (`.waitForTaskToken`, which Express workflows do not support). Every other
 * run — `off`, `dry-run`, `auto` — finishes in seconds and never waits, so it runs as `remediate-finding-express`:
 * the same states with the approval branch cut off, priced per request and duration instead of per transition
 * (`npm run bench -- cost`). The router still routes to `remediate-finding`; the pipeline starts exactly one of the
 * two for a finding, so issue 11's rule holds: one remediation execution per finding, chosen by the mode at
 * dispatch (the mode is passed in the execution input, and the Remediate task acts on that mode).
 *
 * What Standard gave that Express does not, and why exactly-once still holds:
 * - Execution names: Standard StartExecution is idempotent for a name (and its input) within 90 days; Express does
 *   not de-duplicate names, so a re-drive of a `pending` event (a StartExecution whose reply was lost) can start a
 *   second Express execution. The dedup table has already claimed the event (one investigation), and the remediate
 *   task claims a write-ahead record per (investigation, remediation) before its first write
 *   (shared/store/remediations.ts): the second execution finds the claim and replays the first's outcome or holds
 *   as `in-progress`; it never applies again.
 * - Asynchronous Express executions are at-least-once: a state may run twice in one execution. The record is
 *   claimed by execution id, each applied call is marked, and a replay continues from the marks.
 * - History: an Express execution has none in Step Functions (no GetExecutionHistory or DescribeExecution); its
 *   failures are in its CloudWatch log group, logged at ERROR with execution data (shared/state-machine-logging.ts),
 *   and every state's output is in the results table.
 * - Duration: at most 5 minutes. The flow is a remediation (a few spoke calls), a notice and a close.
 */
import type { RemediationMode } from '../config.ts';
import type { SecurityEvent } from '../events/types.ts';

export interface ExpressVariant {
  /** The Express twin's playbook name. */
  readonly playbook: string;
  /** Modes whose runs never ask a person. */
  readonly modes: readonly RemediationMode[];
  /**
   * Findings a person approves even in `auto` (the registry's `findings.cloudTrail.approvalFor`, kept equal to it
   * by test/pipeline/workflow-variants.test.ts): these stay on the Standard flow in every mode, as does a Security
   * Hub custom action's `remediate` in `auto` (a never-automatic fix it chooses is asked for: runner.ts).
   */
  readonly approvalInAuto: { readonly source: SecurityEvent['source']; readonly kinds: readonly string[] };
  /** The Standard state where the approval branch starts; the Express twin stops there (never reached). */
  readonly approvalEntry: string;
}

export const EXPRESS_VARIANTS: Readonly<Record<string, ExpressVariant>> = {
  'remediate-finding': {
    playbook: 'remediate-finding-express',
    modes: ['off', 'dry-run', 'auto'],
    approvalInAuto: { source: 'cloudtrail', kinds: ['CreateAccessKey'] },
    approvalEntry: 'Plan_To_Approve',
  },
};

/**
 * The playbook to start for a routed `playbook`: its Express twin when one is deployed (`deployed` lists the hub's
 * playbooks) and the run cannot ask a person, else the routed playbook itself.
 */
export function dispatchTarget(
  playbook: string,
  mode: RemediationMode,
  event: Pick<SecurityEvent, 'source' | 'kind'> & {
    readonly origin?: Pick<NonNullable<SecurityEvent['origin']>, 'customAction'>;
  },
  deployed: readonly string[],
): string {
  const variant = EXPRESS_VARIANTS[playbook];
  if (!variant || !deployed.includes(variant.playbook) || !variant.modes.includes(mode)) return playbook;
  const asks =
    mode === 'auto' &&
    // A Security Hub custom action's `remediate` names nobody: a fix that needs a person is asked for.
    (event.origin?.customAction?.decision === 'remediate' ||
      (event.source === variant.approvalInAuto.source && variant.approvalInAuto.kinds.includes(event.kind)));
  return asks ? playbook : variant.playbook;
}

type States = Record<string, Record<string, unknown>>;

/** The states a state can go to next (Next, Default, Choices, Catch). */
function nextStates(state: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (typeof state.Next === 'string') out.push(state.Next);
  if (typeof state.Default === 'string') out.push(state.Default);
  for (const c of (state.Choices as { Next?: unknown }[] | undefined) ?? []) {
    if (typeof c.Next === 'string') out.push(c.Next);
  }
  for (const c of (state.Catch as { Next?: unknown }[] | undefined) ?? []) {
    if (typeof c.Next === 'string') out.push(c.Next);
  }
  return out;
}

/** Name of the state that ends an Express run that would have asked a person. */
export const APPROVAL_NOT_IN_EXPRESS = 'Approval_Needs_Standard';

/**
 * The Express twin of a Standard playbook document (playbook.json as written): the states reachable from StartAt
 * without entering the approval branch, with every edge into it sent to a Fail state that names the mismatch (the
 * dispatch rule keeps it unreachable: notify-mode runs and approval findings go to the Standard playbook).
 * playbooks/<variant>/playbook.json is this function's output (a test keeps them equal; after editing the Standard
 * playbook, `SOCLESS_WRITE_VARIANTS=1 npx vitest run test/pipeline/workflow-variants.test.ts` writes it again).
 */
export function expressVariantDocument(
  standard: Record<string, unknown>,
  variant: ExpressVariant,
): Record<string, unknown> {
  const states = standard.States as States;
  if (!states?.[variant.approvalEntry]) {
    throw new Error(`${String(standard.Playbook)}: no approval entry state "${variant.approvalEntry}" to cut`);
  }
  const kept: States = {};
  const queue = [String(standard.StartAt)];
  while (queue.length > 0) {
    const name = queue.shift() as string;
    if (name === variant.approvalEntry || name in kept) continue;
    const state = states[name];
    if (!state) throw new Error(`${String(standard.Playbook)}: state "${name}" is referenced but not defined`);
    const copy = JSON.parse(JSON.stringify(state)) as Record<string, unknown>;
    const redirect = (n: unknown) => (n === variant.approvalEntry ? APPROVAL_NOT_IN_EXPRESS : n);
    if ('Next' in copy) copy.Next = redirect(copy.Next);
    if ('Default' in copy) copy.Default = redirect(copy.Default);
    for (const c of (copy.Choices as Record<string, unknown>[] | undefined) ?? []) c.Next = redirect(c.Next);
    for (const c of (copy.Catch as Record<string, unknown>[] | undefined) ?? []) c.Next = redirect(c.Next);
    if (copy.Type === 'Interaction' || String(copy.Resource ?? '').endsWith('.waitForTaskToken')) {
      throw new Error(`${String(standard.Playbook)}: state "${name}" waits for a person outside the approval branch`);
    }
    kept[name] = copy;
    queue.push(...nextStates(state));
  }
  kept[APPROVAL_NOT_IN_EXPRESS] = {
    Type: 'Fail',
    Error: 'Socless.ApprovalNeedsStandard',
    Cause: `This run would ask a person, which the Express flow cannot wait for; such findings are dispatched to ${String(standard.Playbook)} (shared/pipeline/workflow-variants.ts). Nothing was applied.`,
  };
  const { Triggers: _triggers, ...rest } = standard;
  return {
    ...rest,
    Playbook: variant.playbook,
    Comment: `Express twin of ${String(standard.Playbook)} for ${variant.modes.join(', ')} accounts (never asks a person; started by the pipeline by mode, never routed by triggers). Generated from playbooks/${String(standard.Playbook)}/playbook.json by shared/pipeline/workflow-variants.ts. ${String(standard.Comment ?? '')}`,
    Workflow: 'express',
    StartAt: standard.StartAt,
    States: kept,
  };
}
