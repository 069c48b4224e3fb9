import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSqs, startLocalSqs } from '../../local/aws/sqs-server';
import { startSqsFaultProxy } from '../support/faults/sqs-fault-proxy';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'us-east-1';

describe('the SQS fault proxy', () => {
  let sqs: LocalSqs;
  beforeAll(async () => {
    sqs = await startLocalSqs({
      queues: ['q1.fifo', 'q2.fifo'].map((name) => ({ name, attributes: { FifoQueue: 'true' } })),
    });
  });
  afterAll(async () => {
    await sqs.close();
  });

  const send = (client: SQSClient, endpoint: string, queue: string, dedupe: string) =>
    client.send(
      new SendMessageCommand({
        QueueUrl: `${endpoint}/123456789012/${queue}`,
        MessageBody: dedupe,
        MessageGroupId: 'g',
        MessageDeduplicationId: dedupe,
      }),
    );
  const receiveAll = async (direct: SQSClient, queue: string) => {
    const got = await direct.send(
      new ReceiveMessageCommand({ QueueUrl: sqs.queueUrl(queue), MaxNumberOfMessages: 10 }),
    );
    return (got.Messages ?? []).map((m) => m.Body);
  };

  it('fails before forwarding (nothing enqueued) or after (enqueued, answer lost), as told', async () => {
    // Prepare
    const direct = new SQSClient({ endpoint: sqs.endpoint, region, credentials });
    const before = await startSqsFaultProxy({
      target: sqs.endpoint,
      operations: ['SendMessage'],
      rate: 1,
      modes: ['before'],
    });
    const after = await startSqsFaultProxy({
      target: sqs.endpoint,
      operations: ['SendMessage'],
      rate: 1,
      modes: ['after'],
    });
    const options = { region, credentials, maxAttempts: 1 };
    try {
      // Act / Assess
      await expect(
        send(new SQSClient({ ...options, endpoint: before.endpoint }), before.endpoint, 'q1.fifo', 'b1'),
      ).rejects.toThrow();
      await expect(
        send(new SQSClient({ ...options, endpoint: after.endpoint }), after.endpoint, 'q1.fifo', 'a1'),
      ).rejects.toThrow();
      expect(await receiveAll(direct, 'q1.fifo')).toEqual(['a1']);
      expect(before.counts).toEqual({ calls: 1, before: 1, after: 0 });
      expect(after.counts).toEqual({ calls: 1, before: 0, after: 1 });
    } finally {
      await Promise.all([before.close(), after.close()]);
    }
  });

  it('remembers deduplication ids after the message was deleted, as SQS does for 5 minutes', async () => {
    // Prepare
    const proxy = await startSqsFaultProxy({
      target: sqs.endpoint,
      operations: ['SendMessage'],
      rate: 0,
      dedupeAfterDelete: true,
    });
    const client = new SQSClient({ region, credentials, endpoint: proxy.endpoint });
    const direct = new SQSClient({ endpoint: sqs.endpoint, region, credentials });
    try {
      // Act
      const first = await send(client, proxy.endpoint, 'q2.fifo', 'd1');
      const received = await direct.send(new ReceiveMessageCommand({ QueueUrl: sqs.queueUrl('q2.fifo') }));
      for (const m of received.Messages ?? []) {
        await direct.send(
          new DeleteMessageCommand({ QueueUrl: sqs.queueUrl('q2.fifo'), ReceiptHandle: m.ReceiptHandle! }),
        );
      }
      const again = await send(client, proxy.endpoint, 'q2.fifo', 'd1');

      // Assess
      expect(again.MessageId).toBe(first.MessageId);
      expect(await receiveAll(direct, 'q2.fifo')).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});
