/**
 * What a router step is: a plain function over the events of one router batch that may have
 * side effects (a table write, an archive record, a copy job) and may derive new events, which
 * the router publishes right after the event they came from, in the same FIFO group.
 */
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { CloudEvent } from '../events/cloud-event';

/** One event as it came off the router queue, with the SQS attributes its producer gave it. */
export interface RoutedEvent {
  /** The parsed CloudEvent. */
  event: CloudEvent;
  /** The FIFO group the producer chose: derived events go to the same group. */
  groupId: string;
  /** The body exactly as the producer wrote it (already SQS-safe): republished unchanged. */
  body: string;
  deduplicationId: string;
  attributes: Record<string, MessageAttributeValue>;
  /** The router queue's `SequenceNumber` of the record: FIFO order within the group. */
  sequenceNumber?: string | undefined;
  /**
   * What the steps before this one derived from this event so far (a later step, e.g. the
   * archive, sees them; only the router appends to it).
   */
  derived: CloudEvent[];
}

/**
 * What a step did with one event: the events it derived (in publication order), or a failure.
 * A failed event is not published; it and the later events of its group come back in a later
 * batch, so every step must be idempotent: run twice on the same event, it must derive the same
 * events (same ids) and leave the same state.
 */
export type StepResult = { ok: true; derived?: CloudEvent[] | undefined } | { ok: false; error: unknown };

/**
 * A router step. `run` gets the events of one batch that are still live (batch order, which is
 * FIFO order within each group) and answers one result per event, in the same order. A step that
 * throws fails every event it was given.
 *
 * @example
 * const archive: RouterStep = {
 *   name: 'archive',
 *   async run(events) { await firehose.putRecordBatch(events); return events.map(() => ({ ok: true })); },
 * };
 */
export interface RouterStep {
  readonly name: string;
  run(events: readonly RoutedEvent[]): Promise<StepResult[]>;
}

/**
 * A step from a function of one event: groups run concurrently, events of one group in order,
 * and once an event of a group fails the later ones of that group are not run (they would be
 * retried anyway, and running them first could apply their effects out of order).
 *
 * @example
 * const lifecycle = perEventStep('lifecycle', async (routed) => (isDeliveryReport(routed.event) ? await track(routed) : []));
 */
export function perEventStep(
  name: string,
  handle: (routed: RoutedEvent) => Promise<CloudEvent[] | undefined>,
): RouterStep {
  return {
    name,
    async run(events) {
      const results: StepResult[] = new Array(events.length);
      const groups = new Map<string, number[]>();
      events.forEach((routed, index) => {
        const group = groups.get(routed.groupId);
        if (group) group.push(index);
        else groups.set(routed.groupId, [index]);
      });
      await Promise.all(
        [...groups.values()].map(async (indexes) => {
          let failed: unknown;
          let blocked = false;
          for (const index of indexes) {
            if (blocked) {
              results[index] = { ok: false, error: failed };
              continue;
            }
            try {
              const derived = await handle(events[index]!);
              results[index] = { ok: true, derived: derived ?? undefined };
            } catch (error) {
              failed = error;
              blocked = true;
              results[index] = { ok: false, error };
            }
          }
        }),
      );
      return results;
    },
  };
}
