/**
 * CPU per DynamoDB call of the send path, through the SDK client (`client.send`, with
 * `cacheMiddleware` as the command record had it; the suppression check's `BatchGetItem` through
 * the document client over a plain client, as the check had it) and through the direct caller
 * (`functions/aws/direct-dynamodb.ts`), against dynalite in its own process so that only the
 * caller's CPU is counted (`process.cpuUsage()` of this process). Calls are made one at a time,
 * as the send function makes them; rounds alternate between the two so that load changes on the
 * machine hit both alike.
 *
 * Run: `flock /work/bench.lock npx tsx bench/dynamodb-call-cpu.ts [calls per round, default 2000]`.
 * Prints JSON: microseconds of CPU per call for each caller and operation, per round and median.
 */
import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { createDirectDynamoDb } from '../functions/aws/direct-dynamodb';
import { startStandInProcess } from './stand-in-processes';

const calls = Number(process.argv[2] ?? 2000);
const ROUNDS = 3;
const TableName = 'idempotency';

/** An update of the claim's shape and size (command-record.ts `claim`). */
function claimInput(i: number) {
  const at = Date.now();
  return {
    TableName,
    Key: marshall({ id: `command#01HQ8Z0ZB6W1S4VJ4NPXAQ4E5T#order-${i}` }),
    UpdateExpression:
      'SET appId = :appId, commandId = :commandId, payloadHash = :hash, createdAt = if_not_exists(createdAt, :iso), ' +
      'createdAtEpoch = if_not_exists(createdAtEpoch, :epoch), updatedAt = :iso, updatedAtEpoch = :epoch, #ttl = :ttl, ' +
      'channel = :channel, #identity = :identity, #status = :sending, ' +
      'attempts = if_not_exists(attempts, :zero) + :one, leaseUntil = :lease',
    ConditionExpression:
      'attribute_not_exists(id) OR (payloadHash = :hash AND #status = :sending AND leaseUntil < :now AND attempts < :max)',
    ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl', '#identity': 'identity' },
    ExpressionAttributeValues: marshall({
      ':appId': '01HQ8Z0ZB6W1S4VJ4NPXAQ4E5T',
      ':commandId': `order-${i}`,
      ':hash': 'a3f1c2e4b5d6978812345678901234567890abcdefabcdefabcdefabcdef0123',
      ':iso': new Date(at).toISOString(),
      ':epoch': Math.floor(at / 1000),
      ':ttl': Math.floor(at / 1000) + 14 * 86400,
      ':channel': 'WHATSAPP',
      ':identity': '46700000001',
      ':sending': 'sending',
      ':zero': 0,
      ':one': 1,
      ':lease': at + 30_000,
      ':now': at,
      ':max': 5,
    }),
    ReturnValues: 'UPDATED_OLD' as const,
  };
}

async function main() {
  const dynamo = await startStandInProcess({ kind: 'dynamodb', tables: [TableName] });
  const config = {
    region: 'us-east-1',
    endpoint: dynamo.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  const sdkClient = new DynamoDBClient({ ...config, cacheMiddleware: true });
  const direct = createDirectDynamoDb(new DynamoDBClient(config));
  const docClient = DynamoDBDocumentClient.from(new DynamoDBClient(config));
  // Each claim creates a new record (the usual, first claim); reads read records written.
  let written = 0;
  const readKey = (i: number) => claimInput(i % Math.max(1, written)).Key;
  /** A suppression check's batch (suppression-list.ts): ten keys, consistent, projected. */
  const batchOf = (i: number) => ({
    [TableName]: {
      Keys: Array.from({ length: 10 }, (_, k) => readKey(i * 10 + k)),
      ConsistentRead: true,
      ProjectionExpression: 'id, suppressed',
    },
  });
  const callers = {
    sdk: {
      UpdateItem: () => sdkClient.send(new UpdateItemCommand(claimInput(written++))),
      GetItem: (i: number) =>
        sdkClient.send(new GetItemCommand({ TableName, Key: readKey(i), ConsistentRead: true })),
      BatchGetItem: (i: number) => {
        const batch = batchOf(i)[TableName];
        const Keys = batch.Keys.map((key) => ({ id: key.id?.S }));
        return docClient.send(new BatchGetCommand({ RequestItems: { [TableName]: { ...batch, Keys } } }));
      },
    },
    direct: {
      UpdateItem: () => direct.updateItem(claimInput(written++)),
      GetItem: (i: number) => direct.getItem({ TableName, Key: readKey(i), ConsistentRead: true }),
      BatchGetItem: (i: number) => direct.batchGetItem({ RequestItems: batchOf(i) }),
    },
  };
  /** Microseconds of this process's CPU per call, over `calls` calls one at a time. */
  async function measure(call: (i: number) => Promise<unknown>) {
    const before = process.cpuUsage();
    for (let i = 0; i < calls; i++) await call(i);
    const used = process.cpuUsage(before);
    return Math.round(((used.user + used.system) / calls) * 10) / 10;
  }
  const results: Record<string, number[]> = {};
  // Warm-up: JIT, connections, signing keys, endpoint caches.
  for (const [name, ops] of Object.entries(callers)) {
    for (const [op, call] of Object.entries(ops)) {
      for (let i = 0; i < 300; i++) await call(i);
      results[`${name} ${op}`] = [];
    }
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, ops] of Object.entries(callers)) {
      for (const [op, call] of Object.entries(ops)) results[`${name} ${op}`]!.push(await measure(call));
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const standInCpuMs = await dynamo.cpuMs();
  console.log(
    JSON.stringify(
      {
        callsPerRound: calls,
        rounds: ROUNDS,
        cpuMicrosPerCall: Object.fromEntries(
          Object.entries(results).map(([key, values]) => [key, { rounds: values, median: median(values) }]),
        ),
        dynaliteCpuMs: Math.round(standInCpuMs),
      },
      null,
      2,
    ),
  );
  sdkClient.destroy();
  docClient.destroy();
  await dynamo.close();
}

await main();
