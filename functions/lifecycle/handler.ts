/**
 * Lambda entry of the lifecycle sweep (an EventBridge schedule, every few minutes): wiring only.
 * The sweep lives in `unconfirmed-sweep.ts`.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { createCommandStatusStore } from './command-status-store';
import { type LifecycleConfig, readLifecycleConfig } from './lifecycle-config';
import { type SweepResult, sweepUnconfirmed } from './unconfirmed-sweep';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME || 'sinch-lifecycle';
const logger = new Logger({ serviceName });
const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE || 'SinchConversationBridge',
  serviceName,
});

/** Time kept back from the deadline: one mark, publish and unwatch. */
const DEADLINE_MARGIN_MS = 5_000;

interface Runtime {
  config: LifecycleConfig & { publishQueueUrl: string };
  store: ReturnType<typeof createCommandStatusStore>;
  sqs: SQSClient;
}
let runtime: Runtime | undefined;

function getRuntime(): Runtime {
  if (runtime) return runtime;
  const read = readLifecycleConfig(process.env);
  const problems = read.ok ? [] : read.problems;
  if (read.ok && !read.config.publishQueueUrl)
    problems.push('ROUTER_QUEUE_URL or EVENTS_QUEUE_URL: required');
  if (!read.ok || problems.length > 0) {
    logger.error('lifecycle sweep misconfigured', { problems });
    throw new Error(`lifecycle sweep misconfigured: ${problems.join('; ')}`);
  }
  runtime = {
    config: read.config as Runtime['config'],
    store: createCommandStatusStore({ tableName: read.config.tableName }),
    sqs: new SQSClient({ cacheMiddleware: true }),
  };
  return runtime;
}

async function sweep(_event: unknown, context: Context): Promise<SweepResult> {
  const { config, store, sqs } = getRuntime();
  const remaining =
    typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 60_000;
  const result = await sweepUnconfirmed({
    store,
    sqs,
    queueUrl: config.publishQueueUrl,
    origin: { region: config.region, projectId: config.projectId },
    sweepShards: config.sweepShards,
    lookbackDays: config.sweepLookbackDays,
    deadline: Date.now() + remaining - DEADLINE_MARGIN_MS,
  });
  metrics.addMetric('OutboundUnconfirmed', MetricUnit.Count, result.published);
  (result.published > 0 || result.truncated ? logger.warn : logger.info).call(logger, 'unconfirmed sweep', {
    ...result,
  });
  return result;
}

/**
 * The sweep Lambda handler.
 *
 * @example
 * await handler({}, createLambdaContext({ functionName: 'lifecycle-sweep', timeoutMs: 60_000 }));
 */
export const handler = middy<unknown, SweepResult>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(sweep);
