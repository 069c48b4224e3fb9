import { createHash } from 'node:crypto';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSinchCallback } from '../../functions/sinch/signature';
import { type LocalBridge, startLocalBridge } from '../../local/bridge';
import type { FeedEntry } from '../../local/console/event-feed';
import { MEDIA_SAMPLES, MEDIA_SAMPLES_PATH, mediaSampleSha256 } from '../../local/media-samples';
import { callbacks, sinchId } from '../support/callbacks';

/**
 * Media in local mode: an inbound media callback posted to the local bridge's webhook goes through
 * the real webhook, router (media step), media queue and media function, and the events queue gets
 * the message event followed by `media.stored` (or `media.failed`), in the message's group.
 */
describe('the local bridge copies inbound media', () => {
  let bridge: LocalBridge;
  let appId: string;
  let secret: string;
  let s3: S3Client;

  beforeAll(async () => {
    bridge = await startLocalBridge({
      port: 0,
      logLevel: 'SILENT',
      media: { timeoutMs: 10_000, maxAttempts: 2, retryBaseSeconds: 0, retryMaxSeconds: 1 },
    });
    [appId] = Object.keys(bridge.secrets) as [string];
    secret = bridge.secrets[appId] as string;
    s3 = new S3Client({
      endpoint: bridge.endpoints.s3,
      forcePathStyle: true,
      region: bridge.environment.AWS_REGION!,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });
  afterAll(async () => {
    s3?.destroy();
    await bridge?.stop();
  });

  /** Posts a signed inbound media callback; returns the Sinch message id. */
  async function postMedia(url: string, identity: string, filename?: string): Promise<string> {
    const messageId = sinchId();
    const body = JSON.stringify(
      callbacks.messageInbound({
        appId,
        projectId: bridge.projectId,
        identity,
        messageId,
        content: { media_message: { url, ...(filename ? { filename_override: filename } : {}) } },
      }),
    );
    const answer = await fetch(bridge.webhookUrl(appId), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signSinchCallback({ secret, body }) },
      body,
    });
    expect(answer.status).toBe(200);
    return messageId;
  }

  /** Events-queue entries of one group until a media outcome arrives (or a generous ceiling). */
  async function groupUntilMediaOutcome(groupId: string): Promise<FeedEntry[]> {
    const deadline = Date.now() + 45_000;
    let after = 0;
    const seen: FeedEntry[] = [];
    while (Date.now() < deadline) {
      const { events, next } = await bridge.eventFeed.wait(after, ['events'], 1000);
      after = next;
      seen.push(...events.filter((e) => e.groupId === groupId));
      if (seen.some((e) => e.attributes.type?.startsWith('sinch.bridge.media.'))) return seen;
    }
    return seen;
  }

  it('stores a sample file served on loopback and publishes media.stored after the message, in its group', async () => {
    // Prepare
    const identity = '46700000101';
    const url = `${bridge.baseUrl}${MEDIA_SAMPLES_PATH}photo.png`;

    // Act
    const messageId = await postMedia(url, identity, 'holiday photo.png');
    const group = await groupUntilMediaOutcome(`${appId}:WHATSAPP:${identity}`);

    // Assess
    const types = group.map((e) => e.attributes.type);
    expect(types).toEqual(['sinch.conversation.message_inbound', 'sinch.bridge.media.stored']);
    const message = JSON.parse(group[0]!.body) as { id: string };
    const stored = JSON.parse(group[1]!.body) as {
      id: string;
      data: Record<string, unknown> & { location: string };
    };
    expect(group[1]!.deduplicationId).toBe(stored.id);
    const identityHash = createHash('sha256').update(`WHATSAPP:${identity}`).digest('hex');
    const key = `${appId}/${identityHash}/${message.id}/holiday_photo.png`;
    expect(stored.data).toEqual({
      eventId: message.id,
      messageId,
      appId,
      sourceUrl: url,
      location: `s3://${bridge.buckets.media}/${key}`,
      contentType: 'image/png',
      size: MEDIA_SAMPLES['photo.png']!.body.length,
      sha256: mediaSampleSha256('photo.png'),
    });
    const object = await s3.send(new GetObjectCommand({ Bucket: bridge.buckets.media, Key: key }));
    const bytes = Buffer.from(await object.Body!.transformToByteArray());
    expect(bytes.equals(MEDIA_SAMPLES['photo.png']!.body)).toBe(true);
  });

  it('publishes media.failed with the source status when the file is not there', async () => {
    // Prepare
    const identity = '46700000102';
    const url = `${bridge.baseUrl}${MEDIA_SAMPLES_PATH}no-such-file.jpg`;

    // Act
    await postMedia(url, identity);
    const group = await groupUntilMediaOutcome(`${appId}:WHATSAPP:${identity}`);

    // Assess
    expect(group.map((e) => e.attributes.type)).toEqual([
      'sinch.conversation.message_inbound',
      'sinch.bridge.media.failed',
    ]);
    const failed = JSON.parse(group[1]!.body) as { data: { reason: string; sourceUrl: string } };
    expect(failed.data).toMatchObject({ reason: 'http_404', sourceUrl: url });
  });

  it('runs the media function with loopback allowed and the stack-shaped media queue', () => {
    expect(bridge.environment).toMatchObject({
      MEDIA_QUEUE_URL: bridge.queueUrls.media,
      MEDIA_BUCKET: bridge.buckets.media,
      MEDIA_ALLOW_LOOPBACK: 'true',
    });
    expect(bridge.queueUrls.media).toMatch(/-media\.fifo$/);
    expect(bridge.queueUrls.mediaDlq).toMatch(/-media-dlq\.fifo$/);
  });
});
