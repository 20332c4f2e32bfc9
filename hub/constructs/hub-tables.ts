import { RemovalPolicy } from 'aws-cdk-lib';
import {
  type Attribute,
  AttributeType,
  BillingMode,
  ProjectionType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  includedAttributes,
  type KeyAttribute,
  TABLE_KEYS,
  TABLES,
  type TableDefinition,
  type TableKey,
} from '../../shared/tables.ts';

const definitions = new WeakMap<Table, TableDefinition>();

/** The shared definition a hub table was built from, or undefined for a table HubTables did not build. */
export function tableDefinitionOf(table: Table): TableDefinition | undefined {
  return definitions.get(table);
}

/** Properties of {@link HubTables}. */
export interface HubTablesProps {
  /** Customer-managed key of every table. */
  readonly key: IKey;
}

/**
 * The hub's DynamoDB tables, built from `TABLES` in shared/tables.ts (the same definitions the Lambdas and the
 * local hub use): on-demand, point-in-time recovery, the hub key, TTL and GSIs where the definition has them.
 * Tables are retained when the stack is deleted: they are the audit trail.
 */
export class HubTables extends Construct {
  readonly tables: Readonly<Record<TableKey, Table>>;

  constructor(scope: Construct, id: string, props: HubTablesProps) {
    super(scope, id);
    const tables = {} as Record<TableKey, Table>;
    for (const name of TABLE_KEYS) {
      const def = TABLES[name];
      const table = new Table(this, constructIdOf(name), {
        partitionKey: attribute(def.partitionKey),
        sortKey: def.sortKey ? attribute(def.sortKey) : undefined,
        billingMode: BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: props.key,
        timeToLiveAttribute: def.ttlAttribute,
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      for (const index of def.indexes) {
        table.addGlobalSecondaryIndex({
          indexName: index.indexName,
          partitionKey: attribute(index.partitionKey),
          sortKey: index.sortKey ? attribute(index.sortKey) : undefined,
          ...(includedAttributes(index)
            ? { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: [...(includedAttributes(index) ?? [])] }
            : { projectionType: index.projection === 'KEYS_ONLY' ? ProjectionType.KEYS_ONLY : ProjectionType.ALL }),
        });
      }
      definitions.set(table, def);
      tables[name] = table;
    }
    this.tables = tables;
  }
}

/** `message_responses` → `MessageResponses`: stable construct ids, so logical ids never change with order. */
export function constructIdOf(name: string): string {
  return name
    .split(/[_-]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

function attribute(key: KeyAttribute): Attribute {
  return { name: key.name, type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER };
}
