import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AttributeDefinition, CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type dynaliteType from 'dynalite';
import { memoizeDynaliteExpressions } from './dynalite-expression-memo';
import { loadPatchedModule } from './patched-module';

/**
 * Random bytes for the request ids of 256 requests, refilled when used up (see `loadDynalite`).
 * Each id still takes 39 fresh random bytes.
 */
const REQUEST_ID_BYTES = `
const __bridgeIdPool=Buffer.alloc(39*256);let __bridgeIdUsed=__bridgeIdPool.length;
function __bridgeRandom39(){if(__bridgeIdUsed+39>__bridgeIdPool.length){crypto.randomFillSync(__bridgeIdPool);__bridgeIdUsed=0}const b=__bridgeIdPool.subarray(__bridgeIdUsed,__bridgeIdUsed+39);__bridgeIdUsed+=39;return b}
`;

let patchedDynalite: typeof dynaliteType | undefined;

/**
 * dynalite's server module (`dynalite/index.js`) with two costs per request taken out, applied
 * at load time like the local SQS's fixes; a changed module fails loudly here:
 * (1) every request id (`x-amzn-RequestId`, 52 characters from 39 random bytes) was one
 * `crypto.randomBytes` call, a visible share of dynalite's CPU per request: the bytes now come
 * from a pool, still 39 fresh random bytes per id, same characters;
 * (2) every request's URL went through the legacy `url.parse` only to look for pre-signed query
 * parameters (`X-Amz-Algorithm`, ...): a URL without `?` has none, so its query is an empty
 * object without parsing (the AWS SDK posts to `/`); any other URL is parsed as before.
 * Validation, errors and answers are dynalite's own.
 */
function loadDynalite(): typeof dynaliteType {
  if (patchedDynalite) return patchedDynalite;
  const patches: Array<[string, string]> = [
    ["db = require('./db')\n", `db = require('./db')\n${REQUEST_ID_BYTES}`],
    ['var bytes = crypto.randomBytes(39)', 'var bytes = __bridgeRandom39()'],
    [
      'var query = url.parse(req.url, true).query',
      "var query = req.url.indexOf('?') == -1 ? Object.create(null) : url.parse(req.url, true).query",
    ],
  ];
  patchedDynalite = loadPatchedModule<typeof dynaliteType>(
    'dynalite',
    patches,
    'dynalite changed: cannot apply the request-cost fix for',
  );
  return patchedDynalite;
}

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
  const server: Server = loadDynalite()({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
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
