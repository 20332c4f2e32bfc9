/** The `events` table, as playbooks touch it: only the investigation status of an event. */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';

/** Statuses an investigation moves through (SOCless's set). */
export const INVESTIGATION_STATUSES = ['open', 'active', 'closed', 'whitelisted'] as const;
export type InvestigationStatus = (typeof INVESTIGATION_STATUSES)[number];

/** What a closing step records on the investigation besides its status. */
export interface InvestigationNote {
  /** Why it was closed (`remediated`, `resolved-by-source`, `accepted-risk`, `false-positive`, `duplicate-of`). */
  readonly resolution?: string;
  /** What the remediation concluded when it did not fix anything (`not-applicable`, `compliant`). */
  readonly outcome?: string;
  readonly reason?: string;
  /** `playbook`, `source` or `person`. */
  readonly closedBy?: string;
  /** The person, or the playbook, that closed it. */
  readonly closedByName?: string;
  readonly closedAt?: string;
  /** For `duplicate-of`: the investigation this one duplicates. */
  readonly duplicateOf?: string;
}

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
    extra: InvestigationNote = {},
  ): Promise<{ dedupKey?: string; investigationId?: string } | undefined> {
    const names: Record<string, string> = { '#s': 'investigationStatus', '#at': 'investigationStatusAt', '#id': 'id' };
    const values: Record<string, unknown> = { ':s': status, ':at': at };
    const sets = ['#s = :s', '#at = :at'];
    for (const [i, [key, value]] of Object.entries(extra).entries()) {
      if (value === undefined) continue;
      names[`#x${i}`] = key;
      values[`:x${i}`] = value;
      sets.push(`#x${i} = :x${i}`);
    }
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { id: eventId },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(#id)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
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
