/**
 * The send path's suppression check on real loopback DynamoDB (dynalite): checks asked together
 * share BatchGetItem calls (at most 100 keys each, no key twice), every check is a fresh consistent
 * read (an opt-out or opt-in written just before is seen), keys DynamoDB leaves unprocessed are
 * asked again, and a list DynamoDB keeps refusing is an error, never "not suppressed".
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSuppressionList,
  SUPPRESSION_TABLE_INDEXES,
  type SuppressionList,
} from '../../functions/suppression/suppression-list';
import { type LocalDynamoDb, startLocalDynamoDb } from '../../local/aws/dynamodb-server';

const REGION = 'eu-west-1';
const APP = '01HQ8Z0ZB6W1S4VJ4NPXAQ4E5T';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const TABLE = 'suppressions';

let ddb: LocalDynamoDb;

/** A client whose calls are counted by operation, through the SDK's own middleware stack. */
function countingClient(endpoint: string) {
  const operations: string[] = [];
  const client = new DynamoDBClient({ region: REGION, endpoint, credentials, maxAttempts: 1 });
  client.middlewareStack.add(
    (next, context) => (args) => {
      operations.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize' },
  );
  return { client, operations };
}

async function optOut(list: SuppressionList, identity: string, causeId: string) {
  await list.apply({
    appId: APP,
    channel: 'SMS',
    identity,
    change: 'added',
    source: 'keyword',
    keyword: 'stop',
    causeId,
    at: new Date().toISOString(),
  });
}

beforeAll(async () => {
  ddb = await startLocalDynamoDb({
    region: REGION,
    tables: [{ name: TABLE, indexes: SUPPRESSION_TABLE_INDEXES }],
  });
});
afterAll(async () => {
  await ddb?.close();
});

describe('the send path suppression check', () => {
  it('answers checks asked together with one BatchGetItem, each with its own answer', async () => {
    const { client, operations } = countingClient(ddb.endpoint);
    const list = createSuppressionList({ tableName: TABLE, client });
    await optOut(list, '46700001001', 'cause-1001');
    await optOut(list, '46700001003', 'cause-1003');
    operations.length = 0;
    const answers = await Promise.all(
      ['46700001001', '46700001002', '46700001003', '46700001004'].map((identity) =>
        list.isSuppressed({ appId: APP, channel: 'SMS', identity }),
      ),
    );
    expect(answers).toEqual([true, false, true, false]);
    expect(operations).toEqual(['BatchGetItem']);
  });

  it('asks each key once even when two checks name the same recipient differently', async () => {
    // DynamoDB refuses a BatchGetItem naming a key twice (ValidationException): "+46 70..." and
    // "4670..." are the same key.
    const { client, operations } = countingClient(ddb.endpoint);
    const list = createSuppressionList({ tableName: TABLE, client });
    await optOut(list, '46700002001', 'cause-2001');
    operations.length = 0;
    const answers = await Promise.all(
      ['+46 70 000 20 01', '46700002001', '46700002001', '46700002002'].map((identity) =>
        list.isSuppressed({ appId: APP, channel: 'SMS', identity }),
      ),
    );
    expect(answers).toEqual([true, true, true, false]);
    expect(operations).toEqual(['BatchGetItem']);
  });

  it('splits more than 100 checks into calls of at most 100 keys', async () => {
    const { client, operations } = countingClient(ddb.endpoint);
    const list = createSuppressionList({ tableName: TABLE, client });
    await optOut(list, '46700003149', 'cause-3149');
    operations.length = 0;
    const answers = await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        list.isSuppressed({ appId: APP, channel: 'SMS', identity: `46700003${String(i).padStart(3, '0')}` }),
      ),
    );
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect(answers[149]).toBe(true);
    expect(operations).toEqual(['BatchGetItem', 'BatchGetItem']);
  });

  it('reads afresh on every check: an opt-out and an opt-in are seen at once', async () => {
    const { client, operations } = countingClient(ddb.endpoint);
    const list = createSuppressionList({ tableName: TABLE, client });
    const who = { appId: APP, channel: 'SMS', identity: '46700004001' };
    expect(await list.isSuppressed(who)).toBe(false);
    await optOut(list, who.identity, 'cause-4001');
    expect(await list.isSuppressed(who)).toBe(true);
    await list.apply({
      ...who,
      change: 'removed',
      source: 'keyword',
      keyword: 'start',
      causeId: 'cause-4002',
      at: new Date().toISOString(),
    });
    expect(await list.isSuppressed(who)).toBe(false);
    expect(operations.filter((o) => o === 'BatchGetItem')).toHaveLength(3);
  });
});

/**
 * A proxy in front of dynalite that answers the first `unprocessedAnswers` BatchGetItem calls as
 * DynamoDB does when it throttles part of a batch: nothing read, every key in `UnprocessedKeys`.
 */
async function startThrottlingProxy(target: string, unprocessedAnswers: number) {
  let throttled = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (String(req.headers['x-amz-target']).endsWith('.BatchGetItem') && throttled < unprocessedAnswers) {
        throttled++;
        const { RequestItems } = JSON.parse(body.toString('utf8')) as {
          RequestItems: Record<string, unknown>;
        };
        const answer = JSON.stringify({
          Responses: Object.fromEntries(Object.keys(RequestItems).map((t) => [t, []])),
          UnprocessedKeys: RequestItems,
        });
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(answer);
        return;
      }
      const forwarded = request(
        new URL(req.url ?? '/', target),
        { method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(res);
        },
      );
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('the suppression check when DynamoDB throttles part of a batch', () => {
  it('asks the unprocessed keys again and answers from the later call', async () => {
    const proxy = await startThrottlingProxy(ddb.endpoint, 2);
    try {
      const { client, operations } = countingClient(proxy.endpoint);
      const list = createSuppressionList({ tableName: TABLE, client });
      await optOut(list, '46700005001', 'cause-5001');
      const answers = await Promise.all(
        ['46700005001', '46700005002'].map((identity) =>
          list.isSuppressed({ appId: APP, channel: 'SMS', identity }),
        ),
      );
      expect(answers).toEqual([true, false]);
      expect(operations.filter((o) => o === 'BatchGetItem')).toHaveLength(3);
    } finally {
      await proxy.close();
    }
  });

  it('fails the check, never answers "not suppressed", when the keys stay unprocessed', async () => {
    const proxy = await startThrottlingProxy(ddb.endpoint, Number.POSITIVE_INFINITY);
    try {
      const { client, operations } = countingClient(proxy.endpoint);
      const list = createSuppressionList({ tableName: TABLE, client });
      await expect(
        list.isSuppressed({ appId: APP, channel: 'SMS', identity: '46700006001' }),
      ).rejects.toMatchObject({
        name: 'SuppressionReadIncomplete',
      });
      expect(operations.filter((o) => o === 'BatchGetItem')).toHaveLength(5);
    } finally {
      await proxy.close();
    }
  });
});
