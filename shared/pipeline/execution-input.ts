import type { RemediationMode } from '../config.ts';
import type { SecurityEvent } from '../events/index.ts';
import { buildExecutionInput, type ExecutionInput } from '../playbook/input.ts';

/**
 * The starting input of a playbook execution for a normalized event (by default the event is its own
 * investigation; an escalation runs under the investigation it escalates).
 * The endpoint, the operator CLI and the playbook test runner all start executions through this.
 */
export function executionInputForEvent(
  event: SecurityEvent,
  options: {
    readonly playbook: string;
    readonly executionName: string;
    readonly account: { readonly id: string; readonly mode: RemediationMode };
    /** The investigation the run belongs to. @default the event's own id (the event opened it) */
    readonly investigationId?: string;
  },
): ExecutionInput {
  return buildExecutionInput({
    event: {
      id: event.id,
      investigation_id: options.investigationId ?? event.id,
      event_type: event.kind,
      created_at: event.time,
      playbook: options.playbook,
      details: event as unknown as Record<string, unknown>,
    },
    execution_id: options.executionName,
    account: options.account,
  });
}
