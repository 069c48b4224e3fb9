import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  paginateListObjectsV2,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalS3, startLocalS3 } from '../../local/aws/s3-server';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'us-east-1';

/** The error code S3 answered with (the SDK's exception name). */
async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof S3ServiceException) return `${error.$metadata.httpStatusCode} ${error.name}`;
    throw error;
  }
  return 'ok';
}

describe('local S3 stand-in, through the AWS SDK v3', () => {
  let s3: LocalS3;
  let client: S3Client;

  beforeAll(async () => {
    s3 = await startLocalS3({ buckets: ['archive', 'media'] });
    client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region, credentials });
  });
  afterAll(async () => {
    client.destroy();
    await s3.close();
  });

  it('puts, heads, gets and deletes objects with their type, metadata and encryption', async () => {
    const Key = 'app/2026/12/01/é + ü?#.json';
    const put = await client.send(
      new PutObjectCommand({
        Bucket: 'archive',
        Key,
        Body: '{"a":1}',
        ContentType: 'application/json',
        Metadata: { eventid: 'e1' },
        ServerSideEncryption: 'aws:kms',
      }),
    );
    expect(put.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    const head = await client.send(new HeadObjectCommand({ Bucket: 'archive', Key }));
    expect(head).toMatchObject({
      ContentLength: 7,
      ContentType: 'application/json',
      Metadata: { eventid: 'e1' },
      ServerSideEncryption: 'aws:kms',
    });
    const got = await client.send(new GetObjectCommand({ Bucket: 'archive', Key }));
    expect(await got.Body!.transformToString()).toBe('{"a":1}');
    const range = await client.send(new GetObjectCommand({ Bucket: 'archive', Key, Range: 'bytes=1-3' }));
    expect(await range.Body!.transformToString()).toBe('"a"');
    await client.send(new DeleteObjectCommand({ Bucket: 'archive', Key }));
    expect(await codeOf(client.send(new GetObjectCommand({ Bucket: 'archive', Key })))).toBe('404 NoSuchKey');
    expect(await codeOf(client.send(new HeadObjectCommand({ Bucket: 'archive', Key })))).toBe('404 NotFound');
  });

  it('takes streamed (aws-chunked) bodies and checks their checksum', async () => {
    const body = Buffer.alloc(200_000, 7);
    await client.send(
      new PutObjectCommand({
        Bucket: 'media',
        Key: 'streamed',
        Body: Readable.from([body]),
        ContentLength: body.length,
      }),
    );
    const got = await client.send(new GetObjectCommand({ Bucket: 'media', Key: 'streamed' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
  });

  it('refuses what S3 refuses', async () => {
    expect(
      await codeOf(
        client.send(new PutObjectCommand({ Bucket: 'archive', Key: 'k'.repeat(1025), Body: 'x' })),
      ),
    ).toBe('400 KeyTooLongError');
    // 1,024 bytes is the limit in UTF-8 bytes, not characters.
    expect(
      await codeOf(client.send(new PutObjectCommand({ Bucket: 'archive', Key: 'é'.repeat(513), Body: 'x' }))),
    ).toBe('400 KeyTooLongError');
    expect(
      await codeOf(client.send(new PutObjectCommand({ Bucket: 'archive', Key: 'é'.repeat(512), Body: 'x' }))),
    ).toBe('ok');
    expect(await codeOf(client.send(new PutObjectCommand({ Bucket: 'nope', Key: 'a', Body: 'x' })))).toBe(
      '404 NoSuchBucket',
    );
    expect(await codeOf(client.send(new HeadBucketCommand({ Bucket: 'nope' })))).toBe('404 NotFound');
    expect(
      await codeOf(
        client.send(
          new PutObjectCommand({
            Bucket: 'archive',
            Key: 'a',
            Body: 'x',
            ServerSideEncryption: 'rot13' as never,
          }),
        ),
      ),
    ).toBe('400 InvalidArgument');
    expect(
      await codeOf(
        client.send(new CopyObjectCommand({ Bucket: 'archive', Key: 'b', CopySource: 'archive/none' })),
      ),
    ).toBe('404 NoSuchKey');
  });

  it('checks every signature: wrong secret, unknown key, wrong region', async () => {
    const wrongSecret = new S3Client({
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'other' },
    });
    const unknownKey = new S3Client({
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'local' },
    });
    const otherRegion = new S3Client({
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region: 'eu-west-1',
      credentials,
    });
    expect(
      await codeOf(wrongSecret.send(new PutObjectCommand({ Bucket: 'archive', Key: 'a', Body: 'x' }))),
    ).toBe('403 SignatureDoesNotMatch');
    expect(await codeOf(unknownKey.send(new ListObjectsV2Command({ Bucket: 'archive' })))).toBe(
      '403 InvalidAccessKeyId',
    );
    expect(await codeOf(otherRegion.send(new ListObjectsV2Command({ Bucket: 'archive' })))).toBe(
      '400 AuthorizationHeaderMalformed',
    );
    const unsigned = await fetch(`${s3.endpoint}/archive/a`);
    expect(unsigned.status).toBe(403);
    // A body changed after signing no longer matches its signed hash.
    const tampered = await fetch(`${s3.endpoint}/archive/a`, {
      method: 'PUT',
      headers: { 'x-amz-content-sha256': 'a'.repeat(64), authorization: 'x' },
      body: 'y',
    });
    expect(tampered.status).toBe(400);
    for (const c of [wrongSecret, unknownKey, otherRegion]) c.destroy();
  });

  it('lists with prefix, delimiter and continuation, in UTF-8 byte order', async () => {
    const keys = [
      'p/b',
      'p/a',
      'p/é',
      'p/z/1',
      'p/z/2',
      'q/a',
      ...Array.from({ length: 7 }, (_, i) => `p/n${i}`),
    ];
    for (const Key of keys) await client.send(new PutObjectCommand({ Bucket: 'media', Key, Body: Key }));
    const seen: string[] = [];
    for await (const page of paginateListObjectsV2(
      { client, pageSize: 3 },
      { Bucket: 'media', Prefix: 'p/' },
    )) {
      expect(page.KeyCount).toBeLessThanOrEqual(3);
      seen.push(...(page.Contents ?? []).map((c) => c.Key!));
    }
    const expected = keys
      .filter((k) => k.startsWith('p/'))
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(seen).toEqual(expected);
    const folders = await client.send(
      new ListObjectsV2Command({ Bucket: 'media', Prefix: 'p/', Delimiter: '/' }),
    );
    expect(folders.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['p/z/']);
    expect(folders.Contents?.map((c) => c.Key)).not.toContain('p/z/1');
  });

  it('copies and deletes in bulk', async () => {
    await client.send(
      new PutObjectCommand({ Bucket: 'media', Key: 'src', Body: 'data', ContentType: 'image/png' }),
    );
    await client.send(new CopyObjectCommand({ Bucket: 'archive', Key: 'dst', CopySource: 'media/src' }));
    const head = await client.send(new HeadObjectCommand({ Bucket: 'archive', Key: 'dst' }));
    expect(head.ContentType).toBe('image/png');
    expect(
      await codeOf(
        client.send(new CopyObjectCommand({ Bucket: 'media', Key: 'src', CopySource: 'media/src' })),
      ),
    ).toBe('400 InvalidRequest');
    const deleted = await client.send(
      new DeleteObjectsCommand({
        Bucket: 'media',
        Delete: { Objects: [{ Key: 'src' }, { Key: 'p/a' }, { Key: 'never-was' }] },
      }),
    );
    expect(deleted.Deleted?.map((d) => d.Key).sort()).toEqual(['never-was', 'p/a', 'src']);
    expect(s3.objects('media').map(([k]) => k)).not.toContain('src');
  });

  it('serves pre-signed GET URLs until they expire, and only for what was signed', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'media', Key: 'file.jpg', Body: 'jpeg' }));
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: 'media', Key: 'file.jpg' }), {
      expiresIn: 60,
    });
    const ok = await fetch(url);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('jpeg');
    expect((await fetch(url.replace('file.jpg', 'src'))).status).toBe(403);
    expect((await fetch(url.replace(/X-Amz-Expires=60/, 'X-Amz-Expires=61'))).status).toBe(403);
    const past = await getSignedUrl(client, new GetObjectCommand({ Bucket: 'media', Key: 'file.jpg' }), {
      expiresIn: 1,
      signingDate: new Date(Date.now() - 10_000),
    });
    const expired = await fetch(past);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('Request has expired');
  });

  it('answers injected faults like S3 does, and the SDK sees them', async () => {
    s3.setFault((request) =>
      request.operation === 'PutObject'
        ? { status: 503, code: 'SlowDown', message: 'Reduce your request rate.' }
        : undefined,
    );
    const noRetry = new S3Client({
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region,
      credentials,
      maxAttempts: 1,
    });
    expect(await codeOf(noRetry.send(new PutObjectCommand({ Bucket: 'media', Key: 'f', Body: 'x' })))).toBe(
      '503 SlowDown',
    );
    s3.setFault(undefined);
    expect(await codeOf(noRetry.send(new PutObjectCommand({ Bucket: 'media', Key: 'f', Body: 'x' })))).toBe(
      'ok',
    );
    noRetry.destroy();
  });
});
