/**
 * Lambda entry of the send function (SQS event source on the outbound FIFO queue, with
 * `ReportBatchItemFailures`): wiring only. The pipeline lives in `outbound-sender.ts`; this
 * file adds the environment, the AWS and Sinch clients (once per container), logs and metrics.
 *
 * No Powertools Tracer: it pulls the X-Ray SDK into the bundle for little gain here; Lambda's
 * own X-Ray segments (active tracing on the function) still time each invocation.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { configOrThrow } from '../environment';
import { SinchClient } from '../sinch/client';
import { SinchError } from '../sinch/errors';
import type { SinchCredentials } from '../sinch/oauth';
import { createSuppressionList } from '../suppression/suppression-list';
import { createCommandRecordStore } from './command-record';
import { END_MARGIN_MS } from './deadline';
import { createOutboundSender, type Invocation, type SendReport } from './outbound-sender';
import { createRateLimiter } from './rate-limiter';
import { readSendConfig } from './send-config';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME || 'sinch-send';
const logger = new Logger({ serviceName });
const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || 'SinchConversationBridge',
  serviceName,
});

const CredentialsSchema = z.object({
  keyId: z.string().check(z.minLength(1)),
  keySecret: z.string().check(z.minLength(1)),
});

interface Runtime {
  sender: ReturnType<typeof createOutboundSender>;
}

// Built on the first invocation, not at import: the local bridge sets the environment and then
// imports this module. Everything in it (token, connections, secret cache) lives per container.
let runtime: Runtime | undefined;

function getRuntime(): Runtime {
  if (runtime) return runtime;
  const config = configOrThrow(readSendConfig(process.env), 'send function', logger);
  const secrets = new SecretsProvider();
  const credentials = async (): Promise<SinchCredentials> => {
    try {
      const value = await secrets.get(config.credentialsId, {
        transform: 'json',
        maxAge: config.credentialsMaxAgeSeconds,
      });
      return CredentialsSchema.parse(value);
    } catch (cause) {
      throw new SinchError({
        kind: 'retryable',
        reason: 'credentials_unavailable',
        message: `cannot read Sinch credentials ${config.credentialsId}`,
        cause,
      });
    }
  };
  const sinch = new SinchClient({
    apiUrl: config.apiUrl,
    authUrl: config.authUrl,
    projectId: config.projectId,
    credentials,
    timeouts: config.timeouts,
    onTokenFetched: () => metrics.addMetric('TokenFetches', MetricUnit.Count, 1),
  });
  runtime = {
    sender: createOutboundSender({
      origin: { region: config.region, projectId: config.projectId },
      sendMessage: (request, options) => sinch.sendMessage(request, options),
      sqs: new SQSClient({ cacheMiddleware: true }),
      // Through the event router when the stack has one (docs/router.md).
      eventsQueueUrl: config.routerQueueUrl ?? config.eventsQueueUrl,
      dlqUrl: config.dlqUrl,
      retry: config.retry,
      // The command record replaces Powertools idempotency: see command-record.ts for why.
      records: createCommandRecordStore({
        tableName: config.idempotencyTable,
        ttlSeconds: config.idempotencyTtlSeconds,
      }),
      callTimeoutMs: config.timeouts.totalMs,
      projectHoldSeconds: config.projectHoldSeconds,
      rateLimiter: config.rateLimit ? createRateLimiter(config.rateLimit) : undefined,
      suppressions: config.suppressionTable
        ? createSuppressionList({ tableName: config.suppressionTable })
        : undefined,
      onReport: observe,
      onRecordWriteFailed: (error, write) => {
        metrics.addMetric('CommandRecordWriteFailed', MetricUnit.Count, 1);
        logger.error('command record write failed; the send is not repeated for it', {
          write,
          error: (error as Error)?.name ?? String(error),
        });
      },
    }),
  };
  return runtime;
}

/** One log line and the metrics of one record. Message content only at DEBUG. */
function observe(report: SendReport): void {
  const { outcome, disposition } = report;
  const line = {
    sqsMessageId: report.sqsMessageId,
    commandId: report.commandId,
    appId: report.appId,
    channel: report.channel,
    receiveCount: report.receiveCount,
  };
  logger.debug('outbound command', { ...line, command: report.command });
  if (report.sendLatencyMs !== undefined) {
    metrics.addMetric('SendLatency', MetricUnit.Milliseconds, report.sendLatencyMs);
  }
  if (report.outcomeNotRecorded) {
    metrics.addMetric('SendOutcomeNotRecorded', MetricUnit.Count, 1);
    logger.error(
      'outcome not recorded: the record comes back and the outcome is recorded again, not sent again',
      {
        ...line,
        outcome: outcome.kind,
        action: disposition.action,
        error: report.outcomeNotRecorded,
        retryInSeconds: report.retryInSeconds,
      },
    );
    // Sinch did take it: counted here, and as a duplicate (not sent again) on the redelivery.
    if (outcome.kind === 'accepted' && !outcome.duplicate)
      metrics.addMetric('SendAccepted', MetricUnit.Count, 1);
    return;
  }
  if (report.suppressionBypassed) {
    metrics.addMetric('SendSuppressionBypassed', MetricUnit.Count, 1);
    logger.warn('transactional command sent to a recipient who opted out', line);
  }
  if (outcome.kind === 'suppressed') {
    metrics.addMetric('SendSuppressed', MetricUnit.Count, 1);
    logger.info('command not sent: the recipient opted out', line);
    return;
  }
  if (outcome.kind === 'accepted') {
    metrics.addMetric(outcome.duplicate ? 'SendDuplicate' : 'SendAccepted', MetricUnit.Count, 1);
    logger.info(outcome.duplicate ? 'command already sent: not sent again' : 'command sent', {
      ...line,
      attempt: report.attempt,
      messageId: outcome.messageId,
    });
    if (outcome.oddAnswer) {
      metrics.addMetric('SendOddAnswer', MetricUnit.Count, 1);
      logger.warn('Sinch accepted with an unexpected answer body', { ...line, oddAnswer: outcome.oddAnswer });
    }
    return;
  }
  if (report.projectBlocked) {
    // The alarm metric: Sinch refuses the whole project (billing, access, region).
    metrics.addMetric('SendProjectBlocked', MetricUnit.Count, 1);
    logger.error('Sinch refuses the project: holding its other commands instead of dead-lettering them', {
      ...line,
      status: 'status' in outcome ? outcome.status : undefined,
      code: 'code' in outcome ? outcome.code : undefined,
    });
  }
  if (outcome.kind === 'deferred') {
    if (outcome.reason === 'project_blocked') {
      metrics.addMetric('SendHeld', MetricUnit.Count, 1);
      logger.warn('command held: Sinch refuses the project', {
        ...line,
        status: outcome.status,
        code: outcome.code,
        retryInSeconds: report.retryInSeconds,
      });
    } else {
      metrics.addMetric(outcome.reason === 'deadline' ? 'SendDeferred' : 'SendHeld', MetricUnit.Count, 1);
      logger.info('command not attempted now, back soon', {
        ...line,
        reason: outcome.reason,
        retryInSeconds: report.retryInSeconds,
      });
    }
    return;
  }
  if (disposition.action === 'retry') {
    metrics.addMetric('SendRetried', MetricUnit.Count, 1);
    logger.warn('send failed, will retry', {
      ...line,
      attempt: report.attempt,
      reason: outcome.reason,
      status: 'status' in outcome ? outcome.status : undefined,
      retryInSeconds: report.retryInSeconds,
    });
    return;
  }
  if (disposition.action !== 'dead_letter') return;
  const status = 'status' in outcome ? outcome.status : undefined;
  const code = 'code' in outcome ? outcome.code : undefined;
  if (disposition.kind === 'invalid_command') {
    metrics.addMetric('SendInvalidCommand', MetricUnit.Count, 1);
  } else if (disposition.kind === 'rejected') {
    const byStatus = metrics.singleMetric();
    byStatus.addDimension('status', String(status ?? 'none'));
    byStatus.addMetric('SendRejected', MetricUnit.Count, 1);
  } else {
    metrics.addMetric('SendExhausted', MetricUnit.Count, 1);
  }
  (disposition.kind === 'exhausted' ? logger.error : logger.warn).call(logger, 'command moved to the DLQ', {
    ...line,
    attempt: report.attempt,
    commandTruncatedInEvent: report.commandTruncated || undefined,
    kind: disposition.kind,
    reason: outcome.reason,
    status,
    code,
  });
}

/** A caller without a Lambda context (a bare local call) gets this much time. */
const FALLBACK_REMAINING_MS = 60_000;

async function handleBatch(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const { sender } = getRuntime();
  const deadline =
    Date.now() +
    (typeof context?.getRemainingTimeInMillis === 'function'
      ? context.getRemainingTimeInMillis()
      : FALLBACK_REMAINING_MS);
  // Fires when the invocation ends (returned, failed, or close to its deadline): no Sinch call
  // starts after it, and calls in flight are cut, so work abandoned by a timed-out invocation
  // cannot resume in a reused container and overlap the redelivery.
  const ending = new AbortController();
  const timer = setTimeout(
    () => ending.abort(new Error('invocation deadline')),
    Math.max(0, deadline - Date.now() - END_MARGIN_MS),
  );
  const invocation: Invocation = { remainingMs: () => deadline - Date.now(), signal: ending.signal };
  try {
    const { batchItemFailures } = await sender.processBatch(event.Records ?? [], invocation);
    return { batchItemFailures };
  } finally {
    clearTimeout(timer);
    ending.abort(new Error('invocation ended'));
  }
}

/**
 * The send Lambda handler: returns the partial batch response. Works with a minimal `context`
 * (the local bridge calls it directly); give it `getRemainingTimeInMillis` so it stops
 * starting Sinch calls in time and command claims expire with the invocation.
 *
 * @example
 * const { batchItemFailures } = await handler(sqsEvent, createLambdaContext({ functionName: 'send' }));
 */
export const handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> = middy<
  SQSEvent,
  SQSBatchResponse
>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(handleBatch);
