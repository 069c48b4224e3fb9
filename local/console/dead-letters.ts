import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

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

/**
 * Receives what a queue holds (hidden for `holdSeconds` while looked at), up to `max`. The same
 * receive-then-release walk as the CLI's `dlq inspect` (cli/ sits above local/, so it cannot be
 * shared from there): a dead-letter queue has no redrive of its own, so a receive costs nothing.
 */
async function receiveAll(sqs: SQSClient, queueUrl: string, max: number, holdSeconds: number) {
  const all: Message[] = [];
  while (all.length < max) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, max - all.length),
        WaitTimeSeconds: 0,
        VisibilityTimeout: holdSeconds,
        MessageAttributeNames: ['All'],
        AttributeNames: ['All'],
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) break;
    all.push(...messages);
  }
  return all;
}

async function release(sqs: SQSClient, queueUrl: string, messages: Message[]) {
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
  const messages = await receiveAll(sqs, queueUrl, max, 30);
  try {
    return messages.map(toDeadLetter);
  } finally {
    await release(sqs, queueUrl, messages);
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
  const messages = await receiveAll(sqs, input.dlqUrl, 1000, 60);
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
    await release(
      sqs,
      input.dlqUrl,
      messages.filter((m) => !moved.includes(m.MessageId ?? '')),
    );
  }
  return { moved };
}
