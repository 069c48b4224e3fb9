/**
 * The local SQS long-polls as SQS does: "Amazon SQS sends a response after it collects at least
 * one available message, up to the maximum number of messages specified in the request". A
 * receive asking for ten does not wait for ten, nor for the end of its wait, once one is there.
 */
import {
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSqs, startLocalSqs } from '../../local/aws/sqs-server';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
// Far longer than any answer here may take: a receive that waits for it fails the test's timeout.
const WAIT_SECONDS = 20;

describe('local SQS long polling', () => {
  let sqs: LocalSqs;
  let client: SQSClient;
  let standard: string;
  let fifo: string;

  beforeAll(async () => {
    sqs = await startLocalSqs({
      queues: [{ name: 'trickle' }, { name: 'trickle.fifo', attributes: { FifoQueue: 'true' } }],
    });
    client = new SQSClient({ endpoint: sqs.endpoint, region: 'us-east-1', credentials });
    standard = sqs.queueUrl('trickle');
    fifo = sqs.queueUrl('trickle.fifo');
  });
  afterAll(async () => {
    client.destroy();
    await sqs?.close();
  });

  const receive = (QueueUrl: string) =>
    client.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: WAIT_SECONDS }),
    );

  it('answers with the one message there is instead of waiting to fill the batch', {
    timeout: 10_000,
  }, async () => {
    await client.send(new SendMessageCommand({ QueueUrl: standard, MessageBody: 'only one' }));
    const { Messages = [] } = await receive(standard);
    expect(Messages.map((m) => m.Body)).toEqual(['only one']);
  });

  it('answers a waiting receive as soon as a message arrives', { timeout: 10_000 }, async () => {
    const waiting = receive(fifo);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await client.send(
      new SendMessageCommand({
        QueueUrl: fifo,
        MessageBody: 'late',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'late-1',
      }),
    );
    const { Messages = [] } = await waiting;
    expect(Messages.map((m) => m.Body)).toEqual(['late']);
  });

  it('still answers up to the maximum when more are there, in order per group', {
    timeout: 10_000,
  }, async () => {
    await client.send(
      new SendMessageBatchCommand({
        QueueUrl: fifo,
        Entries: Array.from({ length: 10 }, (_, i) => ({
          Id: String(i),
          MessageBody: `m${i}`,
          MessageGroupId: `group-${i % 3}`,
          MessageDeduplicationId: `full-${i}`,
        })),
      }),
    );
    await client.send(
      new SendMessageCommand({
        QueueUrl: fifo,
        MessageBody: 'm10',
        MessageGroupId: 'group-1',
        MessageDeduplicationId: 'full-10',
      }),
    );
    const { Messages = [] } = await receive(fifo);
    expect(Messages).toHaveLength(10);
    for (const group of ['group-0', 'group-1', 'group-2']) {
      const bodies = Messages.filter((m) => m.Body && Number(m.Body.slice(1)) % 3 === Number(group.at(-1)));
      const numbers = bodies.map((m) => Number(m.Body!.slice(1)));
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    }
  });
});
