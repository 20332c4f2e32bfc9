/**
 * Local DynamoDB: dynalite in-process on 127.0.0.1 with a free port and every table from TABLES.
 *
 * dynalite has no UpdateTimeToLive, so TTL is not configured and items never expire locally; code that must
 * behave correctly checks expiry itself (the dedup claim does) instead of relying on TTL deletion.
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../store/clients.ts';
import { includedAttributes, TABLES, type TableDefinition } from '../tables.ts';

type DynaliteFactory = (options: {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
  path?: string;
}) => Server;

// dynalite is CommonJS without type declarations: load it through require and type the one call we make.
const dynalite = createRequire(import.meta.url)('dynalite') as DynaliteFactory;

/** Credentials dynalite accepts (it checks none); fixed so no provider chain is consulted. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'us-east-1';

export interface LocalDynamo {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly client: DynamoDBDocumentClient;
  close(): Promise<void>;
}

export interface LocalDynamoOptions {
  /** LevelDB data directory; in-memory when absent. */
  readonly path?: string;
  /** @default 0 (random free port) */
  readonly port?: number;
}

/** The CreateTable request of one table definition (keys, GSIs, on-demand). */
export function createTableInput(def: TableDefinition, tableName: string = def.name): CreateTableCommandInput {
  const attributes = new Map<string, 'S' | 'N'>();
  const add = (k: { name: string; type: 'S' | 'N' }) => attributes.set(k.name, k.type);
  add(def.partitionKey);
  if (def.sortKey) add(def.sortKey);
  for (const ix of def.indexes) {
    add(ix.partitionKey);
    if (ix.sortKey) add(ix.sortKey);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
    KeySchema: [
      { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
      ...(def.sortKey ? [{ AttributeName: def.sortKey.name, KeyType: 'RANGE' as const }] : []),
    ],
    ...(def.indexes.length > 0
      ? {
          GlobalSecondaryIndexes: def.indexes.map((ix) => ({
            IndexName: ix.indexName,
            KeySchema: [
              { AttributeName: ix.partitionKey.name, KeyType: 'HASH' as const },
              ...(ix.sortKey ? [{ AttributeName: ix.sortKey.name, KeyType: 'RANGE' as const }] : []),
            ],
            Projection: includedAttributes(ix)
              ? { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...(includedAttributes(ix) ?? [])] }
              : { ProjectionType: (ix.projection as 'ALL' | 'KEYS_ONLY' | undefined) ?? 'ALL' },
          })),
        }
      : {}),
  };
}

/** Creates every table in TABLES; tables that already exist (a persistent data dir) are left as they are. */
export async function createLocalTables(client: DynamoDBDocumentClient): Promise<void> {
  for (const def of Object.values(TABLES)) {
    try {
      await client.send(new CreateTableCommand(createTableInput(def)));
    } catch (err) {
      if (!(err instanceof Error && err.name === 'ResourceInUseException')) throw err;
    }
  }
}

/** Starts dynalite, creates the tables and returns a DocumentClient pointed at it. */
export async function startLocalDynamo(options: LocalDynamoOptions = {}): Promise<LocalDynamo> {
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = createDocumentClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  try {
    await createLocalTables(client);
  } catch (err) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw err;
  }
  return {
    endpoint,
    client,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
