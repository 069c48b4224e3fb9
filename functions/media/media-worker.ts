/**
 * One copy job, start to finish, without Lambda: the outcome record, the copy, the event.
 *
 * Exactly one outcome per message event:
 * 1. `.outcome.json` beside the media says the job already published: nothing more to do.
 * 2. The event's index entry (`by-event/<eventId>.json`) is written; then, when the media object
 *    already exists (an earlier try stored it but did not publish), it is measured again from
 *    S3, not fetched again.
 * 3. Otherwise the source is copied ({@link copyMedia}). A refused or failed source gives
 *    `media.failed` at once; a source that stays unavailable, or S3 failing, is retried on later
 *    receives with backoff and gives `media.failed` on receive `maxAttempts`.
 * 4. The event is published in the message's group (stable id, so SQS deduplicates a
 *    republication), then `.outcome.json` is written.
 */
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type MessageAttributeValue, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { CloudEvent } from '../events/cloud-event';
import {
  type MediaEventOrigin,
  type MediaFailedData,
  type MediaStoredData,
  toMediaFailedEvent,
  toMediaStoredEvent,
} from '../events/media-events';
import { toSqsMessageBody, toSqsSafeAttributeValue } from '../events/sqs-message-body';
import { retryVisibilitySeconds } from '../send/backoff';
import { copyMedia, findStoredMedia, isNotFound, MediaStorageError, type StoredMedia } from './media-copy';
import { type MediaJob, mediaIndexEntry, mediaIndexKey, mediaObjectKey, mediaOutcomeKey } from './media-job';
import { isMediaFetchError, type Resolver } from './safe-fetch';

export interface MediaWorkerOptions {
  s3: S3Client;
  bucket: string;
  sqs: SQSClient;
  /** The router queue when there is one, else the events queue. */
  publishQueueUrl: string;
  maxBytes: number;
  timeoutMs: number;
  maxAttempts: number;
  retry: { baseSeconds: number; capSeconds: number };
  allowLoopback: boolean;
  /** Tests only: a resolver standing in for DNS. */
  resolve?: Resolver;
  /** Tests only: backoff between tries within one copy. */
  tryBackoff?: { baseMs: number; capMs: number };
}

/** What happened to one job, for the record's fate, the log line and the metrics. */
export type MediaJobOutcome =
  | { kind: 'stored'; event: CloudEvent<MediaStoredData>; reused: boolean }
  | { kind: 'failed'; event: CloudEvent<MediaFailedData> }
  /** The outcome was published by an earlier receive. */
  | { kind: 'duplicate' }
  /** Try again on a later receive, after `retryInSeconds`. */
  | { kind: 'retry'; reason: string; retryInSeconds: number };

const originOf = (job: MediaJob): MediaEventOrigin => ({
  region: job.region,
  projectId: job.projectId,
  appId: job.appId,
  channel: job.channel,
  identity: job.identity,
});

function storedData(job: MediaJob, stored: StoredMedia): MediaStoredData {
  return {
    eventId: job.eventId,
    ...(job.messageId ? { messageId: job.messageId } : {}),
    appId: job.appId,
    sourceUrl: job.url,
    location: stored.location,
    contentType: stored.contentType,
    size: stored.size,
    sha256: stored.sha256,
  };
}

function failedData(job: MediaJob, reason: string, detail?: string): MediaFailedData {
  return {
    eventId: job.eventId,
    ...(job.messageId ? { messageId: job.messageId } : {}),
    appId: job.appId,
    sourceUrl: job.url,
    reason,
    ...(detail ? { detail } : {}),
  };
}

/**
 * Creates the job processor.
 *
 * @example
 * const worker = createMediaWorker({ s3, bucket, sqs, publishQueueUrl, maxBytes, timeoutMs: 120_000,
 *   maxAttempts: 5, retry: { baseSeconds: 5, capSeconds: 300 }, allowLoopback: false });
 * const outcome = await worker.process(job, receiveCount);
 */
export function createMediaWorker(options: MediaWorkerOptions) {
  const { s3, bucket, sqs } = options;

  async function alreadyPublished(job: MediaJob): Promise<boolean> {
    try {
      await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: mediaOutcomeKey(job) }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw new MediaStorageError(`cannot read the outcome record: ${(error as Error).name}`, {
        cause: error,
      });
    }
  }

  async function publish(job: MediaJob, event: CloudEvent): Promise<void> {
    const attributes: Record<string, MessageAttributeValue> = {
      type: { DataType: 'String', StringValue: event.type },
      appId: { DataType: 'String', StringValue: toSqsSafeAttributeValue(job.appId) },
    };
    if (job.channel)
      attributes.channel = { DataType: 'String', StringValue: toSqsSafeAttributeValue(job.channel) };
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: options.publishQueueUrl,
        MessageBody: toSqsMessageBody(event),
        MessageGroupId: job.groupId,
        MessageDeduplicationId: event.id,
        MessageAttributes: attributes,
      }),
    );
  }

  /** Records the published outcome; a failure here only costs a republication on redelivery. */
  async function recordOutcome(job: MediaJob, event: CloudEvent): Promise<void> {
    await s3
      .send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: mediaOutcomeKey(job),
          Body: toSqsMessageBody(event),
          ContentType: 'application/json',
        }),
      )
      .catch(() => {});
  }

  /**
   * Writes the job's entry in the event index (`by-event/<eventId>.json`) before anything else is
   * stored, so every file, and every outcome record, is found from the event id alone. Rewritten
   * on a retried receive (same bytes); a failure is S3 failing, retried like the copy.
   */
  async function writeIndex(job: MediaJob): Promise<void> {
    // Event ids are the bridge's own (base64url); a job with another id is copied, just not indexed.
    const indexKey = mediaIndexKey(job.eventId);
    if (!indexKey) return;
    try {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: indexKey,
          Body: JSON.stringify(mediaIndexEntry(job)),
          ContentType: 'application/json',
        }),
      );
    } catch (error) {
      throw new MediaStorageError(`cannot write the event index: ${(error as Error).name}`, { cause: error });
    }
  }

  /** Copies, or finds the earlier copy; `failed` data when the source will not give the file. */
  async function obtain(
    job: MediaJob,
    receiveCount: number,
  ): Promise<
    | { stored: StoredMedia; reused: boolean }
    | { failed: MediaFailedData }
    | { retry: string; retryAfter?: number }
  > {
    const key = mediaObjectKey(job);
    try {
      await writeIndex(job);
      const earlier = await findStoredMedia(s3, bucket, key);
      if (earlier) return { stored: earlier, reused: true };
      const stored = await copyMedia({
        s3,
        bucket,
        key,
        url: job.url,
        fetch: {
          maxBytes: options.maxBytes,
          allowLoopback: options.allowLoopback,
          ...(options.resolve ? { resolve: options.resolve } : {}),
        },
        timeoutMs: options.timeoutMs,
        ...(options.tryBackoff ? { backoff: options.tryBackoff } : {}),
      });
      return { stored, reused: false };
    } catch (error) {
      const last = receiveCount >= options.maxAttempts;
      if (isMediaFetchError(error)) {
        if (error.kind !== 'retryable') return { failed: failedData(job, error.reason, error.message) };
        if (last) {
          return {
            failed: failedData(job, error.reason, `${error.message}; gave up after ${receiveCount} receives`),
          };
        }
        return { retry: error.reason, retryAfter: error.retryAfterSeconds };
      }
      const name =
        error instanceof MediaStorageError ? 'storage_failed' : `internal_${(error as Error)?.name}`;
      if (last) {
        return {
          failed: failedData(
            job,
            'storage_failed',
            `${(error as Error)?.message}; gave up after ${receiveCount} receives`,
          ),
        };
      }
      return { retry: name };
    }
  }

  return {
    /**
     * Processes one job on its `receiveCount`-th receive. Throws only when publishing fails (the
     * record is then retried as a whole).
     */
    async process(job: MediaJob, receiveCount: number): Promise<MediaJobOutcome> {
      let published = false;
      try {
        published = await alreadyPublished(job);
      } catch {
        // On the last receive, go on: the copy meets the same S3 trouble and reports `failed`.
        if (receiveCount < options.maxAttempts) return this.retryOutcome('storage_failed', receiveCount);
      }
      if (published) return { kind: 'duplicate' };

      const result = await obtain(job, receiveCount);
      if ('retry' in result) return this.retryOutcome(result.retry, receiveCount, result.retryAfter);
      const origin = originOf(job);
      const outcome: MediaJobOutcome =
        'stored' in result
          ? {
              kind: 'stored',
              event: toMediaStoredEvent(origin, storedData(job, result.stored)),
              reused: result.reused,
            }
          : { kind: 'failed', event: toMediaFailedEvent(origin, result.failed) };
      await publish(job, outcome.event);
      await recordOutcome(job, outcome.event);
      return outcome;
    },

    retryOutcome(reason: string, receiveCount: number, retryAfterSeconds?: number): MediaJobOutcome {
      return {
        kind: 'retry',
        reason,
        retryInSeconds: retryVisibilitySeconds(receiveCount, options.retry, retryAfterSeconds),
      };
    },
  };
}

export type MediaWorker = ReturnType<typeof createMediaWorker>;
