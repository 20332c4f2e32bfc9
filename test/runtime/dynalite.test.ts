import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTableInput, type LocalDynamo, startLocalDynamo } from '../../shared/local/dynalite.ts';
import { TABLES } from '../../shared/tables.ts';

describe('startLocalDynamo', () => {
  let local: LocalDynamo;
  beforeAll(async () => {
    local = await startLocalDynamo();
  });
  afterAll(async () => {
    await local.close();
  });

  it('listens on a loopback address with a port of its own', () => {
    expect(local.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('creates every table with its keys and indexes', async () => {
    for (const def of Object.values(TABLES)) {
      const out = await local.client.send(new DescribeTableCommand({ TableName: def.name }));
      expect(out.Table?.TableStatus).toBe('ACTIVE');
      expect(out.Table?.KeySchema?.[0]).toEqual({ AttributeName: def.partitionKey.name, KeyType: 'HASH' });
      expect((out.Table?.GlobalSecondaryIndexes ?? []).map((ix) => ix.IndexName).sort()).toEqual(
        def.indexes.map((ix) => ix.indexName).sort(),
      );
    }
  });

  it('stores and reads back an item through the DocumentClient', async () => {
    await local.client.send(
      new PutCommand({ TableName: 'custom_mappings', Item: { key: 'k', value: { a: [1, 'b'] } } }),
    );
    const out = await local.client.send(new GetCommand({ TableName: 'custom_mappings', Key: { key: 'k' } }));
    expect(out.Item).toEqual({ key: 'k', value: { a: [1, 'b'] } });
  });
});

describe('createTableInput', () => {
  it('declares each key attribute once even when an index reuses it', () => {
    const input = createTableInput({
      ...TABLES.results,
      indexes: [
        { indexName: 'by-state', partitionKey: { name: 'stateKey', type: 'S' } },
        { indexName: 'by-investigation', partitionKey: { name: 'investigationId', type: 'S' } },
        { indexName: 'by-investigation-state', partitionKey: { name: 'investigationId', type: 'S' } },
      ],
    });
    const names = (input.AttributeDefinitions ?? []).map((a) => a.AttributeName);
    expect(names.sort()).toEqual(['executionId', 'investigationId', 'stateKey']);
    expect(input.KeySchema).toEqual([
      { AttributeName: 'executionId', KeyType: 'HASH' },
      { AttributeName: 'stateKey', KeyType: 'RANGE' },
    ]);
  });

  it('creates the results table with no index: every reader asks for one execution by key', () => {
    const input = createTableInput(TABLES.results);
    expect(input.GlobalSecondaryIndexes).toBeUndefined();
    expect((input.AttributeDefinitions ?? []).map((a) => a.AttributeName).sort()).toEqual(['executionId', 'stateKey']);
  });
});
