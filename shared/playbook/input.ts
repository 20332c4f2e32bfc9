/**
 * The input every playbook execution starts with. Whoever starts an execution (the endpoint, the local hub,
 * the CLI) builds it here, so the compiled state machine needs no setup or formatter states of its own.
 */
import type { RemediationMode } from '../config.ts';
import { SoclessError } from '../errors.ts';

/** Step Functions rejects an execution input above 256 KiB. */
export const EXECUTION_INPUT_LIMIT_BYTES = 256 * 1024;

/** The event as a playbook sees it: the normalized security event minus its raw payload. */
export interface PlaybookEventArtifact {
  readonly id: string;
  readonly investigation_id: string;
  readonly event_type: string;
  readonly created_at: string;
  readonly playbook: string;
  readonly details: Record<string, unknown>;
}

/** The starting state of a playbook execution (see the playbook contract). */
export interface ExecutionInput {
  /**
   * Our execution name, also at the top level where SOCless's execution input has it (`$.execution_id`), so a
   * SOCless-style playbook that reads it there keeps working.
   */
  readonly execution_id: string;
  readonly artifacts: {
    readonly event: PlaybookEventArtifact;
    readonly investigation_id: string;
    /** Our execution name. */
    readonly execution_id: string;
    readonly account: { readonly id: string; readonly mode: RemediationMode };
  };
  readonly results: Record<string, unknown>;
  readonly errors: Record<string, unknown>;
}

export interface BuildExecutionInputArgs {
  readonly event: PlaybookEventArtifact;
  /** The execution name the starter chose (also the key of the results record). */
  readonly execution_id: string;
  readonly account: { readonly id: string; readonly mode: RemediationMode };
  /** @default EXECUTION_INPUT_LIMIT_BYTES minus a margin of 16 KiB for results the states add */
  readonly maxBytes?: number;
}

/** The input is too large for StartExecution. */
export class ExecutionInputTooLargeError extends SoclessError {
  constructor(
    readonly eventId: string,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(
      `execution input for event ${eventId} is ${bytes} bytes, above the ${maxBytes}-byte budget: trim the event details (the raw event stays in the events table)`,
    );
  }
}

/**
 * Builds the starting input of a playbook execution. `details.raw` is dropped (the events table keeps it),
 * and the result is checked against the size budget so an oversized event fails here, with its id, rather
 * than at StartExecution.
 */
export function buildExecutionInput(args: BuildExecutionInputArgs): ExecutionInput {
  const { raw, ...normalized } = args.event.details;
  // A SOCless create-events body's own details (webhook events only: an authenticated, scoped sender put them
  // there) are what a SOCless playbook reads at artifacts.event.details.<key>; the normalized fields win.
  const socless = soclessDetailsOf(normalized, raw);
  const details = socless ? { ...socless, ...normalized } : normalized;
  const input: ExecutionInput = {
    execution_id: args.execution_id,
    artifacts: {
      event: {
        id: args.event.id,
        investigation_id: args.event.investigation_id,
        event_type: args.event.event_type,
        created_at: args.event.created_at,
        playbook: args.event.playbook,
        details,
      },
      investigation_id: args.event.investigation_id,
      execution_id: args.execution_id,
      account: { id: args.account.id, mode: args.account.mode },
    },
    results: {},
    errors: {},
  };
  const maxBytes = args.maxBytes ?? EXECUTION_INPUT_LIMIT_BYTES - 16 * 1024;
  const bytes = Buffer.byteLength(JSON.stringify(input), 'utf8');
  if (bytes > maxBytes) throw new ExecutionInputTooLargeError(args.event.id, bytes, maxBytes);
  return input;
}

/** The SOCless details a webhook event carries in its stored detail (`soclessDetails`), if any. */
function soclessDetailsOf(normalized: Record<string, unknown>, raw: unknown): Record<string, unknown> | undefined {
  const origin = normalized.origin as { kind?: unknown; playbookRun?: unknown } | undefined;
  // A scoped webhook sender's, or a playbook's (CreateEvents; the pipeline checked it came from the hub).
  if (origin?.kind !== 'webhook' && origin?.playbookRun === undefined) return undefined;
  const envelope = typeof raw === 'string' ? safeJson(raw) : raw;
  const detail = (envelope as { detail?: { soclessDetails?: unknown } } | undefined)?.detail;
  const socless = detail?.soclessDetails;
  return typeof socless === 'object' && socless !== null && !Array.isArray(socless)
    ? (socless as Record<string, unknown>)
    : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
