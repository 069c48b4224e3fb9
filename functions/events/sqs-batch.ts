/**
 * `SendMessageBatch` for the bridge's producers: SQS's per-call limits, and a publisher that
 * coalesces the messages its callers publish in the same turn of the event loop into as few
 * calls as those limits allow, while each caller still awaits its own message.
 */
import type { MessageAttributeValue, SQSClient } from '@aws-sdk/client-sqs';
import { createDirectSendMessageBatch } from './direct-send-message';

/** SQS limits of one `SendMessageBatch`: 10 entries, 1 MiB of bodies and attributes together. */
export const MAX_BATCH_ENTRIES = 10;
export const MAX_BATCH_BYTES = 1_048_576;

/** One message of a `SendMessageBatch` on a FIFO queue, without its batch-local `Id`. */
export interface QueueEntry {
  MessageBody: string;
  MessageGroupId: string;
  MessageDeduplicationId: string;
  MessageAttributes?: Record<string, MessageAttributeValue>;
}

/** What SQS counts toward the 1 MiB of a batch: bodies, attribute names, types and values. */
export function entryBytes(entry: QueueEntry): number {
  let bytes = Buffer.byteLength(entry.MessageBody);
  for (const [name, value] of Object.entries(entry.MessageAttributes ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '');
    bytes +=
      value.StringValue !== undefined
        ? Buffer.byteLength(value.StringValue)
        : (value.BinaryValue?.length ?? 0);
  }
  return bytes;
}

/**
 * Splits items, in order, into calls within SQS's per-call limits.
 *
 * @example
 * packBatches(entries, entryBytes); // [[...up to 10 within 1 MiB], ...]
 */
export function packBatches<T>(items: readonly T[], bytesOf: (item: T) => number): T[][] {
  const calls: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = bytesOf(item);
    if (current.length > 0 && (current.length === MAX_BATCH_ENTRIES || bytes + size > MAX_BATCH_BYTES)) {
      calls.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) calls.push(current);
  return calls;
}

/** An entry SQS refused (or did not confirm) inside an otherwise answered `SendMessageBatch`. */
export class BatchEntryError extends Error {
  override readonly name = 'BatchEntryError';
  readonly code: string;
  readonly senderFault: boolean;

  constructor(code: string, message: string, senderFault: boolean) {
    super(`${code}: ${message}`);
    this.code = code;
    this.senderFault = senderFault;
  }
}

interface Pending {
  entry: QueueEntry;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * A publisher for one queue whose `publish` resolves once SQS has this message (and rejects with
 * the call's error, or a `BatchEntryError` for an entry refused on its own). Messages published in
 * the same turn of the event loop, e.g. the outcomes of a FIFO batch's groups finishing together,
 * share `SendMessageBatch` calls: one request instead of up to ten.
 *
 * Order: entries of one call are independent messages; a caller that needs two messages in order
 * (one FIFO group) awaits the first before publishing the second, as the bridge's senders do.
 *
 * Hand-written rather than DataLoader-style libraries: those key and cache loads, while this
 * needs SQS's size limit per call and per-entry failures, in a dozen lines.
 *
 * @example
 * const events = createBatchingPublisher({ sqs, queueUrl });
 * await events.publish({ MessageBody, MessageGroupId, MessageDeduplicationId });
 */
export function createBatchingPublisher(options: { sqs: SQSClient; queueUrl: string }) {
  // The client's own parts without its middleware stack: see direct-send-message.ts for why.
  const sendMessageBatch = createDirectSendMessageBatch(options.sqs);
  let pending: Pending[] = [];

  const flush = () => {
    const items = pending;
    pending = [];
    for (const calls of packBatches(items, (item) => entryBytes(item.entry))) {
      sendMessageBatch({
        QueueUrl: options.queueUrl,
        Entries: calls.map(({ entry }, i) => ({ Id: String(i), ...entry })),
      }).then(
        (answer) => {
          const failed = new Map((answer.Failed ?? []).map((f) => [f.Id, f]));
          const taken = new Set((answer.Successful ?? []).map((s) => s.Id));
          calls.forEach((call, i) => {
            const refusal = failed.get(String(i));
            if (taken.has(String(i))) call.resolve();
            else
              call.reject(
                new BatchEntryError(
                  refusal?.Code ?? 'NoAnswer',
                  refusal?.Message ?? 'SQS listed this entry neither as successful nor as failed',
                  refusal?.SenderFault ?? false,
                ),
              );
          });
        },
        (error: unknown) => {
          for (const call of calls) call.reject(error);
        },
      );
    }
  };

  return {
    publish(entry: QueueEntry): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        pending.push({ entry, resolve, reject });
        // setImmediate: after the promise continuations of this turn, so the groups that finish
        // together are in one call, without a timer that would add latency.
        if (pending.length === 1) setImmediate(flush);
      });
    },
  };
}
