import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';

/** A running loopback DynamoDB (dynalite, in memory). */
export interface LocalDynamoDb {
  /** What `AWS_ENDPOINT_URL_DYNAMODB` should be. */
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts dynalite in memory on loopback and creates the given tables with a string partition
 * key `id` (the idempotency table's shape), on-demand.
 *
 * @example
 * const ddb = await startLocalDynamoDb({ tables: ['idempotency'] });
 */
export async function startLocalDynamoDb(options: {
  tables?: string[];
  port?: number;
  region?: string;
}): Promise<LocalDynamoDb> {
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
  for (const TableName of options.tables ?? []) {
    await client.send(
      new CreateTableCommand({
        TableName,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
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
