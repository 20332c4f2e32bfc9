/**
 * What both console backends say about the operator's actions and the playbooks they list: the decision check and
 * message of an answer, the undo message, the close (the resolution checked, the repository's refusal said) and a
 * compiled playbook as the playbooks page shows it.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { REMEDIATIONS } from '../../hub/remediations/index.ts';
import type { SoclessConfig } from '../../shared/config.ts';
import type { CompiledPlaybook } from '../../shared/deploy-model.ts';
import { SoclessError } from '../../shared/errors.ts';
import { RESOLUTIONS, type Resolution } from '../../shared/pipeline/lifecycle.ts';
import { type UndoResult, undoExecution } from '../../shared/remediation/record.ts';
import type { CloseRequest, InvestigationSummary } from '../../shared/store/investigations.ts';
import type { RemediationRecordsRepository } from '../../shared/store/remediations.ts';
import { operatorUndoSessions } from '../commands/remediation.ts';
import type { CloseForm, ConsoleActionResult, ConsolePlaybook, Decision } from './backend.ts';
import { errorMessage, isProgrammingError } from './event-records.ts';

/** The refusal of a decision other than approve or reject (the form's value is the attacker's to choose). */
export function decisionRefusal(decision: string): ConsoleActionResult | undefined {
  if (decision === 'approve' || decision === 'reject') return undefined;
  return { ok: false, message: `decision must be approve or reject, not "${String(decision)}"` };
}

/** The message of an answer delivered. */
export function answeredMessage(decision: Decision, id: string, by: string): string {
  return `${decision === 'approve' ? 'approved' : 'rejected'} ${id} as ${by}`;
}

/** The message of an undo: each remediation reversed, with the calls it made. */
export function undoneMessage(undone: readonly UndoResult[]): string {
  return `undone: ${undone.map((u) => `${u.id} in ${u.account}/${u.region} (${u.calls.map((c) => `${c.service}:${c.action}`).join(', ') || 'nothing to reverse'})`).join('; ')}`;
}

/**
 * Undoes what an execution applied, as the CLI's `socless remediation undo` does (undoExecution with the
 * operator's undo sessions), recorded as done by `operator`. A refusal (nothing applied, already undone, cannot
 * undo) or an AWS error (AccessDenied...) becomes the message; a bug throws. `detail` shapes what the page gets.
 */
export async function undoAsOperator(
  options: {
    readonly records: RemediationRecordsRepository;
    readonly executionArn: string;
    readonly operator: string;
    readonly config: SoclessConfig;
    readonly region: string;
    readonly documents: DynamoDBDocumentClient;
    /** The remediations table (the session ledger lives there too). */
    readonly table: string;
  },
  detail: (undone: UndoResult[]) => unknown,
): Promise<ConsoleActionResult> {
  try {
    const undone = await undoExecution({
      records: options.records,
      executionId: options.executionArn,
      registry: REMEDIATIONS,
      sessions: operatorUndoSessions({
        config: options.config,
        region: options.region,
        documents: options.documents,
        table: options.table,
      }),
      by: options.operator,
    });
    return { ok: true, message: undoneMessage(undone), detail: detail(undone) };
  } catch (err) {
    if (isProgrammingError(err)) throw err;
    return { ok: false, message: errorMessage(err) };
  }
}

/**
 * Closes an investigation through `close` (InvestigationsRepository.close) once the resolution is one of
 * RESOLUTIONS, then `after` (the backend re-reads it). A SOCless refusal becomes the message; anything else throws.
 */
export async function closeInvestigation(
  id: string,
  request: CloseForm,
  operator: string,
  at: string,
  close: (id: string, request: CloseRequest) => Promise<InvestigationSummary>,
  after: () => Promise<void>,
): Promise<ConsoleActionResult> {
  if (!(RESOLUTIONS as readonly string[]).includes(request.resolution)) {
    return { ok: false, message: `resolution must be one of ${RESOLUTIONS.join(', ')}, not "${request.resolution}"` };
  }
  try {
    const closed = await close(id, {
      resolution: request.resolution as Resolution,
      reason: request.reason,
      by: operator,
      at,
      ...(request.duplicateOf ? { duplicateOf: request.duplicateOf } : {}),
    });
    await after();
    return { ok: true, message: `closed ${id} as ${closed.resolution ?? request.resolution}`, detail: closed };
  } catch (err) {
    if (err instanceof SoclessError) return { ok: false, message: err.message };
    throw err;
  }
}

/** A compiled playbook as the playbooks page lists it. */
export function consolePlaybook(p: CompiledPlaybook): ConsolePlaybook {
  return { name: p.name, workflow: p.workflow, triggers: p.triggers, integrations: p.integrations, compiled: p };
}
