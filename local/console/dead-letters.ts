import { createHash } from 'node:crypto';
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

/** Outcome of a redrive: the SQS message ids moved, and those that could not be. */
export interface RedriveResult {
  moved: string[];
  failed: Array<{ messageId: string; error: string }>;
}

/** How long a redrive of one message looks for it while another look holds it. */
const REDRIVE_WAIT_MS = 10_000;

/**
 * Moves dead letters back to their source queue (one, by SQS message id, or up to `max`),
 * keeping body, message group and attributes except the failure details (a redriven command
 * starts clean). Each gets a new deduplication id: the original may still be inside SQS's
 * 5-minute window, which would drop the copy silently. A message leaves the DLQ only after the
 * source queue took it; one that could not be moved is listed in `failed` and stays. A command
 * sent before is still not sent twice: the send function's command record remembers its `id`.
 * Used by the console's redrive button and `sinch-bridge dlq redrive`.
 *
 * @example
 * const { moved } = await redriveDeadLetters(sqs, { dlqUrl, sourceUrl, messageId });
 */
export async function redriveDeadLetters(
  sqs: SQSClient,
  input: {
    dlqUrl: string;
    sourceUrl: string;
    messageId?: string | undefined;
    max?: number | undefined;
    onMoved?: ((messageId: string) => void) | undefined;
  },
): Promise<RedriveResult> {
  const hold = () =>
    receiveAndHold(sqs, input.dlqUrl, {
      max: input.messageId ? 1000 : (input.max ?? Number.POSITIVE_INFINITY),
      holdSeconds: 60,
    });
  let held = await hold();
  // Another look (the console's refresh, a `dlq inspect`) may hold the one message asked for for
  // a moment, and on a FIFO DLQ it hides the rest of its group too: look again for a while
  // before answering that it is not there.
  const wantedUntil = Date.now() + REDRIVE_WAIT_MS;
  while (input.messageId && !held.some((m) => m.MessageId === input.messageId) && Date.now() < wantedUntil) {
    await releaseMessages(sqs, input.dlqUrl, held).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 250));
    held = await hold();
  }
  const chosen = held.filter((m) => !input.messageId || m.MessageId === input.messageId);
  const result: RedriveResult = { moved: [], failed: [] };
  const fifo = input.sourceUrl.endsWith('.fifo');
  for (const m of chosen) {
    try {
      const attributes = keptAttributes(m);
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: input.sourceUrl,
          MessageBody: m.Body ?? '',
          ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
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
      await sqs.send(new DeleteMessageCommand({ QueueUrl: input.dlqUrl, ReceiptHandle: m.ReceiptHandle! }));
      result.moved.push(m.MessageId ?? '');
      input.onMoved?.(m.MessageId ?? '');
    } catch (error) {
      result.failed.push({ messageId: m.MessageId ?? '', error: (error as Error).message });
    }
  }
  await releaseMessages(
    sqs,
    input.dlqUrl,
    held.filter((m) => !result.moved.includes(m.MessageId ?? '')),
  ).catch(() => {});
  return result;
}
