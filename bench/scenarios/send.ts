import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SinchClient } from '@sinch/sdk-core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { SUPPRESSION_TABLE_INDEXES } from '../../functions/suppression/suppression-list';
import { TUNABLE_DEFAULTS } from '../../infra/config';
import { startSecretsManagerDouble } from '../../local/aws/secrets-manager-double';
import { createLambdaContext, type LambdaHandler } from '../../local/lambda-context';
import {
  localQueueUrl,
  SEND_PATH_QUEUES,
  startSinchStandInProcess,
  startStandInProcess,
} from '../stand-in-processes';
import { quantile } from '../stats';
import { startSendPoller } from './send-poller';

const mean = (xs: number[]) => (xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

export interface SendBenchResult {
  commands: number;
  groups: number;
  sinchLatencyMs: number;
  /** Event source mapping concurrency and batch size: the stack's defaults. */
  concurrency: number;
  batchSize: number;
  /** The median of `sendsPerSecRounds`. */
  sendsPerSec: number;
  /** Measured rounds: each drains a backlog of `commands` (after the warm-up). */
  rounds: number;
  /** Sends/s of each round, in order: the spread says how steady the machine was. */
  sendsPerSecRounds: number[];
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
   * CPU time of this process per command while the bridge ran (all rounds): the send handler, its SDK
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
  /**
   * CPU per command of the poller's process: Lambda's event source mapping (receive, delete) and
   * the producer of the commands, which in AWS run on neither the function's CPU nor the bill.
   */
  pollerCpuMsPerSend: number;
  /** sendsPerSec / sdkSequentialSendsPerSec; the target is at least 10. */
  speedup: number;
}

const APP_ID = '01HBENCHSENDAPP00000000000';

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
 * send handler (the suppression check, the command record, `outbound.accepted` events) against
 * the Sinch double answering after `latencyMs`; beside a sequential loop of `messages.send`
 * through `@sinch/sdk-core`'s conversation client against the same double. Token requests are
 * counted for both. `warmupCommands` go through first, unmeasured (Lambda's containers are warm
 * in a steady stream); then, `rounds` times, `commands` wait in the queue as a backlog, and the
 * clock runs from the moment the pollers start on it to the last send Sinch accepted; the result
 * is the median round. Local SQS and DynamoDB run in their own processes, as the real services do not share
 * the Lambda's CPU.
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
    /** Commands sent before the clock starts, to warm the containers; default 200. */
    warmupCommands?: number;
    /** Backlogs of `commands` drained one after the other, each timed; default 3. */
    rounds?: number;
  } = {},
): Promise<SendBenchResult> {
  const commands = options.commands ?? 1000;
  const groups = options.groups ?? 100;
  const latencyMs = options.latencyMs ?? 20;
  const sdkCommands = options.sdkCommands ?? 200;
  const concurrency = options.concurrency ?? TUNABLE_DEFAULTS.maxConcurrency;
  const batchSize = TUNABLE_DEFAULTS.batchSize;
  const warmupCommands = options.warmupCommands ?? 200;
  const rounds = options.rounds ?? 3;
  // Sinch, SQS and DynamoDB each in their own process: none of them runs on a Lambda's CPU.
  const sinch = await startSinchStandInProcess({ latencyMs });
  const sqsServer = await startStandInProcess({
    kind: 'sqs',
    queues: SEND_PATH_QUEUES,
  });
  const ddb = await startStandInProcess({
    kind: 'dynamodb',
    tables: ['idempotency', { name: 'suppressions', indexes: SUPPRESSION_TABLE_INDEXES }],
  });
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
    // As in the stack: every command is checked against the suppression list (empty here).
    SUPPRESSION_TABLE: 'suppressions',
  });
  const { handler } = (await import('../../functions/send/handler')) as {
    handler: LambdaHandler<SQSEvent, SQSBatchResponse>;
  };
  const invocations: Array<{ records: number; groups: number; ms: number }> = [];
  let measuredFrom = Number.POSITIVE_INFINITY;
  const timeoutMs = TUNABLE_DEFAULTS.sendTimeoutSeconds * 1000;
  // The containers' invocations run here, on this process's one thread; Lambda's poller (and the
  // producer of the commands) run in their own process and invoke them over IPC.
  const poller = await startSendPoller(
    { queueUrl: outboundUrl, batchSize, concurrency, timeoutMs },
    async (event, remainingMs) => {
      const t0 = performance.now();
      try {
        return await handler(event, createLambdaContext({ functionName: 'send', timeoutMs: remainingMs }));
      } finally {
        // Only the invocations that started after the clock did (not the warm-up's).
        if (t0 >= measuredFrom)
          invocations.push({
            records: event.Records.length,
            groups: new Set(event.Records.map((r) => r.attributes.MessageGroupId)).size,
            ms: performance.now() - t0,
          });
      }
    },
  );
  const body = (i: number) => ({
    identity: `4670300${String(i % groups).padStart(4, '0')}`,
    text: `benchmark command ${i}`,
  });
  let sendsPerSec: number;
  let sendsPerSecRounds: number[];
  let tokenRequests: number;
  let cpuMsPerSend: number;
  let standInCpuMsPerSend: SendBenchResult['standInCpuMsPerSend'];
  let pollerCpuMsPerSend: number;
  const standInCpu = () => Promise.all([sqsServer.cpuMs(), ddb.cpuMs(), sinch.cpuMs(), poller.cpuMs()]);
  /** `count` commands with ids `<prefix>-<n>`, over the groups in turn. */
  const commandsOf = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, i) => {
      const { identity, text } = body(i);
      return {
        body: JSON.stringify({ id: `${prefix}-${i}`, appId: APP_ID, to: { channel: 'SMS', identity }, text }),
        groupId: `${APP_ID}:SMS:${identity}`,
        dedupeId: `${prefix}-${i}`,
      };
    });
  const waitForAccepted = async (total: number) => {
    const accepted = await sinch.acceptedAtLeast(total, 120_000);
    if (accepted < total) throw new Error(`only ${accepted} of ${total} sends after 120 s`);
  };
  try {
    // Warm the containers first, as Lambda's are after their first invocations: they hold their
    // token and connections, and their hot code is optimised.
    await poller.poll();
    if (warmupCommands > 0) {
      await poller.enqueue(commandsOf('warm', warmupCommands));
      await waitForAccepted(warmupCommands);
    }
    // Then, in each round, a backlog of `commands` (pollers paused while it is enqueued, so the
    // producer's work is not in the window): the clock runs from the pollers' start until the
    // last is accepted. The median round is the result: one round on a shared 2-core machine
    // moves by 15% from run to run for the same code.
    const roundRates: number[] = [];
    let cpuUsed = 0;
    let standInUsed = [0, 0, 0, 0];
    for (let round = 0; round < rounds; round++) {
      await poller.pause();
      await poller.enqueue(commandsOf(`bench${round}`, commands));
      const standInStart = await standInCpu();
      measuredFrom = Math.min(measuredFrom, performance.now());
      const started = performance.now();
      const cpuStart = process.cpuUsage();
      await poller.poll();
      await waitForAccepted(warmupCommands + commands * (round + 1));
      roundRates.push((commands / (performance.now() - started)) * 1000);
      const used = process.cpuUsage(cpuStart);
      cpuUsed += (used.user + used.system) / 1000;
      const standInEnd = await standInCpu();
      standInUsed = standInUsed.map((sum, i) => sum + standInEnd[i]! - standInStart[i]!);
    }
    sendsPerSecRounds = roundRates;
    sendsPerSec = quantile(roundRates, 0.5);
    const measured = commands * rounds;
    cpuMsPerSend = cpuUsed / measured;
    const [sqsMs, dynamodbMs, sinchMs, pollerMs] = standInUsed.map((ms) => ms / measured);
    standInCpuMsPerSend = { sqs: sqsMs!, dynamodb: dynamodbMs!, sinch: sinchMs! };
    pollerCpuMsPerSend = pollerMs!;
    tokenRequests = (await sinch.counts()).tokenFetches;
  } catch (error) {
    await sinch.close();
    throw error;
  } finally {
    await poller.stop();
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
    rounds,
    sendsPerSecRounds,
    tokenRequests,
    sdkSequentialCommands: sdkCommands,
    sdkSequentialSendsPerSec,
    sdkTokenRequests,
    dynamoDbStandInWritesPerSec,
    cpuMsPerSend,
    standInCpuMsPerSend,
    pollerCpuMsPerSend,
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
