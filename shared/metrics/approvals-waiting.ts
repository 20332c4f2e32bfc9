/**
 * The `ApprovalsWaiting` gauge: human interactions (approvals, prompts) in `message_responses` still `pending`
 * and not past their expiry (DynamoDB deletes expired items up to days late). The table holds no index on
 * status; it is small (one item per question asked, gone after its TTL), so a counting scan every sweep reads
 * little: a Select COUNT scan is billed on the bytes read, not returned.
 */
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';

/** Counts the waiting interactions, page by page. */
export async function countWaitingApprovals(
  client: DynamoDBDocumentClient,
  tableName: string,
  now: Date,
): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const out = await client.send(
      new ScanCommand({
        TableName: tableName,
        Select: 'COUNT',
        FilterExpression: '#status = :pending AND (attribute_not_exists(expiresAt) OR expiresAt > :now)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pending': 'pending', ':now': Math.floor(now.getTime() / 1000) },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    count += out.Count ?? 0;
    start = out.LastEvaluatedKey;
  } while (start);
  return count;
}
