import { DeleteMessageCommand, type Message, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { receiveAndHold, releaseMessages } from '../queue-look';

/** A message in a dead-letter queue, as the console lists it. */
export interface DeadLetter {
  messageId: string;
  groupId?: string;
  receiveCount?: number;
  sentAt?: string;
  body: string;
  /** String message attributes (the send function's failure details, when it put them there). */
  attributes: Record<string, string>;
}

const toDeadLetter = (m: Message): DeadLetter => ({
  messageId: m.MessageId ?? '',
  ...(m.Attributes?.MessageGroupId ? { groupId: m.Attributes.MessageGroupId } : {}),
  ...(m.Attributes?.ApproximateReceiveCount
    ? { receiveCount: Number(m.Attributes.ApproximateReceiveCount) }
    : {}),
  ...(m.Attributes?.SentTimestamp
    ? { sentAt: new Date(Number(m.Attributes.SentTimestamp)).toISOString() }
    : {}),
  body: m.Body ?? '',
  attributes: Object.fromEntries(
    Object.entries(m.MessageAttributes ?? {}).flatMap(([k, a]) =>
      a.StringValue === undefined ? [] : [[k, a.StringValue]],
    ),
  ),
});

/**
 * Lists a dead-letter queue and leaves every message in it.
 *
 * @example
 * const letters = await listDeadLetters(sqs, bridge.queueUrls.outboundDlq);
 */
export async function listDeadLetters(sqs: SQSClient, queueUrl: string, max = 100): Promise<DeadLetter[]> {
  const messages = await receiveAndHold(sqs, queueUrl, { max, holdSeconds: 30 });
  try {
    return messages.map(toDeadLetter);
  } finally {
    await releaseMessages(sqs, queueUrl, messages);
  }
}

/**
 * Moves dead letters back to their source queue (one, by SQS message id, or all), keeping body,
 * group and attributes, with a new deduplication id: the original may still be inside SQS's
 * 5-minute window, which would drop the copy silently. A message leaves the DLQ only after the
 * source queue took it. A command sent before is still not sent twice: the send function's
 * idempotency record remembers its `id`.
 *
 * @example
 * await redriveDeadLetters(sqs, { dlqUrl, sourceUrl, messageId });
 */
export async function redriveDeadLetters(
  sqs: SQSClient,
  input: { dlqUrl: string; sourceUrl: string; messageId?: string },
): Promise<{ moved: string[] }> {
  const messages = await receiveAndHold(sqs, input.dlqUrl, { max: 1000, holdSeconds: 60 });
  const chosen = messages.filter((m) => !input.messageId || m.MessageId === input.messageId);
  const moved: string[] = [];
  try {
    for (const m of chosen) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: input.sourceUrl,
          MessageBody: m.Body ?? '',
          ...(m.MessageAttributes ? { MessageAttributes: m.MessageAttributes } : {}),
          ...(input.sourceUrl.endsWith('.fifo')
            ? {
                MessageGroupId: m.Attributes?.MessageGroupId ?? 'redrive',
                MessageDeduplicationId: `redrive-${m.MessageId}-${Date.now()}`,
              }
            : {}),
        }),
      );
      await sqs.send(new DeleteMessageCommand({ QueueUrl: input.dlqUrl, ReceiptHandle: m.ReceiptHandle! }));
      moved.push(m.MessageId ?? '');
    }
  } finally {
    await releaseMessages(
      sqs,
      input.dlqUrl,
      messages.filter((m) => !moved.includes(m.MessageId ?? '')),
    );
  }
  return { moved };
}
