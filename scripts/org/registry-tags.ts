/**
 * Account tags from the hub's accounts registry (the `accounts` table) instead of one Organizations
 * ListTagsForResource per account: Organizations allows about 10 requests a second, so at 1,000 accounts the
 * tag reads alone took 100 s. The registry is read with a few paged Scans; each account's tags come with the
 * time the registry last wrote them, so the report can show how old they are. An account the registry does not
 * know falls back to Organizations (the scan does that), so a stale or partial registry is never silently wrong.
 */
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { ApiGate } from '../../shared/org/organizations.ts';

/** Tags of one account as the registry holds them. */
export interface RegistryTags {
  readonly tags: Readonly<Record<string, string>>;
  /** When the registry last wrote the item (ISO time); undefined for items written without it. */
  readonly updatedAt?: string;
}

/** Where a scan takes account tags from. */
export interface AccountTagSource {
  /** For the report, e.g. `accounts table socless-accounts`. */
  readonly description: string;
  /** Every account the registry knows, by account id. */
  load(): Promise<Map<string, RegistryTags>>;
}

export interface AccountsTableTagsOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly gate: ApiGate;
}

/** The accounts table, read with paged Scans of the three attributes the scan needs. */
export class AccountsTableTags implements AccountTagSource {
  readonly description: string;

  constructor(private readonly options: AccountsTableTagsOptions) {
    this.description = `accounts table ${options.tableName}`;
  }

  async load(): Promise<Map<string, RegistryTags>> {
    const out = new Map<string, RegistryTags>();
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.options.gate.call(() =>
        this.options.client.send(
          new ScanCommand({
            TableName: this.options.tableName,
            ProjectionExpression: '#id, #tags, #updated',
            ExpressionAttributeNames: { '#id': 'accountId', '#tags': 'tags', '#updated': 'updatedAt' },
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        const id = item.accountId;
        if (typeof id !== 'string') continue;
        const tags = typeof item.tags === 'object' && item.tags !== null ? (item.tags as Record<string, string>) : {};
        out.set(id, { tags, ...(typeof item.updatedAt === 'string' ? { updatedAt: item.updatedAt } : {}) });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return out;
  }
}
