/**
 * Copies one media URL into the media bucket: fetched with {@link openMedia}, streamed to S3 with
 * lib-storage's `Upload` (one PutObject for small files, multipart above the part size) while
 * the bytes are hashed and counted on the way through. Nothing is buffered whole.
 */
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { fullJitterDelay } from '../sinch/backoff';
import { MediaFetchError, openMedia, type SafeFetchOptions, toMediaFetchError } from './safe-fetch';

/** What was stored, for the `media.stored` event. */
export interface StoredMedia {
  bucket: string;
  key: string;
  /** `s3://<bucket>/<key>` */
  location: string;
  contentType: string;
  size: number;
  /** Lower-case hex. */
  sha256: string;
}

export interface CopyMediaOptions {
  s3: S3Client;
  bucket: string;
  key: string;
  url: string;
  /** Address and size rules of the fetch (the deadline is added here). */
  fetch: Omit<SafeFetchOptions, 'signal'>;
  /** Total time for the copy, every try included (`MEDIA_TIMEOUT_MS`). */
  timeoutMs: number;
  /** Tries of the fetch within this call for 429, 5xx and connection errors. @default 3 */
  tries?: number;
  /** Backoff between tries, full jitter: ceiling `baseMs * 2^(n-1)`, at most `capMs`. */
  backoff?: { baseMs: number; capMs: number };
  /** Part size of multipart uploads. @default 8 MiB */
  partSize?: number;
  sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_BACKOFF = { baseMs: 500, capMs: 4000 };
const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** An error that is the storage side's (S3), not the media source's: the job is retried later. */
export class MediaStorageError extends Error {
  override name = 'MediaStorageError';
}

/**
 * Fetches `url` and stores it at `key`, retrying 429, 5xx and connection errors with backoff
 * within the deadline.
 *
 * @throws MediaFetchError when the source refused, failed, or stayed unavailable;
 * MediaStorageError when S3 did.
 *
 * @example
 * const stored = await copyMedia({ s3, bucket, key, url, fetch: { maxBytes }, timeoutMs: 60_000 });
 * stored.sha256; // '9f86d0...'
 */
export async function copyMedia(options: CopyMediaOptions): Promise<StoredMedia> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const tries = Math.max(1, options.tries ?? 3);
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await copyOnce(options, signal);
    } catch (error) {
      if (error instanceof MediaStorageError) throw error;
      const failure = toMediaFetchError(error, signal);
      if (failure.kind !== 'retryable' || attempt >= tries || signal.aborted) throw failure;
      const wait = Math.max(
        fullJitterDelay(attempt, { base: backoff.baseMs, cap: backoff.capMs }),
        Math.min((failure.retryAfterSeconds ?? 0) * 1000, backoff.capMs),
      );
      await sleep(wait);
      if (signal.aborted) throw toMediaFetchError(new Error('deadline'), signal);
    }
  }
}

async function copyOnce(options: CopyMediaOptions, signal: AbortSignal): Promise<StoredMedia> {
  const media = await openMedia(options.url, { ...options.fetch, signal });
  const hash = createHash('sha256');
  let size = 0;
  const hashed = new PassThrough();
  hashed.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    size += chunk.length;
  });
  const contentType = sanitizeContentType(media.contentType);
  const upload = new Upload({
    client: options.s3,
    partSize: options.partSize ?? DEFAULT_PART_SIZE,
    queueSize: 2,
    leavePartsOnError: false,
    params: { Bucket: options.bucket, Key: options.key, Body: hashed, ContentType: contentType },
  });
  // The body failing (too large, cut off, deadline) must fail the upload and abort its parts.
  const source = pipeline(media.body, hashed).catch((error: unknown) => {
    void upload.abort().catch(() => {});
    throw error;
  });
  let uploadError: unknown;
  const uploaded = upload.done().catch((error: unknown) => {
    uploadError = error;
  });
  try {
    await source;
  } catch (error) {
    media.body.destroy();
    await uploaded;
    throw toMediaFetchError(error, signal);
  }
  await uploaded;
  if (uploadError !== undefined) {
    if (uploadError instanceof MediaFetchError) throw uploadError;
    throw new MediaStorageError(`cannot store media: ${(uploadError as Error)?.name ?? 'error'}`, {
      cause: uploadError,
    });
  }
  return {
    bucket: options.bucket,
    key: options.key,
    location: `s3://${options.bucket}/${options.key}`,
    contentType,
    size,
    sha256: hash.digest('hex'),
  };
}

/** Control characters and absurd lengths never reach S3's Content-Type header or the event. */
function sanitizeContentType(value: string): string {
  const cleaned = value
    .replace(/[^\x20-\x7e]/g, '')
    .trim()
    .slice(0, 200);
  return cleaned.length > 0 ? cleaned : 'application/octet-stream';
}

/**
 * The stored object at `key`, measured again from S3 (content type, size and SHA-256 of its
 * bytes), or `undefined` when there is none: how a redelivered job whose earlier try stored the
 * file but did not publish learns what to publish, without fetching the source again.
 *
 * @throws MediaStorageError when S3 fails.
 *
 * @example
 * const earlier = await findStoredMedia(s3, bucket, key);
 */
export async function findStoredMedia(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<StoredMedia | undefined> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw new MediaStorageError(`cannot check for stored media: ${(error as Error).name}`, { cause: error });
  }
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of object.Body as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      size += chunk.length;
    }
    return {
      bucket,
      key,
      location: `s3://${bucket}/${key}`,
      contentType: object.ContentType || 'application/octet-stream',
      size,
      sha256: hash.digest('hex'),
    };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw new MediaStorageError(`cannot read stored media: ${(error as Error).name}`, { cause: error });
  }
}

/**
 * Whether an S3 error means "no such object".
 *
 * @example
 * isNotFound(error); // true for a HeadObject 404
 */
export function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}
