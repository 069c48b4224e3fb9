import { createHmac, timingSafeEqual } from 'node:crypto';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ConversationCallbackWebhooks } from '@sinch/sdk-core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { signSinchCallback } from '../../functions/sinch/signature';
import { startSecretsManagerDouble } from '../../local/aws/secrets-manager-double';
import { createLambdaContext, type LambdaHandler } from '../../local/lambda-context';
import { apiGatewayEvent } from '../../test/support/apigw';
import { callbacks } from '../../test/support/callbacks';
import { localQueueUrl, startStandInProcess } from '../stand-in-processes';
import { quantile } from '../stats';

export interface WebhookBenchResult {
  events: number;
  eventsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  minimalEventsPerSec: number;
  minimalP50Ms: number;
  minimalP99Ms: number;
  sdkEventsPerSec: number;
  sdkP50Ms: number;
  sdkP99Ms: number;
  /** CPU time (user + system) of this process per event: less sensitive to a busy machine than rates. */
  cpuMsPerEvent: number;
  minimalCpuMsPerEvent: number;
  sdkCpuMsPerEvent: number;
  /** eventsPerSec / minimalEventsPerSec; the target is at least 0.8. */
  ratioToMinimal: number;
}

const APP_ID = '01HBENCHWEBHOOKAPP00000000';
const PROJECT_ID = 'bench-project';
const SECRET = 'bench-webhook-secret';
const IDENTITIES = 50;

type Pipeline = (event: APIGatewayProxyEventV2) => Promise<number>;

function header(event: APIGatewayProxyEventV2, name: string): string {
  return event.headers[name] ?? '';
}

/**
 * What a user would write by hand: HMAC check, `JSON.parse`, one `SendMessage`. No timestamp
 * window, no schema, no normalization: the floor the real handler is compared with.
 */
function minimalPipeline(sqs: SQSClient, queueUrl: string): Pipeline {
  return async (event) => {
    const body = event.body ?? '';
    const signed = `${body}.${header(event, 'x-sinch-webhook-signature-nonce')}.${header(event, 'x-sinch-webhook-signature-timestamp')}`;
    const expected = createHmac('sha256', SECRET).update(signed).digest();
    const given = Buffer.from(header(event, 'x-sinch-webhook-signature'), 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 401;
    const callback = JSON.parse(body) as {
      message?: { id?: string; channel_identity?: { channel?: string; identity?: string } };
    };
    const identity = callback.message?.channel_identity;
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body,
        MessageGroupId: `${APP_ID}:${identity?.channel}:${identity?.identity}`,
        MessageDeduplicationId: callback.message?.id ?? 'none',
      }),
    );
    return 200;
  };
}

/** The same pipeline with the official SDK's signature check and callback parsing. */
function sdkPipeline(sqs: SQSClient, queueUrl: string): Pipeline {
  const webhooks = new ConversationCallbackWebhooks(SECRET);
  return async (event) => {
    const body = event.body ?? '';
    if (!webhooks.validateAuthenticationHeader(event.headers, body, event.rawPath, 'POST')) return 401;
    const parsed = webhooks.parseEvent(body) as {
      message?: { id?: string; channel_identity?: { channel?: string; identity?: string } };
    };
    const identity = parsed.message?.channel_identity;
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body,
        MessageGroupId: `${APP_ID}:${identity?.channel}:${identity?.identity}`,
        MessageDeduplicationId: parsed.message?.id ?? 'none',
      }),
    );
    return 200;
  };
}

function signedEvents(prefix: string, count: number): APIGatewayProxyEventV2[] {
  return Array.from({ length: count }, (_, i) => {
    const body = JSON.stringify(
      callbacks.messageInbound({
        appId: APP_ID,
        projectId: PROJECT_ID,
        mode: 'DISPATCH',
        channel: 'WHATSAPP',
        identity: `4670200${String(i % IDENTITIES).padStart(4, '0')}`,
        messageId: `${prefix}-${i}`,
      }),
    );
    return apiGatewayEvent({
      path: `/webhooks/${APP_ID}`,
      headers: { 'content-type': 'application/json', ...signSinchCallback({ secret: SECRET, body }) },
      body,
    });
  });
}

/**
 * The webhook benchmark: the real handler (signature, timestamp window, secret cache, schema
 * validation, normalization to a CloudEvent, one `SendMessage`) against loopback SQS, beside the
 * minimal hand-written pipeline and the `@sinch/sdk-core` pipeline, each with its own
 * `SQSClient` of default configuration. Invocations are sequential (one Lambda container handles
 * one request at a time); the three pipelines take turns in rounds so drift hits them alike.
 *
 * @example
 * const result = await runWebhookBench({ events: 2000 });
 */
export async function runWebhookBench(
  options: { events?: number; rounds?: number } = {},
): Promise<WebhookBenchResult> {
  const events = options.events ?? 2000;
  const rounds = options.rounds ?? 4;
  const perRound = Math.ceil(events / rounds);
  const sqsServer = await startStandInProcess({
    kind: 'sqs',
    queues: [{ name: 'events.fifo', attributes: { FifoQueue: 'true' } }],
  });
  const sm = await startSecretsManagerDouble();
  sm.put('webhook-secrets', JSON.stringify({ [APP_ID]: SECRET }));
  const queueUrl = localQueueUrl(sqsServer.endpoint, 'events.fifo');
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_SQS: sqsServer.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
    SINCH_REGION: 'eu',
    SINCH_PROJECT_ID: PROJECT_ID,
    EVENTS_QUEUE_URL: queueUrl,
    WEBHOOK_SECRETS_ID: 'webhook-secrets',
  });
  const { handler } = (await import('../../functions/webhook/handler')) as {
    handler: LambdaHandler<APIGatewayProxyEventV2, APIGatewayProxyResultV2<unknown>>;
  };
  const real: Pipeline = async (event) => {
    const result = await handler(event, createLambdaContext({ functionName: 'webhook' }));
    return (result as { statusCode?: number }).statusCode ?? 200;
  };
  const minimalSqs = new SQSClient({});
  const sdkSqs = new SQSClient({});
  const pipelines: Record<'real' | 'minimal' | 'sdk', Pipeline> = {
    real,
    minimal: minimalPipeline(minimalSqs, queueUrl),
    sdk: sdkPipeline(sdkSqs, queueUrl),
  };
  const samples = { real: [] as number[], minimal: [] as number[], sdk: [] as number[] };
  const totals = { real: 0, minimal: 0, sdk: 0 };
  const cpu = { real: 0, minimal: 0, sdk: 0 };
  try {
    // Warm-up: JIT, connection pools, the handler's secret cache.
    for (const [name, run] of Object.entries(pipelines)) {
      for (const event of signedEvents(`warm-${name}`, 100)) await run(event);
    }
    for (let round = 0; round < rounds; round++) {
      for (const name of ['real', 'minimal', 'sdk'] as const) {
        const batch = signedEvents(`${name}-${round}`, perRound);
        const started = performance.now();
        const cpuStart = process.cpuUsage();
        for (const event of batch) {
          const t0 = performance.now();
          const status = await pipelines[name](event);
          samples[name].push(performance.now() - t0);
          if (status !== 200) throw new Error(`${name} pipeline answered ${status}`);
        }
        totals[name] += performance.now() - started;
        const used = process.cpuUsage(cpuStart);
        cpu[name] += (used.user + used.system) / 1000;
      }
    }
  } finally {
    minimalSqs.destroy();
    sdkSqs.destroy();
    await sm.close();
    await sqsServer.close();
  }
  const perSec = (name: keyof typeof totals) => (samples[name].length / totals[name]) * 1000;
  return {
    events: samples.real.length,
    eventsPerSec: perSec('real'),
    p50Ms: quantile(samples.real, 0.5),
    p99Ms: quantile(samples.real, 0.99),
    minimalEventsPerSec: perSec('minimal'),
    minimalP50Ms: quantile(samples.minimal, 0.5),
    minimalP99Ms: quantile(samples.minimal, 0.99),
    sdkEventsPerSec: perSec('sdk'),
    sdkP50Ms: quantile(samples.sdk, 0.5),
    sdkP99Ms: quantile(samples.sdk, 0.99),
    cpuMsPerEvent: cpu.real / samples.real.length,
    minimalCpuMsPerEvent: cpu.minimal / samples.minimal.length,
    sdkCpuMsPerEvent: cpu.sdk / samples.sdk.length,
    ratioToMinimal: perSec('real') / perSec('minimal'),
  };
}
