/**
 * Lambda entry of the media function (SQS event source on the media FIFO queue, with
 * `ReportBatchItemFailures`): wiring only. The copy lives in `media-copy.ts` and `safe-fetch.ts`,
 * the job's life in `media-worker.ts`, the batch in `media-batch.ts`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { configOrThrow } from '../environment';
import { type MediaRecordReport, processMediaBatch } from './media-batch';
import { type MediaConfig, readMediaConfig } from './media-config';
import { createMediaWorker, type MediaWorker } from './media-worker';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME || 'sinch-media';
const logger = new Logger({ serviceName });
const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || 'SinchConversationBridge',
  serviceName,
});

interface Runtime {
  config: MediaConfig;
  worker: MediaWorker;
  sqs: SQSClient;
}

// Built on the first invocation, not at import: the local bridge sets the environment and then
// imports this module.
let runtime: Runtime | undefined;

function getRuntime(): Runtime {
  if (runtime) return runtime;
  const config = configOrThrow(readMediaConfig(process.env), 'media function', logger);
  const sqs = new SQSClient({});
  // Path-style only against a local endpoint (the S3 stand-in has no virtual-host names).
  const s3 = new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3) });
  runtime = {
    config,
    sqs,
    worker: createMediaWorker({
      s3,
      bucket: config.bucket,
      sqs,
      publishQueueUrl: config.publishQueueUrl,
      maxBytes: config.maxBytes,
      timeoutMs: config.timeoutMs,
      maxAttempts: config.maxAttempts,
      retry: config.retry,
      allowLoopback: config.allowLoopback,
    }),
  };
  return runtime;
}

/** One log line and the metrics of one record. URLs and identities only at DEBUG. */
function observe(report: MediaRecordReport): void {
  const line: Record<string, unknown> = {
    sqsMessageId: report.sqsMessageId,
    receiveCount: report.receiveCount,
  };
  if ('job' in report) Object.assign(line, { eventId: report.job.eventId, appId: report.job.appId });
  const { outcome } = report;
  switch (outcome.kind) {
    case 'stored':
      metrics.addMetric('MediaStored', MetricUnit.Count, 1);
      metrics.addMetric('MediaStoredBytes', MetricUnit.Bytes, outcome.event.data.size);
      logger.info('media stored', { ...line, size: outcome.event.data.size, reused: outcome.reused });
      logger.debug('media stored at', {
        ...line,
        location: outcome.event.data.location,
        sourceUrl: outcome.event.data.sourceUrl,
      });
      return;
    case 'failed': {
      const byReason = metrics.singleMetric();
      byReason.addDimension('reason', outcome.event.data.reason);
      byReason.addMetric('MediaFailed', MetricUnit.Count, 1);
      logger.warn('media not stored', {
        ...line,
        reason: outcome.event.data.reason,
        detail: outcome.event.data.detail,
      });
      return;
    }
    case 'duplicate':
      metrics.addMetric('MediaDuplicateJob', MetricUnit.Count, 1);
      logger.info('media job already done', line);
      return;
    case 'retry':
      metrics.addMetric('MediaRetried', MetricUnit.Count, 1);
      logger.warn('media copy will be retried', {
        ...line,
        reason: outcome.reason,
        retryInSeconds: outcome.retryInSeconds,
      });
      return;
    case 'deferred':
      logger.info('media job left for the next invocation (not enough time left)', line);
      return;
    case 'invalid_job':
      metrics.addMetric('MediaInvalidJob', MetricUnit.Count, 1);
      logger.error('media job is not valid', { ...line, problems: outcome.problems });
      return;
    case 'error':
      metrics.addMetric('MediaPublishFailed', MetricUnit.Count, 1);
      logger.error('media event not published, will retry', {
        ...line,
        cause: (outcome.error as Error)?.name,
      });
      return;
  }
}

const FALLBACK_REMAINING_MS = 15 * 60_000;

async function handleBatch(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const { config, worker, sqs } = getRuntime();
  const remainingTimeMs =
    typeof context?.getRemainingTimeInMillis === 'function'
      ? () => context.getRemainingTimeInMillis()
      : () => FALLBACK_REMAINING_MS;
  const batchItemFailures = await processMediaBatch(event.Records ?? [], {
    worker,
    sqs,
    copyTimeoutMs: config.timeoutMs,
    remainingTimeMs,
    onReport: observe,
  });
  return { batchItemFailures };
}

/**
 * The media Lambda handler: returns the partial batch response.
 *
 * @example
 * const { batchItemFailures } = await handler(sqsEvent, createLambdaContext({ functionName: 'media', timeoutMs: 180_000 }));
 */
export const handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> = middy<
  SQSEvent,
  SQSBatchResponse
>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(handleBatch);
