import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_OUTPUT_PREFIX, FIREHOSE_PREFIX } from '../../functions/archive/archive-layout';
import { type ArchiveInput, archiveFromEnvironment } from '../../functions/archive/archive-step';
import { identityHash } from '../../functions/archive/erase';
import { stableId, toCloudEvent } from '../../functions/events/cloud-event';
import { type LocalFirehose, startLocalFirehose } from '../../local/aws/firehose-server';
import { type LocalS3, startLocalS3 } from '../../local/aws/s3-server';
import { writeLocalBridgeState } from '../../local/state';
import { cleanEnv, sinchBridge } from '../support/cli-process';
import { type CliQueues, startCliQueues } from '../support/cli-queues';
import { drainQueue } from '../support/sqs-drain';

const APP = '01HQ8Z0ZB6W1S4VJ4NPXAQ4E5T';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

function inbound(identity: string, n: number): ArchiveInput {
  const event = toCloudEvent({
    id: stableId('cli', identity, String(n)),
    source: `sinch:conversation:eu:p-cli:${APP}`,
    type: n % 2 ? 'sinch.conversation.message_delivery' : 'sinch.conversation.message_inbound',
    time: new Date().toISOString(),
    subject: `WHATSAPP:${identity}`,
    dataschema: 'urn:sinch-conversation-bridge:schemas:conversation-event:v1',
    data: { appId: APP, channel: 'WHATSAPP', identity, messageId: `m${n}` },
  });
  return {
    event,
    groupId: `${APP}:WHATSAPP:${identity}`,
    deduplicationId: event.id,
    sequenceNumber: String(10_000_000_000_000_000_000n + BigInt(n)),
    attributes: { type: { DataType: 'String', StringValue: event.type } },
  };
}

describe('sinch-bridge replay and erase (the real CLI process)', () => {
  let queues: CliQueues;
  let s3: LocalS3;
  let firehose: LocalFirehose;
  let localEnv: NodeJS.ProcessEnv;
  const events = [
    ...Array.from({ length: 6 }, (_, n) => inbound('46700000001', n)),
    inbound('46700000002', 6),
  ];

  beforeAll(async () => {
    queues = await startCliQueues();
    s3 = await startLocalS3({ buckets: ['archive', 'media'] });
    firehose = await startLocalFirehose({
      s3Endpoint: s3.endpoint,
      streams: [
        {
          name: 'archive',
          bucket: 'archive',
          prefix: FIREHOSE_PREFIX,
          errorOutputPrefix: ERROR_OUTPUT_PREFIX,
          partitionKeys: { appId: 'appId' },
        },
      ],
    });
    const firehoseClient = new FirehoseClient({
      endpoint: firehose.endpoint,
      region: 'us-east-1',
      credentials,
    });
    await archiveFromEnvironment({ ARCHIVE_STREAM_NAME: 'archive' }, { firehose: firehoseClient })!(events);
    await firehose.flush();
    const dir = mkdtempSync(join(tmpdir(), 'cli-archive-'));
    writeLocalBridgeState(
      {
        pid: process.pid,
        webhookBaseUrl: 'http://127.0.0.1:9',
        sinchRegion: 'eu',
        projectId: 'p-cli',
        awsRegion: 'us-east-1',
        endpoints: {
          sqs: queues.sqs.endpoint,
          dynamodb: 'http://127.0.0.1:9',
          secretsManager: 'http://127.0.0.1:9',
          s3: s3.endpoint,
        },
        buckets: { archive: 'archive', media: 'media' },
        queueUrls: queues.urls,
        secrets: {},
      },
      join(dir, 'local.json'),
    );
    localEnv = cleanEnv({ SINCH_BRIDGE_DIR: dir });
  });
  afterAll(async () => {
    await firehose.close();
    await Promise.all([s3.close(), queues.close()]);
  });

  it('replays a window of the local archive onto the events queue, in order, marked, with a summary', async () => {
    const run = await sinchBridge(['replay', '--since', '1h', '--json'], localEnv);
    expect(run.stderr).toMatch(/read 1\/1 objects/);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({
      events: 7,
      published: 7,
      failed: [],
      duplicatesDropped: 0,
      dryRun: false,
    });
    expect(summary.replayId).toMatch(/^rp-\d{8}T\d{6}Z-[0-9a-f]{8}$/);
    const received = await drainQueue(queues.client, queues.urls.events);
    const bodies = received.map((m) => JSON.parse(m.Body!));
    expect(bodies.filter((b) => b.subject === 'WHATSAPP:46700000001').map((b) => b.data.messageId)).toEqual([
      'm0',
      'm1',
      'm2',
      'm3',
      'm4',
      'm5',
    ]);
    expect(bodies.every((b) => b.bridgereplay === summary.replayId)).toBe(true);
  });

  it('filters by type, and a dry run publishes nothing', async () => {
    const run = await sinchBridge(
      ['replay', '--since', '1h', '--type', 'sinch.conversation.message_delivery', '--dry-run'],
      localEnv,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/dry run/);
    expect(run.stdout).toMatch(/3 {2}sinch\.conversation\.message_delivery/);
    expect(await drainQueue(queues.client, queues.urls.events)).toEqual([]);
  });

  it('refuses a window it cannot read', async () => {
    const run = await sinchBridge(['replay', '--since', 'yesterday-ish'], localEnv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/not a time/);
  });

  it('erases one person from media and archive, in AWS mode too, and reports it', async () => {
    const client = new S3Client({
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials,
    });
    const person = { channel: 'WHATSAPP', identity: '46700000002' };
    await client.send(
      new PutObjectCommand({
        Bucket: 'media',
        Key: `${APP}/${identityHash(person)}/e6/photo.jpg`,
        Body: 'x',
      }),
    );
    const awsEnv = {
      ...queues.awsEnv,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      ARCHIVE_BUCKET: 'archive',
      MEDIA_BUCKET: 'media',
    };
    const dry = await sinchBridge(
      ['erase', '--identity', 'WHATSAPP:46700000002', '--dry-run', '--json'],
      awsEnv,
    );
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, media: { objectsDeleted: 1 } });
    const run = await sinchBridge(['erase', '--identity', 'WHATSAPP:46700000002', '--json'], awsEnv);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      identity: 'WHATSAPP:46700000002',
      apps: [APP],
      media: { objectsDeleted: 1, keys: [`${APP}/${identityHash(person)}/e6/photo.jpg`] },
      archive: { eventsRemoved: 1, objectsRewritten: 1, eventIds: [events[6]!.event.id] },
    });
    expect(s3.objects('media')).toEqual([]);
    const replay = await sinchBridge(['replay', '--since', '1h', '--dry-run', '--json'], localEnv);
    expect(JSON.parse(replay.stdout).events).toBe(6);
    const bad = await sinchBridge(['erase', '--identity', '46700000002'], localEnv);
    expect(bad.code).toBe(2);
    client.destroy();
  });
});
