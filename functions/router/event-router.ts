/**
 * The event router, free of Lambda: for one FIFO batch of the router queue, run every step,
 * then publish each event followed by the events its steps derived on the events queue, in order
 * per group. A record is done only when it and all its derived events are on the events queue;
 * otherwise it (and the later records of its group) are reported as batch item failures and come
 * back, so every step runs again on them: steps are idempotent, derived ids are stable, and the
 * events queue's deduplication drops what a retry publishes a second time.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { entryBytes, MAX_BATCH_ENTRIES, packBatches } from '../events/sqs-batch';
import { type EventsQueueEntry, queueUrlOfRecord, readRoutedRecord, toDerivedEntry } from './routed-record';
import type { RoutedEvent, RouterStep } from './router-step';

export interface EventRouterOptions {
  /** Run in this order on every batch; see `steps.ts` for the registered list. */
  steps: readonly RouterStep[];
  sqs: SQSClient;
  eventsQueueUrl: string;
  /** Visibility (seconds) of a failed record before it is tried again; default `2^receiveCount`, at most 60. */
  retryVisibilitySeconds?: (receiveCount: number) => number;
  onReport?: (report: RouterReport) => void;
}

/** What happened to one batch: counts and failures for logs and metrics (no content). */
export interface RouterReport {
  records: number;
  published: number;
  derived: number;
  /** Records that were not CloudEvents: forwarded unchanged, no step run. */
  passedThrough: number;
  failures: Array<{ messageId: string; stage: string; reason: string; blockedBy?: string }>;
}

interface RecordState {
  record: SQSRecord;
  routed?: RoutedEvent | undefined;
  entries: EventsQueueEntry[];
  failed?: { stage: string; reason: string; blockedBy?: string } | undefined;
}

const defaultRetryVisibility = (receiveCount: number) => Math.min(60, 2 ** Math.max(0, receiveCount));

/**
 * @example
 * const router = createEventRouter({ steps: [archive, lifecycle], sqs, eventsQueueUrl });
 * const { batchItemFailures } = await router.processBatch(event.Records);
 */
export function createEventRouter(options: EventRouterOptions) {
  const retryVisibility = options.retryVisibilitySeconds ?? defaultRetryVisibility;

  function fail(states: RecordState[], index: number, stage: string, error: unknown): void {
    const state = states[index]!;
    if (state.failed) return;
    state.failed = { stage, reason: reasonOf(error) };
    const group = state.record.attributes.MessageGroupId;
    // Later records of the same group wait for this one: publishing them now would break order.
    for (let later = index + 1; later < states.length; later++) {
      const next = states[later]!;
      if (next.failed || next.record.attributes.MessageGroupId !== group) continue;
      next.failed = { stage, reason: 'blocked', blockedBy: state.record.messageId };
    }
  }

  async function runSteps(states: RecordState[]): Promise<void> {
    for (const step of options.steps) {
      const live = states
        .map((state, index) => ({ state, index }))
        .filter(({ state }) => !state.failed && state.routed);
      if (live.length === 0) return;
      let results: Awaited<ReturnType<RouterStep['run']>>;
      try {
        results = await step.run(live.map(({ state }) => state.routed!));
        if (results.length !== live.length) {
          throw new Error(`step ${step.name} answered ${results.length} results for ${live.length} events`);
        }
      } catch (error) {
        for (const { index } of live) fail(states, index, step.name, error);
        continue;
      }
      live.forEach(({ state, index }, i) => {
        const result = results[i]!;
        if (!result.ok) {
          fail(states, index, step.name, result.error);
          return;
        }
        for (const derived of result.derived ?? []) {
          state.routed!.derived.push(derived);
          state.entries.push(toDerivedEntry(derived, state.routed!));
        }
      });
    }
  }

  /**
   * Publishes in rounds: each round sends the next entry of every group that still has some,
   * packed into as few `SendMessageBatch` calls as the limits allow. At most one entry per group
   * per call, and a group's next entry only after its previous one succeeded: a partial batch
   * failure can then never put a later event of a group ahead of an earlier one.
   */
  async function publish(states: RecordState[]): Promise<void> {
    const queues = new Map<string, Array<{ index: number; entry: EventsQueueEntry }>>();
    states.forEach((state, index) => {
      if (state.failed) return;
      const group = state.record.attributes.MessageGroupId ?? `\u0000${state.record.messageId}`;
      const queue = queues.get(group) ?? [];
      for (const entry of state.entries) queue.push({ index, entry });
      queues.set(group, queue);
    });
    while (true) {
      const round: Array<{ index: number; entry: EventsQueueEntry }> = [];
      for (const [group, queue] of queues) {
        // Drop what an earlier failure of the group blocked.
        while (queue.length > 0 && states[queue[0]!.index]!.failed) queue.shift();
        const next = queue.shift();
        if (next) round.push(next);
        else queues.delete(group);
      }
      if (round.length === 0) return;
      await Promise.all(
        packBatches(round, (item) => entryBytes(item.entry)).map(async (calls) => {
          try {
            const answer = await options.sqs.send(
              new SendMessageBatchCommand({
                QueueUrl: options.eventsQueueUrl,
                Entries: calls.map(({ entry }, i) => ({ Id: String(i), ...entry })),
              }),
            );
            for (const failed of answer.Failed ?? []) {
              const call = calls[Number(failed.Id)];
              if (call)
                fail(states, call.index, 'publish', `${failed.Code ?? 'failed'}: ${failed.Message ?? ''}`);
            }
          } catch (error) {
            for (const { index } of calls) fail(states, index, 'publish', error);
          }
        }),
      );
    }
  }

  /** Failed records come back after a short backoff, not after the queue's long visibility timeout. */
  async function backOff(states: RecordState[]): Promise<void> {
    const failed = states.filter((s) => s.failed);
    if (failed.length === 0) return;
    const byQueue = new Map<string, RecordState[]>();
    for (const state of failed) {
      const url = queueUrlOfRecord(state.record);
      byQueue.set(url, [...(byQueue.get(url) ?? []), state]);
    }
    // Best effort: if it fails, the records come back after the queue's own visibility timeout.
    await Promise.allSettled(
      [...byQueue].flatMap(([QueueUrl, group]) =>
        chunkBy(group, MAX_BATCH_ENTRIES).map((part) =>
          options.sqs.send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl,
              Entries: part.map((s, i) => ({
                Id: String(i),
                ReceiptHandle: s.record.receiptHandle,
                VisibilityTimeout: retryVisibility(Number(s.record.attributes.ApproximateReceiveCount) || 1),
              })),
            }),
          ),
        ),
      ),
    );
  }

  /**
   * Routes one batch and answers the partial batch response.
   *
   * @example
   * const { batchItemFailures } = await router.processBatch(event.Records);
   */
  async function processBatch(
    records: readonly SQSRecord[],
  ): Promise<{ batchItemFailures: { itemIdentifier: string }[]; report: RouterReport }> {
    const states: RecordState[] = records.map((record) => {
      const { routed, entry } = readRoutedRecord(record);
      return { record, routed, entries: [entry] };
    });
    await runSteps(states);
    await publish(states);
    await backOff(states);
    const done = states.filter((s) => !s.failed);
    const report: RouterReport = {
      records: states.length,
      published: done.length,
      derived: done.reduce((n, s) => n + s.entries.length - 1, 0),
      passedThrough: states.filter((s) => !s.routed).length,
      failures: states.filter((s) => s.failed).map((s) => ({ messageId: s.record.messageId, ...s.failed! })),
    };
    options.onReport?.(report);
    return {
      batchItemFailures: states.filter((s) => s.failed).map((s) => ({ itemIdentifier: s.record.messageId })),
      report,
    };
  }

  return { processBatch };
}

function reasonOf(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 300);
  return String(error).slice(0, 300);
}

function chunkBy<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
