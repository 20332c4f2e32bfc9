/** The `results` table: every state's output per execution (the audit trail of a playbook run). */
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { VaultRef } from '../integration-runtime/vault.ts';

/** One saved state result. */
export interface StateResultRecord {
  /** The Step Functions execution id (`$$.Execution.Id`, the execution ARN). */
  readonly executionId: string;
  /** `<state>#<savedAt>#<invocation id>`: each attempt of a retried state, and each Map iteration, is its own item. */
  readonly stateKey: string;
  readonly state: string;
  readonly playbook: string;
  readonly integration: string;
  readonly investigationId: string;
  readonly savedAt: string;
  readonly status: 'succeeded' | 'failed';
  /** The result as returned to the state machine, when small enough to keep inline. */
  readonly result?: Record<string, unknown>;
  /** Where the full result went when it was offloaded to the vault. */
  readonly resultRef?: VaultRef;
  /** For a failed attempt: the error name Step Functions saw and its message. */
  readonly error?: { readonly name: string; readonly message: string };
  /** Epoch seconds after which DynamoDB TTL may delete the item (not enforced by dynalite). */
  readonly expiresAt: number;
}

/** Builds the sort key of one attempt of one state. */
export function resultStateKey(state: string, savedAt: string, invocationId: string): string {
  return `${state}#${savedAt}#${invocationId}`;
}

export class ResultsRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async save(record: StateResultRecord): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: record }));
  }

  /** Every saved attempt of an execution, in state-key order. */
  async listByExecution(executionId: string): Promise<StateResultRecord[]> {
    const items: StateResultRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#e = :e',
          ExpressionAttributeNames: { '#e': 'executionId' },
          ExpressionAttributeValues: { ':e': executionId },
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...((out.Items ?? []) as StateResultRecord[]));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}
