/**
 * Looking at what an SQS queue holds without taking it: SQS has no read-only view, so a look
 * receives messages with a visibility timeout (hiding them while they are looked at, which also
 * makes the next receive return the next ones) and then makes them visible again. Shared by the
 * console's DLQ view, `sinch-bridge dlq` and `sinch-bridge tail` (cli/ sits above local/).
 * Each look adds one to every message's receive count: a queue with a redrive policy moves a
 * message to its DLQ after `maxReceiveCount` receives, so callers look sparingly.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** One receive of a look. */
export interface LookReceive {
  /** At most this many messages (SQS returns at most 10 per receive). */
  max: number;
  /** Seconds the received messages stay hidden (the queue's default when absent). */
  holdSeconds?: number | undefined;
  /** Long-poll this many seconds when nothing is waiting (default 0). */
  waitSeconds?: number | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * One ReceiveMessage with every attribute: message attributes (the failure details the send
 * function stores), the group, receive counts and timestamps.
 *
 * @example
 * const messages = await receiveForLook(sqs, queueUrl, { max: 10, holdSeconds: 30 });
 */
export async function receiveForLook(
  sqs: SQSClient,
  queueUrl: string,
  options: LookReceive,
): Promise<Message[]> {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: Math.max(1, Math.min(10, options.max)),
      WaitTimeSeconds: options.waitSeconds ?? 0,
      ...(options.holdSeconds !== undefined ? { VisibilityTimeout: options.holdSeconds } : {}),
      MessageAttributeNames: ['All'],
      // MessageGroupId and receive counts: local-aws-sqs answers only the older AttributeNames.
      AttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
    }),
    options.signal ? { abortSignal: options.signal } : {},
  );
  return out.Messages ?? [];
}

/**
 * Receives what a queue holds, up to `max`, each message hidden for `holdSeconds`: receives
 * until one returns nothing. Release what you do not delete with {@link releaseMessages}.
 *
 * @example
 * const held = await receiveAndHold(sqs, dlqUrl, { max: 100, holdSeconds: 30 });
 * try { show(held); } finally { await releaseMessages(sqs, dlqUrl, held); }
 */
export async function receiveAndHold(
  sqs: SQSClient,
  queueUrl: string,
  options: { max: number; holdSeconds: number },
): Promise<Message[]> {
  const all: Message[] = [];
  while (all.length < options.max) {
    const messages = await receiveForLook(sqs, queueUrl, {
      max: options.max - all.length,
      holdSeconds: options.holdSeconds,
    });
    if (messages.length === 0) break;
    all.push(...messages);
  }
  return all;
}

/**
 * Makes received messages visible again at once (SQS takes at most 10 entries per batch).
 *
 * @example
 * await releaseMessages(sqs, queueUrl, held);
 */
export async function releaseMessages(sqs: SQSClient, queueUrl: string, messages: Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.slice(i, i + 10).map((m, j) => ({
          Id: String(i + j),
          ReceiptHandle: m.ReceiptHandle!,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
}
