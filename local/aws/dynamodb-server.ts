import type { AddressInfo } from 'node:net';
import { type AttributeDefinition, CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { memoizeDynaliteExpressions } from './dynalite-expression-memo';

/** A running loopback DynamoDB (dynalite, in memory). */
export interface LocalDynamoDb {
  /** What `AWS_ENDPOINT_URL_DYNAMODB` should be. */
  endpoint: string;
  close(): Promise<void>;
}

/** A global secondary index of a local table. */
export interface LocalTableIndex {
  indexName: string;
  partitionKey: { name: string; type: 'S' | 'N' };
  sortKey?: { name: string; type: 'S' | 'N' } | undefined;
  /** @default 'ALL' */
  projection?: 'ALL' | 'KEYS_ONLY' | undefined;
}

/** A table to create: a name (partition key `id` only) or a name with secondary indexes. */
export type LocalTable = string | { name: string; indexes?: readonly LocalTableIndex[] };

/**
 * Starts dynalite in memory on loopback and creates the given tables with a string partition
 * key `id` (the idempotency table's shape), on-demand, with their global secondary indexes.
 *
 * @example
 * const ddb = await startLocalDynamoDb({ tables: ['idempotency'] });
 */
export async function startLocalDynamoDb(options: {
  tables?: LocalTable[];
  port?: number;
  region?: string;
}): Promise<LocalDynamoDb> {
  // Parsing the same expressions again was most of dynalite's CPU per write (see the memo's file).
  memoizeDynaliteExpressions();
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: options.region ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  for (const table of options.tables ?? []) {
    const { name: TableName, indexes = [] } = typeof table === 'string' ? { name: table } : table;
    const attributes = new Map<string, AttributeDefinition>([
      ['id', { AttributeName: 'id', AttributeType: 'S' }],
    ]);
    for (const index of indexes) {
      for (const key of [index.partitionKey, index.sortKey]) {
        if (key) attributes.set(key.name, { AttributeName: key.name, AttributeType: key.type });
      }
    }
    await client.send(
      new CreateTableCommand({
        TableName,
        AttributeDefinitions: [...attributes.values()],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        ...(indexes.length > 0
          ? {
              GlobalSecondaryIndexes: indexes.map((index) => ({
                IndexName: index.indexName,
                KeySchema: [
                  { AttributeName: index.partitionKey.name, KeyType: 'HASH' as const },
                  ...(index.sortKey
                    ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' as const }]
                    : []),
                ],
                Projection: { ProjectionType: index.projection ?? 'ALL' },
              })),
            }
          : {}),
      }),
    );
  }
  client.destroy();
  return {
    endpoint,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
