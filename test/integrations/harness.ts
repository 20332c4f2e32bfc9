/** Runs an integration through the real wrapper against dynalite, as a playbook state would. */
import type { Integration } from '../../shared/integration-runtime/define.ts';
import { toLambdaHandler } from '../../shared/integration-runtime/handler.ts';
import { type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { createLocalDeps, type LocalIntegrationDeps } from '../../shared/local/local-deps.ts';

export interface Harness {
  readonly dynamo: LocalDynamo;
  readonly deps: LocalIntegrationDeps;
  invoke(
    integration: Integration,
    parameters: Record<string, unknown>,
    extra?: { state?: string; investigationId?: string; context?: Record<string, unknown> },
  ): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const dynamo = await startLocalDynamo();
  const deps = createLocalDeps({ documentClient: dynamo.client });
  return {
    dynamo,
    deps,
    invoke: (integration, parameters, extra = {}) =>
      toLambdaHandler(
        integration,
        deps,
      )({
        _socless: {
          state: extra.state ?? 'State',
          playbook: 'test-playbook',
          execution_id: 'arn:aws:states:us-east-1:000000000000:execution:test-playbook:exec-1',
          investigation_id: extra.investigationId ?? 'inv-1',
        },
        parameters,
        ...(extra.context ? { context: extra.context } : {}),
      }),
    close: () => dynamo.close(),
  };
}
