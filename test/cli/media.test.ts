import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSinchCallback } from '../../functions/sinch/signature';
import { startLocalCloudFormation } from '../../local/aws/cloudformation-server';
import type { LocalBridge } from '../../local/bridge';
import { MEDIA_SAMPLES, MEDIA_SAMPLES_PATH, mediaSampleSha256 } from '../../local/media-samples';
import { callbacks, sinchId } from '../support/callbacks';
import { startBridgeForCli } from '../support/cli-local-bridge';
import { cleanEnv, sinchBridge } from '../support/cli-process';

/**
 * `sinch-bridge media get` through the real CLI process, against a local bridge that copied the
 * media itself (webhook, router, media queue, media function), and against "AWS" (the same S3
 * reached through AWS_ENDPOINT_URL_S3 and MEDIA_BUCKET, as a deployed bucket would be).
 */
describe('sinch-bridge media get (the real CLI process)', () => {
  let bridge: LocalBridge;
  let env: NodeJS.ProcessEnv;
  let appId: string;
  const dir = mkdtempSync(join(tmpdir(), 'cli-media-'));
  const photo = MEDIA_SAMPLES['photo.png']!.body;
  let storedEventId: string;
  let failedEventId: string;

  /** Waits (generous ceiling) for the media outcome of a message, by the message's group. */
  async function mediaOutcomeOf(identity: string): Promise<{ messageEventId: string; type: string }> {
    const groupId = `${appId}:WHATSAPP:${identity}`;
    let after = 0;
    let messageEventId: string | undefined;
    for (const deadline = Date.now() + 45_000; Date.now() < deadline; ) {
      const { events, next } = await bridge.eventFeed.wait(after, ['events'], 1000);
      after = next;
      for (const e of events.filter((x) => x.groupId === groupId)) {
        const body = JSON.parse(e.body) as { id: string; type: string; data: { eventId?: string } };
        if (body.type === 'sinch.conversation.message_inbound') messageEventId = body.id;
        if (body.type.startsWith('sinch.bridge.media.')) {
          expect(body.data.eventId).toBe(messageEventId);
          // The outcome record is written right after the publish: wait for it too.
          const outcomeKey = `/${body.data.eventId}/.outcome.json`;
          const recorded = () =>
            bridge.archive.s3.objects(bridge.buckets.media).some(([key]) => key.endsWith(outcomeKey));
          while (!recorded() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
          return { messageEventId: body.data.eventId!, type: body.type };
        }
      }
    }
    throw new Error(`no media outcome for ${groupId}`);
  }

  beforeAll(async () => {
    ({ bridge, env } = await startBridgeForCli({
      media: { timeoutMs: 10_000, maxAttempts: 1, retryBaseSeconds: 0, retryMaxSeconds: 0 },
    }));
    [appId] = Object.keys(bridge.secrets) as [string];
    // The stored one: posted with `simulate --file`, the way docs/local.md shows it.
    const callback = callbacks.messageInbound({
      appId,
      projectId: bridge.projectId,
      mode: 'DISPATCH',
      identity: '46700000201',
      messageId: sinchId(),
      content: { media_message: { url: `${bridge.baseUrl}${MEDIA_SAMPLES_PATH}photo.png` } },
    });
    writeFileSync(join(dir, 'media.json'), JSON.stringify(callback));
    const simulated = await sinchBridge(['simulate', '--file', join(dir, 'media.json')], env);
    expect(simulated.code, simulated.stderr).toBe(0);
    const stored = await mediaOutcomeOf('46700000201');
    expect(stored.type).toBe('sinch.bridge.media.stored');
    storedEventId = stored.messageEventId;
    // The failed one: the source answers 404.
    const missing = JSON.stringify(
      callbacks.messageInbound({
        appId,
        projectId: bridge.projectId,
        identity: '46700000202',
        content: { media_message: { url: `${bridge.baseUrl}${MEDIA_SAMPLES_PATH}gone.jpg` } },
      }),
    );
    const secret = bridge.secrets[appId] as string;
    const answer = await fetch(bridge.webhookUrl(appId), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signSinchCallback({ secret, body: missing }) },
      body: missing,
    });
    expect(answer.status).toBe(200);
    const failed = await mediaOutcomeOf('46700000202');
    expect(failed.type).toBe('sinch.bridge.media.failed');
    failedEventId = failed.messageEventId;
  });
  afterAll(async () => {
    await bridge?.stop();
  });

  it('prints a pre-signed URL that serves the stored file', async () => {
    // Act
    const run = await sinchBridge(['media', 'get', storedEventId], env);

    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^mode: local/);
    expect(run.stderr).toContain(`${photo.length} bytes, image/png`);
    const url = run.stdout.trim();
    expect(url).toContain('X-Amz-Signature=');
    expect(url).toContain(`/${bridge.buckets.media}/${appId}/`);
    const download = await fetch(url);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(photo)).toBe(true);
    // Only the signed URL works.
    expect((await fetch(url.replace(/X-Amz-Signature=[0-9a-f]+/, 'X-Amz-Signature=00'))).status).toBe(403);
  });

  it('saves the file with --out, checked against the SHA-256 media.stored reported', async () => {
    // Prepare
    const file = join(dir, 'photo.png');

    // Act
    const run = await sinchBridge(['media', 'get', storedEventId, '--out', file, '--json'], env);

    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(file).equals(photo)).toBe(true);
    const identityHash = createHash('sha256').update('WHATSAPP:46700000201').digest('hex');
    expect(JSON.parse(run.stdout)).toEqual({
      eventId: storedEventId,
      appId,
      location: `s3://${bridge.buckets.media}/${appId}/${identityHash}/${storedEventId}/photo.png`,
      contentType: 'image/png',
      size: photo.length,
      sha256: mediaSampleSha256('photo.png'),
      file,
      bytes: photo.length,
    });
  });

  it('says why when there is no file: failed copy, unknown event, not an event id, unknown option', async () => {
    const [failed, unknown, dashed, invalid, option] = await Promise.all([
      sinchBridge(['media', 'get', failedEventId], env),
      sinchBridge(['media', 'get', 'NoSuchEvent0000000000000000'], env),
      // A base64url id may start with '-': it is an id, not an option.
      sinchBridge(['media', 'get', '-NoSuchEvent000000000000000000000000000000'], env),
      sinchBridge(['media', 'get', '../../etc/passwd'], env),
      sinchBridge(['media', 'get', storedEventId, '--outt', 'x'], env),
    ]);
    expect(dashed.code, dashed.stderr).toBe(1);
    expect(dashed.stderr).toContain('no media copy for event -NoSuchEvent');
    expect(option.code).toBe(2);
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stderr).toMatch(/media of event \S+ was not stored: http_404/);
    expect(unknown.code, unknown.stderr).toBe(1);
    expect(unknown.stderr).toContain('no media copy for event NoSuchEvent0000000000000000');
    expect(invalid.code, invalid.stderr).toBe(2);
    expect(invalid.stderr).toContain('is not an event id');
  });

  it('works in AWS mode from MEDIA_BUCKET, and asks for a bucket when none is known', async () => {
    // Prepare: the same S3, reached the way a deployed bucket is (no local bridge state).
    const aws = cleanEnv({
      SINCH_BRIDGE_DIR: join(dir, 'no-bridge'),
      AWS_REGION: bridge.environment.AWS_REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_S3: bridge.endpoints.s3,
    });

    // Act
    const [found, noBucket] = await Promise.all([
      sinchBridge(['media', 'get', storedEventId, '--expires', '60'], {
        ...aws,
        MEDIA_BUCKET: bridge.buckets.media,
      }),
      sinchBridge(['media', 'get', storedEventId], aws),
    ]);

    // Assess
    expect(found.code, found.stderr).toBe(0);
    expect(found.stderr).toMatch(/^mode: AWS/);
    expect(found.stdout).toContain('X-Amz-Expires=60');
    expect(Buffer.from(await (await fetch(found.stdout.trim())).arrayBuffer()).equals(photo)).toBe(true);
    expect(noBucket.code).toBe(2);
    expect(noBucket.stderr).toContain(
      'no media bucket: pass --media-bucket, set MEDIA_BUCKET, or use --stack',
    );
  });

  it('finds the bucket from the stack output MediaBucketName with --stack', async () => {
    // Prepare: CloudFormation (the loopback stand-in) names the bucket; nothing else does.
    const region = bridge.environment.AWS_REGION!;
    const cfn = await startLocalCloudFormation({
      region,
      stacks: [
        { name: 'SinchBridge-media', outputs: { MediaBucketName: bridge.buckets.media } },
        { name: 'SinchBridge-nomedia', outputs: {} },
      ],
    });
    const aws = cleanEnv({
      SINCH_BRIDGE_DIR: join(dir, 'no-bridge'),
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_S3: bridge.endpoints.s3,
      AWS_ENDPOINT_URL_CLOUDFORMATION: cfn.endpoint,
    });
    const file = join(dir, 'from-stack.png');

    try {
      // Act
      const [saved, noOutput] = await Promise.all([
        sinchBridge(['--stack', 'SinchBridge-media', 'media', 'get', storedEventId, '--out', file], aws),
        sinchBridge(['--stack', 'SinchBridge-nomedia', 'media', 'get', storedEventId], aws),
      ]);

      // Assess
      expect(saved.code, saved.stderr).toBe(0);
      expect(saved.stderr).toMatch(/^mode: AWS \(region [^,]+, stack SinchBridge-media/m);
      expect(saved.stdout).toContain(`saved ${file} (${photo.length} bytes, image/png, SHA-256 checked)`);
      expect(readFileSync(file).equals(photo)).toBe(true);
      expect(noOutput.code).toBe(2);
      expect(noOutput.stderr).toContain('no media bucket');
    } finally {
      await cfn.close();
    }
  });
});
