import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SinchClient } from '@sinch/sdk-core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { TUNABLE_DEFAULTS } from '../../infra/config';
import { startSecretsManagerDouble } from '../../local/aws/secrets-manager-double';
import { redrivePolicy } from '../../local/aws/sqs-server';
import { startEventSourceMapping } from '../../local/event-source-mapping';
import type { LambdaHandler } from '../../local/lambda-context';
import { localQueueUrl, startSinchStandInProcess, startStandInProcess } from '../stand-in-processes';
import { quantile } from '../stats';

const mean = (xs: number[]) => (xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

export interface SendBenchResult {
  commands: number;
  groups: number;
  sinchLatencyMs: number;
  /** Event source mapping concurrency and batch size: the stack's defaults. */
  concurrency: number;
  batchSize: number;
  sendsPerSec: number;
  tokenRequests: number;
  sdkSequentialCommands: number;
  sdkSequentialSendsPerSec: number;
  sdkTokenRequests: number;
  /** Send handler invocations, mean records (and FIFO groups) per invocation, mean and p99 duration. */
  invocations: number;
  recordsPerInvocation: number;
  groupsPerInvocation: number;
  invocationMeanMs: number;
  invocationP99Ms: number;
  /**
   * Writes/s the local DynamoDB stand-in (dynalite) takes at 50 in parallel, measured before the
   * run. Idempotency costs two writes per command, so half of this caps `sendsPerSec` here; real
   * DynamoDB has no such single-process ceiling.
   */
  dynamoDbStandInWritesPerSec: number;
  /**
   * CPU time of this process per command while the bridge ran: the send handler, its SDK
   * clients and the local event source mapping (Lambda's poller, which in AWS is not billed to
   * the function). Sinch, SQS and DynamoDB stand-ins run in their own processes.
   */
  cpuMsPerSend: number;
  /**
   * CPU per command of each stand-in process during the same window: what SQS, DynamoDB and
   * Sinch cost this machine. On 2 cores their sum and `cpuMsPerSend` share the CPU, so a large
   * stand-in share caps `sendsPerSec` here but not in AWS.
   */
  standInCpuMsPerSend: { sqs: number; dynamodb: number; sinch: number };
  /** sendsPerSec / sdkSequentialSendsPerSec; the target is at least 10. */
  speedup: number;
}

const APP_ID = '01HBENCHSENDAPP00000000000';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Throughput of the DynamoDB stand-in alone: 500 conditional puts, 50 at a time. */
async function measureDynamoDbWrites(endpoint: string): Promise<number> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
  });
  const put = (id: string) =>
    client.send(
      new PutItemCommand({
        TableName: 'idempotency',
        Item: { id: { S: id }, status: { S: 'INPROGRESS' } },
        ConditionExpression: 'attribute_not_exists(id)',
      }),
    );
  for (let i = 0; i < 50; i++) await put(`probe-warm-${i}`);
  const started = performance.now();
  for (let i = 0; i < 10; i++)
    await Promise.all(Array.from({ length: 50 }, (_, j) => put(`probe-${i}-${j}`)));
  const perSec = (500 / (performance.now() - started)) * 1000;
  client.destroy();
  return perSec;
}

/**
 * The send benchmark: `commands` outbound commands in `groups` FIFO groups through the outbound
 * queue, the local event source mapping (the stack's concurrency and batch size) and the real
 * send handler (DynamoDB idempotency, `outbound.accepted` events) against the Sinch
 * double answering after `latencyMs`; beside a sequential loop of `messages.send` through
 * `@sinch/sdk-core`'s conversation client against the same double. Token requests are counted
 * for both. The clock runs from the first enqueue to the last send Sinch accepted. Local SQS and
 * DynamoDB run in their own processes, as the real services do not share the Lambda's CPU.
 *
 * @example
 * const result = await runSendBench({ commands: 1000, groups: 100, latencyMs: 20 });
 */
export async function runSendBench(
  options: {
    commands?: number;
    groups?: number;
    latencyMs?: number;
    sdkCommands?: number;
    /** Default: the stack's `maxConcurrency`. */
    concurrency?: number;
  } = {},
): Promise<SendBenchResult> {
  const commands = options.commands ?? 1000;
  const groups = options.groups ?? 100;
  const latencyMs = options.latencyMs ?? 20;
  const sdkCommands = options.sdkCommands ?? 200;
  const concurrency = options.concurrency ?? TUNABLE_DEFAULTS.maxConcurrency;
  const batchSize = TUNABLE_DEFAULTS.batchSize;
  // Sinch, SQS and DynamoDB each in their own process: none of them runs on a Lambda's CPU.
  const sinch = await startSinchStandInProcess({ latencyMs });
  const sqsServer = await startStandInProcess({
    kind: 'sqs',
    queues: [
      { name: 'outbound-dlq.fifo', attributes: { FifoQueue: 'true' } },
      { name: 'events.fifo', attributes: { FifoQueue: 'true' } },
      {
        name: 'outbound.fifo',
        attributes: {
          FifoQueue: 'true',
          VisibilityTimeout: '180',
          RedrivePolicy: redrivePolicy('outbound-dlq.fifo', 7),
        },
      },
    ],
  });
  const ddb = await startStandInProcess({ kind: 'dynamodb', tables: ['idempotency'] });
  const dynamoDbStandInWritesPerSec = await measureDynamoDbWrites(ddb.endpoint);
  const sm = await startSecretsManagerDouble();
  sm.put('sinch-credentials', JSON.stringify({ keyId: sinch.keyId, keySecret: sinch.keySecret }));
  const outboundUrl = localQueueUrl(sqsServer.endpoint, 'outbound.fifo');
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_SQS: sqsServer.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
    SINCH_REGION: 'eu',
    SINCH_PROJECT_ID: sinch.projectId,
    EVENTS_QUEUE_URL: localQueueUrl(sqsServer.endpoint, 'events.fifo'),
    SINCH_CREDENTIALS_ID: 'sinch-credentials',
    SINCH_API_URL: sinch.apiUrl,
    SINCH_AUTH_URL: sinch.authUrl,
    OUTBOUND_DLQ_URL: localQueueUrl(sqsServer.endpoint, 'outbound-dlq.fifo'),
    IDEMPOTENCY_TABLE: 'idempotency',
  });
  const { handler } = (await import('../../functions/send/handler')) as {
    handler: LambdaHandler<SQSEvent, SQSBatchResponse>;
  };
  const invocations: Array<{ records: number; groups: number; ms: number }> = [];
  const timed: typeof handler = async (event, context) => {
    const t0 = performance.now();
    try {
      return await handler(event, context);
    } finally {
      invocations.push({
        records: event.Records.length,
        groups: new Set(event.Records.map((r) => r.attributes.MessageGroupId)).size,
        ms: performance.now() - t0,
      });
    }
  };
  const mapping = startEventSourceMapping({
    queueUrl: outboundUrl,
    handler: timed,
    batchSize,
    concurrency,
    function: { functionName: 'send', timeoutMs: TUNABLE_DEFAULTS.sendTimeoutSeconds * 1000 },
  });
  // The producer of the commands runs in this process too: cacheMiddleware keeps its share of
  // the measured CPU small (it is not the bridge's work).
  const sqs = new SQSClient({ cacheMiddleware: true });
  const body = (i: number) => ({
    identity: `4670300${String(i % groups).padStart(4, '0')}`,
    text: `benchmark command ${i}`,
  });
  let sendsPerSec: number;
  let tokenRequests: number;
  let cpuMsPerSend: number;
  let standInCpuMsPerSend: SendBenchResult['standInCpuMsPerSend'];
  const standInCpu = () => Promise.all([sqsServer.cpuMs(), ddb.cpuMs(), sinch.cpuMs()]);
  try {
    const standInStart = await standInCpu();
    const started = performance.now();
    const cpuStart = process.cpuUsage();
    for (let i = 0; i < commands; i += 10) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: outboundUrl,
          Entries: Array.from({ length: Math.min(10, commands - i) }, (_, j) => {
            const { identity, text } = body(i + j);
            return {
              Id: String(j),
              MessageBody: JSON.stringify({
                id: `bench-${i + j}`,
                appId: APP_ID,
                to: { channel: 'SMS', identity },
                text,
              }),
              MessageGroupId: `${APP_ID}:SMS:${identity}`,
              MessageDeduplicationId: `bench-${i + j}`,
            };
          }),
        }),
      );
    }
    const deadline = Date.now() + 120_000;
    for (let accepted = 0; accepted < commands; accepted = (await sinch.counts()).accepted) {
      if (Date.now() > deadline) throw new Error(`only ${accepted} of ${commands} sends after 120 s`);
      await sleep(5);
    }
    sendsPerSec = (commands / (performance.now() - started)) * 1000;
    const used = process.cpuUsage(cpuStart);
    cpuMsPerSend = (used.user + used.system) / 1000 / commands;
    const standInEnd = await standInCpu();
    const [sqsMs, dynamodbMs, sinchMs] = standInEnd.map((end, i) => (end - standInStart[i]!) / commands);
    standInCpuMsPerSend = { sqs: sqsMs!, dynamodb: dynamodbMs!, sinch: sinchMs! };
    tokenRequests = (await sinch.counts()).tokenFetches;
  } catch (error) {
    await sinch.close();
    throw error;
  } finally {
    sqs.destroy();
    await mapping.stop();
    await Promise.all([sqsServer.close(), ddb.close(), sm.close()]);
  }

  await sinch.reset();
  const sdk = new SinchClient({
    projectId: sinch.projectId,
    keyId: sinch.keyId,
    keySecret: sinch.keySecret,
    authHostname: sinch.apiUrl,
    conversationHostname: sinch.apiUrl,
  });
  const started = performance.now();
  let sdkSequentialSendsPerSec: number;
  let sdkTokenRequests: number;
  try {
    for (let i = 0; i < sdkCommands; i++) {
      const { identity, text } = body(i);
      await sdk.conversation.messages.send({
        sendMessageRequestBody: {
          app_id: APP_ID,
          recipient: { identified_by: { channel_identities: [{ channel: 'SMS', identity }] } },
          message: { text_message: { text } },
          correlation_id: `sdk-${i}`,
        },
      });
    }
    sdkSequentialSendsPerSec = (sdkCommands / (performance.now() - started)) * 1000;
    sdkTokenRequests = (await sinch.counts()).tokenFetches;
  } finally {
    await sinch.close();
  }
  return {
    commands,
    groups,
    sinchLatencyMs: latencyMs,
    concurrency,
    batchSize,
    sendsPerSec,
    tokenRequests,
    sdkSequentialCommands: sdkCommands,
    sdkSequentialSendsPerSec,
    sdkTokenRequests,
    dynamoDbStandInWritesPerSec,
    cpuMsPerSend,
    standInCpuMsPerSend,
    invocations: invocations.length,
    recordsPerInvocation: mean(invocations.map((i) => i.records)),
    groupsPerInvocation: mean(invocations.map((i) => i.groups)),
    invocationMeanMs: mean(invocations.map((i) => i.ms)),
    invocationP99Ms: quantile(
      invocations.map((i) => i.ms),
      0.99,
    ),
    speedup: sendsPerSec / sdkSequentialSendsPerSec,
  };
}
