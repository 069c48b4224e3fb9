/**
 * Replay: archived events put back on a FIFO queue, each group in its original order, marked
 * with the CloudEvents extension attribute `bridgereplay` (the replay's id) and with a
 * deduplication id of the replay's own, so the queue never takes a replayed event for the live
 * one (nor for the same event of another replay).
 */
import { createHash, randomBytes } from 'node:crypto';
import { type MessageAttributeValue, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { entryBytes, packBatches } from '../events/sqs-batch';
import { toSqsMessageBody, toSqsSafeAttributeValue } from '../events/sqs-message-body';
import { fullJitterDelay } from '../sinch/backoff';
import type { ArchivedEntry } from './archive-reader';
import { archivedEvent } from './archive-record';

/** A message for the target queue. */
export interface ReplayMessage {
  eventId: string;
  MessageBody: string;
  MessageGroupId: string;
  MessageDeduplicationId: string;
  MessageAttributes: Record<string, MessageAttributeValue>;
}

/**
 * A replay id: `rp-` + the start time + randomness, so ids sort by time and never repeat.
 *
 * @example
 * newReplayId(); // 'rp-20261201T171500Z-3f9a1c2b'
 */
export function newReplayId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return `rp-${stamp}-${randomBytes(4).toString('hex')}`;
}

/**
 * The deduplication id of an event in a replay: `replay.` + a hash of the replay id and the
 * event id. Live deduplication ids are event ids, which are base64url (no `.`), so the two can
 * never be equal; the hash keeps it within SQS's 128 characters.
 *
 * @example
 * replayDeduplicationId('rp-20261201T171500Z-3f9a1c2b', 'r3Ie...'); // 'replay.Xk...'
 */
export function replayDeduplicationId(replayId: string, eventId: string): string {
  return `replay.${createHash('sha256').update(`${replayId}\u0000${eventId}`).digest('base64url')}`;
}

/**
 * The queue message of an archived event in replay `replayId`: the event with `bridgereplay`
 * set, its original group and attributes, plus a `bridgereplay` message attribute (consumers
 * can filter on it without parsing the body).
 *
 * @example
 * const message = toReplayMessage(entry, 'rp-20261201T171500Z-3f9a1c2b');
 */
export function toReplayMessage(entry: ArchivedEntry, replayId: string): ReplayMessage {
  const event = archivedEvent(entry.record);
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(entry.record.attributes)) {
    attributes[name] = { DataType: 'String', StringValue: toSqsSafeAttributeValue(value) };
  }
  attributes.bridgereplay = { DataType: 'String', StringValue: replayId };
  return {
    eventId: event.id,
    MessageBody: toSqsMessageBody({ ...event, bridgereplay: replayId }),
    MessageGroupId: entry.record.groupId,
    MessageDeduplicationId: replayDeduplicationId(replayId, event.id),
    MessageAttributes: attributes,
  };
}

export interface PublishProgress {
  sent: number;
  total: number;
}

export interface PublishOutcome {
  sent: number;
  /** Events not sent (after retries), with the reason; their group's later events are not sent either. */
  failed: Array<{ eventId: string; reason: string }>;
  /** Later events of a group whose earlier event failed: held back to keep the order. */
  skipped: number;
}

/**
 * Sends messages to a FIFO queue keeping each group's order: every round sends the next message
 * of each group (at most one per group per `SendMessageBatch`, so a partial failure can never put
 * a later message ahead of an earlier one); failures are retried with backoff, and a group that
 * still fails stops there.
 *
 * @example
 * const outcome = await publishInOrder(sqs, queueUrl, messages, { onProgress: (p) => console.error(p.sent) });
 */
export async function publishInOrder(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly ReplayMessage[],
  options: {
    maxAttempts?: number;
    onProgress?: (progress: PublishProgress) => void;
    sleep?: (ms: number) => Promise<void>;
  } = {},
): Promise<PublishOutcome> {
  const maxAttempts = options.maxAttempts ?? 5;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const queues = new Map<string, ReplayMessage[]>();
  for (const message of messages) {
    const queue = queues.get(message.MessageGroupId) ?? [];
    queue.push(message);
    queues.set(message.MessageGroupId, queue);
  }
  const outcome: PublishOutcome = { sent: 0, failed: [], skipped: 0 };
  const attempts = new Map<ReplayMessage, number>();
  while (queues.size > 0) {
    const round: ReplayMessage[] = [];
    for (const queue of queues.values()) round.push(queue[0]!);
    const answers = await Promise.all(
      packBatches(round, entryBytes).map(async (calls) => {
        try {
          const answer = await sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: calls.map(({ eventId: _, ...entry }, i) => ({ Id: String(i), ...entry })),
            }),
          );
          const failed = new Map(
            (answer.Failed ?? []).map((f) => [calls[Number(f.Id)]!, `${f.Code}: ${f.Message ?? ''}`]),
          );
          return calls.map((m) => ({ message: m, error: failed.get(m) }));
        } catch (error) {
          return calls.map((m) => ({ message: m, error: (error as Error).message ?? String(error) }));
        }
      }),
    );
    let retrying = false;
    for (const { message, error } of answers.flat()) {
      const queue = queues.get(message.MessageGroupId)!;
      if (error === undefined) {
        queue.shift();
        outcome.sent++;
      } else {
        const tries = (attempts.get(message) ?? 0) + 1;
        attempts.set(message, tries);
        if (tries >= maxAttempts) {
          outcome.failed.push({ eventId: message.eventId, reason: error });
          outcome.skipped += queue.length - 1;
          queue.length = 0;
        } else retrying = true;
      }
      if (queue.length === 0) queues.delete(message.MessageGroupId);
    }
    options.onProgress?.({ sent: outcome.sent, total: messages.length });
    if (retrying) await sleep(fullJitterDelay(Math.max(...attempts.values()), { base: 200, cap: 5000 }));
  }
  return outcome;
}
