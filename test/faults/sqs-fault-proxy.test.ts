import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
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
});
