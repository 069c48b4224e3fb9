/**
 * The send path's direct DynamoDB calls against dynalite behind a proxy that checks every SigV4
 * signature as DynamoDB does and injects DynamoDB's failures: what arrives, what comes back, how
 * errors are named, what is retried and how often — each beside what the SDK itself does with
 * the same client.
 */
import { Readable } from 'node:stream';
import {
  type AttributeValue,
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DynamoDBClient,
  type DynamoDBClientConfig,
  DynamoDBServiceException,
  GetItemCommand,
  InternalServerError,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  ThrottlingException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ConfiguredRetryStrategy, StandardRetryStrategy } from '@smithy/core/retry';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsRequestError } from '../../functions/aws/aws-json-call';
import { createDirectDynamoDb } from '../../functions/aws/direct-dynamodb';
import { type LocalDynamoDb, startLocalDynamoDb } from '../../local/aws/dynamodb-server';
import { type SqsFaultProxy, startSqsFaultProxy } from '../support/faults/sqs-fault-proxy';

const REGION = 'us-east-1';
const TableName = 'records';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** A retry strategy as the SDK's standard one, without waiting, noting each delay base it picks. */
function noWaitStrategy(maxAttempts: number, bases: number[] = []) {
  return new StandardRetryStrategy({
    maxAttempts,
    baseDelay: 25,
    backoff: {
      computeNextBackoffDelay: () => 0,
      setDelayBase: (base: number) => {
        bases.push(base);
      },
    },
  });
}

describe('direct DynamoDB', () => {
  let ddb: LocalDynamoDb;
  let proxy: SqsFaultProxy;
  const clients: DynamoDBClient[] = [];
  const clientWith = (config: DynamoDBClientConfig = {}) => {
    const client = new DynamoDBClient({ region: REGION, endpoint: proxy.endpoint, credentials, ...config });
    clients.push(client);
    return client;
  };
  let reader: DynamoDBClient;

  beforeAll(async () => {
    ddb = await startLocalDynamoDb({ tables: [TableName], region: REGION });
    proxy = await startSqsFaultProxy({
      target: ddb.endpoint,
      operations: ['GetItem', 'UpdateItem', 'PutItem', 'BatchGetItem'],
      rate: 0,
      modes: ['before'],
      verifySignature: { region: REGION, credentials, service: 'dynamodb' },
    });
    reader = clientWith();
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await proxy.close();
    await ddb.close();
  });
  beforeEach(() => {
    proxy.rate = 0;
    proxy.answer = { status: 500, type: 'com.amazonaws.dynamodb.v20120810#InternalServerError' };
  });

  const withoutMetadata = <T extends { $metadata?: unknown }>(output: T) => {
    const { $metadata: _, ...rest } = output;
    return rest;
  };

  it("sends signed requests the verifier accepts, as it accepts the SDK's own", async () => {
    await reader.send(new PutItemCommand({ TableName, Item: { id: { S: 'sdk' }, n: { N: '1' } } }));
    const direct = createDirectDynamoDb(clientWith());
    const { Item, $metadata } = await direct.getItem({
      TableName,
      Key: { id: { S: 'sdk' } },
      ConsistentRead: true,
    });
    expect(Item).toEqual({ id: { S: 'sdk' }, n: { N: '1' } });
    expect($metadata).toMatchObject({ httpStatusCode: 200, attempts: 1 });
  });

  it('writes what it is given and reads it back exactly as the SDK does (any attribute values)', async () => {
    const direct = createDirectDynamoDb(clientWith());
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(attributeName, attributeValue, { minKeys: 1, maxKeys: 6 }),
        async (item) => {
          const id = `prop-${n++}`;
          const names = Object.keys(item);
          const updated = await direct.updateItem({
            TableName,
            Key: { id: { S: id } },
            UpdateExpression: `SET ${names.map((_, i) => `#a${i} = :v${i}`).join(', ')}`,
            ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#a${i}`, name])),
            ExpressionAttributeValues: Object.fromEntries(
              names.map((name, i) => [`:v${i}`, item[name] as unknown as AttributeValue]),
            ),
            ReturnValues: 'ALL_NEW',
          });
          const bySdk = await reader.send(
            new GetItemCommand({ TableName, Key: { id: { S: id } }, ConsistentRead: true }),
          );
          const byDirect = await direct.getItem({ TableName, Key: { id: { S: id } }, ConsistentRead: true });
          expect(withoutMetadata(byDirect)).toEqual(withoutMetadata(bySdk));
          expect(updated.Attributes).toEqual(bySdk.Item);
          // DynamoDB normalises numbers and orders sets its own way; all else comes back as sent.
          for (const name of names) {
            const sent = item[name]!;
            if (
              !('N' in sent || 'NS' in sent || 'SS' in sent || 'BS' in sent || 'L' in sent || 'M' in sent)
            ) {
              expect(bySdk.Item?.[name]).toEqual(sent);
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('reads a batch (BatchGetItem) as the SDK does: found items, binary decoded, the missing left out', async () => {
    for (const [id, extra] of [
      ['batch-1', { n: { N: '1' } }],
      ['batch-2', { raw: { B: new Uint8Array([7, 0, 255]) }, on: { BOOL: true } }],
    ] as const) {
      await reader.send(new PutItemCommand({ TableName, Item: { id: { S: id }, ...extra } }));
    }
    const input = {
      RequestItems: {
        [TableName]: {
          Keys: ['batch-1', 'batch-2', 'batch-missing'].map((id) => ({ id: { S: id } })),
          ConsistentRead: true,
        },
      },
    };
    const byId = (items: Record<string, AttributeValue>[] = []) =>
      [...items].sort((a, b) => String(a.id?.S).localeCompare(String(b.id?.S)));
    const direct = await createDirectDynamoDb(clientWith()).batchGetItem(input);
    const bySdk = await reader.send(new BatchGetItemCommand(input));
    expect(byId(direct.Responses?.[TableName])).toEqual(byId(bySdk.Responses?.[TableName]));
    expect(byId(direct.Responses?.[TableName])).toEqual([
      { id: { S: 'batch-1' }, n: { N: '1' } },
      { id: { S: 'batch-2' }, raw: { B: new Uint8Array([7, 0, 255]) }, on: { BOOL: true } },
    ]);
    expect(direct.UnprocessedKeys).toEqual(bySdk.UnprocessedKeys);
  });

  it("hands back a throttled batch's UnprocessedKeys as the SDK does, binary decoded", async () => {
    // dynalite never leaves keys unprocessed: the proxy answers as DynamoDB does when it throttles.
    const unprocessed = {
      [TableName]: {
        Keys: [{ id: { S: 'batch-u' }, part: { B: 'AP8=' } }],
        ConsistentRead: true,
        ProjectionExpression: 'id, part',
      },
    };
    proxy.rate = 1;
    proxy.answer = {
      status: 200,
      type: 'unused',
      fields: { Responses: { [TableName]: [] }, UnprocessedKeys: unprocessed },
    };
    const input = {
      RequestItems: {
        [TableName]: {
          Keys: [{ id: { S: 'batch-u' }, part: { B: new Uint8Array([0, 255]) } }],
          ConsistentRead: true,
          ProjectionExpression: 'id, part',
        },
      },
    };
    const direct = await createDirectDynamoDb(clientWith()).batchGetItem(input);
    const bySdk = await reader.send(new BatchGetItemCommand(input));
    expect(direct.UnprocessedKeys).toEqual(bySdk.UnprocessedKeys);
    expect(direct.UnprocessedKeys?.[TableName]?.Keys).toEqual([
      { id: { S: 'batch-u' }, part: { B: new Uint8Array([0, 255]) } },
    ]);
    expect(direct.Responses).toEqual(bySdk.Responses);
  });

  it('is refused with another secret, named as DynamoDB and the SDK name it, and not retried', async () => {
    const wrong = { accessKeyId: 'local', secretAccessKey: 'wrong' };
    const calls = proxy.counts.calls;
    const direct = createDirectDynamoDb(clientWith({ credentials: wrong }));
    const error = await direct.getItem({ TableName, Key: { id: { S: 'x' } } }).catch((e: unknown) => e);
    const bySdk = await clientWith({ credentials: wrong })
      .send(new GetItemCommand({ TableName, Key: { id: { S: 'x' } } }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynamoDBServiceException);
    expect(error).toMatchObject({
      name: 'InvalidSignatureException',
      $metadata: { httpStatusCode: 400, attempts: 1 },
    });
    expect((error as Error).name).toBe((bySdk as Error).name);
    expect((error as Error).message).toBe((bySdk as Error).message);
    // Refused before the operation counter: nothing reached the table.
    expect(proxy.counts.calls).toBe(calls);
  });

  it('maps a failed condition to ConditionalCheckFailedException, as the SDK', async () => {
    await reader.send(
      new PutItemCommand({ TableName, Item: { id: { S: 'cond' }, status: { S: 'accepted' } } }),
    );
    const claim = {
      TableName,
      Key: { id: { S: 'cond' } },
      UpdateExpression: 'SET #status = :sending',
      ConditionExpression: 'attribute_not_exists(id)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':sending': { S: 'sending' } },
    };
    const error = await createDirectDynamoDb(clientWith())
      .updateItem(claim)
      .catch((e: unknown) => e);
    const bySdk = await reader.send(new UpdateItemCommand(claim)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConditionalCheckFailedException);
    expect(error).toMatchObject({ $metadata: { httpStatusCode: 400, attempts: 1 }, $fault: 'client' });
    expect((error as Error).message).toBe((bySdk as Error).message);
    expect((error as ConditionalCheckFailedException).Item).toBeUndefined();
  });

  it('carries the old Item of a failed condition when ReturnValuesOnConditionCheckFailure asked, decoded as the SDK', async () => {
    // dynalite predates ReturnValuesOnConditionCheckFailure: the proxy answers as DynamoDB does.
    const old = { id: { S: 'cond' }, attempts: { N: '2' }, raw: { B: 'AP8=' }, tags: { BS: ['AQ=='] } };
    proxy.rate = 1;
    proxy.answer = {
      status: 400,
      type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
      message: 'The conditional request failed',
      fields: { Item: old },
    };
    const claim = {
      TableName,
      Key: { id: { S: 'cond' } },
      UpdateExpression: 'SET a = :a',
      ConditionExpression: 'attribute_not_exists(id)',
      ExpressionAttributeValues: { ':a': { N: '1' } },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
    const error = await createDirectDynamoDb(clientWith())
      .updateItem(claim)
      .catch((e: unknown) => e);
    const bySdk = await reader.send(new UpdateItemCommand(claim)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConditionalCheckFailedException);
    expect((error as ConditionalCheckFailedException).Item).toEqual({
      id: { S: 'cond' },
      attempts: { N: '2' },
      raw: { B: new Uint8Array([0, 255]) },
      tags: { BS: [new Uint8Array([1])] },
    });
    expect((error as ConditionalCheckFailedException).Item).toEqual(
      (bySdk as ConditionalCheckFailedException).Item,
    );
    expect(error).toMatchObject({
      message: 'The conditional request failed',
      $metadata: { requestId: 'injected-fault' },
    });
  });

  it('does not retry a refused request (ValidationException), and names it as the SDK', async () => {
    const direct = createDirectDynamoDb(clientWith());
    const bad = {
      TableName,
      Key: { id: { S: 'v' } },
      UpdateExpression: 'SET #a = :missing',
      ExpressionAttributeNames: { '#a': 'a' },
    };
    const calls = proxy.counts.calls;
    const error = await direct.updateItem(bad).catch((e: unknown) => e);
    expect(proxy.counts.calls - calls).toBe(1);
    const bySdk = await reader.send(new UpdateItemCommand(bad)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynamoDBServiceException);
    expect((error as Error).name).toBe('ValidationException');
    expect((error as Error).message).toBe((bySdk as Error).message);
  });

  it("retries a 500 up to the client's default maxAttempts (DynamoDB's 4), as often as the SDK, then throws InternalServerError", async () => {
    proxy.rate = 1;
    const get = { TableName, Key: { id: { S: 'x' } } };
    let calls = proxy.counts.calls;
    const error = await createDirectDynamoDb(clientWith())
      .getItem(get)
      .catch((e: unknown) => e);
    const direct = proxy.counts.calls - calls;
    calls = proxy.counts.calls;
    await reader.send(new GetItemCommand(get)).catch(() => {});
    expect(direct).toBe(4);
    expect(proxy.counts.calls - calls).toBe(direct);
    expect(error).toBeInstanceOf(InternalServerError);
    expect(error).toMatchObject({ $metadata: { httpStatusCode: 500, attempts: 4 } });
  });

  it('retries a 503 within maxAttempts (AWS_MAX_ATTEMPTS) and names it by its type', async () => {
    proxy.rate = 1;
    proxy.answer = { status: 503, type: 'com.amazonaws.dynamodb.v20120810#ServiceUnavailable' };
    // The client reads AWS_MAX_ATTEMPTS on its first call, not when it is made.
    const saved = process.env.AWS_MAX_ATTEMPTS;
    process.env.AWS_MAX_ATTEMPTS = '2';
    const calls = proxy.counts.calls;
    const error = await createDirectDynamoDb(clientWith())
      .updateItem({
        TableName,
        Key: { id: { S: 'x' } },
        UpdateExpression: 'SET a = :a',
        ExpressionAttributeValues: { ':a': { N: '1' } },
      })
      .catch((e: unknown) => e)
      .finally(() => {
        if (saved === undefined) delete process.env.AWS_MAX_ATTEMPTS;
        else process.env.AWS_MAX_ATTEMPTS = saved;
      });
    expect(proxy.counts.calls - calls).toBe(2);
    expect(error).toBeInstanceOf(DynamoDBServiceException);
    expect(error).toMatchObject({
      name: 'ServiceUnavailable',
      $metadata: { httpStatusCode: 503, attempts: 2 },
    });
  });

  it('names an answer that is not JSON by its status (AwsRequestError Http502), and retries a 502', async () => {
    proxy.rate = 1;
    proxy.answer = { status: 502, page: '<html><body>502 Bad Gateway</body></html>' };
    const calls = proxy.counts.calls;
    const error = await createDirectDynamoDb(clientWith({ retryStrategy: noWaitStrategy(3) }))
      .getItem({ TableName, Key: { id: { S: 'x' } } })
      .catch((e: unknown) => e);
    expect(proxy.counts.calls - calls).toBe(3);
    expect(error).toBeInstanceOf(AwsRequestError);
    expect(error).toMatchObject({
      name: 'Http502',
      statusCode: 502,
      retryable: true,
      $metadata: { httpStatusCode: 502, attempts: 3 },
    });
  });

  it.each([
    ['ProvisionedThroughputExceededException', ProvisionedThroughputExceededException],
    ['ThrottlingException', ThrottlingException],
    ['RequestLimitExceeded', DynamoDBServiceException],
  ])('retries %s as throttling (the longer backoff base) within maxAttempts', async (type, ErrorClass) => {
    proxy.rate = 1;
    proxy.answer = { status: 400, type: `com.amazonaws.dynamodb.v20120810#${type}` };
    const bases: number[] = [];
    const calls = proxy.counts.calls;
    const error = await createDirectDynamoDb(clientWith({ retryStrategy: noWaitStrategy(3, bases) }))
      .getItem({ TableName, Key: { id: { S: 'x' } } })
      .catch((e: unknown) => e);
    expect(proxy.counts.calls - calls).toBe(3);
    expect(error).toBeInstanceOf(ErrorClass);
    expect((error as Error).name).toBe(type);
    // The SDK's throttling base (1 s), not its transient one (25 ms for DynamoDB).
    expect(bases).toEqual([1000, 1000]);
  });

  it('retries a connection reset (no answer) within maxAttempts and throws the handler error', async () => {
    proxy.rate = 1;
    proxy.answer = 'reset';
    const calls = proxy.counts.calls;
    const error = await createDirectDynamoDb(clientWith({ retryStrategy: noWaitStrategy(3) }))
      .getItem({ TableName, Key: { id: { S: 'x' } } })
      .catch((e: unknown) => e);
    expect(proxy.counts.calls - calls).toBe(3);
    // As the SDK's handler throws it: Node's error, named TimeoutError (its code kept).
    expect(error).toMatchObject({ name: 'TimeoutError', code: 'ECONNRESET', $metadata: { attempts: 3 } });
  });

  it('goes through after a reset, and a write applied before the reset is replayed as the SDK replays it', async () => {
    // First attempt reset, the retry goes through.
    proxy.rate = 1;
    proxy.answer = 'reset';
    const turnOff = new ConfiguredRetryStrategy(3, () => {
      proxy.rate = 0;
      return 0;
    });
    const direct = createDirectDynamoDb(clientWith({ retryStrategy: turnOff }));
    const { $metadata } = await direct.updateItem({
      TableName,
      Key: { id: { S: 'after-reset' } },
      UpdateExpression: 'SET a = :a',
      ExpressionAttributeValues: { ':a': { N: '1' } },
    });
    expect($metadata.attempts).toBe(2);

    // Reset after DynamoDB applied a conditional create: the retry finds its own write and
    // fails its condition, with the SDK as with the direct call (the command record's
    // conditions are what make this safe).
    const create = (id: string) => ({
      TableName,
      Key: { id: { S: id } },
      UpdateExpression: 'SET a = :a',
      ConditionExpression: 'attribute_not_exists(id)',
      ExpressionAttributeValues: { ':a': { N: '1' } },
    });
    const afterProxy = await startSqsFaultProxy({
      target: ddb.endpoint,
      operations: ['UpdateItem'],
      rate: 1,
      modes: ['after'],
      answer: 'reset',
    });
    try {
      const once = new ConfiguredRetryStrategy(2, () => {
        afterProxy.rate = 0;
        return 0;
      });
      const viaAfter = clientWith({ endpoint: afterProxy.endpoint, retryStrategy: once });
      const replayed = await createDirectDynamoDb(viaAfter)
        .updateItem(create('replayed'))
        .catch((e: unknown) => e);
      afterProxy.rate = 1;
      const sdkReplayed = await viaAfter
        .send(new UpdateItemCommand(create('sdk-replayed')))
        .catch((e: unknown) => e);
      expect(replayed).toBeInstanceOf(ConditionalCheckFailedException);
      expect(sdkReplayed).toBeInstanceOf(ConditionalCheckFailedException);
    } finally {
      await afterProxy.close();
    }
  });

  it("signs with the client's clock-skew offset and corrects it from DynamoDB's Date, as the SDK", async () => {
    // A clock 20 minutes fast: the first request is refused as expired, the answer's Date
    // corrects the offset, and the retry is signed with the corrected time.
    const direct = clientWith({ systemClockOffset: 20 * 60_000 });
    const { $metadata } = await createDirectDynamoDb(direct).getItem({ TableName, Key: { id: { S: 'x' } } });
    expect($metadata.attempts).toBe(2);
    expect(Math.abs(direct.config.systemClockOffset)).toBeLessThan(60_000);
    const sdk = clientWith({ systemClockOffset: 20 * 60_000 });
    const bySdk = await sdk.send(new GetItemCommand({ TableName, Key: { id: { S: 'x' } } }));
    expect(bySdk.$metadata.attempts).toBe(2);
  });
});

describe('direct DynamoDB endpoint', () => {
  const saved = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  afterEach(() => {
    if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
    else process.env.AWS_ENDPOINT_URL_DYNAMODB = saved;
  });

  /** Where a request goes and how it is signed, as the client's HTTP handler is given it. */
  async function requestsOf(config: DynamoDBClientConfig, TableName = 'records') {
    const seen: {
      protocol: string;
      hostname: string;
      port?: number;
      path: string;
      headers: Record<string, string>;
    }[] = [];
    const client = new DynamoDBClient({
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
      ...config,
      // The client's own handler slot: both the SDK and the direct call send through it.
      requestHandler: {
        handle: async (request: (typeof seen)[number]) => {
          seen.push(request);
          return {
            response: {
              statusCode: 200,
              headers: { 'content-type': 'application/x-amz-json-1.0' },
              body: Readable.from([Buffer.from('{}')]),
            },
          };
        },
      } as never,
    });
    const input = { TableName, Key: { id: { S: 'x' } } };
    const batch = { RequestItems: { [TableName]: { Keys: [{ id: { S: 'x' } }] } } };
    const directCalls = createDirectDynamoDb(client);
    await client.send(new GetItemCommand(input));
    await directCalls.getItem(input);
    await client.send(new BatchGetItemCommand(batch));
    await directCalls.batchGetItem(batch);
    client.destroy();
    const [sdk, direct, sdkBatch, directBatch] = seen.map((r) => ({
      url: `${r.protocol}//${r.hostname}${r.port ? `:${r.port}` : ''}${r.path}`,
      host: r.headers.host,
      scope: /Credential=[^/]+\/\d+\/([^,]+),/.exec(r.headers.authorization ?? '')?.[1],
      target: r.headers['x-amz-target'],
    }));
    expect(directBatch).toEqual(sdkBatch);
    expect(directBatch?.target).toBe('DynamoDB_20120810.BatchGetItem');
    return { sdk, direct };
  }

  it.each([
    ['default regional', { region: 'eu-west-1' }, 'https://dynamodb.eu-west-1.amazonaws.com/'],
    [
      'FIPS',
      { region: 'us-east-1', useFipsEndpoint: true },
      'https://dynamodb-fips.us-east-1.amazonaws.com/',
    ],
    [
      'dual-stack',
      { region: 'eu-west-1', useDualstackEndpoint: true },
      'https://dynamodb.eu-west-1.api.aws/',
    ],
    ['custom endpoint', { region: 'eu-west-1', endpoint: 'http://127.0.0.1:8000' }, 'http://127.0.0.1:8000/'],
    [
      'account-based (credentials carry the account)',
      {
        region: 'eu-west-1',
        credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret', accountId: '123456789012' },
      },
      'https://123456789012.ddb.eu-west-1.amazonaws.com/',
    ],
    [
      'account-based endpoints disabled',
      {
        region: 'eu-west-1',
        credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret', accountId: '123456789012' },
        accountIdEndpointMode: 'disabled' as const,
      },
      'https://dynamodb.eu-west-1.amazonaws.com/',
    ],
  ])(
    '%s: the same URL, host and signing scope as the SDK (GetItem and BatchGetItem)',
    async (_name, config, url) => {
      const { sdk, direct } = await requestsOf(config);
      expect(sdk?.url).toBe(url);
      expect(direct).toEqual(sdk);
      expect(direct?.target).toBe('DynamoDB_20120810.GetItem');
    },
  );

  it('AWS_ENDPOINT_URL_DYNAMODB (with a path): the same URL as the SDK', async () => {
    process.env.AWS_ENDPOINT_URL_DYNAMODB = 'http://localhost:4566/prefix';
    const { sdk, direct } = await requestsOf({ region: 'eu-west-1' });
    expect(sdk?.url).toBe('http://localhost:4566/prefix/');
    expect(direct).toEqual(sdk);
  });

  it('a table ARN: the same URL as the SDK', async () => {
    const { sdk, direct } = await requestsOf(
      { region: 'eu-west-1' },
      'arn:aws:dynamodb:eu-west-1:123456789012:table/records',
    );
    expect(direct).toEqual(sdk);
  });
});

/**
 * Attribute names DynamoDB accepts (any non-empty string up to 64 KB; short here), but `id` (the
 * key) and `__proto__`: dynalite keeps items as plain JavaScript objects and silently loses an
 * attribute of that name, for the SDK's reads and ours alike (DynamoDB keeps it).
 */
const attributeName = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
  .filter((name) => name !== 'id' && name !== '__proto__');

const text = fc.string({ unit: 'grapheme', maxLength: 40 });
const number = fc.oneof(
  fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }).map(String),
  fc
    .tuple(fc.integer({ min: -99_999, max: 99_999 }), fc.integer({ min: 0, max: 9_999 }))
    .map(([a, b]) => `${a}.${b}`),
);
const bytes = fc.uint8Array({ minLength: 1, maxLength: 24 });
type Value = Record<string, unknown>;
const { value: attributeValue } = fc.letrec<{ value: Value }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text.map((S) => ({ S })),
    number.map((N) => ({ N })),
    fc.boolean().map((BOOL) => ({ BOOL })),
    fc.constant({ NULL: true }),
    bytes.map((B) => ({ B })),
    fc
      .uniqueArray(
        text.filter((s) => s.length > 0),
        { minLength: 1, maxLength: 4 },
      )
      .map((SS) => ({ SS })),
    fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 4 }).map((ns) => ({
      NS: ns.map(String),
    })),
    fc
      .uniqueArray(bytes, { minLength: 1, maxLength: 3, selector: (b) => Buffer.from(b).toString('hex') })
      .map((BS) => ({ BS })),
    fc.array(tie('value'), { maxLength: 3 }).map((L) => ({ L })),
    fc.dictionary(attributeName, tie('value'), { maxKeys: 3 }).map((M) => ({ M })),
  ),
}));
