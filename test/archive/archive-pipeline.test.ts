import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  dayPrefix,
  ERROR_OUTPUT_PREFIX,
  FIREHOSE_PREFIX,
  partitionOfKey,
} from '../../functions/archive/archive-layout';
import { readArchiveWindow } from '../../functions/archive/archive-reader';
import { type ArchiveInput, archiveFromEnvironment } from '../../functions/archive/archive-step';
import { eraseIdentity, identityHash } from '../../functions/archive/erase';
import { publishInOrder, replayDeduplicationId, toReplayMessage } from '../../functions/archive/replay';
import { type CloudEvent, stableId, toCloudEvent } from '../../functions/events/cloud-event';
import { type LocalFirehose, startLocalFirehose } from '../../local/aws/firehose-server';
import { type LocalS3, startLocalS3 } from '../../local/aws/s3-server';
import { type LocalSqs, startLocalSqs } from '../../local/aws/sqs-server';
import { drainQueue } from '../support/sqs-drain';

const region = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const APP = '01HQ8Z0ZB6W1S4VJ4NPXAQ4E5T';
const OTHER_APP = '01HQ8Z0ZB6W1S4VJ4NPXAQ4E6V';

/** A conversation event of one person, as the webhook would publish it. */
function inbound(appId: string, identity: string, n: number): ArchiveInput {
  const event = toCloudEvent({
    id: stableId('test', appId, identity, String(n)),
    source: `sinch:conversation:eu:proj:${appId}`,
    type: 'sinch.conversation.message_inbound',
    time: new Date(Date.UTC(2026, 10, 25, 6, 0, n)).toISOString(),
    subject: `WHATSAPP:${identity}`,
    dataschema: 'urn:sinch-conversation-bridge:schemas:conversation-event:v1',
    data: {
      trigger: 'MESSAGE_INBOUND',
      appId,
      channel: 'WHATSAPP',
      identity,
      content: { kind: 'text', text: `m${n}` },
    },
  });
  return {
    event,
    groupId: `${appId}:WHATSAPP:${identity}`,
    deduplicationId: event.id,
    sequenceNumber: String(18_000_000_000_000_000_000n + BigInt(n)),
    attributes: {
      type: { DataType: 'String', StringValue: event.type },
      appId: { DataType: 'String', StringValue: appId },
      channel: { DataType: 'String', StringValue: 'WHATSAPP' },
    },
  };
}

function derivedOf(parent: ArchiveInput): CloudEvent {
  return toCloudEvent({
    id: stableId('derived', parent.event.id),
    source: parent.event.source,
    type: 'sinch.bridge.suppression.added',
    time: parent.event.time,
    dataschema: 'urn:sinch-conversation-bridge:schemas:suppression-event:v1',
    data: {
      appId: (parent.event.data as { appId: string }).appId,
      channel: 'WHATSAPP',
      identity: 'x',
      source: 'keyword',
    },
  });
}

describe('archive: router events -> Firehose -> S3, read back, replayed, erased', () => {
  let s3: LocalS3;
  let firehose: LocalFirehose;
  let sqs: LocalSqs;
  let s3Client: S3Client;
  let sqsClient: SQSClient;
  let firehoseClient: FirehoseClient;

  beforeAll(async () => {
    s3 = await startLocalS3({ buckets: ['archive', 'media'] });
    firehose = await startLocalFirehose({
      s3Endpoint: s3.endpoint,
      streams: [
        {
          name: 'events-archive',
          bucket: 'archive',
          prefix: FIREHOSE_PREFIX,
          errorOutputPrefix: ERROR_OUTPUT_PREFIX,
          partitionKeys: { appId: 'appId' },
          bufferMs: 60_000,
          bufferBytes: 2000,
        },
      ],
    });
    sqs = await startLocalSqs({ queues: [{ name: 'replay.fifo', attributes: { FifoQueue: 'true' } }] });
    s3Client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region, credentials });
    sqsClient = new SQSClient({ endpoint: sqs.endpoint, region, credentials });
    firehoseClient = new FirehoseClient({ endpoint: firehose.endpoint, region, credentials, maxAttempts: 1 });
  });
  afterAll(async () => {
    await firehose.close();
    await Promise.all([s3.close(), sqs.close()]);
  });
  beforeEach(() => {
    firehose.setFault(undefined);
    s3.setFault(undefined);
  });

  const archiveStep = () =>
    archiveFromEnvironment(
      { ARCHIVE_STREAM_NAME: 'events-archive' },
      { firehose: firehoseClient, sleep: async () => {} },
    )!;

  it('is off without ARCHIVE_STREAM_NAME and refuses a wrong setting', () => {
    expect(archiveFromEnvironment({})).toBeUndefined();
    expect(() => archiveFromEnvironment({ ARCHIVE_STREAM_NAME: 's', ARCHIVE_MAX_ATTEMPTS: '0' })).toThrow(
      /ARCHIVE_MAX_ATTEMPTS/,
    );
  });

  it('archives every event and its derived events, partitioned by app and day, despite partial failures', async () => {
    // Prepare: every third record of each call fails once; S3 refuses the first deliveries.
    let calls = 0;
    firehose.setFault(() => (++calls <= 2 ? { failRecord: (i) => i % 3 === 0 } : undefined));
    let s3Failures = 0;
    s3.setFault((r) =>
      r.operation === 'PutObject' && s3Failures++ < 2 ? { status: 500, code: 'InternalError' } : undefined,
    );
    const events = [
      ...Array.from({ length: 20 }, (_, n) => inbound(APP, '46700000001', n)),
      ...Array.from({ length: 10 }, (_, n) => inbound(OTHER_APP, '46700000002', 100 + n)),
    ];
    events[3] = { ...events[3]!, derived: [derivedOf(events[3]!)] };
    const since = new Date(Date.now() - 1000);

    // Act
    const results = await archiveStep()(events);
    await firehose.flush();

    // Assess
    expect(results.every((r) => r.ok)).toBe(true);
    const keys = s3.objects('archive').map(([k]) => k);
    const today = new Date().toISOString().slice(0, 10);
    expect(
      keys.every((k) => k.startsWith(dayPrefix(APP, today)) || k.startsWith(dayPrefix(OTHER_APP, today))),
    ).toBe(true);
    expect(keys.every((k) => /-1-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f-]{36}\.json\.gz$/.test(k))).toBe(
      true,
    );
    expect(partitionOfKey(keys[0]!)).toMatchObject({ day: today });
    const read = await readArchiveWindow(s3Client, 'archive', { since, until: new Date(Date.now() + 1000) });
    expect(read.entries.map((e) => e.record.id).sort()).toEqual(
      [...events.map((e) => e.event.id), derivedOf(events[3]!).id].sort(),
    );
    // Each group in its original order, the derived event right after its parent.
    const mine = read.entries.filter((e) => e.record.appId === APP).map((e) => e.record.id);
    expect(mine).toEqual([
      ...events.slice(0, 4).map((e) => e.event.id),
      derivedOf(events[3]!).id,
      ...events.slice(4, 20).map((e) => e.event.id),
    ]);
  });

  it('fails exactly the events whose records Firehose keeps refusing, so the router retries them', async () => {
    const events = [
      inbound(APP, '46700000003', 1),
      inbound(APP, '46700000003', 2),
      inbound(APP, '46700000003', 3),
    ];
    firehose.setFault(() => ({ failRecord: (_, data) => data.includes(events[1]!.event.id) }));
    const results = await archiveStep()(events);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    firehose.setFault(() => ({ error: { status: 503, code: 'ServiceUnavailableException' } }));
    expect((await archiveStep()(events)).map((r) => r.ok)).toEqual([false, false, false]);
  });

  it('is as strict as Firehose about batch and record sizes', async () => {
    const tooMany = Array.from({ length: 501 }, () => ({ Data: Buffer.from('{}') }));
    await expect(
      firehoseClient.send(
        new PutRecordBatchCommand({ DeliveryStreamName: 'events-archive', Records: tooMany }),
      ),
    ).rejects.toThrow();
    const tooBig = [{ Data: Buffer.alloc(1_024_001, 97) }];
    await expect(
      firehoseClient.send(
        new PutRecordBatchCommand({ DeliveryStreamName: 'events-archive', Records: tooBig }),
      ),
    ).rejects.toThrow();
    await expect(
      firehoseClient.send(
        new PutRecordBatchCommand({ DeliveryStreamName: 'nope', Records: [{ Data: Buffer.from('{}') }] }),
      ),
    ).rejects.toThrow(/not found/);
  });

  it('dedupes copies archived twice (a retried batch) and replays a window in order, marked', async () => {
    const since = new Date(Date.now() - 1);
    const events = Array.from({ length: 12 }, (_, n) => inbound(APP, '46700000009', 200 + n));
    await archiveStep()(events.slice(0, 8));
    await archiveStep()(events.slice(4)); // 4..7 archived twice, as after a publish failure
    await firehose.flush();
    const read = await readArchiveWindow(s3Client, 'archive', {
      since,
      until: new Date(Date.now() + 1000),
      appId: APP,
    });
    expect(read.duplicates).toBe(4);
    expect(read.entries.map((e) => e.record.id)).toEqual(events.map((e) => e.event.id));

    const replayId = 'rp-20261201T000000Z-test';
    const messages = read.entries.map((e) => toReplayMessage(e, replayId));
    const queueUrl = sqs.queueUrl('replay.fifo');
    const outcome = await publishInOrder(sqsClient, queueUrl, messages);
    expect(outcome).toMatchObject({ sent: 12, failed: [], skipped: 0 });
    const received = await drainQueue(sqsClient, queueUrl);
    expect(received.map((m) => JSON.parse(m.Body!).id)).toEqual(events.map((e) => e.event.id));
    for (const m of received) {
      const body = JSON.parse(m.Body!);
      expect(body.bridgereplay).toBe(replayId);
      expect(m.MessageAttributes?.bridgereplay?.StringValue).toBe(replayId);
      expect(m.Attributes?.MessageDeduplicationId).toBe(replayDeduplicationId(replayId, body.id));
      expect(m.Attributes?.MessageDeduplicationId).not.toBe(body.id);
    }
  });

  it('erases one person: their media prefix and their events, nothing else', async () => {
    const person = { channel: 'WHATSAPP', identity: '46700000077' };
    const events = [
      inbound(APP, '46700000077', 300),
      inbound(APP, '46700000078', 301),
      inbound(APP, '46700000077', 302),
    ];
    await archiveStep()(events);
    await firehose.flush();
    const put = async (key: string) =>
      s3Client.send(new PutObjectCommand({ Bucket: 'media', Key: key, Body: 'x' }));
    await put(`${APP}/${identityHash(person)}/${events[0]!.event.id}/photo.jpg`);
    await put(`${APP}/${identityHash(person)}/${events[0]!.event.id}/.outcome.json`);
    await put(`${APP}/${identityHash({ channel: 'WHATSAPP', identity: '46700000078' })}/e/other.jpg`);
    // The media event index: the person's entry goes with their files, the other's stays.
    await put(`by-event/${events[0]!.event.id}.json`);
    await put('by-event/e.json');
    const before = (
      await readArchiveWindow(s3Client, 'archive', { since: new Date(0), until: new Date(Date.now() + 1000) })
    ).entries.length;

    const report = await eraseIdentity({
      s3: s3Client,
      archiveBucket: 'archive',
      mediaBucket: 'media',
      person,
    });

    expect(report.media.objectsDeleted).toBe(3);
    expect(report.media.keys).toContain(`by-event/${events[0]!.event.id}.json`);
    expect(report.archive.eventsRemoved).toBe(2);
    expect(report.archive.eventIds.sort()).toEqual([events[0]!.event.id, events[2]!.event.id].sort());
    expect(report.apps).toEqual([APP]);
    const after = await readArchiveWindow(s3Client, 'archive', {
      since: new Date(0),
      until: new Date(Date.now() + 1000),
    });
    expect(after.entries.length).toBe(before - 2);
    expect(after.entries.some((e) => e.record.subject === 'WHATSAPP:46700000077')).toBe(false);
    expect(after.entries.some((e) => e.record.subject === 'WHATSAPP:46700000078')).toBe(true);
    expect(
      s3
        .objects('media')
        .map(([k]) => k)
        .sort(),
    ).toEqual([
      `${APP}/${identityHash({ channel: 'WHATSAPP', identity: '46700000078' })}/e/other.jpg`,
      'by-event/e.json',
    ]);
    const again = await eraseIdentity({
      s3: s3Client,
      archiveBucket: 'archive',
      mediaBucket: 'media',
      person,
    });
    expect(again.archive.eventsRemoved + again.media.objectsDeleted).toBe(0);
  });
});
