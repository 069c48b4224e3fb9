import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LocalSqs, redrivePolicy, startLocalSqs } from '../../local/aws/sqs-server';
import {
  type BatchOutcome,
  type EventSourceMapping,
  type LateRequest,
  messagesToDelete,
  queueArnOf,
  startEventSourceMapping,
} from '../../local/event-source-mapping';

const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Waits until `check` holds (the mapping works asynchronously); fails after `attempts` polls. */
async function eventually<T>(check: () => T | undefined | false, attempts = 200): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition never held');
}

describe('startEventSourceMapping behaves like an SQS event source with ReportBatchItemFailures', () => {
  let sqs: LocalSqs;
  let client: SQSClient;
  let mapping: EventSourceMapping | undefined;
  let queueUrl: string;
  let dlqUrl: string;

  beforeEach(async () => {
    sqs = await startLocalSqs({
      queues: [
        { name: 'dlq.fifo', attributes: { FifoQueue: 'true' } },
        {
          name: 'in.fifo',
          // A 2 s visibility (above the 1 s long poll) lets failures come back quickly; maxReceiveCount 3 is the redrive.
          attributes: {
            FifoQueue: 'true',
            VisibilityTimeout: '2',
            RedrivePolicy: redrivePolicy('dlq.fifo', 3),
          },
        },
      ],
    });
    client = new SQSClient({ endpoint: sqs.endpoint, region, credentials });
    queueUrl = sqs.queueUrl('in.fifo');
    dlqUrl = sqs.queueUrl('dlq.fifo');
  });
  afterEach(async () => {
    await mapping?.stop();
    mapping = undefined;
    client.destroy();
    await sqs.close();
  });

  const send = (body: string, group: string) =>
    client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body,
        MessageGroupId: group,
        MessageDeduplicationId: body,
        MessageAttributes: { type: { DataType: 'String', StringValue: 'test' } },
      }),
    );

  it('hands Lambda-shaped records to the handler and deletes successes', async () => {
    // Prepare
    const events: SQSEvent[] = [];
    const outcomes: BatchOutcome[] = [];
    await send('a', 'g1');
    await send('b', 'g2');
    // Act
    mapping = startEventSourceMapping({
      queueUrl,
      sqs: client,
      handler: async (event) => {
        events.push(event);
        return { batchItemFailures: [] };
      },
      onBatch: (o) => outcomes.push(o),
    });
    await eventually(() => outcomes.reduce((n, o) => n + o.deleted, 0) === 2);
    // Assess
    const records = events.flatMap((e) => e.Records);
    expect(records.map((r) => r.body).sort()).toEqual(['a', 'b']);
    expect(records[0]).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: queueArnOf(queueUrl, region),
      awsRegion: region,
      attributes: { ApproximateReceiveCount: '1' },
      messageAttributes: { type: { stringValue: 'test', dataType: 'String' } },
    });
    expect(records[0]!.attributes.MessageGroupId).toMatch(/^g[12]$/);
    const left = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0 }));
    expect(left.Messages ?? []).toHaveLength(0);
  });

  it('redelivers listed failures only, until the redrive moves them to the DLQ', async () => {
    await send('ok', 'g1');
    await send('bad', 'g2');
    const receives: Record<string, string[]> = { ok: [], bad: [] };
    mapping = startEventSourceMapping({
      queueUrl,
      sqs: client,
      handler: async (event) => {
        for (const r of event.Records) receives[r.body]!.push(r.attributes.ApproximateReceiveCount);
        return {
          batchItemFailures: event.Records.filter((r) => r.body === 'bad').map((r) => ({
            itemIdentifier: r.messageId,
          })),
        };
      },
    });
    await eventually(() => receives.bad!.length === 3);
    let moved: Array<{ Body?: string }> = [];
    for (let i = 0; i < 50 && moved.length === 0; i++) {
      const out = await client.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 1 }));
      moved = out.Messages ?? [];
    }
    expect(moved.map((m) => m.Body)).toEqual(['bad']);
    expect(receives.ok).toEqual(['1']);
    expect(receives.bad).toEqual(['1', '2', '3']);
  });

  it('retries the whole batch when the handler throws', async () => {
    await send('x', 'g1');
    let calls = 0;
    const outcomes: BatchOutcome[] = [];
    mapping = startEventSourceMapping({
      queueUrl,
      sqs: client,
      handler: async () => {
        calls++;
        if (calls === 1) throw new Error('crash');
        return { batchItemFailures: [] };
      },
      onBatch: (o) => outcomes.push(o),
    });
    await eventually(() => outcomes.length === 2);
    expect(outcomes[0]).toMatchObject({ records: 1, deleted: 0, retried: 1 });
    expect((outcomes[0]!.error as Error).message).toBe('crash');
    expect(outcomes[1]).toMatchObject({ records: 1, deleted: 1, retried: 0 });
  });
});

describe('startEventSourceMapping enforces the function timeout and freezes abandoned work, as Lambda does', () => {
  let sqs: LocalSqs;
  let client: SQSClient;
  let mapping: EventSourceMapping | undefined;
  let target: Server;
  let targetUrl: string;
  const hits: string[] = [];

  beforeEach(async () => {
    sqs = await startLocalSqs({
      queues: [{ name: 'slow.fifo', attributes: { FifoQueue: 'true', VisibilityTimeout: '30' } }],
    });
    client = new SQSClient({ endpoint: sqs.endpoint, region, credentials });
    hits.length = 0;
    target = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end('ok');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await mapping?.stop();
    mapping = undefined;
    client.destroy();
    target.close();
    await sqs.close();
  });

  it('fails a handler that outlives its timeout, stops awaiting it, and lets its late work make no call', async () => {
    // Prepare: the handler calls out once at once, then again well after its 500 ms timeout.
    await client.send(
      new SendMessageCommand({
        QueueUrl: sqs.queueUrl('slow.fifo'),
        MessageBody: 'x',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'x',
      }),
    );
    const outcomes: BatchOutcome[] = [];
    let lateCall: Promise<string> | undefined;
    const call = (path: string) =>
      new Promise<string>((resolve) => {
        const req = httpRequest(`${targetUrl}${path}`, (res) => {
          res.resume();
          res.on('end', () => resolve('answered'));
        });
        req.on('error', (error) => resolve(`refused: ${error.message}`));
        req.end();
      });

    // Act
    mapping = startEventSourceMapping({
      queueUrl: sqs.queueUrl('slow.fifo'),
      sqs: client,
      function: { functionName: 'slow', timeoutMs: 500 },
      handler: async () => {
        await call('/in-time');
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        lateCall = call('/after-timeout');
        await lateCall;
        return { batchItemFailures: [] };
      },
      onBatch: (o) => outcomes.push(o),
    });
    await eventually(() => outcomes.length >= 1);
    const reported = outcomes[0]!;
    await eventually(() => lateCall !== undefined);
    const late = await lateCall!;

    // Assess: a timed-out invocation is a failed one (nothing deleted), and its late call never left.
    expect(reported).toMatchObject({ records: 1, deleted: 0, retried: 1 });
    expect(String((reported.error as Error).message)).toMatch(/timed out after 0.5 seconds/);
    expect(late).toMatch(/^refused: /);
    expect(hits).toEqual(['/in-time']);
  });
  it('freezes work a handler left running after it returned, and reports the request it tried', async () => {
    // Prepare: the handler returns at once but leaves a timer that calls out 300 ms later.
    await client.send(
      new SendMessageCommand({
        QueueUrl: sqs.queueUrl('slow.fifo'),
        MessageBody: 'y',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'y',
      }),
    );
    const outcomes: BatchOutcome[] = [];
    const lateRequests: LateRequest[] = [];
    let leftover: Promise<string> | undefined;

    // Act
    mapping = startEventSourceMapping({
      queueUrl: sqs.queueUrl('slow.fifo'),
      sqs: client,
      function: { functionName: 'leaky', timeoutMs: 5_000 },
      handler: async () => {
        leftover = new Promise((resolve) => setTimeout(resolve, 300)).then(
          () =>
            new Promise<string>((resolve) => {
              const req = httpRequest(`${targetUrl}/after-return`, (res) => {
                res.resume();
                res.on('end', () => resolve('answered'));
              });
              req.on('error', (error) => resolve(`refused: ${error.message}`));
              req.end();
            }),
        );
        return { batchItemFailures: [] };
      },
      onBatch: (o) => outcomes.push(o),
      onLateRequest: (late) => lateRequests.push(late),
    });
    await eventually(() => outcomes.length >= 1 && leftover !== undefined);
    const late = await leftover!;

    // Assess: the invocation succeeded, its leftover call never left, and it was reported as a bug.
    expect(outcomes[0]).toMatchObject({ records: 1, deleted: 1, retried: 0 });
    expect(late).toMatch(/^refused: .*already returned/);
    expect(hits).toEqual([]);
    expect(lateRequests).toEqual([
      expect.objectContaining({
        functionName: 'leaky',
        afterTimeout: false,
        method: 'GET',
        path: '/after-return',
      }),
    ]);
  });

  it('reports requests of a timed-out invocation as frozen after the timeout', async () => {
    await client.send(
      new SendMessageCommand({
        QueueUrl: sqs.queueUrl('slow.fifo'),
        MessageBody: 'z',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'z',
      }),
    );
    const lateRequests: LateRequest[] = [];
    let leftover: Promise<string> | undefined;
    mapping = startEventSourceMapping({
      queueUrl: sqs.queueUrl('slow.fifo'),
      sqs: client,
      function: { functionName: 'slow', timeoutMs: 200 },
      handler: async () => {
        await new Promise((resolve) => setTimeout(resolve, 600));
        leftover = new Promise<string>((resolve) => {
          const req = httpRequest(`${targetUrl}/after-timeout`, () => resolve('answered'));
          req.on('error', (error) => resolve(`refused: ${error.message}`));
          req.end();
        });
        await leftover;
        return { batchItemFailures: [] };
      },
      onLateRequest: (late) => lateRequests.push(late),
    });
    await eventually(() => leftover !== undefined);
    expect(await leftover!).toMatch(/^refused: .*timed out/);
    expect(lateRequests[0]).toMatchObject({
      functionName: 'slow',
      afterTimeout: true,
      path: '/after-timeout',
    });
    expect(hits).toEqual([]);
  });
});

describe('messagesToDelete reads a partial batch response like Lambda', () => {
  const messages = [{ MessageId: 'a' }, { MessageId: 'b' }, { MessageId: 'c' }];
  it('keeps listed failures, deletes the rest', () => {
    expect(
      messagesToDelete(messages, { batchItemFailures: [{ itemIdentifier: 'b' }] }).map((m) => m.MessageId),
    ).toEqual(['a', 'c']);
    expect(messagesToDelete(messages, undefined)).toHaveLength(3);
  });
  it('treats an unknown or empty identifier as a failure of the whole batch', () => {
    expect(messagesToDelete(messages, { batchItemFailures: [{ itemIdentifier: 'zzz' }] })).toEqual([]);
    expect(messagesToDelete(messages, { batchItemFailures: [{ itemIdentifier: '' }] })).toEqual([]);
  });
});
