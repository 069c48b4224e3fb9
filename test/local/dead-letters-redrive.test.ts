/**
 * A redrive of one dead letter while another look (the console's refresh, `dlq inspect`) holds
 * it: it waits for the look to let go instead of answering that nothing was there.
 */
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSqs, startLocalSqs } from '../../local/aws/sqs-server';
import { redriveDeadLetters } from '../../local/console/dead-letters';
import { receiveAndHold, releaseMessages } from '../../local/queue-look';

describe('redrive of a dead letter another look holds', () => {
  let sqs: LocalSqs;
  let client: SQSClient;

  beforeAll(async () => {
    sqs = await startLocalSqs({
      queues: [
        { name: 'source.fifo', attributes: { FifoQueue: 'true' } },
        { name: 'dlq.fifo', attributes: { FifoQueue: 'true' } },
      ],
    });
    client = new SQSClient({
      endpoint: sqs.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });
  afterAll(async () => {
    client.destroy();
    await sqs.close();
  });

  it('moves it once the other look releases it', async () => {
    const dlqUrl = sqs.queueUrl('dlq.fifo');
    const { MessageId } = await client.send(
      new SendMessageCommand({
        QueueUrl: dlqUrl,
        MessageBody: '{"id":"held-1"}',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'held-1',
      }),
    );
    const held = await receiveAndHold(client, dlqUrl, { max: 10, holdSeconds: 30 });
    expect(held.map((m) => m.MessageId)).toEqual([MessageId]);
    // The other look lets go after a second, long before its 30 s hold would end.
    const released = new Promise<void>((resolve) =>
      setTimeout(() => releaseMessages(client, dlqUrl, held).then(resolve), 1_000),
    );

    const result = await redriveDeadLetters(client, {
      dlqUrl,
      sourceUrl: sqs.queueUrl('source.fifo'),
      messageId: MessageId,
    });
    await released;

    expect(result).toEqual({ moved: [MessageId], failed: [] });
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: sqs.queueUrl('source.fifo'), MaxNumberOfMessages: 10 }),
    );
    expect(Messages.map((m) => m.Body)).toEqual(['{"id":"held-1"}']);
  });
});
