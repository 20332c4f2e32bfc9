/**
 * DynamoDB client factory: one place decides the marshalling options, and the local hub and tests point it
 * at dynalite by passing an endpoint.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableKey } from '../tables.ts';
import { TABLES } from '../tables.ts';

export interface DocumentClientOptions {
  /** e.g. the dynalite endpoint `http://127.0.0.1:PORT`. @default the AWS endpoint of the region */
  readonly endpoint?: string;
  /** @default AWS_REGION from the environment */
  readonly region?: string;
  /** Static credentials (dynalite accepts any). @default the default provider chain */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** Creates a DocumentClient that drops `undefined` attributes and stores class instances as maps. */
export function createDocumentClient(options: DocumentClientOptions = {}): DynamoDBDocumentClient {
  return documentClientFrom(
    new DynamoDBClient({
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.region ? { region: options.region } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    }),
  );
}

/** The project's DocumentClient around a given low-level client (tests inject one). */
export function documentClientFrom(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });
}

/** The physical table name from a Lambda environment, or undefined when the variable is not set. */
export function tableNameFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  table: TableKey,
): string | undefined {
  const value = env[TABLES[table].envVar];
  return value && value.length > 0 ? value : undefined;
}

/** Environment variables that map every table to its local (logical) name, as the local hub runs them. */
export function localTableEnvironment(): Record<string, string> {
  return Object.fromEntries(Object.values(TABLES).map((t) => [t.envVar, t.name]));
}
