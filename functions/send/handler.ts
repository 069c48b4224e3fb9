/**
 * Lambda entry of the send function (SQS event source on the outbound FIFO queue, with
 * `ReportBatchItemFailures`): wiring only. The pipeline lives in `outbound-sender.ts`; this
 * file adds the environment, the AWS and Sinch clients (once per container), logs and metrics.
 *
 * No Powertools Tracer: it pulls the X-Ray SDK into the bundle for little gain here; Lambda's
 * own X-Ray segments (active tracing on the function) still time each invocation.
 */
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { SinchClient } from '../sinch/client';
import { SinchError } from '../sinch/errors';
import type { SinchCredentials } from '../sinch/oauth';
import { createOutboundSender, type SendReport } from './outbound-sender';
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
  idempotencyConfig: IdempotencyConfig;
}

// Built on the first invocation, not at import: the local bridge sets the environment and then
// imports this module. Everything in it (token, connections, secret cache) lives per container.
let runtime: Runtime | undefined;

function getRuntime(): Runtime {
  if (runtime) return runtime;
  const read = readSendConfig(process.env);
  if (!read.ok) {
    logger.error('send function misconfigured', { problems: read.problems });
    // Thrown: the whole batch stays on the queue until the deployment is fixed.
    throw new Error(`send function misconfigured: ${read.problems.join('; ')}`);
  }
  const { config } = read;
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
  const idempotencyConfig = new IdempotencyConfig({
    eventKeyJmesPath: 'id',
    expiresAfterSeconds: config.idempotencyTtlSeconds,
    throwOnNoIdempotencyKey: true,
    useLocalCache: true,
  });
  runtime = {
    idempotencyConfig,
    sender: createOutboundSender({
      origin: { region: config.region, projectId: config.projectId },
      sendMessage: (request) => sinch.sendMessage(request),
      sqs: new SQSClient({}),
      // Through the event router when the stack has one (docs/router.md).
      eventsQueueUrl: config.routerQueueUrl ?? config.eventsQueueUrl,
      dlqUrl: config.dlqUrl,
      retry: config.retry,
      idempotency: {
        persistenceStore: new DynamoDBPersistenceLayer({ tableName: config.idempotencyTable }),
        config: idempotencyConfig,
      },
      rateLimiter: config.rateLimit ? createRateLimiter(config.rateLimit) : undefined,
      onReport: observe,
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
  if (outcome.kind === 'accepted') {
    metrics.addMetric(outcome.duplicate ? 'SendDuplicate' : 'SendAccepted', MetricUnit.Count, 1);
    logger.info(outcome.duplicate ? 'command already sent: not sent again' : 'command sent', {
      ...line,
      messageId: outcome.messageId,
    });
    return;
  }
  if (disposition.action === 'retry') {
    metrics.addMetric('SendRetried', MetricUnit.Count, 1);
    logger.warn('send failed, will retry', {
      ...line,
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
    kind: disposition.kind,
    reason: outcome.reason,
    status,
    code,
  });
}

/**
 * A caller without a Lambda context (a bare local call) still gets in-progress records that
 * expire: after this long, instead of lingering until the record's TTL and blocking the id.
 */
const FALLBACK_IN_PROGRESS_MS = 60_000;
const withoutDeadline = { getRemainingTimeInMillis: () => FALLBACK_IN_PROGRESS_MS } as Context;

async function handleBatch(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const { sender, idempotencyConfig } = getRuntime();
  // The in-progress idempotency record expires with this invocation's deadline: the shortest
  // the library allows, and the end of the one window where a crash can cause a duplicate.
  idempotencyConfig.registerLambdaContext(
    typeof context?.getRemainingTimeInMillis === 'function' ? context : withoutDeadline,
  );
  const { batchItemFailures } = await sender.processBatch(event.Records ?? []);
  return { batchItemFailures };
}

/**
 * The send Lambda handler: returns the partial batch response. Works with a minimal `context`
 * (the local bridge calls it directly); give it `getRemainingTimeInMillis` so in-progress
 * idempotency records expire with the invocation.
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
