/**
 * CPU per request of one stand-in process, driven with the send path's typical requests from
 * this process: `npx tsx bench/stand-in-cpu.ts sqs|dynamodb|sinch [count]`.
 *
 * - sqs: `count` commands enqueued with SendMessageBatch (10 per batch, 100 FIFO groups, all at
 *   once as the send bench does), received and deleted by the local event source mapping (the
 *   stack's concurrency and batch size), each record publishing one attributed event to a FIFO
 *   events queue with SendMessageBatch.
 * - dynamodb: `count` commands through the real command record (claim, then complete), in batches
 *   of ten that first read their recipients' suppressions with one BatchGetItem, 50 in parallel.
 * - sinch: `count` `messages:send` requests with one token, 50 in parallel, keep-alive.
 *
 * Prints the stand-in's CPU ms per command (user + system, read over IPC before and after).
 */
import { Agent, request } from 'node:http';
import { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { createCommandRecordStore } from '../functions/send/command-record';
import { SUPPRESSION_TABLE_INDEXES } from '../functions/suppression/suppression-list';
import { startEventSourceMapping } from '../local/event-source-mapping';
import {
  localQueueUrl,
  SEND_PATH_QUEUES,
  startSinchStandInProcess,
  startStandInProcess,
} from './stand-in-processes';

const APP_ID = '01HBENCHSENDAPP00000000000';
const credentials = { accessKeyId: 'l', secretAccessKey: 'l' };
const kind = process.argv[2] ?? 'sqs';
const count = Number(process.argv[3] ?? 2000);
const identityOf = (i: number) => `4670300${String(i % 100).padStart(4, '0')}`;

async function inParallel(n: number, width: number, run: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await run(next++);
    }),
  );
}

async function sqsRound(endpoint: string, tag: string, n: number) {
  const sqs = new SQSClient({ endpoint, region: 'us-east-1', credentials, cacheMiddleware: true });
  const outbound = localQueueUrl(endpoint, 'outbound.fifo');
  const events = localQueueUrl(endpoint, 'events.fifo');
  for (let i = 0; i < n; i += 10) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: outbound,
        Entries: Array.from({ length: Math.min(10, n - i) }, (_, j) => {
          const identity = identityOf(i + j);
          return {
            Id: String(j),
            MessageBody: JSON.stringify({
              id: `${tag}-${i + j}`,
              appId: APP_ID,
              to: { channel: 'SMS', identity },
              text: `benchmark command ${i + j}`,
            }),
            MessageGroupId: `${APP_ID}:SMS:${identity}`,
            MessageDeduplicationId: `${tag}-${i + j}`,
          };
        }),
      }),
    );
  }
  let handled = 0;
  let resolve = () => {};
  const done = new Promise<void>((r) => {
    resolve = r;
  });
  const mapping = startEventSourceMapping({
    queueUrl: outbound,
    sqs,
    batchSize: 10,
    concurrency: 5,
    function: { functionName: 'send', timeoutMs: 60_000 },
    handler: async (event: SQSEvent) => {
      // About the send handler's time per batch: its Sinch calls (20 ms) and DynamoDB writes.
      await new Promise((resolve) => setTimeout(resolve, 30));
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: events,
          Entries: event.Records.map((r, j) => ({
            Id: String(j),
            MessageBody: JSON.stringify({
              specversion: '1.0',
              id: `${r.messageId}-accepted`,
              type: 'sinch.bridge.outbound.accepted',
              source: 'bench',
              data: { command: JSON.parse(r.body), messageId: '01ABCDEFGHJKMNPQRSTVWXYZ01' },
            }),
            MessageGroupId: r.attributes.MessageGroupId!,
            MessageDeduplicationId: `${r.messageId}-accepted`,
            MessageAttributes: {
              type: { DataType: 'String', StringValue: 'sinch.bridge.outbound.accepted' },
              appId: { DataType: 'String', StringValue: APP_ID },
              channel: { DataType: 'String', StringValue: 'SMS' },
            },
          })),
        }),
      );
      handled += event.Records.length;
      if (handled >= n) resolve();
      return { batchItemFailures: [] };
    },
  });
  await done;
  await mapping.stop();
}

async function main() {
  if (kind === 'sinch') {
    const sinch = await startSinchStandInProcess({ latencyMs: 20 });
    const agent = new Agent({ keepAlive: true, maxSockets: 50 });
    const call = (path: string, headers: Record<string, string>, body: string) =>
      new Promise<string>((resolve, reject) => {
        const req = request(`${sinch.apiUrl}${path}`, { method: 'POST', agent, headers }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            text += c;
          });
          res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(text))));
        });
        req.on('error', reject);
        req.end(body);
      });
    const basic = Buffer.from(`${sinch.keyId}:${sinch.keySecret}`).toString('base64');
    const { access_token } = JSON.parse(
      await call(
        '/oauth2/token',
        { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        'grant_type=client_credentials',
      ),
    ) as { access_token: string };
    const send = (i: number) =>
      call(
        `/v1/projects/${sinch.projectId}/messages:send`,
        { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
        JSON.stringify({
          app_id: APP_ID,
          recipient: { identified_by: { channel_identities: [{ channel: 'SMS', identity: identityOf(i) }] } },
          message: { text_message: { text: `benchmark command ${i}` } },
          correlation_id: `bench-${i}`,
        }),
      ).then(() => undefined);
    await inParallel(500, 50, send);
    const before = await sinch.cpuMs();
    await inParallel(count, 50, (i) => send(i + 500));
    const after = await sinch.cpuMs();
    console.log(JSON.stringify({ kind, count, cpuMsPerRequest: (after - before) / count }));
    agent.destroy();
    await sinch.close();
    return;
  }
  if (kind === 'dynamodb') {
    const ddb = await startStandInProcess({
      kind: 'dynamodb',
      tables: ['idempotency', { name: 'suppressions', indexes: SUPPRESSION_TABLE_INDEXES }],
    });
    const client = new DynamoDBClient({
      endpoint: ddb.endpoint,
      region: 'us-east-1',
      credentials,
      cacheMiddleware: true,
    });
    const records = createCommandRecordStore({ tableName: 'idempotency', ttlSeconds: 86400, client });
    const command = async (tag: string, i: number) => {
      const claim = await records.claim({
        appId: APP_ID,
        commandId: `${tag}-${i}`,
        payloadHash: 'a'.repeat(64),
        leaseUntil: Date.now() + 60_000,
        maxAttempts: 5,
        channel: 'SMS',
        identity: identityOf(i),
      });
      if (claim.kind !== 'claimed') throw new Error(`claim: ${claim.kind}`);
      await records.complete(APP_ID, `${tag}-${i}`, {
        messageId: '01ABCDEFGHJKMNPQRSTVWXYZ01',
        acceptedTime: new Date().toISOString(),
      });
    };
    // As a send batch: one consistent BatchGetItem for its ten recipients, then each command.
    const batch = async (tag: string, b: number) => {
      await client.send(
        new BatchGetItemCommand({
          RequestItems: {
            suppressions: {
              Keys: Array.from({ length: 10 }, (_, j) => ({
                id: { S: `${APP_ID}#SMS#${identityOf(b * 10 + j)}` },
              })),
              ConsistentRead: true,
              ProjectionExpression: 'id, suppressed',
            },
          },
        }),
      );
      await Promise.all(Array.from({ length: 10 }, (_, j) => command(tag, b * 10 + j)));
    };
    await inParallel(30, 5, (b) => batch('warm', b));
    const before = await ddb.cpuMs();
    await inParallel(Math.ceil(count / 10), 5, (b) => batch('run', b));
    const after = await ddb.cpuMs();
    console.log(JSON.stringify({ kind, count, cpuMsPerCommand: (after - before) / count }));
    client.destroy();
    await ddb.close();
    return;
  }
  const sqs = await startStandInProcess({
    kind: 'sqs',
    queues: SEND_PATH_QUEUES,
  });
  await sqsRound(sqs.endpoint, 'warm', 300);
  const before = await sqs.cpuMs();
  const started = performance.now();
  await sqsRound(sqs.endpoint, 'run', count);
  const wallMs = Math.round(performance.now() - started);
  const after = await sqs.cpuMs();
  console.log(JSON.stringify({ kind, count, cpuMsPerCommand: (after - before) / count, wallMs }));
  await sqs.close();
}

await main();
