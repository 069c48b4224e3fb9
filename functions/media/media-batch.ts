/**
 * A batch of copy jobs from the media FIFO queue: groups in parallel, each group in order (a
 * conversation's media events keep the order of its messages), partial batch failures, and
 * each retried record's visibility set to its backoff.
 */
import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchItemFailure, SQSRecord } from 'aws-lambda';
import { processFifoBatch } from '../send/fifo-batch';
import { type MediaJob, MediaJobSchema } from './media-job';
import type { MediaJobOutcome, MediaWorker } from './media-worker';

/** What happened to one record, for logs and metrics. */
export type MediaRecordReport =
  | { sqsMessageId: string; job: MediaJob; receiveCount: number; outcome: MediaJobOutcome }
  | { sqsMessageId: string; receiveCount: number; outcome: { kind: 'invalid_job'; problems: string[] } }
  | { sqsMessageId: string; job: MediaJob; receiveCount: number; outcome: { kind: 'error'; error: unknown } }
  /** Left unstarted: the invocation had less time left than one copy may take. */
  | { sqsMessageId: string; receiveCount: number; outcome: { kind: 'deferred' } };

export interface MediaBatchOptions {
  worker: MediaWorker;
  sqs: SQSClient;
  /** Time one copy may take (`MEDIA_TIMEOUT_MS`): a record is not started with less left. */
  copyTimeoutMs: number;
  remainingTimeMs: () => number;
  onReport?: (report: MediaRecordReport) => void;
}

/**
 * The queue URL of a record, from its ARN (`arn:aws:sqs:<region>:<account>:<name>`), as the
 * send function derives it; not imported from there to keep the send pipeline out of this bundle.
 */
function queueUrlOf(record: SQSRecord): string {
  const [, , , region, account, name] = record.eventSourceARN.split(':');
  const endpoint = process.env.AWS_ENDPOINT_URL_SQS ?? process.env.AWS_ENDPOINT_URL;
  const base = endpoint
    ? endpoint.replace(/\/+$/, '')
    : `https://sqs.${region ?? record.awsRegion}.amazonaws.com`;
  return `${base}/${account}/${name}`;
}

/** Margin for the publish and the outcome record after a copy that used its whole timeout. */
const FINISH_MARGIN_MS = 5_000;

/**
 * Processes the records and returns the partial batch failures.
 *
 * @example
 * const batchItemFailures = await processMediaBatch(event.Records, { worker, sqs, copyTimeoutMs, remainingTimeMs: () => context.getRemainingTimeInMillis() });
 */
export async function processMediaBatch(
  records: readonly SQSRecord[],
  options: MediaBatchOptions,
): Promise<SQSBatchItemFailure[]> {
  const report = (r: MediaRecordReport) => options.onReport?.(r);
  const results = await processFifoBatch(records, async (record) => {
    const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? '1');
    const sqsMessageId = record.messageId;
    let job: MediaJob;
    try {
      const parsed = MediaJobSchema.safeParse(JSON.parse(record.body));
      if (!parsed.success)
        throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      job = parsed.data;
    } catch (error) {
      // Not ours to fix: the queue's redrive moves it to the media DLQ, where the alarm sees it.
      report({
        sqsMessageId,
        receiveCount,
        outcome: { kind: 'invalid_job', problems: [(error as Error).message] },
      });
      return { ok: false };
    }
    if (options.remainingTimeMs() < options.copyTimeoutMs + FINISH_MARGIN_MS) {
      report({ sqsMessageId, receiveCount, outcome: { kind: 'deferred' } });
      return { ok: false, retryInSeconds: 0 };
    }
    let outcome: MediaJobOutcome;
    try {
      outcome = await options.worker.process(job, receiveCount);
    } catch (error) {
      // Publishing failed: the whole record is retried; the copy is not repeated (step 2).
      report({ sqsMessageId, job, receiveCount, outcome: { kind: 'error', error } });
      const retry = options.worker.retryOutcome('publish_failed', receiveCount);
      return { ok: false, retryInSeconds: retry.kind === 'retry' ? retry.retryInSeconds : 0 };
    }
    report({ sqsMessageId, job, receiveCount, outcome });
    if (outcome.kind === 'retry') return { ok: false, retryInSeconds: outcome.retryInSeconds };
    return { ok: true };
  });

  const failures: SQSBatchItemFailure[] = [];
  await Promise.all(
    results.map(async (result) => {
      if (result.status === 'done') return;
      failures.push({ itemIdentifier: result.record.messageId });
      if (result.retryInSeconds === undefined) return;
      await options.sqs
        .send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrlOf(result.record),
            ReceiptHandle: result.record.receiptHandle,
            VisibilityTimeout: result.retryInSeconds,
          }),
        )
        // The queue's own visibility timeout still brings it back.
        .catch(() => {});
    }),
  );
  return failures;
}
