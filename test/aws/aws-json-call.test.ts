/**
 * The direct calls' error classification is written out (the bundles leave @smithy/core to the
 * SDK): it must answer as the SDK retry middleware's own functions for any error a service or
 * Node's HTTP handler can produce. And their transport (the functions' own, not the SDK's
 * handler): what goes on the wire beside the SDK's own request, and the attempt timeouts.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  isServerError,
  isThrottlingError,
  isTransientError,
  StandardRetryStrategy,
} from '@smithy/core/retry';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsJsonCall, isRetryable, retryErrorTypeOf } from '../../functions/aws/aws-json-call';
import { createDirectDynamoDb } from '../../functions/aws/direct-dynamodb';
import { type LocalDynamoDb, startLocalDynamoDb } from '../../local/aws/dynamodb-server';
import { type SqsFaultProxy, startSqsFaultProxy } from '../support/faults/sqs-fault-proxy';

/** What the SDK's retry middleware computes (its `getRetryErrorType`, not exported). */
function sdkRetryErrorType(error: Parameters<typeof isThrottlingError>[0]) {
  if (isThrottlingError(error)) return 'THROTTLING';
  if (isTransientError(error)) return 'TRANSIENT';
  if (isServerError(error)) return 'SERVER_ERROR';
  return 'CLIENT_ERROR';
}

const names = fc.oneof(
  fc.constantFrom(
    'ProvisionedThroughputExceededException',
    'ThrottlingException',
    'RequestLimitExceeded',
    'TransactionInProgressException',
    'LimitExceededException',
    'SlowDown',
    'TooManyRequestsException',
    'TimeoutError',
    'RequestTimeout',
    'RequestTimeoutException',
    'InvalidSignatureException',
    'SignatureDoesNotMatch',
    'ConditionalCheckFailedException',
    'InternalServerError',
    'InternalFailure',
    'ServiceUnavailable',
    'ValidationException',
    'AbortError',
    'Error',
  ),
  fc.string({ maxLength: 12 }),
);
const codes = fc.option(
  fc.oneof(
    fc.constantFrom(
      'ECONNRESET',
      'ECONNREFUSED',
      'EPIPE',
      'ETIMEDOUT',
      'EHOSTUNREACH',
      'ENETUNREACH',
      'ENOTFOUND',
      'EAI_AGAIN',
      'ERR_HTTP2_STREAM_ERROR',
      'EACCES',
    ),
    fc.string({ maxLength: 8 }),
  ),
  { nil: undefined },
);
const messages = fc.constantFrom(
  'Signature expired: 20261202T000000Z is now earlier than 20261202T001000Z',
  'The request signature we calculated does not match',
  'Stream closed with error code NGHTTP2_REFUSED_STREAM',
  'socket hang up',
  '',
);
const statuses = fc.option(fc.constantFrom(200, 400, 403, 408, 429, 500, 501, 502, 503, 504, 505, 599, 600), {
  nil: undefined,
});
const retryableTraits = fc.option(
  fc.oneof(
    fc.constant({}),
    fc.boolean().map((throttling) => ({ throttling })),
  ),
  {
    nil: undefined,
  },
);

// Errors as a service (name, status, traits, skew) or Node's HTTP handler (code, cause) makes them;
// not the browser fetch TypeErrors the SDK also knows, which Node's handler never throws.
const { error: anyError } = fc.letrec<{ error: Error }>((tie) => ({
  error: fc
    .record({
      name: names,
      message: messages,
      code: codes,
      status: statuses,
      clockSkewCorrected: fc.boolean(),
      retryable: retryableTraits,
      cause: fc.option(tie('error'), { nil: undefined, depthSize: 'small' }),
    })
    .map(({ name, message, code, status, clockSkewCorrected, retryable, cause }) => {
      const error = new Error(message) as Error & Record<string, unknown>;
      error.name = name;
      if (code !== undefined) error.code = code;
      if (status !== undefined || clockSkewCorrected) {
        error.$metadata = { ...(status !== undefined ? { httpStatusCode: status } : {}), clockSkewCorrected };
      }
      if (retryable !== undefined) error.$retryable = retryable;
      if (cause !== undefined) error.cause = cause;
      return error;
    }),
}));

describe('retry classification of the direct calls', () => {
  it("answers as the SDK retry middleware's own functions for any error", () => {
    fc.assert(
      fc.property(anyError, (error) => {
        expect(retryErrorTypeOf(error)).toBe(sdkRetryErrorType(error as never));
      }),
      { numRuns: 2000 },
    );
  });

  it('retries throttling and transient errors only', () => {
    const named = (name: string, status?: number) =>
      Object.assign(new Error('x'), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}) });
    expect(isRetryable(named('ThrottlingException', 400))).toBe(true);
    expect(isRetryable(named('ServiceUnavailable', 503))).toBe(true);
    expect(isRetryable(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
    // 501 is a server error the SDK does not retry; 400s are the caller's.
    expect(isRetryable(named('NotImplemented', 501))).toBe(false);
    expect(isRetryable(named('ValidationException', 400))).toBe(false);
    expect(isRetryable(named('ConditionalCheckFailedException', 400))).toBe(false);
  });
});

describe("the direct calls' transport", () => {
  const REGION = 'us-east-1';
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  let ddb: LocalDynamoDb;
  let proxy: SqsFaultProxy;
  let client: DynamoDBClient;
  const body = JSON.stringify({ TableName: 'records', Key: { id: { S: 'x' } } });
  const toError = (answer: { statusCode: number; text: string }) =>
    new Error(`${answer.statusCode} ${answer.text}`);
  const noWait = (maxAttempts: number) =>
    new StandardRetryStrategy({
      maxAttempts,
      backoff: { computeNextBackoffDelay: () => 0, setDelayBase: () => {} },
    });

  beforeAll(async () => {
    ddb = await startLocalDynamoDb({ tables: ['records'], region: REGION });
    proxy = await startSqsFaultProxy({
      target: ddb.endpoint,
      operations: ['GetItem'],
      rate: 0,
      modes: ['before'],
      verifySignature: { region: REGION, credentials, service: 'dynamodb' },
    });
  });
  afterAll(async () => {
    client?.destroy();
    await proxy.close();
    await ddb.close();
  });

  function callThroughProxy(maxAttempts: number, totalMs: number) {
    client = new DynamoDBClient({ region: REGION, credentials, retryStrategy: noWait(maxAttempts) });
    const url = new URL(proxy.endpoint);
    const endpoint = {
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      host: url.host,
      path: '/',
    };
    const call = createAwsJsonCall(client, {
      signingName: 'dynamodb',
      targetPrefix: 'DynamoDB_20120810',
      timeouts: { connectMs: 1_000, totalMs },
    });
    return (abortSignal?: AbortSignal) => call(endpoint, 'GetItem', body, { toError, abortSignal });
  }

  it('answers through its own transport, signed as DynamoDB checks it', async () => {
    const call = callThroughProxy(1, 5_000);
    const answer = await call();
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({});
    expect(answer.headers['x-amzn-requestid']).toEqual(expect.any(String));
  });

  it('cuts an attempt whose answer does not come in time, retries it as a timeout, then throws TimeoutError', async () => {
    const call = callThroughProxy(3, 150);
    const calls = proxy.counts.calls;
    proxy.delayMs = 1_000;
    try {
      const error = await call().catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'TimeoutError', code: 'ETIMEDOUT', $metadata: { attempts: 3 } });
      expect(retryErrorTypeOf(error)).toBe('TRANSIENT');
      expect(proxy.counts.calls - calls).toBe(3);
    } finally {
      proxy.delayMs = 0;
    }
  });

  it('gives up at once when its caller does (AbortError), without a retry', async () => {
    const call = callThroughProxy(3, 5_000);
    const calls = proxy.counts.calls;
    proxy.delayMs = 1_000;
    try {
      const error = await call(AbortSignal.timeout(100)).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'AbortError' });
      expect(proxy.counts.calls - calls).toBe(1);
    } finally {
      proxy.delayMs = 0;
    }
  });

  describe('on the wire, beside the SDK', () => {
    let server: Server;
    const seen: { method?: string; url?: string; headers: IncomingMessage['headers']; body: string }[] = [];
    beforeAll(async () => {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          seen.push({
            method: req.method,
            url: req.url,
            headers: req.headers,
            body: Buffer.concat(chunks).toString(),
          });
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{}');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('sends the method, path, host, target and body the SDK sends to an endpoint with a path', async () => {
      const { port } = server.address() as AddressInfo;
      const sdk = new DynamoDBClient({
        region: REGION,
        credentials,
        endpoint: `http://127.0.0.1:${port}/prefix`,
      });
      const input = { TableName: 'records', Key: { id: { S: 'wire' } }, ConsistentRead: true };
      seen.length = 0;
      await sdk.send(new GetItemCommand(input));
      await createDirectDynamoDb(sdk).getItem(input);
      sdk.destroy();
      const [bySdk, direct] = seen.map((r) => ({
        method: r.method,
        url: r.url,
        host: r.headers.host,
        contentType: r.headers['content-type'],
        target: r.headers['x-amz-target'],
        body: JSON.parse(r.body),
        scope: /Credential=[^/]+\/\d+\/([^,]+),/.exec(r.headers.authorization ?? '')?.[1],
      }));
      expect(bySdk).toMatchObject({ method: 'POST', url: '/prefix/', target: 'DynamoDB_20120810.GetItem' });
      expect(direct).toEqual(bySdk);
    });
  });
});
