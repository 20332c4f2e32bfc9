/** The `events` table, as playbooks touch it: only the investigation status of an event. */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';

/** Statuses an investigation moves through (SOCless's set). */
export const INVESTIGATION_STATUSES = ['open', 'active', 'closed', 'whitelisted'] as const;
export type InvestigationStatus = (typeof INVESTIGATION_STATUSES)[number];

export class EventsStatusRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Sets `investigationStatus` on an existing event item and returns the fields a caller needs next, or
   * undefined when there is no such event (the item is never created here).
   */
  async setInvestigationStatus(
    eventId: string,
    status: InvestigationStatus,
    at: string,
  ): Promise<{ dedupKey?: string; investigationId?: string } | undefined> {
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id: eventId },
          UpdateExpression: 'SET #s = :s, #at = :at',
          ConditionExpression: 'attribute_exists(#id)',
          ExpressionAttributeNames: { '#s': 'investigationStatus', '#at': 'investigationStatusAt', '#id': 'id' },
          ExpressionAttributeValues: { ':s': status, ':at': at },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const item = out.Attributes ?? {};
      return {
        ...(typeof item.dedupKey === 'string' ? { dedupKey: item.dedupKey } : {}),
        ...(typeof item.investigationId === 'string' ? { investigationId: item.investigationId } : {}),
      };
    } catch (err) {
      if (err instanceof Error && err.name === 'ConditionalCheckFailedException') return undefined;
      throw err;
    }
  }
}
