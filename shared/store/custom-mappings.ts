/** The `custom_mappings` table: key/value mappings and atomic counters that playbooks read and write. */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

export interface CustomMappingRecord {
  readonly key: string;
  readonly value: unknown;
  readonly updatedAt?: string;
}

export class CustomMappingsRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(key: string): Promise<CustomMappingRecord | undefined> {
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { key }, ConsistentRead: true }),
    );
    return out.Item as CustomMappingRecord | undefined;
  }

  async put(key: string, value: unknown, at: string): Promise<CustomMappingRecord> {
    const item = { key, value, updatedAt: at };
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: item }));
    return item;
  }

  /**
   * Adds `delta` to the number stored under `key` in one atomic update (`start` when the key is new) and
   * returns the new value. Concurrent executions never lose an increment.
   */
  async increment(key: string, delta: number, start: number, at: string): Promise<number> {
    const out = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { key },
        UpdateExpression: 'SET #v = if_not_exists(#v, :start) + :delta, #at = :at',
        ExpressionAttributeNames: { '#v': 'value', '#at': 'updatedAt' },
        ExpressionAttributeValues: { ':start': start, ':delta': delta, ':at': at },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const value = out.Attributes?.value;
    if (typeof value !== 'number') throw new Error(`custom mapping "${key}" did not return a number`);
    return value;
  }
}
