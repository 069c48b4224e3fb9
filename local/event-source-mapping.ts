import { AsyncLocalStorage } from 'node:async_hooks';
import { type Channel, channel } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { type Message, QueueAttributeName, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { Consumer } from 'sqs-consumer';
import { createLambdaContext, type LambdaHandler, type LocalFunction } from './lambda-context';

/**
 * A local SQS event source mapping: polls a queue and invokes a Lambda handler with the
 * `SQSEvent` Lambda would build, with `ReportBatchItemFailures` semantics. Polling, deleting and
 * visibility are `sqs-consumer`'s job (a well-kept poller); this file adds only what Lambda does
 * on top: the event shape and the reading of the partial batch response.
 */

/**
 * Lambda's freeze, for work an invocation left behind. Once an invocation returned, failed or
 * timed out, Lambda freezes the execution environment: the invocation's leftover promises do not
 * run on in it (they resume, if ever, inside a later invocation of a reused container, which is
 * the bug this catches). In one Node process the abandoned promises do go on, so each invocation
 * runs in its own async context, and every HTTP request started from a context whose invocation
 * has ended is destroyed before it is sent and reported as late work (Node's
 * `http.client.request.created`/`start` diagnostics channels see every request, the AWS SDK's and
 * the Sinch client's alike).
 */
interface InvocationState {
  /** The handler settled or timed out: its leftover work must not reach the network. */
  ended: boolean;
  /** The invocation timed out (its leftovers are expected; a returned handler's are a bug). */
  timedOut: boolean;
  functionName: string;
  onLateRequest?: ((late: LateRequest) => void) | undefined;
}
const invocationContext = new AsyncLocalStorage<InvocationState>();
// Held here on purpose: Node 20 keeps channels weakly, and a collected channel loses its subscribers.
// `created` fires in the request's constructor (Node 22.12+), `start` in Node 20's; both are watched.
const requestChannels: Channel[] = [];
function installFreeze(): void {
  if (requestChannels.length > 0) return;
  for (const name of ['http.client.request.created', 'http.client.request.start']) {
    const requests = channel(name);
    requests.subscribe((message) => {
      const invocation = invocationContext.getStore();
      const request = (message as { request: ClientRequest }).request;
      if (!invocation?.ended || request.destroyed) return;
      invocation.onLateRequest?.({
        functionName: invocation.functionName,
        afterTimeout: invocation.timedOut,
        method: request.method,
        host: String(request.getHeader('host') ?? request.host ?? ''),
        path: request.path,
      });
      request.destroy(
        new Error(
          invocation.timedOut
            ? `${invocation.functionName}: this invocation timed out; its work is frozen, as Lambda freezes it`
            : `${invocation.functionName}: this invocation already returned; its leftover work is frozen, as Lambda freezes it`,
        ),
      );
    });
    requestChannels.push(requests);
  }
}

/** An HTTP request that work of an ended invocation tried to start (destroyed before it left). */
export interface LateRequest {
  functionName: string;
  /** True when the invocation had timed out; false when the handler had already returned or thrown. */
  afterTimeout: boolean;
  method: string;
  host: string;
  path: string;
}

/** How one invocation ended; handed to `onBatch` (benchmarks and tests count these). */
export interface BatchOutcome {
  records: number;
  /** Records deleted (the handler did not list them as failures). */
  deleted: number;
  /** Records left in flight for redelivery after their visibility timeout. */
  retried: number;
  /** Set when the handler threw or timed out: the whole batch is retried, as Lambda does. */
  error?: unknown;
  /** The invocation ran past the function's timeout (`error` says so too). */
  timedOut?: boolean;
}

export interface EventSourceMappingOptions {
  queueUrl: string;
  handler: LambdaHandler<SQSEvent, SQSBatchResponse | undefined>;
  /** Up to 10 (Lambda's SQS maximum for FIFO queues); default 10. */
  batchSize?: number;
  /** Parallel pollers, like a mapping's concurrency; default 1. FIFO group locking holds per group. */
  concurrency?: number;
  /** Receive visibility timeout in seconds; default: the queue's own. */
  visibilityTimeout?: number;
  /** Long-poll wait in seconds; default 1, so `stop()` returns quickly. */
  waitTimeSeconds?: number;
  /** The function's identity in each invocation's `context`. */
  function?: LocalFunction;
  /** An SQS client; default one with default configuration (`AWS_ENDPOINT_URL_SQS` etc.). */
  sqs?: SQSClient;
  onBatch?: (outcome: BatchOutcome) => void;
  /** Told about receive/delete errors; the poller retries them itself. */
  onError?: (error: Error) => void;
  /**
   * Told about each HTTP request started by work of an invocation that had already ended (the
   * request is destroyed). After a timeout that is Lambda's freeze at work; after a return it
   * means the handler left work running, which a reused Lambda container would resume later.
   */
  onLateRequest?: (late: LateRequest) => void;
}

/** A running mapping. */
export interface EventSourceMapping {
  /** Stops polling and waits for in-flight invocations to finish. */
  stop(): Promise<void>;
}

/**
 * The ARN of a queue from its URL (`https://host/<account>/<name>`), as Lambda puts it into
 * `eventSourceARN`.
 *
 * @example
 * queueArnOf('http://127.0.0.1:4566/123456789012/outbound.fifo', 'eu-west-1');
 * // 'arn:aws:sqs:eu-west-1:123456789012:outbound.fifo'
 */
export function queueArnOf(queueUrl: string, region: string): string {
  const [account, name] = new URL(queueUrl).pathname.split('/').filter(Boolean).slice(-2);
  return `arn:aws:sqs:${region}:${account}:${name}`;
}

/**
 * Converts received SQS messages into the `SQSEvent` Lambda passes to a handler.
 *
 * @example
 * const event = toSqsEvent(messages, queueArnOf(queueUrl, 'us-east-1'), 'us-east-1');
 */
export function toSqsEvent(messages: Message[], eventSourceARN: string, awsRegion: string): SQSEvent {
  return {
    Records: messages.map((m): SQSRecord => {
      const messageAttributes: SQSMessageAttributes = {};
      for (const [name, a] of Object.entries(m.MessageAttributes ?? {})) {
        messageAttributes[name] = {
          ...(a.StringValue !== undefined ? { stringValue: a.StringValue } : {}),
          ...(a.BinaryValue !== undefined
            ? { binaryValue: Buffer.from(a.BinaryValue).toString('base64') }
            : {}),
          stringListValues: a.StringListValues ?? [],
          binaryListValues: (a.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
          dataType: (a.DataType ?? 'String') as SQSMessageAttributes[string]['dataType'],
        };
      }
      const attributes = m.Attributes ?? {};
      return {
        messageId: m.MessageId!,
        receiptHandle: m.ReceiptHandle!,
        body: m.Body ?? '',
        attributes: {
          ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
          SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
          SenderId: attributes.SenderId ?? 'AIDAIENQZJOLO23YVJ4VO',
          ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
          ...(attributes.SequenceNumber ? { SequenceNumber: attributes.SequenceNumber } : {}),
          ...(attributes.MessageGroupId ? { MessageGroupId: attributes.MessageGroupId } : {}),
          ...(attributes.MessageDeduplicationId
            ? { MessageDeduplicationId: attributes.MessageDeduplicationId }
            : {}),
        },
        messageAttributes,
        md5OfBody: m.MD5OfBody ?? '',
        ...(m.MD5OfMessageAttributes ? { md5OfMessageAttributes: m.MD5OfMessageAttributes } : {}),
        eventSource: 'aws:sqs',
        eventSourceARN,
        awsRegion,
      };
    }),
  };
}

/**
 * Which messages Lambda deletes after an invocation with `ReportBatchItemFailures`: all but the
 * listed failures; none when a failure names no known message (Lambda then treats the whole
 * batch as failed).
 *
 * @example
 * messagesToDelete(messages, { batchItemFailures: [{ itemIdentifier: messages[1].MessageId }] });
 */
export function messagesToDelete(messages: Message[], response: SQSBatchResponse | undefined): Message[] {
  const failures = response?.batchItemFailures ?? [];
  const known = new Set(messages.map((m) => m.MessageId));
  if (failures.some((f) => !f.itemIdentifier || !known.has(f.itemIdentifier))) return [];
  const failed = new Set<string | undefined>(failures.map((f) => f.itemIdentifier));
  return messages.filter((m) => !failed.has(m.MessageId));
}

/**
 * Starts polling `queueUrl` and invoking `handler` with batches, like an SQS event source
 * mapping with `ReportBatchItemFailures`: successes are deleted, listed failures stay in flight
 * until their visibility timeout (or the visibility the handler set) expires, a throwing handler
 * retries the whole batch, and the queue's redrive policy moves messages to the DLQ after
 * `maxReceiveCount` receives. An invocation that runs past `function.timeoutMs` fails (the
 * whole batch is retried). Once an invocation has ended (returned, thrown or timed out) it is
 * frozen: no HTTP request of its leftover work leaves the process (`onLateRequest` hears of each).
 *
 * @example
 * const mapping = startEventSourceMapping({ queueUrl, handler, batchSize: 10 });
 * // ...
 * await mapping.stop();
 */
export function startEventSourceMapping(options: EventSourceMappingOptions): EventSourceMapping {
  // The poller stands in for Lambda's own, which is not the function's CPU: cacheMiddleware keeps
  // the SDK from rebuilding its middleware stack on every receive and delete (about 0.35 ms of
  // CPU per call here), so benchmarks that run the mapping in the measured process bill it less.
  const sqs = options.sqs ?? new SQSClient({ cacheMiddleware: true });
  const batchSize = options.batchSize ?? 10;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10) {
    throw new Error(`batchSize must be an integer from 1 to 10, got ${batchSize}`);
  }
  const fn = options.function ?? { functionName: 'local-function' };
  const timeoutMs = fn.timeoutMs ?? 30_000;
  const inFlight = new Set<Promise<unknown>>();
  installFreeze();

  /**
   * One invocation under Lambda's rules: it fails when it runs past the function's timeout, and
   * once it has ended in any way it is frozen (its late HTTP requests are destroyed) instead of
   * awaited.
   */
  const invoke = (event: SQSEvent, region: string): Promise<SQSBatchResponse | undefined> => {
    const invocation: InvocationState = {
      ended: false,
      timedOut: false,
      functionName: fn.functionName,
      onLateRequest: options.onLateRequest,
    };
    return new Promise<SQSBatchResponse | undefined>((resolve, reject) => {
      const timer = setTimeout(() => {
        invocation.ended = true;
        invocation.timedOut = true;
        const error = new Error(
          `Task timed out after ${(timeoutMs / 1000).toFixed(1).replace(/\.0$/, '')} seconds`,
        );
        (error as Error & { timedOut: boolean }).timedOut = true;
        reject(error);
      }, timeoutMs);
      invocationContext
        .run(invocation, () => options.handler(event, createLambdaContext({ region, ...fn, timeoutMs })))
        .then(resolve, reject)
        .finally(() => {
          invocation.ended = true;
          clearTimeout(timer);
        });
    });
  };

  const consumers = Array.from({ length: options.concurrency ?? 1 }, () => {
    const consumer = Consumer.create({
      queueUrl: options.queueUrl,
      sqs,
      batchSize,
      waitTimeSeconds: options.waitTimeSeconds ?? 1,
      ...(options.visibilityTimeout !== undefined ? { visibilityTimeout: options.visibilityTimeout } : {}),
      attributeNames: [QueueAttributeName.All],
      messageAttributeNames: ['All'],
      messageSystemAttributeNames: ['All'],
      suppressFifoWarning: true,
      // stop() lets the current receive and invocation finish (checked once a second by the library).
      pollingCompleteWaitTimeMs: timeoutMs,
      strictReturn: true,
      handleMessageBatch: async (messages) => {
        const run = (async () => {
          const region = (await sqs.config.region()) ?? 'us-east-1';
          const event = toSqsEvent(messages, queueArnOf(options.queueUrl, region), region);
          try {
            const response = await invoke(event, region);
            const done = messagesToDelete(messages, response);
            options.onBatch?.({
              records: messages.length,
              deleted: done.length,
              retried: messages.length - done.length,
            });
            return done;
          } catch (error) {
            options.onBatch?.({
              records: messages.length,
              deleted: 0,
              retried: messages.length,
              error,
              ...((error as { timedOut?: boolean }).timedOut ? { timedOut: true } : {}),
            });
            return [];
          }
        })();
        inFlight.add(run);
        try {
          return await run;
        } finally {
          inFlight.delete(run);
        }
      },
    });
    consumer.on('error', (error) => options.onError?.(error));
    consumer.start();
    return consumer;
  });

  return {
    async stop() {
      await Promise.all(
        consumers.map(
          (c) =>
            new Promise<void>((resolve) => {
              c.once('stopped', () => resolve());
              c.stop();
            }),
        ),
      );
      await Promise.allSettled([...inFlight]);
      if (!options.sqs) sqs.destroy();
    },
  };
}
