/**
 * Lambda entry of the event router (SQS event source on the router FIFO queue, with
 * `ReportBatchItemFailures`): wiring only. The routing lives in `event-router.ts`, the steps in
 * `steps.ts`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { configOrThrow } from '../environment';
import { createEventRouter, type RouterReport } from './event-router';
import { readRouterConfig } from './router-config';
import { createRouterSteps, ROUTER_STEP_FACTORIES } from './steps';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME || 'sinch-router';
const logger = new Logger({ serviceName });
const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || 'SinchConversationBridge',
  serviceName,
});

let router: ReturnType<typeof createEventRouter> | undefined;

// Built on the first invocation, not at import: the local bridge sets the environment first.
function getRouter(): ReturnType<typeof createEventRouter> {
  if (router) return router;
  const config = configOrThrow(readRouterConfig(process.env), 'router', logger);
  const steps = createRouterSteps(process.env, ROUTER_STEP_FACTORIES, {
    count: (metric, value = 1) => metrics.addMetric(metric, MetricUnit.Count, value),
    log: (level, message, fields) => logger[level](message, fields ?? {}),
  });
  logger.info('router steps', { steps: steps.map((s) => s.name) });
  router = createEventRouter({
    steps,
    // cacheMiddleware: the SDK otherwise rebuilds its middleware stack on every call.
    sqs: new SQSClient({ cacheMiddleware: true }),
    eventsQueueUrl: config.eventsQueueUrl,
    onReport: observe,
  });
  return router;
}

function observe(report: RouterReport): void {
  metrics.addMetric('RouterPublished', MetricUnit.Count, report.published);
  metrics.addMetric('RouterDerived', MetricUnit.Count, report.derived);
  if (report.passedThrough > 0) {
    metrics.addMetric('RouterPassedThrough', MetricUnit.Count, report.passedThrough);
    logger.warn('records that are not CloudEvents were forwarded unchanged', { count: report.passedThrough });
  }
  const failed = report.failures.filter((f) => !f.blockedBy);
  if (report.failures.length > 0) {
    metrics.addMetric('RouterFailed', MetricUnit.Count, failed.length);
    metrics.addMetric('RouterBlocked', MetricUnit.Count, report.failures.length - failed.length);
  }
  for (const failure of failed) logger.warn('router record failed, will retry', failure);
}

async function handleBatch(event: SQSEvent): Promise<SQSBatchResponse> {
  const { batchItemFailures } = await getRouter().processBatch(event.Records ?? []);
  return { batchItemFailures };
}

/**
 * The router Lambda handler: returns the partial batch response.
 *
 * @example
 * const { batchItemFailures } = await handler(sqsEvent, createLambdaContext({ functionName: 'router' }));
 */
export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(handleBatch);
