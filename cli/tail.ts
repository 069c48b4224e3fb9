import {
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { receiveForLook, releaseMessages } from '../local/queue-look';
import { followFeed, latestSeq } from './event-feed';

/** One message read from the events queue: the parsed CloudEvent, or the raw body when it is not JSON. */
export interface TailedEvent {
  messageId: string;
  groupId?: string | undefined;
  /** Receives so far, this one included (SQS's ApproximateReceiveCount). */
  receiveCount?: number | undefined;
  event?: Record<string, unknown>;
  raw: string;
}

export interface FollowOptions {
  sqs: SQSClient;
  queueUrl: string;
  /**
   * Shows one event; awaited before the event is deleted, so an event whose printing failed
   * (stdout closed, EPIPE) stays on the queue.
   */
  onEvent: (event: TailedEvent) => unknown;
  /**
   * Only events for which this is true are shown (and, consuming, deleted). An event filtered
   * out is never deleted: it is made visible again for the queue's other readers.
   */
  filter?: ((event: TailedEvent) => boolean) | undefined;
  /**
   * `consume` (default): delete what was shown. `peek`: delete nothing (each waiting message is
   * received once per look, held while the look lasts, then made visible again).
   */
  mode?: 'consume' | 'peek';
  /** Peeking: shown events for which this is true are deleted (a tool taking its own test events). */
  take?: (event: TailedEvent) => boolean;
  /** Consuming into a pipe: one event at a time, each deleted after the next write succeeded. */
  oneByOne?: boolean;
  /**
   * The local bridge's read-only event feed of this queue (`/local/events`). Peeking or
   * filtering, the first look is followed by new events from the feed: peeking shows them
   * without receiving anything; filtering looks at the queue again only when a new event
   * matches. Without it, peeking and filtering take one look and return.
   */
  feedUrl?: string | undefined;
  /** Stop after this many events. */
  limit?: number | undefined;
  /** Stop after this many seconds without a new event. */
  idleSeconds?: number | undefined;
  signal?: AbortSignal | undefined;
}

function toTailed(m: Message): TailedEvent {
  const raw = m.Body ?? '';
  let event: Record<string, unknown> | undefined;
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      event = parsed as Record<string, unknown>;
  } catch {
    // shown raw
  }
  return {
    messageId: m.MessageId ?? '',
    groupId: m.Attributes?.MessageGroupId,
    receiveCount: m.Attributes?.ApproximateReceiveCount
      ? Number(m.Attributes.ApproximateReceiveCount)
      : undefined,
    raw,
    ...(event ? { event } : {}),
  };
}

/**
 * Follows a queue. Consuming without a filter (the default), it long-polls, shows each message,
 * and deletes only the messages it showed: one not printed because stdout closed or Ctrl-C came
 * is made visible again for the queue's other readers. Peeking or filtering, it takes looks
 * ({@link lookAtQueue}) and follows the local bridge's feed between them when it has one
 * ({@link FollowOptions.feedUrl}). Returns how many events it showed.
 *
 * @example
 * const seen = await followEvents({ sqs, queueUrl, onEvent: (e) => console.log(formatEvent(e)), limit: 1, idleSeconds: 10 });
 */
export async function followEvents(options: FollowOptions): Promise<number> {
  if (options.mode !== 'peek' && !options.filter) return consumeEvents(options);
  const run: LookRun = { shown: 0, shownIds: new Set() };
  // The feed position is taken before the look, so nothing sent meanwhile is missed.
  const feedStart = options.feedUrl ? await latestSeq(options.feedUrl) : undefined;
  await lookAtQueue(options, run);
  if (!options.feedUrl || feedStart === undefined) return run.shown;
  const limitReached = () => options.limit !== undefined && run.shown >= options.limit;
  const idleMs = options.idleSeconds === undefined ? undefined : options.idleSeconds * 1000;
  let lastShownAt = Date.now();
  let after = feedStart;
  while (!options.signal?.aborted && !limitReached()) {
    // Idle means nothing shown: events the filter skips do not keep tail alive.
    const until = idleMs === undefined ? undefined : lastShownAt + idleMs;
    if (until !== undefined && Date.now() >= until) break;
    after = await followFeed({
      url: options.feedUrl,
      after,
      until,
      signal: options.signal,
      onEvent: async (tailed) => {
        if (run.shownIds.has(tailed.messageId)) return true;
        if (options.filter && !options.filter(tailed)) return true;
        const before = run.shown;
        if (options.mode === 'peek') {
          await options.onEvent(tailed);
          run.shownIds.add(tailed.messageId);
          run.shown++;
        } else {
          // Consuming a match means receiving it: one look, which skips (and releases) the rest.
          await lookAtQueue(options, run);
        }
        if (run.shown > before) lastShownAt = Date.now();
        return !limitReached() && !options.signal?.aborted;
      },
    });
  }
  return run.shown;
}

/** What the looks of one run have shown (an event is never shown twice). */
interface LookRun {
  shown: number;
  shownIds: Set<string>;
}

/** How long a look holds what it received: it is released as soon as the look ends. */
const LOOK_HOLD_SECONDS = 30;

/**
 * One look at what is waiting: receives until a receive returns nothing new (each receive hides
 * what it returned, so the next one returns the next messages), shows what matches, deletes
 * what it showed when consuming (or what `take` picks when peeking), and releases everything
 * else at the end. Each waiting message costs one receive per look, so looks are taken only when
 * needed: the queue's redrive moves a message to the DLQ after its `maxReceiveCount` receives
 * (10 on the events queue). On a FIFO queue an event behind a skipped one of its group cannot be
 * reached while the skipped one is held: it stays for the queue's consumers.
 */
async function lookAtQueue(options: FollowOptions, run: LookRun): Promise<void> {
  const held: Message[] = [];
  const receivedIds = new Set<string>();
  const limitReached = () => options.limit !== undefined && run.shown >= options.limit;
  // Consuming into a pipe: the last shown message is deleted only after the next write.
  let pending: Message | undefined;
  const remove = async (m: Message) => {
    await options.sqs.send(
      new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: m.ReceiptHandle! }),
    );
    held.splice(held.indexOf(m), 1);
  };
  try {
    while (!options.signal?.aborted && !limitReached()) {
      const messages = await receive(options, 10, 0, LOOK_HOLD_SECONDS);
      held.push(...messages);
      const fresh = messages.filter((m) => !receivedIds.has(m.MessageId ?? ''));
      if (fresh.length === 0) break;
      for (const m of fresh) {
        const id = m.MessageId ?? '';
        receivedIds.add(id);
        if (run.shownIds.has(id) || options.signal?.aborted || limitReached()) continue;
        const tailed = toTailed(m);
        if (options.filter && !options.filter(tailed)) continue;
        await options.onEvent(tailed);
        run.shownIds.add(id);
        run.shown++;
        if (options.mode !== 'peek') {
          if (pending) await remove(pending);
          pending = m;
          if (!options.oneByOne) {
            await remove(m);
            pending = undefined;
          }
        } else if (options.take?.(tailed)) {
          await remove(m);
        }
      }
    }
    // The look ended with stdout open: the last event was written.
    if (pending && !options.signal?.aborted) await remove(pending);
  } catch (error) {
    if (!options.signal?.aborted) throw error;
  } finally {
    await releaseMessages(options.sqs, options.queueUrl, held);
  }
}

function receive(options: FollowOptions, max: number, waitSeconds: number, holdSeconds?: number) {
  return receiveForLook(options.sqs, options.queueUrl, {
    max,
    waitSeconds,
    holdSeconds,
    signal: options.signal,
  });
}

async function consumeEvents(options: FollowOptions): Promise<number> {
  let seen = 0;
  let lastEventAt = Date.now();
  // Piped: one event at a time, and each deleted only once the next write succeeded (or the
  // run ends with stdout open), so a reader that stops early (`| head -1`) leaves the rest.
  let pending: Message | undefined;
  const deletePending = async () => {
    if (!pending) return;
    const m = pending;
    pending = undefined;
    await options.sqs.send(
      new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: m.ReceiptHandle! }),
    );
  };
  while (!options.signal?.aborted) {
    if (options.limit !== undefined && seen >= options.limit) break;
    const idleLeft =
      options.idleSeconds === undefined
        ? Number.POSITIVE_INFINITY
        : options.idleSeconds * 1000 - (Date.now() - lastEventAt);
    if (idleLeft <= 0) break;
    let messages: Message[];
    try {
      messages = await receive(
        options,
        options.oneByOne ? 1 : (options.limit ?? 10) - seen,
        // A pending event waits for the next one only briefly: its group is blocked meanwhile.
        pending ? 1 : Math.max(0, Math.min(5, Math.floor(idleLeft / 1000))),
      );
    } catch (error) {
      if (options.signal?.aborted) break;
      throw error;
    }
    if (messages.length === 0) {
      await deletePending();
      continue;
    }
    const shown: Message[] = [];
    const kept: Message[] = [];
    let failure: unknown;
    for (const m of messages) {
      if (
        failure !== undefined ||
        options.signal?.aborted ||
        (options.limit !== undefined && seen >= options.limit)
      ) {
        kept.push(m);
        continue;
      }
      try {
        await options.onEvent(toTailed(m));
        shown.push(m);
        seen++;
      } catch (error) {
        failure = error;
        kept.push(m);
      }
    }
    if (failure === undefined && shown.length > 0) await deletePending();
    if (options.oneByOne && shown.length > 0) pending = shown.pop();
    if (shown.length > 0) {
      await options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: shown.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
    if (shown.length > 0 || pending) lastEventAt = Date.now();
    if (failure !== undefined) {
      // The write that failed says the reader is gone: the event before it may not have been read.
      if (pending) kept.push(pending);
      pending = undefined;
      await releaseMessages(options.sqs, options.queueUrl, kept);
      throw failure;
    }
    await releaseMessages(options.sqs, options.queueUrl, kept);
  }
  await deletePending();
  return seen;
}

/**
 * Masks the middle of an identity (phone numbers are personal data), at least half of it:
 * `46700000000` -> `467******00`.
 *
 * @example
 * maskIdentity('46700000000'); // '467******00'
 */
export function maskIdentity(identity: string): string {
  if (identity.length <= 6) return '*'.repeat(identity.length);
  const head = Math.min(4, Math.floor(identity.length / 3));
  const tail = Math.min(3, Math.floor(identity.length / 5));
  return `${identity.slice(0, head)}${'*'.repeat(identity.length - head - tail)}${identity.slice(-tail)}`;
}

/**
 * One line per event for people: time, type, subject (identity masked unless `showContent`) and
 * a short summary. Message text appears only with `showContent`.
 *
 * @example
 * formatEvent(tailed); // '12:00:01  sinch.conversation.message_inbound  WHATSAPP:467******00  text (5 chars)  app=01H...'
 */
export function formatEvent(
  tailed: TailedEvent,
  options: {
    showContent?: boolean;
    paint?: (style: 'red' | 'green' | 'dim' | 'cyan', text: string) => string;
  } = {},
): string {
  const paint = options.paint ?? ((_style: string, text: string) => text);
  const e = tailed.event;
  if (!e) return `(not JSON) ${tailed.raw.slice(0, 200)}`;
  const data = (e.data && typeof e.data === 'object' ? e.data : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const time = str(e.time)?.slice(11, 19) ?? '--:--:--';
  const type = str(e.type) ?? '(no type)';
  let subject = str(e.subject) ?? '';
  if (subject && !options.showContent) {
    const at = subject.indexOf(':');
    subject =
      at > 0 ? `${subject.slice(0, at)}:${maskIdentity(subject.slice(at + 1))}` : maskIdentity(subject);
  }
  const typeStyle = /failed|suppression\.added/.test(type)
    ? 'red'
    : /accepted|delivered|read|stored/.test(type) || /DELIVERED|READ/.test(str(data.status) ?? '')
      ? 'green'
      : 'cyan';
  const parts: string[] = [paint('dim', time), paint(typeStyle, type)];
  if (subject) parts.push(subject);
  const content = data.content as Record<string, unknown> | undefined;
  if (content && typeof content === 'object') {
    const kind = str(content.kind) ?? 'content';
    const text = str(content.text);
    parts.push(
      text === undefined
        ? kind
        : options.showContent
          ? `${kind} ${JSON.stringify(text)}`
          : `${kind} (${text.length} chars)`,
    );
  }
  for (const key of ['status', 'messageId', 'id'] as const) {
    const value = str(data[key]);
    if (value) parts.push(`${key}=${value}`);
  }
  const error = data.error as Record<string, unknown> | undefined;
  if (error && typeof error === 'object') {
    parts.push(
      paint(
        'red',
        `error=${str(error.kind) ?? '?'}${error.status ? `/${error.status}` : ''}: ${str(error.message) ?? ''}`,
      ),
    );
  }
  const appId = str(data.appId);
  if (appId) parts.push(`app=${appId}`);
  return parts.join('  ');
}
