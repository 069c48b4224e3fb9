import { type Message, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { type LocalApiGateway, startApiGatewayServer } from '../../../local/api-gateway';
import { startSecretsManagerDouble } from '../../../local/aws/secrets-manager-double';
import { startLocalSqs } from '../../../local/aws/sqs-server';
import type { LambdaHandler } from '../../../local/lambda-context';
import { startSqsFaultProxy } from '../../support/faults/sqs-fault-proxy';
import { drainQueue } from '../../support/sqs-drain';

export const REGION = 'us-east-1';
export const PROJECT_ID = 'fault-project';
export const EVENTS_QUEUE = 'events.fifo';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** The real webhook function behind the local HTTP API, publishing through a flaky SQS. */
export interface WebhookStand {
  /** Base URL of the local HTTP API. */
  url: string;
  secrets: Record<string, string>;
  /** Faults the SQS proxy injected into the webhook's `SendMessage` calls. */
  faults: () => { calls: number; before: number; after: number };
  /** Bodies of the `SendMessage` calls that got an injected fault. */
  faultedBodies: string[];
  /** Invocations that threw (API Gateway answered 500 for them). */
  handlerErrors: () => number;
  /** Receives everything on the events queue (straight from SQS, not through the proxy). */
  drainEvents(): Promise<Message[]>;
  /** A client for the events queue, bypassing the proxy. */
  sqs: SQSClient;
  eventsQueueUrl: string;
  close(): Promise<void>;
}

/**
 * Starts local SQS, a fault proxy in front of it (failing `rate` of `SendMessage` calls), the
 * Secrets Manager double holding the apps' webhook secrets, and the real webhook handler behind
 * the local API Gateway. The handler's SDK clients find the stand-ins through the standard
 * `AWS_ENDPOINT_URL_*` variables, set here before the handler module loads: call this once per
 * process.
 *
 * @example
 * const stand = await startWebhookStand({ rate: 0.1, seed: 7 });
 */
export async function startWebhookStand(options: { rate: number; seed: number }): Promise<WebhookStand> {
  const secrets = {
    '01HFAULTAPPKNOWN0000000000': 'first-app-secret',
    '01HFAULTAPPSECOND000000000': 'second-app-secret',
  };
  const sqsServer = await startLocalSqs({
    region: REGION,
    queues: [{ name: EVENTS_QUEUE, attributes: { FifoQueue: 'true', VisibilityTimeout: '30' } }],
  });
  const faultedBodies: string[] = [];
  const proxy = await startSqsFaultProxy({
    target: sqsServer.endpoint,
    operations: ['SendMessage'],
    rate: options.rate,
    seed: options.seed,
    onFault: ({ body }) => {
      faultedBodies.push(body.toString('utf8'));
    },
  });
  const sm = await startSecretsManagerDouble();
  sm.put('webhook-secrets', JSON.stringify(secrets));
  const eventsQueueUrl = sqsServer.queueUrl(EVENTS_QUEUE);
  // The SDK sends to the host of the queue URL, so the handler gets the proxy's URL of the queue.
  const proxiedQueueUrl = eventsQueueUrl.replace(sqsServer.endpoint, proxy.endpoint);
  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_SQS: proxy.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
    SINCH_REGION: 'eu',
    SINCH_PROJECT_ID: PROJECT_ID,
    EVENTS_QUEUE_URL: proxiedQueueUrl,
    WEBHOOK_SECRETS_ID: 'webhook-secrets',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'CRITICAL',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
  });
  const { handler } = (await import('../../../functions/webhook/handler')) as {
    handler: LambdaHandler<APIGatewayProxyEventV2, APIGatewayProxyResultV2<unknown>>;
  };
  let handlerErrors = 0;
  const api: LocalApiGateway = await startApiGatewayServer(handler, {
    function: { functionName: 'webhook' },
    onError: () => {
      handlerErrors++;
    },
  });
  const sqs = new SQSClient({ endpoint: sqsServer.endpoint, region: REGION, credentials: CREDENTIALS });

  return {
    url: api.url,
    secrets,
    faults: () => ({ ...proxy.counts }),
    faultedBodies,
    handlerErrors: () => handlerErrors,
    sqs,
    eventsQueueUrl,
    drainEvents: () => drainQueue(sqs, eventsQueueUrl, { emptyPolls: 2 }),
    async close() {
      sqs.destroy();
      await api.close();
      await Promise.all([proxy.close(), sm.close()]);
      await sqsServer.close();
    },
  };
}
