import { createHash, randomBytes } from 'node:crypto';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudEvent } from '../../functions/events/cloud-event';
import { createMediaStep } from '../../functions/media/media-step';
import { normalizeCallback } from '../../functions/webhook/normalize-callback';
import { type LocalS3, startLocalS3 } from '../../local/aws/s3-server';
import { type LocalSqs, startLocalSqs } from '../../local/aws/sqs-server';
import { queueArnOf, toSqsEvent } from '../../local/event-source-mapping';
import { createLambdaContext } from '../../local/lambda-context';
import { callbacks, contactMessages, TEST_APP_ID } from '../support/callbacks';
import { drainQueue } from '../support/sqs-drain';
import { type MediaSource, startMediaSource } from './media-source';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const fifo = { FifoQueue: 'true' };

function inboundEvent(content: Record<string, unknown>): CloudEvent {
  const callback = callbacks.messageInbound({ content });
  return normalizeCallback(callback, {
    region: 'eu',
    projectId: 'proj',
    appId: TEST_APP_ID,
    rawBody: JSON.stringify(callback),
    receivedAt: new Date().toISOString(),
  }) as CloudEvent;
}

describe('media step and media handler, through the media queue', () => {
  let s3: LocalS3;
  let sqs: LocalSqs;
  let source: MediaSource;
  let client: SQSClient;
  let handler: (
    event: SQSEvent,
    context: ReturnType<typeof createLambdaContext>,
  ) => Promise<SQSBatchResponse>;

  beforeAll(async () => {
    [s3, sqs, source] = await Promise.all([
      startLocalS3({ buckets: ['media'] }),
      startLocalSqs({
        queues: [
          { name: 'media.fifo', attributes: fifo },
          { name: 'router.fifo', attributes: fifo },
          { name: 'events.fifo', attributes: fifo },
        ],
      }),
      startMediaSource(),
    ]);
    client = new SQSClient({ endpoint: sqs.endpoint, region: 'us-east-1', credentials });
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      MEDIA_BUCKET: 'media',
      EVENTS_QUEUE_URL: sqs.queueUrl('events.fifo'),
      ROUTER_QUEUE_URL: sqs.queueUrl('router.fifo'),
      MEDIA_ALLOW_LOOPBACK: 'true',
      MEDIA_TIMEOUT_MS: '10000',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    });
    ({ handler } = await import('../../functions/media/handler'));
  });
  afterAll(async () => {
    client.destroy();
    await Promise.all([s3.close(), sqs.close(), source.close()]);
  });

  it('enqueues one job per media message, in its group, and the handler publishes media.stored to the router queue', async () => {
    // Prepare
    const body = randomBytes(4096);
    source.route('/photo.jpg', { kind: 'file', body, contentType: 'image/jpeg' });
    const media = inboundEvent({ media_message: { url: `${source.url}/photo.jpg` } });
    const text = inboundEvent(contactMessages.text());
    const step = createMediaStep({ sqs: client, mediaQueueUrl: sqs.queueUrl('media.fifo') });
    const routed = [media, text].map((event) => ({ event, groupId: `${TEST_APP_ID}:WHATSAPP:46700000001` }));

    // Act: the step twice (a retried router batch), then the media function on what it enqueued.
    expect(await step.run(routed)).toEqual([{ ok: true }, { ok: true }]);
    await step.run(routed);
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: sqs.queueUrl('media.fifo'),
        MaxNumberOfMessages: 10,
        AttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const event = toSqsEvent(Messages, queueArnOf(sqs.queueUrl('media.fifo'), 'us-east-1'), 'us-east-1');
    const response = await handler(event, createLambdaContext({ functionName: 'media', timeoutMs: 60_000 }));

    // Assess
    expect(Messages).toHaveLength(1);
    expect(Messages[0]!.Attributes?.MessageGroupId).toBe(`${TEST_APP_ID}:WHATSAPP:46700000001`);
    expect(response).toEqual({ batchItemFailures: [] });
    const published = await drainQueue(client, sqs.queueUrl('router.fifo'));
    expect(published).toHaveLength(1);
    const stored = JSON.parse(published[0]!.Body!);
    expect(stored.type).toBe('sinch.bridge.media.stored');
    expect(stored.data.eventId).toBe(media.id);
    expect(stored.data.sha256).toBe(createHash('sha256').update(body).digest('hex'));
    expect(published[0]!.Attributes?.MessageGroupId).toBe(`${TEST_APP_ID}:WHATSAPP:46700000001`);
    expect(await drainQueue(client, sqs.queueUrl('events.fifo'))).toEqual([]);
  });

  it('reports a job that is not valid as a batch item failure (the redrive takes it to the DLQ)', async () => {
    const event = toSqsEvent(
      [{ MessageId: 'm1', ReceiptHandle: 'r1', Body: '{"eventId":1}', Attributes: { MessageGroupId: 'g' } }],
      queueArnOf(sqs.queueUrl('media.fifo'), 'us-east-1'),
      'us-east-1',
    );
    const response = await handler(event, createLambdaContext({ functionName: 'media', timeoutMs: 60_000 }));
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
  });

  it('leaves jobs unstarted when the invocation has less time left than one copy may take', async () => {
    source.route('/late.jpg', { kind: 'file', body: Buffer.from('late') });
    const job = {
      eventId: 'late-event',
      appId: TEST_APP_ID,
      region: 'eu',
      projectId: 'proj',
      groupId: 'g',
      url: `${source.url}/late.jpg`,
      kind: 'media',
    };
    const event = toSqsEvent(
      [
        {
          MessageId: 'm2',
          ReceiptHandle: 'r2',
          Body: JSON.stringify(job),
          Attributes: { MessageGroupId: 'g' },
        },
      ],
      queueArnOf(sqs.queueUrl('media.fifo'), 'us-east-1'),
      'us-east-1',
    );
    const response = await handler(event, createLambdaContext({ functionName: 'media', timeoutMs: 5_000 }));
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }] });
    expect(source.hits('/late.jpg')).toBe(0);
  });
});
