/**
 * The send path's suppression check on real loopback DynamoDB (dynalite): checks asked together
 * share BatchGetItem calls (at most 100 keys each, no key twice), every check is a fresh consistent
 * read (an opt-out or opt-in written just before is seen), keys DynamoDB leaves unprocessed are
 * asked again, and a list DynamoDB keeps refusing is an error, never "not suppressed".
 *
 * Calls are counted on the wire, by a proxy in front of dynalite: the check does not go through
 * the SDK's middleware stack (functions/aws/direct-dynamodb.ts), so only what reaches DynamoDB
 * tells how many calls it made.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectDynamoDb } from '../../functions/aws/direct-dynamodb';
import {
  createSuppressionList,
  SUPPRESSION_TABLE_INDEXES,
  type SuppressionList,
  suppressionKey,
} from '../../functions/suppression/suppression-list';
import { type LocalDynamoDb, startLocalDynamoDb } from '../../local/aws/dynamodb-server';

const REGION = 'eu-west-1';
const APP = '01HQ8Z0ZB6W1S4VJ4NPXAQ4E5T';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const TABLE = 'suppressions';

let ddb: LocalDynamoDb;

/** One request as it reached DynamoDB; for a BatchGetItem, what it asked of the list. */
interface WireCall {
  operation: string;
  keys: string[];
  consistentRead?: boolean;
  projection?: string;
}

/**
 * A proxy in front of dynalite that notes every request it forwards (the operation named by its
 * `x-amz-target`, and a BatchGetItem's keys and read settings), whichever way the client sends
 * it. It answers the first `unprocessedAnswers` BatchGetItem calls as DynamoDB does when it
 * throttles part of a batch: nothing read, every key in `UnprocessedKeys`.
 */
async function startWireRecorder(target: string, unprocessedAnswers = 0) {
  const calls: WireCall[] = [];
  let throttled = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = String(req.headers['x-amz-target']).split('.').at(-1) ?? '';
      const call: WireCall = { operation, keys: [] };
      calls.push(call);
      if (operation === 'BatchGetItem') {
        const { RequestItems } = JSON.parse(body.toString('utf8')) as {
          RequestItems: Record<
            string,
            { Keys: { id: { S: string } }[]; ConsistentRead?: boolean; ProjectionExpression?: string }
          >;
        };
        const asked = RequestItems[TABLE];
        call.keys = asked?.Keys.map((key) => key.id.S) ?? [];
        call.consistentRead = asked?.ConsistentRead;
        call.projection = asked?.ProjectionExpression;
        if (throttled < unprocessedAnswers) {
          throttled++;
          const answer = JSON.stringify({
            Responses: Object.fromEntries(Object.keys(RequestItems).map((t) => [t, []])),
            UnprocessedKeys: RequestItems,
          });
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(answer);
          return;
        }
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
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    calls,
    /** The BatchGetItem calls noted so far. */
    batchGets: () => calls.filter((c) => c.operation === 'BatchGetItem'),
    /** A client of the proxy with one attempt per call, so each call is one request. */
    client: () => new DynamoDBClient({ region: REGION, endpoint, credentials, maxAttempts: 1 }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
type WireRecorder = Awaited<ReturnType<typeof startWireRecorder>>;

/** The list through a fresh recorder, for one test. */
async function withRecordedList(
  unprocessedAnswers: number,
  test: (list: SuppressionList, wire: WireRecorder) => Promise<void>,
) {
  const wire = await startWireRecorder(ddb.endpoint, unprocessedAnswers);
  const client = wire.client();
  try {
    await test(createSuppressionList({ tableName: TABLE, client }), wire);
  } finally {
    client.destroy();
    await wire.close();
  }
}

const sms = (identity: string) => ({ appId: APP, channel: 'SMS', identity });

async function optOut(list: SuppressionList, identity: string, causeId: string) {
  await list.apply({
    ...sms(identity),
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

describe('the wire recorder the counts below rely on', () => {
  it('notes each call it is sent, by the SDK or the direct caller, with its keys', async () => {
    const wire = await startWireRecorder(ddb.endpoint);
    const client = wire.client();
    const direct = createDirectDynamoDb(client);
    const batch = (id: string) => ({
      RequestItems: { [TABLE]: { Keys: [{ id: { S: id } }], ConsistentRead: true } },
    });
    try {
      await client.send(new BatchGetItemCommand(batch('sdk-1')));
      await client.send(new BatchGetItemCommand(batch('sdk-2')));
      await direct.batchGetItem(batch('direct-1'));
      await direct.getItem({ TableName: TABLE, Key: { id: { S: 'direct-2' } } });
      await direct.batchGetItem(batch('direct-3'));
    } finally {
      client.destroy();
      await wire.close();
    }
    expect(wire.calls.map((c) => c.operation)).toEqual([
      'BatchGetItem',
      'BatchGetItem',
      'BatchGetItem',
      'GetItem',
      'BatchGetItem',
    ]);
    expect(wire.batchGets().map((c) => c.keys)).toEqual([['sdk-1'], ['sdk-2'], ['direct-1'], ['direct-3']]);
  });
});

describe('the send path suppression check', () => {
  it('answers checks asked together with one consistent BatchGetItem, each with its own answer', async () => {
    await withRecordedList(0, async (list, wire) => {
      await optOut(list, '46700001001', 'cause-1001');
      await optOut(list, '46700001003', 'cause-1003');
      wire.calls.length = 0;
      const identities = ['46700001001', '46700001002', '46700001003', '46700001004'];
      const answers = await Promise.all(identities.map((identity) => list.isSuppressed(sms(identity))));
      expect(answers).toEqual([true, false, true, false]);
      expect(wire.calls).toEqual([
        {
          operation: 'BatchGetItem',
          keys: identities.map((identity) => suppressionKey(sms(identity))),
          consistentRead: true,
          projection: 'id, suppressed',
        },
      ]);
    });
  });

  it('asks each key once even when two checks name the same recipient differently', async () => {
    // DynamoDB refuses a BatchGetItem naming a key twice (ValidationException): "+46 70..." and
    // "4670..." are the same key.
    await withRecordedList(0, async (list, wire) => {
      await optOut(list, '46700002001', 'cause-2001');
      wire.calls.length = 0;
      const answers = await Promise.all(
        ['+46 70 000 20 01', '46700002001', '46700002001', '46700002002'].map((identity) =>
          list.isSuppressed(sms(identity)),
        ),
      );
      expect(answers).toEqual([true, true, true, false]);
      expect(wire.calls.map((c) => c.operation)).toEqual(['BatchGetItem']);
      expect(wire.calls[0]?.keys).toEqual([
        suppressionKey(sms('46700002001')),
        suppressionKey(sms('46700002002')),
      ]);
    });
  });

  it('splits more than 100 checks into calls of at most 100 keys', async () => {
    await withRecordedList(0, async (list, wire) => {
      await optOut(list, '46700003149', 'cause-3149');
      wire.calls.length = 0;
      const answers = await Promise.all(
        Array.from({ length: 150 }, (_, i) =>
          list.isSuppressed(sms(`46700003${String(i).padStart(3, '0')}`)),
        ),
      );
      expect(answers.filter(Boolean)).toHaveLength(1);
      expect(answers[149]).toBe(true);
      expect(wire.calls.map((c) => c.operation)).toEqual(['BatchGetItem', 'BatchGetItem']);
      // The two calls may arrive in either order.
      expect(wire.calls.map((c) => c.keys.length).sort((a, b) => b - a)).toEqual([100, 50]);
      expect(new Set(wire.calls.flatMap((c) => c.keys)).size).toBe(150);
    });
  });

  it('reads afresh on every check: an opt-out and an opt-in are seen at once', async () => {
    await withRecordedList(0, async (list, wire) => {
      const who = sms('46700004001');
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
      expect(wire.batchGets()).toHaveLength(3);
      expect(wire.batchGets().every((c) => c.consistentRead === true)).toBe(true);
    });
  });
});

describe('the suppression check when DynamoDB throttles part of a batch', () => {
  it('asks the unprocessed keys again and answers from the later call', async () => {
    await withRecordedList(2, async (list, wire) => {
      await optOut(list, '46700005001', 'cause-5001');
      const identities = ['46700005001', '46700005002'];
      const answers = await Promise.all(identities.map((identity) => list.isSuppressed(sms(identity))));
      expect(answers).toEqual([true, false]);
      const keys = identities.map((identity) => suppressionKey(sms(identity)));
      expect(wire.batchGets().map((c) => c.keys)).toEqual([keys, keys, keys]);
    });
  });

  it('fails the check, never answers "not suppressed", when the keys stay unprocessed', async () => {
    await withRecordedList(Number.POSITIVE_INFINITY, async (list, wire) => {
      await expect(list.isSuppressed(sms('46700006001'))).rejects.toMatchObject({
        name: 'SuppressionReadIncomplete',
      });
      expect(wire.batchGets()).toHaveLength(5);
    });
  });
});
