import { createHash } from 'node:crypto';
import { DeleteMessageCommand, type Message, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { receiveAndHold, releaseMessages } from '../local/queue-look';

/**
 * Why a message is in the DLQ, from the message attributes the send function sets when it moves a
 * command there (`errorKind`, `errorStatus`, `errorCode`, `errorReason`, `errorMessage`,
 * `attempts`/`receiveCount`). A message without them was moved by the queue's own redrive (the
 * safety net after `maxReceiveCount` receives, e.g. when the function crashed every time).
 */
export interface DeadLetterFailure {
  /** `invalid_command`, `rejected`, `exhausted`, or `redrive` (moved by SQS, not by the function). */
  kind: string;
  status?: number | undefined;
  code?: string | undefined;
  reason?: string | undefined;
  message?: string | undefined;
  /** Calls to Sinch (or receives, for a redrive) before the message was given up. */
  attempts?: number | undefined;
  commandId?: string | undefined;
  appId?: string | undefined;
}

/** A dead letter as `dlq inspect` shows it. */
export interface DeadLetter {
  messageId: string;
  groupId?: string | undefined;
  /** Receives in the DLQ itself (inspecting adds one; it is not an attempt and moves nothing). */
  receiveCount?: number | undefined;
  sentAt?: string | undefined;
  failure: DeadLetterFailure;
  body: string;
}

/** The failure a dead letter carries in its attributes. */
export function failureOf(m: Message): DeadLetterFailure {
  const attributes = m.MessageAttributes ?? {};
  const text = (name: string) => attributes[name]?.StringValue || undefined;
  const number = (name: string) => {
    const value = text(name);
    return value === undefined || !Number.isFinite(Number(value)) ? undefined : Number(value);
  };
  const kind = text('errorKind');
  if (!kind) {
    return {
      kind: 'redrive',
      attempts: undefined,
      reason: 'moved by the queue after its maxReceiveCount receives',
    };
  }
  return {
    kind,
    status: number('errorStatus'),
    code: text('errorCode'),
    reason: text('errorReason'),
    message: text('errorMessage'),
    attempts: number('attempts') ?? number('receiveCount'),
    commandId: text('commandId'),
    appId: text('appId'),
  };
}

/**
 * Lists what a dead-letter queue holds and leaves it there (each message is received, then made
 * visible again; a FIFO group shows at most the messages one receive returns for it).
 *
 * @example
 * const letters = await inspectDeadLetters({ sqs, queueUrl: dlqUrl, max: 100 });
 */
export async function inspectDeadLetters(input: {
  sqs: SQSClient;
  queueUrl: string;
  max?: number;
}): Promise<DeadLetter[]> {
  const messages = await receiveAndHold(input.sqs, input.queueUrl, {
    max: input.max ?? 100,
    holdSeconds: 30,
  });
  try {
    return messages.map((m) => ({
      messageId: m.MessageId ?? '',
      groupId: m.Attributes?.MessageGroupId,
      receiveCount: m.Attributes?.ApproximateReceiveCount
        ? Number(m.Attributes.ApproximateReceiveCount)
        : undefined,
      sentAt: m.Attributes?.SentTimestamp
        ? new Date(Number(m.Attributes.SentTimestamp)).toISOString()
        : undefined,
      failure: failureOf(m),
      body: m.Body ?? '',
    }));
  } finally {
    await releaseMessages(input.sqs, input.queueUrl, messages);
  }
}

/** The attributes the send function adds when it dead-letters a command: a redriven command starts clean. */
const FAILURE_ATTRIBUTES = new Set([
  'errorKind',
  'errorReason',
  'errorMessage',
  'errorStatus',
  'errorCode',
  'receiveCount',
  'attempts',
  'sourceMessageId',
  'commandId',
]);

function keptAttributes(m: Message): NonNullable<Message['MessageAttributes']> {
  return Object.fromEntries(
    Object.entries(m.MessageAttributes ?? {}).filter(([name]) => !FAILURE_ATTRIBUTES.has(name)),
  );
}

/** Outcome of a redrive. */
export interface RedriveResult {
  moved: number;
  failed: Array<{ messageId: string; error: string }>;
}

/**
 * Moves dead letters back to their source queue, keeping body, message group and attributes.
 * Each gets a new deduplication id (the original one may still be inside SQS's 5-minute window,
 * which would silently drop it); a moved command that was already sent is still not sent twice,
 * because the send function's idempotency record remembers its `id`. A message is deleted from
 * the DLQ only after the source queue accepted it.
 *
 * @example
 * const result = await redriveDeadLetters({ sqs, dlqUrl, sourceUrl, max: 10 });
 */
export async function redriveDeadLetters(input: {
  sqs: SQSClient;
  dlqUrl: string;
  sourceUrl: string;
  max?: number;
  onMoved?: (messageId: string) => void;
}): Promise<RedriveResult> {
  const messages = await receiveAndHold(input.sqs, input.dlqUrl, {
    max: input.max ?? Number.POSITIVE_INFINITY,
    holdSeconds: 60,
  });
  const result: RedriveResult = { moved: 0, failed: [] };
  const fifo = input.sourceUrl.endsWith('.fifo');
  const unmoved: Message[] = [];
  for (const m of messages) {
    try {
      await input.sqs.send(
        new SendMessageCommand({
          QueueUrl: input.sourceUrl,
          MessageBody: m.Body ?? '',
          ...(Object.keys(keptAttributes(m)).length > 0 ? { MessageAttributes: keptAttributes(m) } : {}),
          ...(fifo
            ? {
                MessageGroupId: m.Attributes?.MessageGroupId ?? 'redrive',
                MessageDeduplicationId: createHash('sha256')
                  .update(`${m.MessageId}\u0000redrive\u0000${Date.now()}`)
                  .digest('base64url'),
              }
            : {}),
        }),
      );
      await input.sqs.send(
        new DeleteMessageCommand({ QueueUrl: input.dlqUrl, ReceiptHandle: m.ReceiptHandle! }),
      );
      result.moved++;
      input.onMoved?.(m.MessageId ?? '');
    } catch (error) {
      unmoved.push(m);
      result.failed.push({ messageId: m.MessageId ?? '', error: (error as Error).message });
    }
  }
  await releaseMessages(input.sqs, input.dlqUrl, unmoved).catch(() => {});
  return result;
}
