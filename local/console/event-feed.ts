import type { SqsExchange } from '../aws/sqs-server';

/** The bridge's four queues, by role. */
export type QueueRole = 'events' | 'eventsDlq' | 'outbound' | 'outboundDlq';
export const QUEUE_ROLES: readonly QueueRole[] = ['events', 'eventsDlq', 'outbound', 'outboundDlq'];

/** One message a queue accepted, as the feed keeps it. */
export interface FeedEntry {
  /** Position in the feed, from 1; `after=<seq>` reads what came later. */
  seq: number;
  queue: QueueRole;
  messageId: string;
  groupId?: string;
  deduplicationId?: string;
  /** When the queue accepted it (ISO 8601). */
  sentAt: string;
  /** `MessageBody` exactly as sent (a CloudEvent on the events queue, a command on outbound). */
  body: string;
  /** String message attributes (`type`, `appId`, `channel`, failure details ...). */
  attributes: Record<string, string>;
}

type SentMessage = Omit<FeedEntry, 'seq' | 'sentAt'>;

interface JsonSendEntry {
  Id?: string;
  QueueUrl?: string;
  MessageBody?: string;
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
  MessageAttributes?: Record<string, { StringValue?: string }>;
}

const attributesOf = (entry: JsonSendEntry): Record<string, string> =>
  Object.fromEntries(
    Object.entries(entry.MessageAttributes ?? {}).flatMap(([name, a]) =>
      a?.StringValue === undefined ? [] : [[name, a.StringValue]],
    ),
  );

/**
 * The messages an SQS exchange put on a queue: the entries of a successful `SendMessage` or
 * `SendMessageBatch` (AWS JSON protocol, what the AWS SDK v3 and current AWS CLI speak), each with
 * the `MessageId` SQS answered. Anything else (receives, deletes, failed entries) yields nothing.
 *
 * @example
 * sentMessagesOf(exchange, (url) => (url.endsWith('events.fifo') ? 'events' : undefined));
 */
export function sentMessagesOf(
  exchange: SqsExchange,
  roleOf: (queueUrl: string) => QueueRole | undefined,
): SentMessage[] {
  if (exchange.status !== 200) return [];
  const action = exchange.target?.replace(/^AmazonSQS\./, '');
  if (action !== 'SendMessage' && action !== 'SendMessageBatch') return [];
  let request: JsonSendEntry & { Entries?: JsonSendEntry[] };
  let response: { MessageId?: string; Successful?: Array<{ Id: string; MessageId: string }> };
  try {
    request = JSON.parse(exchange.requestBody);
    response = JSON.parse(exchange.responseBody);
  } catch {
    return [];
  }
  const queue = request.QueueUrl ? roleOf(request.QueueUrl) : undefined;
  if (!queue) return [];
  const toMessage = (entry: JsonSendEntry, messageId: string): SentMessage => ({
    queue,
    messageId,
    ...(entry.MessageGroupId ? { groupId: entry.MessageGroupId } : {}),
    ...(entry.MessageDeduplicationId ? { deduplicationId: entry.MessageDeduplicationId } : {}),
    body: entry.MessageBody ?? '',
    attributes: attributesOf(entry),
  });
  if (action === 'SendMessage') return response.MessageId ? [toMessage(request, response.MessageId)] : [];
  const byId = new Map((request.Entries ?? []).map((e) => [e.Id, e]));
  return (response.Successful ?? []).flatMap((ok) => {
    const entry = byId.get(ok.Id);
    return entry ? [toMessage(entry, ok.MessageId)] : [];
  });
}

/**
 * What the local bridge's queues accepted, newest last, kept in memory (the last `capacity`
 * messages). It reads the local SQS server's answers to sends, so it sees every message the
 * moment a queue takes it and never receives one: consumers of the events queue lose nothing to
 * the console or to `tail --peek`. A FIFO duplicate (SQS answers it with the first message's id)
 * is kept once.
 *
 * @example
 * const feed = new EventFeed();
 * sqs.observe((exchange) => feed.recordExchange(exchange, roleOf));
 * const { events, next } = feed.since(0, ['events']);
 */
export class EventFeed {
  private readonly entries: FeedEntry[] = [];
  private readonly seen = new Set<string>();
  private readonly listeners = new Set<(entry: FeedEntry) => void>();
  private seq = 0;

  constructor(private readonly capacity = 5000) {}

  /** Adds what one SQS exchange put on a queue. */
  recordExchange(exchange: SqsExchange, roleOf: (queueUrl: string) => QueueRole | undefined): void {
    for (const message of sentMessagesOf(exchange, roleOf)) this.record(message);
  }

  /** Adds one accepted message (once per queue and message id). */
  record(message: SentMessage, sentAt = new Date()): FeedEntry | undefined {
    const key = `${message.queue}\u0000${message.messageId}`;
    if (this.seen.has(key)) return undefined;
    const entry: FeedEntry = { seq: ++this.seq, sentAt: sentAt.toISOString(), ...message };
    this.entries.push(entry);
    this.seen.add(key);
    if (this.entries.length > this.capacity) {
      const dropped = this.entries.shift()!;
      this.seen.delete(`${dropped.queue}\u0000${dropped.messageId}`);
    }
    for (const listener of this.listeners) listener(entry);
    return entry;
  }

  /** Entries after `after` on the given queues, and the `seq` to ask from next. */
  since(after: number, queues: readonly QueueRole[] = ['events']): { events: FeedEntry[]; next: number } {
    const events = this.entries.filter((e) => e.seq > after && queues.includes(e.queue));
    return { events, next: Math.max(after, this.seq) };
  }

  /** Like `since`, but waits up to `waitMs` for a first entry when there is none yet. */
  async wait(
    after: number,
    queues: readonly QueueRole[],
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<{ events: FeedEntry[]; next: number }> {
    const now = this.since(after, queues);
    if (now.events.length > 0 || waitMs <= 0) return now;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(onEntry);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const onEntry = (entry: FeedEntry) => {
        if (queues.includes(entry.queue)) done();
      };
      const timer = setTimeout(done, waitMs);
      this.listeners.add(onEntry);
      signal?.addEventListener('abort', done, { once: true });
    });
    return this.since(after, queues);
  }

  /** Calls `listener` with each new entry; returns the unsubscribe function. */
  subscribe(listener: (entry: FeedEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
