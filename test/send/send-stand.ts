/**
 * The send function's test stand: local SQS (outbound queue, its DLQ, events queue), dynalite
 * (idempotency table), the Secrets Manager double (Sinch credentials) and the Sinch double, all
 * on loopback, with the environment the handler reads. `deliver()` does what Lambda's event
 * source mapping does: receive a batch, invoke the handler, delete what did not fail.
 */
import { randomUUID } from 'node:crypto';
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { CloudEvent } from '../../functions/events/cloud-event';
import { SUPPRESSION_TABLE_INDEXES } from '../../functions/suppression/suppression-list';
import { startLocalDynamoDb } from '../../local/aws/dynamodb-server';
import { startSecretsManagerDouble } from '../../local/aws/secrets-manager-double';
import { redrivePolicy, startLocalSqs } from '../../local/aws/sqs-server';
import { type SqsFaultProxy, startSqsFaultProxy } from '../support/faults/sqs-fault-proxy';
import { type SinchDouble, startSinchDouble } from '../support/sinch-double';

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
export const APP_ID = '01HAPPTESTSEND0000000000000';

type Handler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface SendStand {
  sinch: SinchDouble;
  handler: Handler;
  /**
   * A fault proxy between the handler and dynalite, off (rate 0) until a test turns it on:
   * `stand.ddbFaults.rate = 1` with `ddbFaultMatch` set fails the matching DynamoDB calls
   * (`UpdateItem`s of the command record, `BatchGetItem`s of the suppression check).
   */
  ddbFaults: SqsFaultProxy;
  /** Which DynamoDB requests `ddbFaults` may fail (by body); default all it watches. */
  ddbFaultMatch: ((body: string) => boolean) | undefined;
  /** Puts a command (object or raw body) on the outbound queue. */
  enqueue(command: unknown, group?: string): Promise<void>;
  /** Receives up to 10 outbound messages without invoking anything. */
  receiveRaw(): Promise<{ messages: Message[] }>;
  /** The `SQSEvent` Lambda would build from received messages. */
  toEvent(messages: Message[]): SQSEvent;
  /**
   * One event-source-mapping round: receive up to 10, invoke, delete the successes. The
   * invocation's deadline is `timeoutMs` (default 30 s) after the receive.
   */
  deliver(options?: { timeoutMs?: number }): Promise<{ messages: Message[]; response: SQSBatchResponse }>;
  /** Rounds until the outbound queue has nothing visible. */
  deliverAll(maxRounds?: number): Promise<SQSBatchResponse[]>;
  /** Receives (and deletes) everything on the events queue, parsed. */
  takeEvents(): Promise<Array<{ body: CloudEvent; message: Message }>>;
  /** Receives (and deletes) everything on the outbound DLQ. */
  takeDeadLetters(): Promise<Message[]>;
  idempotencyItems(): Promise<Array<Record<string, AttributeValue>>>;
  close(): Promise<void>;
}

export async function startSendStand(env: Record<string, string> = {}): Promise<SendStand> {
  const sqs = await startLocalSqs({
    region: REGION,
    queues: [
      { name: 'outbound-dlq.fifo', attributes: { FifoQueue: 'true' } },
      {
        name: 'outbound.fifo',
        attributes: {
          FifoQueue: 'true',
          VisibilityTimeout: '60',
          // The safety net only: well above MAX_ATTEMPTS.
          RedrivePolicy: redrivePolicy('outbound-dlq.fifo', 20, REGION),
        },
      },
      { name: 'events.fifo', attributes: { FifoQueue: 'true' } },
    ],
  });
  // The suppression table is there for tests that set SUPPRESSION_TABLE: 'suppressions'.
  const ddb = await startLocalDynamoDb({
    tables: ['idempotency', { name: 'suppressions', indexes: SUPPRESSION_TABLE_INDEXES }],
    region: REGION,
  });
  const faultMatch: { current: ((body: string) => boolean) | undefined } = { current: undefined };
  const ddbFaults = await startSqsFaultProxy({
    target: ddb.endpoint,
    operations: ['UpdateItem', 'BatchGetItem'],
    rate: 0,
    modes: ['before'],
    match: (body) => faultMatch.current?.(body.toString('utf8')) ?? true,
  });
  const secrets = await startSecretsManagerDouble();
  const sinch = await startSinchDouble({ projectId: 'proj-send' });
  secrets.put('sinch-credentials', JSON.stringify({ keyId: sinch.keyId, keySecret: sinch.keySecret }));

  Object.assign(process.env, {
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: ddbFaults.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    SINCH_REGION: 'eu',
    SINCH_PROJECT_ID: sinch.projectId,
    SINCH_API_URL: sinch.apiUrl,
    SINCH_AUTH_URL: sinch.authUrl,
    SINCH_CREDENTIALS_ID: 'sinch-credentials',
    EVENTS_QUEUE_URL: sqs.queueUrl('events.fifo'),
    OUTBOUND_DLQ_URL: sqs.queueUrl('outbound-dlq.fifo'),
    IDEMPOTENCY_TABLE: 'idempotency',
    MAX_ATTEMPTS: '3',
    // Backoff ceiling 0: a retried command is visible again at once, which proves the handler
    // set its visibility (the queue's own timeout is 60 s). backoff.test.ts covers the curve.
    RETRY_BASE_SECONDS: '0',
    // Generous: on a loaded 2-core machine a cold call (token + send) may take a second or two.
    SINCH_TIMEOUT_MS: '3000',
    // No project hold by default: one scripted 403 must not hold the next test's commands.
    PROJECT_HOLD_SECONDS: '0',
    POWERTOOLS_METRICS_NAMESPACE: 'SendTest',
    ...env,
  });
  const { handler } = (await import('../../functions/send/handler')) as { handler: Handler };

  const client = new SQSClient({ region: REGION, endpoint: sqs.endpoint, credentials });
  const outboundUrl = sqs.queueUrl('outbound.fifo');
  const receive = async (QueueUrl: string, VisibilityTimeout?: number) =>
    (
      await client.send(
        new ReceiveMessageCommand({
          QueueUrl,
          MaxNumberOfMessages: 10,
          AttributeNames: ['All'],
          MessageAttributeNames: ['All'],
          ...(VisibilityTimeout === undefined ? {} : { VisibilityTimeout }),
        }),
      )
    ).Messages ?? [];
  const remove = async (QueueUrl: string, messages: Message[]) => {
    if (messages.length === 0) return;
    await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  };
  const takeAll = async (QueueUrl: string) => {
    const all: Message[] = [];
    for (;;) {
      const batch = await receive(QueueUrl);
      if (batch.length === 0) return all;
      await remove(QueueUrl, batch);
      all.push(...batch);
    }
  };

  const toEvent = (messages: Message[]): SQSEvent => ({
    Records: messages.map((m) => ({
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body ?? '',
      attributes: m.Attributes as never,
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${REGION}:123456789012:outbound.fifo`,
      awsRegion: REGION,
    })),
  });

  const deliver = async (deliverOptions: { timeoutMs?: number } = {}) => {
    const messages = await receive(outboundUrl);
    const event = toEvent(messages);
    const deadline = Date.now() + (deliverOptions.timeoutMs ?? 30_000);
    const context = {
      functionName: 'send-test',
      awsRequestId: randomUUID(),
      getRemainingTimeInMillis: () => deadline - Date.now(),
    } as unknown as Context;
    const response = await handler(event, context);
    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    await remove(
      outboundUrl,
      messages.filter((m) => !failed.has(m.MessageId!)),
    );
    return { messages, response };
  };

  return {
    sinch,
    handler,
    ddbFaults,
    get ddbFaultMatch() {
      return faultMatch.current;
    },
    set ddbFaultMatch(value) {
      faultMatch.current = value;
    },
    enqueue: async (command, group = 'g') => {
      await client.send(
        new SendMessageCommand({
          QueueUrl: outboundUrl,
          MessageBody: typeof command === 'string' ? command : JSON.stringify(command),
          MessageGroupId: group,
          MessageDeduplicationId: randomUUID(),
        }),
      );
    },
    receiveRaw: async () => ({ messages: await receive(outboundUrl) }),
    toEvent,
    deliver,
    deliverAll: async (maxRounds = 10) => {
      const responses: SQSBatchResponse[] = [];
      for (let round = 0; round < maxRounds; round++) {
        const { messages, response } = await deliver();
        if (messages.length === 0) break;
        responses.push(response);
      }
      return responses;
    },
    takeEvents: async () =>
      (await takeAll(sqs.queueUrl('events.fifo'))).map((message) => ({
        body: JSON.parse(message.Body!),
        message,
      })),
    takeDeadLetters: () => takeAll(sqs.queueUrl('outbound-dlq.fifo')),
    idempotencyItems: async () => {
      const ddbClient = new DynamoDBClient({ region: REGION, endpoint: ddb.endpoint, credentials });
      const { Items } = await ddbClient.send(new ScanCommand({ TableName: 'idempotency' }));
      ddbClient.destroy();
      return Items ?? [];
    },
    close: async () => {
      client.destroy();
      await Promise.all([sqs.close(), ddbFaults.close(), ddb.close(), secrets.close(), sinch.close()]);
    },
  };
}
