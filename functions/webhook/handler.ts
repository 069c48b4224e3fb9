/**
 * Lambda entry of `POST /webhooks/{appId}` (API Gateway HTTP API, payload 2.0): wiring only.
 * The decisions live in `webhook-request.ts`; this file adds the environment, the AWS clients,
 * logs, metrics and the enqueue.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createDirectSendMessage } from '../events/direct-send-message';
import { readWebhookConfig, type WebhookConfig } from './webhook-config';
import { decideWebhookRequest, fromApiGatewayEvent } from './webhook-request';
import { acceptedResponse, rejectionResponse, type WebhookRejectionKind } from './webhook-response';
import { createWebhookSecretStore, type WebhookSecretStore } from './webhook-secrets';

const METRICS_NAMESPACE = process.env.POWERTOOLS_METRICS_NAMESPACE || 'SinchConversationBridge';
const SERVICE_NAME = process.env.POWERTOOLS_SERVICE_NAME || 'sinch-webhook';
const logger = new Logger({ serviceName: SERVICE_NAME });

interface Runtime {
  config: WebhookConfig;
  secrets: WebhookSecretStore;
  sendMessage: ReturnType<typeof createDirectSendMessage>;
}

// Built on the first request, not at import: the local bridge sets the environment and then
// imports this module, and tests start their loopback servers before the first call.
let runtime: Runtime | undefined;

function getRuntime(): Runtime | { problems: string[] } {
  if (runtime) return runtime;
  const read = readWebhookConfig(process.env);
  if (!read.ok) return { problems: read.problems };
  const { config } = read;
  runtime = {
    config,
    secrets: createWebhookSecretStore({
      secretId: config.secretsId,
      provider: new SecretsProvider(),
      maxAgeSeconds: config.secretsMaxAgeSeconds,
      unknownAppRefreshSeconds: config.unknownAppRefreshSeconds,
      maxStaleSeconds: config.secretsMaxStaleSeconds,
      notify: (notice) => {
        // App ids and ages only: the store never hands out a secret value here.
        if (notice.kind === 'malformed_entries') {
          count('SecretEntriesMalformed');
          logger.error('webhook secrets have malformed entries: those apps get 401', {
            appIds: notice.appIds,
          });
        } else {
          logger.warn('Secrets Manager failing: using the last good webhook secret', { ...notice });
        }
      },
    }),
    // The client's credentials, region, signer, HTTP handler and retry budget, without its
    // middleware stack: see direct-send-message.ts for why. md5: false: TLS protects the request.
    sendMessage: createDirectSendMessage(new SQSClient({ md5: false })),
  };
  return runtime;
}

const counters = new Map<string, Metrics>();

/**
 * One EMF document per count, with its own dimensions: nothing per request is kept on a shared
 * `Metrics` object, so concurrent invocations (the local bridge runs many in one process) never
 * mix their dimensions. One single-metric instance per (name, dimension) is built once and
 * reused: `metrics.singleMetric()` per call built a new `Metrics` each time, which was the
 * largest cost of the hot path after the SQS call. Dimension values are bounded (event types,
 * rejection kinds), so the map stays small.
 */
function count(name: string, dimension?: [string, string]): void {
  const key = dimension ? `${name}\u0000${dimension[0]}\u0000${dimension[1]}` : name;
  let counter = counters.get(key);
  if (!counter) {
    counter = new Metrics({
      namespace: METRICS_NAMESPACE,
      serviceName: SERVICE_NAME,
      singleMetric: true,
      ...(dimension ? { defaultDimensions: { [dimension[0]]: dimension[1] } } : {}),
    });
    counters.set(key, counter);
  }
  counter.addMetric(name, MetricUnit.Count, 1);
}

/**
 * The `EventsAccepted` count as CloudWatch embedded metric format members, carried by the
 * request's own INFO line (whose `service` and `type` keys are the dimensions): one log line per
 * accepted callback instead of a log line plus a Powertools metric line. Hand-built because
 * Powertools Metrics only writes its own lines; this one line is the hot path's largest saving
 * after the SQS call itself (docs/benchmarks.md). Same namespace, name, unit and dimensions
 * as `count('EventsAccepted', ['type', ...])`, which is used instead when INFO lines are off.
 */
const ACCEPTED_DIRECTIVE = [
  {
    Namespace: METRICS_NAMESPACE,
    Dimensions: [['service', 'type']],
    Metrics: [{ Name: 'EventsAccepted', Unit: MetricUnit.Count }],
  },
];
function acceptedMetric() {
  return { _aws: { Timestamp: Date.now(), CloudWatchMetrics: ACCEPTED_DIRECTIVE }, EventsAccepted: 1 };
}

function reject(kind: WebhookRejectionKind, keys: Record<string, unknown>) {
  count('WebhookRejected', ['reason', kind]);
  const status = rejectionResponse(kind);
  const line = { ...keys, reason: kind, status: status.statusCode };
  if ((status.statusCode ?? 500) >= 500) logger.error('webhook request failed', line);
  else logger.warn('webhook request rejected', line);
  return status;
}

async function handleWebhook(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  // Per-request log keys travel with each line (not logger.appendKeys) for the same reason.
  const keys: Record<string, unknown> = { apiRequestId: event.requestContext?.requestId };
  const current = getRuntime();
  if (!('config' in current)) return reject('misconfigured', { ...keys, problems: current.problems });
  const { config, secrets, sendMessage } = current;

  const request = fromApiGatewayEvent(event);
  // Path app ids are caller-controlled: bounded before they reach a log line.
  keys.appId = request.appId?.slice(0, 64);
  const decision = await decideWebhookRequest(request, {
    settings: {
      region: config.region,
      projectId: config.projectId,
      toleranceSeconds: config.toleranceSeconds,
    },
    secrets,
  });
  if (decision.outcome === 'reject') {
    const cause = decision.cause instanceof Error ? decision.cause.message : decision.cause;
    return reject(decision.kind, cause === undefined ? keys : { ...keys, cause });
  }

  const { event: normalized, message } = decision;
  if (decision.staleSecrets) count('StaleSecretsUsed');
  Object.assign(keys, { type: normalized.type, eventId: normalized.id, channel: normalized.data.channel });
  // Message text and phone numbers only at DEBUG (POWERTOOLS_LOG_LEVEL=DEBUG).
  logger.debug('normalized event', { ...keys, event: normalized });
  try {
    // Through the event router when the stack has one; the answer is 2xx only once the event is
    // durable on whichever queue this is (docs/router.md).
    await sendMessage({ QueueUrl: config.routerQueueUrl ?? config.eventsQueueUrl, ...message });
  } catch (error) {
    count('EnqueueFailures');
    return reject('enqueue_failed', { ...keys, cause: (error as Error).name ?? 'unknown' });
  }
  if (logger.getLevelName() === 'DEBUG' || logger.getLevelName() === 'INFO') {
    logger.info('callback enqueued', { ...keys, ...acceptedMetric() });
  } else {
    count('EventsAccepted', ['type', normalized.type]);
  }
  return acceptedResponse(normalized.id);
}

/**
 * The webhook Lambda handler. Works with a minimal `context` object (the local bridge calls it
 * directly).
 *
 * @example
 * const result = await handler(apiGatewayEvent, {} as Context); // { statusCode: 200, ... }
 */
export const handler: (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2> = middy<
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2
>()
  .use(injectLambdaContext(logger))
  .handler(handleWebhook);
