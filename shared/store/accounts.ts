/** The `accounts` table: the org registry as playbooks read it (name, e-mail, OU path, tags, mode). */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { RemediationModeSchema } from '../config.ts';

export const AccountRecordSchema = z.object({
  accountId: z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
  name: z.string().default(''),
  email: z.string().default(''),
  /** The account's parent OU (or root) id. */
  ouId: z.string().optional(),
  /** OU ids from the root down to the account's parent. */
  ouPath: z.array(z.string()).default([]),
  tags: z.record(z.string(), z.string()).default({}),
  /** Effective remediation mode (tag, then account, then OU, then default). */
  mode: RemediationModeSchema.default('notify'),
  /** Organizations status, e.g. ACTIVE or SUSPENDED. */
  status: z.string().optional(),
  updatedAt: z.string().optional(),
});

export type AccountRecord = z.output<typeof AccountRecordSchema>;
export type AccountRecordInput = z.input<typeof AccountRecordSchema>;

export class AccountsRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The account, or undefined when the registry does not know it. Tolerates items written by older code. */
  async get(accountId: string): Promise<AccountRecord | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { accountId } }));
    if (!out.Item) return undefined;
    const parsed = AccountRecordSchema.safeParse(out.Item);
    if (!parsed.success) {
      throw new Error(
        `accounts table item ${accountId} is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    return parsed.data;
  }

  async put(record: AccountRecordInput): Promise<AccountRecord> {
    const item = AccountRecordSchema.parse(record);
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: item }));
    return item;
  }
}
