import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalS3, startLocalS3 } from '../../local/aws/s3-server';

const MiB = 1024 * 1024;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof S3ServiceException) return `${error.$metadata.httpStatusCode} ${error.name}`;
    throw error;
  }
  return 'ok';
}

describe('local S3 stand-in: multipart uploads, as lib-storage makes them', () => {
  let s3: LocalS3;
  let client: S3Client;

  beforeAll(async () => {
    s3 = await startLocalS3({ buckets: ['media'] });
    client = new S3Client({
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });
  afterAll(async () => {
    client.destroy();
    await s3.close();
  });

  it('stores a streamed body of several parts byte for byte, with a multipart ETag', async () => {
    // Prepare
    const body = randomBytes(12 * MiB + 123);
    // Act
    await new Upload({
      client,
      partSize: 5 * MiB,
      params: { Bucket: 'media', Key: 'a/b/big.bin', Body: Readable.from([body]), ContentType: 'video/mp4' },
    }).done();
    // Assess
    const object = await client.send(new GetObjectCommand({ Bucket: 'media', Key: 'a/b/big.bin' }));
    const stored = Buffer.from(await object.Body!.transformToByteArray());
    expect(createHash('sha256').update(stored).digest('hex')).toBe(
      createHash('sha256').update(body).digest('hex'),
    );
    expect(object.ContentType).toBe('video/mp4');
    expect(object.ETag).toMatch(/^"[0-9a-f]{32}-3"$/);
  });

  it('refuses a part below 5 MiB that is not the last, unknown parts and finished uploads', async () => {
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: 'media', Key: 'small' }),
    );
    const part = (PartNumber: number, size: number) =>
      client.send(
        new UploadPartCommand({
          Bucket: 'media',
          Key: 'small',
          UploadId,
          PartNumber,
          Body: randomBytes(size),
        }),
      );
    const one = await part(1, MiB);
    const two = await part(2, MiB);
    const complete = (Parts: Array<{ PartNumber: number; ETag: string }>) =>
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'media',
          Key: 'small',
          UploadId,
          MultipartUpload: { Parts },
        }),
      );
    expect(
      await codeOf(
        complete([
          { PartNumber: 1, ETag: one.ETag! },
          { PartNumber: 2, ETag: two.ETag! },
        ]),
      ),
    ).toBe('400 EntityTooSmall');
    expect(await codeOf(complete([{ PartNumber: 3, ETag: one.ETag! }]))).toBe('400 InvalidPart');
    expect(
      await codeOf(
        complete([
          { PartNumber: 2, ETag: two.ETag! },
          { PartNumber: 1, ETag: one.ETag! },
        ]),
      ),
    ).toBe('400 InvalidPartOrder');
    expect(await codeOf(complete([{ PartNumber: 2, ETag: two.ETag! }]))).toBe('ok');
    expect(await codeOf(part(3, 10))).toBe('404 NoSuchUpload');
    expect(s3.objects('media').find(([key]) => key === 'small')?.[1].body.length).toBe(MiB);
  });

  it('aborts: the upload is gone and nothing is stored', async () => {
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: 'media', Key: 'aborted' }),
    );
    await client.send(new AbortMultipartUploadCommand({ Bucket: 'media', Key: 'aborted', UploadId }));
    expect(
      await codeOf(
        client.send(
          new UploadPartCommand({ Bucket: 'media', Key: 'aborted', UploadId, PartNumber: 1, Body: 'x' }),
        ),
      ),
    ).toBe('404 NoSuchUpload');
    expect(s3.objects('media').some(([key]) => key === 'aborted')).toBe(false);
  });
});
