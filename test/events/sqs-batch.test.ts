/**
 * The batching publisher against the local SQS on loopback: what it coalesces, how it splits,
 * and that each caller gets its own message's answer.
 */
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  BatchEntryError,
  createBatchingPublisher,
  entryBytes,
  MAX_BATCH_BYTES,
  packBatches,
  type QueueEntry,
} from '../../functions/events/sqs-batch';
import { type LocalSqs, startLocalSqs } from '../../local/aws/sqs-server';
import { startSqsFaultProxy } from '../support/faults/sqs-fault-proxy';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let sqs: LocalSqs;
let client: SQSClient;
let calls: string[] = [];
let queue = 0;

const entry = (group: string, id: string, body = `{"id":"${id}"}`): QueueEntry => ({
  MessageBody: body,
  MessageGroupId: group,
  MessageDeduplicationId: id,
  MessageAttributes: { type: { DataType: 'String', StringValue: 'test.event' } },
});

function freshQueue(): string {
  return sqs.queueUrl(`batch-${queue++}.fifo`);
}

async function receiveAll(url: string): Promise<string[]> {
  const ids: string[] = [];
  for (;;) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
    );
    if (Messages.length === 0) return ids;
    for (const m of Messages) ids.push((JSON.parse(m.Body!) as { id: string }).id);
  }
}

beforeAll(async () => {
  sqs = await startLocalSqs({
    queues: [
      ...Array.from({ length: 6 }, (_, i) => ({
        name: `batch-${i}.fifo`,
        attributes: { FifoQueue: 'true' },
      })),
      { name: 'batch-standard' },
    ],
  });
  sqs.observe((exchange) => {
    if (exchange.target) calls.push(exchange.target.replace('AmazonSQS.', ''));
  });
  client = new SQSClient({ endpoint: sqs.endpoint, region: 'us-east-1', credentials });
});

afterAll(async () => {
  client.destroy();
  await sqs.close();
});

beforeEach(() => {
  calls = [];
});

describe('createBatchingPublisher', () => {
  it('puts what callers publish in the same turn into one SendMessageBatch, each caller awaiting its own message', async () => {
    const url = freshQueue();
    const publisher = createBatchingPublisher({ sqs: client, queueUrl: url });
    await Promise.all(Array.from({ length: 7 }, (_, i) => publisher.publish(entry(`g${i}`, `m${i}`))));
    expect(calls).toEqual(['SendMessageBatch']);
    expect((await receiveAll(url)).sort()).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);
  });

  it('splits at 10 entries, and publishes later turns in calls of their own', async () => {
    const url = freshQueue();
    const publisher = createBatchingPublisher({ sqs: client, queueUrl: url });
    await Promise.all(Array.from({ length: 23 }, (_, i) => publisher.publish(entry(`g${i}`, `a${i}`))));
    expect(calls).toEqual(['SendMessageBatch', 'SendMessageBatch', 'SendMessageBatch']);
    await publisher.publish(entry('g-later', 'later'));
    expect(calls).toHaveLength(4);
    expect(await receiveAll(url)).toHaveLength(24);
  });

  it('rejects only the entry SQS refused, with its code; the others of the call are on the queue', async () => {
    // A standard queue: the local SQS answers entry by entry there (on FIFO it refuses the call).
    const url = sqs.queueUrl('batch-standard');
    const publisher = createBatchingPublisher({ sqs: client, queueUrl: url });
    // Standard queues take no group or deduplication id.
    const plain = (body: string) => ({ MessageBody: body }) as QueueEntry;
    const results = await Promise.allSettled([
      publisher.publish(plain('{"id":"ok-1"}')),
      // A raw U+FFFF: SQS refuses the entry with InvalidMessageContents.
      publisher.publish(plain('{"id":"bad","text":"\uFFFF"}')),
      publisher.publish(plain('{"id":"ok-2"}')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const refusal = (results[1] as PromiseRejectedResult).reason;
    expect(refusal).toBeInstanceOf(BatchEntryError);
    expect(refusal).toMatchObject({ code: 'InvalidMessageContents', senderFault: true });
    expect((await receiveAll(url)).sort()).toEqual(['ok-1', 'ok-2']);
  });

  it('rejects every entry of a call that failed as a whole', async () => {
    const publisher = createBatchingPublisher({
      sqs: client,
      queueUrl: `${sqs.endpoint}/000000000000/missing.fifo`,
    });
    const results = await Promise.allSettled([
      publisher.publish(entry('g1', 'x1')),
      publisher.publish(entry('g2', 'x2')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    // Named as the SDK names SQS's AWS.SimpleQueueService.NonExistentQueue.
    expect((results[0] as PromiseRejectedResult).reason.name).toBe('QueueDoesNotExist');
  });

  it('rejects with NoAnswer an entry SQS listed neither as successful nor as failed', async () => {
    const url = freshQueue();
    // SQS takes the call, and its answer lists the first entry only.
    const proxy = await startSqsFaultProxy({
      target: sqs.endpoint,
      operations: ['SendMessageBatch'],
      rate: 1,
      modes: ['after'],
      answer: {
        status: 200,
        page: JSON.stringify({ Successful: [{ Id: '0', MessageId: 'm-0', MD5OfMessageBody: '-' }] }),
      },
    });
    try {
      const publisher = createBatchingPublisher({
        sqs: client,
        queueUrl: url.replace(sqs.endpoint, proxy.endpoint),
      });
      const results = await Promise.allSettled([
        publisher.publish(entry('g1', 'n1')),
        publisher.publish(entry('g2', 'n2')),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
      expect((results[1] as PromiseRejectedResult).reason).toMatchObject({
        name: 'BatchEntryError',
        code: 'NoAnswer',
        senderFault: false,
      });
      expect(proxy.counts).toMatchObject({ calls: 1, after: 1 });
    } finally {
      await proxy.close();
    }
  });
});

describe('packBatches', () => {
  it('keeps order, at most 10 entries and at most 1 MiB per call, a too-large entry alone', () => {
    const big = (id: string) => entry('g', id, `{"id":"${id}","pad":"${'x'.repeat(400_000)}"}`);
    const entries = [
      big('b1'),
      big('b2'),
      big('b3'),
      ...Array.from({ length: 12 }, (_, i) => entry('g', `s${i}`)),
    ];
    const packed = packBatches(entries, entryBytes);
    expect(packed.flat()).toEqual(entries);
    for (const call of packed) {
      expect(call.length).toBeLessThanOrEqual(10);
      expect(call.reduce((sum, e) => sum + entryBytes(e), 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    }
    expect(packed.map((call) => call.length)).toEqual([2, 10, 3]);
  });
});
