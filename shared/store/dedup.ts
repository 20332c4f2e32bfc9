/**
 * The `dedup` table, as playbooks and people touch it: closing an investigation. How it was closed decides what a
 * later occurrence means (shared/pipeline/lifecycle.ts): closed by its playbook alone, repeats in the window stay
 * duplicates; closed as `remediated`, a repeat is a regression and runs again.
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';

export class DedupCloser {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Marks the dedup record closed (with how) when it still belongs to `investigationId`; returns false when there
   * is no record or a newer investigation owns it (closing that one would be wrong).
   */
  async close(
    dedupKey: string,
    investigationId: string,
    at: string,
    how: {
      readonly resolution?: string;
      readonly closedBy?: 'playbook' | 'person';
      readonly closedByName?: string;
      readonly reason?: string;
    } = {},
  ): Promise<boolean> {
    const names: Record<string, string> = {
      '#s': 'status',
      '#at': 'closedAt',
      '#k': 'dedupKey',
      '#inv': 'investigationId',
      '#v': 'version',
      '#by': 'closedBy',
    };
    const values: Record<string, unknown> = {
      ':closed': 'closed',
      ':at': at,
      ':inv': investigationId,
      ':zero': 0,
      ':one': 1,
      ':by': how.closedBy ?? 'playbook',
    };
    // The version moves so that a pipeline decision read before this close cannot write the item back open.
    const sets = ['#s = :closed', '#at = :at', '#by = :by', '#v = if_not_exists(#v, :zero) + :one'];
    const removes: string[] = [];
    for (const key of ['resolution', 'closedByName', 'reason'] as const) {
      names[`#${key}`] = key;
      const value = how[key];
      if (value === undefined) removes.push(`#${key}`);
      else {
        values[`:${key}`] = value;
        sets.push(`#${key} = :${key}`);
      }
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { dedupKey },
          UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_exists(#k) AND #inv = :inv',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof Error && err.name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }
}
