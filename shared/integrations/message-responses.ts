/**
 * The `message_responses` items of human interactions: written by request_approval before the question is
 * posted (so an answer can never arrive before its record), claimed once by whoever answers first — the
 * interactions function, or interaction_timeout when nobody did.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

/** One pending (or answered) interaction. */
export interface MessageResponseItem {
  readonly messageId: string;
  readonly taskToken: string;
  readonly investigationId: string;
  readonly executionId: string;
  readonly playbook: string;
  readonly state: string;
  readonly status: 'pending' | 'answered' | 'timed-out';
  readonly provider: 'slack' | 'webhook';
  readonly title: string;
  readonly createdAt: string;
  /** Unix seconds (DynamoDB TTL). */
  readonly expiresAt: number;
  /** Slack user ids allowed to answer this one request, beyond the configured ones. */
  readonly approvers?: readonly string[];
  /** planHash of the remediation calls the request showed; the answer carries it back as `plan_hash`. */
  readonly planHash?: string;
  /**
   * `socless-confirmation`: answer with SOCless data (`actions.value` "true"/"false"), a "no" included;
   * `socless-response`: a text reply (PromptForResponse), resumed with `text`.
   */
  readonly answerShape?: 'socless-confirmation' | 'socless-response';
  /**
   * Asked by a SOCless-style playbook: an approval resumes it with SOCless data, the answer both under the state's
   * name and flattened into `results` (`$.results.decision`, `$.results.<State>.decision`).
   */
  readonly soclessCompat?: boolean;
  readonly slackChannel?: string;
  readonly slackTs?: string;
  readonly answeredAt?: string;
  readonly decision?: 'approve' | 'reject';
  /** Who answered, as the verified sender identifies them (Slack user id, webhook responder, local operator). */
  readonly responder?: string;
  readonly answerReason?: string | null;
  /** What the answer's body claimed about its author, when that differs from `responder`: a note, never trusted. */
  readonly responderNote?: string | null;
}

export class MessageResponsesRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Records a new pending interaction; refuses to overwrite an existing id. */
  async create(item: MessageResponseItem): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(messageId)' }),
    );
  }

  /** Remembers where the question was posted (for the update after the answer). */
  async attachSlackMessage(messageId: string, channel: string, ts: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { messageId },
        UpdateExpression: 'SET slackChannel = :c, slackTs = :t',
        ConditionExpression: 'attribute_exists(messageId)',
        ExpressionAttributeValues: { ':c': channel, ':t': ts },
      }),
    );
  }

  /** Interactions of one execution's state, newest first (investigation-index, then filtered). */
  async findByState(investigationId: string, executionId: string, state: string): Promise<MessageResponseItem[]> {
    const items: MessageResponseItem[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'investigation-index',
          KeyConditionExpression: 'investigationId = :i',
          FilterExpression: 'executionId = :e AND #state = :s',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':i': investigationId, ':e': executionId, ':s': state },
          ExclusiveStartKey: start,
        }),
      );
      items.push(...((out.Items ?? []) as MessageResponseItem[]));
      start = out.LastEvaluatedKey;
    } while (start);
    return items.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /**
   * Claims the answer of a still-unanswered interaction: true when this call recorded it, false when someone
   * answered first.
   */
  async claim(
    messageId: string,
    answer: {
      decision: 'approve' | 'reject';
      responder: string;
      reason?: string;
      at: string;
      status: 'answered' | 'timed-out';
    },
  ): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { messageId },
          UpdateExpression:
            'SET answeredAt = :at, decision = :decision, responder = :responder, answerReason = :reason, #status = :status',
          ConditionExpression: 'attribute_exists(messageId) AND attribute_not_exists(answeredAt)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':at': answer.at,
            ':decision': answer.decision,
            ':responder': answer.responder,
            ':reason': answer.reason ?? null,
            ':status': answer.status,
          },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException || (err as Error).name === 'ConditionalCheckFailedException') {
        return false;
      }
      throw err;
    }
  }
}
