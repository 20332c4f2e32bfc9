/** The `dedup` table, as playbooks touch it: closing an investigation so the next occurrence starts anew. */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';

export class DedupCloser {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Marks the dedup record closed when it still belongs to `investigationId`; returns false when there is no
   * record or a newer investigation owns it (closing that one would be wrong).
   */
  async close(dedupKey: string, investigationId: string, at: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { dedupKey },
          UpdateExpression: 'SET #s = :closed, #at = :at',
          ConditionExpression: 'attribute_exists(#k) AND #inv = :inv',
          ExpressionAttributeNames: { '#s': 'status', '#at': 'closedAt', '#k': 'dedupKey', '#inv': 'investigationId' },
          ExpressionAttributeValues: { ':closed': 'closed', ':at': at, ':inv': investigationId },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof Error && err.name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }
}
