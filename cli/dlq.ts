import type { Message, SQSClient } from '@aws-sdk/client-sqs';
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
