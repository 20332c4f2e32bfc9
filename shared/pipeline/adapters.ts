import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SoclessError } from '../errors.ts';
import type { Dispatcher } from './types.ts';

/** Raised when an event routes to a playbook that has no deployed state machine. */
export class UnknownPlaybookError extends SoclessError {
  constructor(readonly playbook: string) {
    super(`no state machine is configured for playbook "${playbook}"`);
  }
}

/**
 * Starts Step Functions executions. The execution name is deterministic per (event, playbook): for
 * Standard workflows Step Functions refuses a second execution of the same name, so a retry that finds
 * ExecutionAlreadyExists has nothing left to do.
 */
export class StepFunctionsDispatcher implements Dispatcher {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachines: Readonly<Record<string, string>>,
  ) {}

  async start(request: { playbook: string; name: string; input: Record<string, unknown> }) {
    const arn = this.stateMachines[request.playbook];
    if (!arn) throw new UnknownPlaybookError(request.playbook);
    try {
      const out = await this.client.send(
        new StartExecutionCommand({ stateMachineArn: arn, name: request.name, input: JSON.stringify(request.input) }),
      );
      if (!out.executionArn) throw new SoclessError(`StartExecution for ${request.name} returned no execution ARN`);
      return { executionArn: out.executionArn };
    } catch (err) {
      if (err instanceof Error && err.name === 'ExecutionAlreadyExists') {
        return { executionArn: `${arn.replace(':stateMachine:', ':execution:')}:${request.name}` };
      }
      throw err;
    }
  }
}
