import { createHash, randomBytes } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CloudEvent } from '../../functions/events/cloud-event';
import { MediaFailedDataSchema, MediaStoredDataSchema } from '../../functions/events/media-events';
import {
  type MediaJob,
  mediaEventPrefix,
  mediaIndexKey,
  mediaJobOf,
  mediaObjectKey,
  mediaOutcomeKey,
} from '../../functions/media/media-job';
import { createMediaWorker, type MediaWorkerOptions } from '../../functions/media/media-worker';
import { normalizeCallback } from '../../functions/webhook/normalize-callback';
import { type LocalS3, startLocalS3 } from '../../local/aws/s3-server';
import { type LocalSqs, startLocalSqs } from '../../local/aws/sqs-server';
import { callbacks, TEST_APP_ID } from '../support/callbacks';
import { drainQueue } from '../support/sqs-drain';
import { type MediaSource, startMediaSource } from './media-source';

const MiB = 1024 * 1024;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The job the router's media step makes of a real MESSAGE_INBOUND media callback. */
function jobFor(url: string, content: 'media' | 'mediaCard' = 'media', filename = 'photo.jpg'): MediaJob {
  const message =
    content === 'media'
      ? { media_message: { url, filename_override: filename } }
      : { media_card_message: { url, caption: 'card' } };
  const callback = callbacks.messageInbound({
    content: message,
    identity: `4670${randomBytes(4).readUInt32BE()}`,
  });
  const body = JSON.stringify(callback);
  const event = normalizeCallback(callback, {
    region: 'eu',
    projectId: 'proj',
    appId: TEST_APP_ID,
    rawBody: body,
    receivedAt: new Date().toISOString(),
  }) as CloudEvent;
  const job = mediaJobOf(event);
  if (!job) throw new Error('no media job');
  return job;
}

describe('media worker, on loopback S3, SQS and a media source', () => {
  let s3: LocalS3;
  let sqs: LocalSqs;
  let source: MediaSource;
  let s3Client: S3Client;
  let sqsClient: SQSClient;
  let eventsUrl: string;
  let options: MediaWorkerOptions;

  beforeAll(async () => {
    [s3, sqs, source] = await Promise.all([
      startLocalS3({ buckets: ['media'] }),
      startLocalSqs({ queues: [{ name: 'events.fifo', attributes: { FifoQueue: 'true' } }] }),
      startMediaSource(),
    ]);
    s3Client = new S3Client({
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials,
    });
    sqsClient = new SQSClient({ endpoint: sqs.endpoint, region: 'us-east-1', credentials });
    eventsUrl = sqs.queueUrl('events.fifo');
  });
  afterAll(async () => {
    s3Client.destroy();
    sqsClient.destroy();
    await Promise.all([s3.close(), sqs.close(), source.close()]);
  });
  beforeEach(async () => {
    s3.setFault(undefined);
    await drainQueue(sqsClient, eventsUrl);
    options = {
      s3: s3Client,
      bucket: 'media',
      sqs: sqsClient,
      publishQueueUrl: eventsUrl,
      maxBytes: 12 * MiB,
      timeoutMs: 10_000,
      maxAttempts: 3,
      retry: { baseSeconds: 0, capSeconds: 0 },
      allowLoopback: true,
      tryBackoff: { baseMs: 1, capMs: 5 },
    };
  });

  const stored = (key: string) => s3.objects('media').find(([k]) => k === key)?.[1];

  it('stores the file with its hash and publishes media.stored in the message group', async () => {
    // Prepare
    const body = randomBytes(200_000);
    source.route('/in/photo.jpg', { kind: 'file', body, contentType: 'image/jpeg' });
    const job = jobFor(`${source.url}/in/photo.jpg`);
    // Act
    const outcome = await createMediaWorker(options).process(job, 1);
    // Assess
    expect(outcome.kind).toBe('stored');
    const key = mediaObjectKey(job);
    expect(key).toBe(
      `${TEST_APP_ID}/${sha256(Buffer.from(`WHATSAPP:${job.identity}`))}/${job.eventId}/photo.jpg`,
    );
    expect(stored(key)?.body.equals(body)).toBe(true);
    expect(stored(key)?.contentType).toBe('image/jpeg');
    const [message, ...more] = await drainQueue(sqsClient, eventsUrl);
    expect(more).toEqual([]);
    const event = JSON.parse(message!.Body!);
    expect(event.type).toBe('sinch.bridge.media.stored');
    expect(event.subject).toBe(`WHATSAPP:${job.identity}`);
    expect(MediaStoredDataSchema.parse(event.data)).toEqual({
      eventId: job.eventId,
      messageId: job.messageId,
      appId: TEST_APP_ID,
      sourceUrl: job.url,
      location: `s3://media/${key}`,
      contentType: 'image/jpeg',
      size: body.length,
      sha256: sha256(body),
    });
    expect(message!.Attributes?.MessageGroupId).toBe(`${TEST_APP_ID}:WHATSAPP:${job.identity}`);
    expect(message!.Attributes?.MessageDeduplicationId).toBe(event.id);
    expect(message!.MessageAttributes?.type?.StringValue).toBe('sinch.bridge.media.stored');
    // The event index finds the file from the message event's id alone.
    expect(mediaIndexKey(job.eventId)).toBe(`by-event/${job.eventId}.json`);
    expect(JSON.parse(stored(`by-event/${job.eventId}.json`)!.body.toString())).toEqual({
      eventId: job.eventId,
      appId: TEST_APP_ID,
      prefix: mediaEventPrefix(job),
      key,
    });
  });

  it('indexes refused jobs too, so the outcome is found from the event id', async () => {
    const job = jobFor('http://169.254.169.254/latest/meta-data/');
    expect(await createMediaWorker(options).process(job, 1)).toMatchObject({ kind: 'failed' });
    expect(stored(`by-event/${job.eventId}.json`)).toBeDefined();
    expect(JSON.parse(stored(mediaOutcomeKey(job))!.body.toString())).toMatchObject({
      type: 'sinch.bridge.media.failed',
      data: { reason: 'address_not_allowed' },
    });
    expect(mediaIndexKey('../x')).toBeUndefined();
  });

  it('streams files larger than one part through a multipart upload', async () => {
    const body = randomBytes(10 * MiB + 17);
    source.route('/in/video.mp4', { kind: 'file', body, contentType: 'video/mp4', chunked: true });
    const job = jobFor(`${source.url}/in/video.mp4`, 'media', 'video.mp4');
    const outcome = await createMediaWorker(options).process(job, 1);
    expect(outcome).toMatchObject({
      kind: 'stored',
      event: { data: { size: body.length, sha256: sha256(body) } },
    });
    expect(stored(mediaObjectKey(job))?.etag).toMatch(/-2"$/);
  });

  it('a redelivered job neither fetches, stores nor publishes again', async () => {
    source.route('/in/once.png', { kind: 'file', body: randomBytes(1000), contentType: 'image/png' });
    const job = jobFor(`${source.url}/in/once.png`, 'mediaCard');
    const worker = createMediaWorker(options);
    await worker.process(job, 1);
    // Act: the same job again (a retried router batch, or a lost delete)
    const again = await worker.process(job, 2);
    // Assess
    expect(again).toEqual({ kind: 'duplicate' });
    expect(source.hits('/in/once.png')).toBe(1);
    expect(await drainQueue(sqsClient, eventsUrl)).toHaveLength(1);
  });

  it('after a crash between store and publish, republishes from the stored copy without fetching', async () => {
    // Prepare: the object is there, the outcome record is not (the earlier try died before publishing).
    const body = randomBytes(5000);
    source.route('/in/crash.jpg', { kind: 'file', body, contentType: 'image/jpeg' });
    const job = jobFor(`${source.url}/in/crash.jpg`);
    await createMediaWorker({ ...options, publishQueueUrl: `${sqs.endpoint}/123456789012/missing.fifo` })
      .process(job, 1)
      .catch(() => {});
    expect(stored(mediaObjectKey(job))).toBeDefined();
    expect(stored(mediaOutcomeKey(job))).toBeUndefined();
    // Act
    const outcome = await createMediaWorker(options).process(job, 2);
    // Assess
    expect(outcome).toMatchObject({
      kind: 'stored',
      reused: true,
      event: { data: { sha256: sha256(body) } },
    });
    expect(source.hits('/in/crash.jpg')).toBe(1);
    expect(stored(mediaOutcomeKey(job))).toBeDefined();
  });

  it('refuses private and metadata addresses: media.failed, nothing fetched or stored', async () => {
    for (const url of [
      'http://10.0.0.1/a.jpg',
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00:ec2::254]/',
    ]) {
      const job = jobFor(url);
      const outcome = await createMediaWorker(options).process(job, 1);
      expect(outcome).toMatchObject({
        kind: 'failed',
        event: { data: { reason: 'address_not_allowed', sourceUrl: url } },
      });
      expect(s3.objects('media').some(([k]) => k.startsWith(mediaObjectKey(job)))).toBe(false);
    }
    const events = (await drainQueue(sqsClient, eventsUrl)).map((m) => JSON.parse(m.Body!));
    expect(events.map((e) => e.type)).toEqual(Array(3).fill('sinch.bridge.media.failed'));
    for (const e of events) MediaFailedDataSchema.parse(e.data);
  });

  it('with loopback not allowed (AWS), refuses http and loopback sources', async () => {
    source.route('/in/local.jpg', { kind: 'file', body: randomBytes(10) });
    const worker = createMediaWorker({ ...options, allowLoopback: false });
    expect(await worker.process(jobFor(`${source.url}/in/local.jpg`), 1)).toMatchObject({
      kind: 'failed',
      event: { data: { reason: 'scheme_not_allowed' } },
    });
    expect(await worker.process(jobFor(`https://127.0.0.1:${source.port}/in/local.jpg`), 1)).toMatchObject({
      kind: 'failed',
      event: { data: { reason: 'address_not_allowed' } },
    });
    expect(source.hits('/in/local.jpg')).toBe(0);
  });

  it('refuses oversized files, declared or streamed, and stores nothing', async () => {
    const small = { ...options, maxBytes: 64 * 1024 };
    source.route('/in/declared.bin', { kind: 'file', body: randomBytes(64 * 1024 + 1) });
    source.route('/in/streamed.bin', { kind: 'file', body: randomBytes(200 * 1024), chunked: true });
    for (const path of ['/in/declared.bin', '/in/streamed.bin']) {
      const job = jobFor(`${source.url}${path}`);
      expect(await createMediaWorker(small).process(job, 1)).toMatchObject({
        kind: 'failed',
        event: { data: { reason: 'too_large' } },
      });
      expect(stored(mediaObjectKey(job))).toBeUndefined();
    }
  });

  it('retries a 5xx source within the call, then on later receives, then gives up as failed', async () => {
    source.route('/in/flaky.jpg', { kind: 'status', status: 503 }, { kind: 'file', body: Buffer.from('ok') });
    expect(await createMediaWorker(options).process(jobFor(`${source.url}/in/flaky.jpg`), 1)).toMatchObject({
      kind: 'stored',
    });
    expect(source.hits('/in/flaky.jpg')).toBe(2);

    source.route('/in/down.jpg', { kind: 'status', status: 502 });
    const job = jobFor(`${source.url}/in/down.jpg`);
    const worker = createMediaWorker(options);
    expect(await worker.process(job, 1)).toMatchObject({ kind: 'retry', reason: 'http_502' });
    expect(await worker.process(job, 2)).toMatchObject({ kind: 'retry', reason: 'http_502' });
    expect(await worker.process(job, 3)).toMatchObject({
      kind: 'failed',
      event: { data: { reason: 'http_502' } },
    });
    expect(source.hits('/in/down.jpg')).toBe(9);
  });

  it('a 404 source fails at once', async () => {
    const job = jobFor(`${source.url}/in/none.jpg`);
    expect(await createMediaWorker(options).process(job, 1)).toMatchObject({
      kind: 'failed',
      event: { data: { reason: 'http_404' } },
    });
  });

  it('retries while S3 fails and stores once it answers; gives up as storage_failed on the last receive', async () => {
    const body = randomBytes(3000);
    source.route('/in/s3.jpg', { kind: 'file', body, contentType: 'image/jpeg' });
    const job = jobFor(`${source.url}/in/s3.jpg`);
    const worker = createMediaWorker(options);
    s3.setFault((request) =>
      request.operation === 'PutObject' ? { status: 503, code: 'SlowDown' } : undefined,
    );
    expect(await worker.process(job, 1)).toMatchObject({ kind: 'retry', reason: 'storage_failed' });
    s3.setFault(undefined);
    expect(await worker.process(job, 2)).toMatchObject({
      kind: 'stored',
      event: { data: { sha256: sha256(body) } },
    });

    const doomed = jobFor(`${source.url}/in/s3.jpg`);
    s3.setFault(() => ({ status: 500, code: 'InternalError' }));
    expect(await worker.process(doomed, 3)).toMatchObject({
      kind: 'failed',
      event: { data: { reason: 'storage_failed' } },
    });
  });
});
