/**
 * The local bridge's read-only event feed (`<webhook base>/local/events`): every message the
 * local SQS accepted on the bridge's queues, in order, served without receiving anything. The
 * CLI follows it where reading the queue would take events from other readers.
 */
import type { TailedEvent } from './tail';

interface FeedEntry {
  seq: number;
  messageId: string;
  groupId?: string;
  body: string;
}

/**
 * Follows the feed from `after` (0 = from its start, `latest` = only new entries), handing each
 * entry to `onEvent` until it returns `false`, `signal` aborts, `idleSeconds` pass without an
 * entry, or the clock reaches `until` (epoch ms; a deadline that other entries do not push back,
 * which is what a wait for one particular event needs on a busy bridge). Resolves to the position
 * to follow on from (the `after` of a later call).
 *
 * @example
 * await followFeed({ url: state.eventFeedUrl, after: 0, onEvent: (e) => { console.log(e.event?.type); return true; } });
 */
export async function followFeed(options: {
  url: string;
  after: number | 'latest';
  onEvent: (event: TailedEvent) => boolean | Promise<boolean>;
  idleSeconds?: number | undefined;
  until?: number | undefined;
  signal?: AbortSignal | undefined;
}): Promise<number> {
  let after = options.after === 'latest' ? await latestSeq(options.url) : options.after;
  let lastEventAt = Date.now();
  while (!options.signal?.aborted) {
    const idleLeft = Math.min(
      options.idleSeconds === undefined ? 20_000 : options.idleSeconds * 1000 - (Date.now() - lastEventAt),
      options.until === undefined ? 20_000 : options.until - Date.now(),
    );
    if (idleLeft <= 0) return after;
    let page: { events: FeedEntry[]; next: number };
    try {
      const res = await fetch(
        `${options.url}?queue=events&after=${after}&waitSeconds=${Math.max(0, Math.min(20, Math.ceil(idleLeft / 1000)))}`,
        options.signal ? { signal: options.signal } : {},
      );
      page = (await res.json()) as typeof page;
    } catch (error) {
      if (options.signal?.aborted) return after;
      throw error;
    }
    for (const entry of page.events) {
      let event: Record<string, unknown> | undefined;
      try {
        event = JSON.parse(entry.body) as Record<string, unknown>;
      } catch {
        // shown raw
      }
      lastEventAt = Date.now();
      const more = await options.onEvent({
        messageId: entry.messageId,
        groupId: entry.groupId,
        raw: entry.body,
        ...(event ? { event } : {}),
      });
      if (!more) return entry.seq;
    }
    after = page.next;
  }
  return after;
}

/**
 * The feed's current end: following from it reads only what comes later.
 *
 * @example
 * const start = await latestSeq(state.eventFeedUrl);
 */
export async function latestSeq(url: string): Promise<number> {
  const res = await fetch(`${url}?queue=events&after=0&waitSeconds=0`);
  const page = (await res.json()) as { next: number };
  return page.next;
}
