/**
 * FIFO batch processing with partial failures: records of different message groups run in
 * parallel, records of one group strictly in order, and once a record of a group fails, the
 * later records of that group are failed unsent so SQS redelivers the group in order.
 *
 * Why not Powertools' `SqsFifoPartialProcessorAsync`: in 2.35 it awaits every record in turn
 * across the whole batch, so ten slow sends in ten groups take ten times one send. This keeps its
 * semantics (with `skipGroupOnError`) and adds parallelism between groups.
 */

export interface FifoRecord {
  messageId: string;
  attributes: { MessageGroupId?: string | undefined };
}

/** What the record handler reports: done, or failed (with the wait SQS should apply). */
export type RecordResult = { ok: true } | { ok: false; retryInSeconds?: number | undefined };

export type ProcessedRecord<R extends FifoRecord> =
  | { record: R; status: 'done' }
  | { record: R; status: 'failed'; retryInSeconds?: number | undefined; error?: unknown }
  /** Not attempted because `blockedBy` (an earlier record of the group) failed. */
  | { record: R; status: 'skipped'; blockedBy: string; retryInSeconds?: number | undefined };

/**
 * Groups records by `MessageGroupId` (a record without one is its own group, as on a standard
 * queue), runs groups concurrently and each group's records in order. A handler that throws
 * counts as a failure without a wait.
 *
 * @example
 * const results = await processFifoBatch(event.Records, async (record) => ({ ok: await send(record) }));
 * const batchItemFailures = results.filter((r) => r.status !== 'done').map((r) => ({ itemIdentifier: r.record.messageId }));
 */
export async function processFifoBatch<R extends FifoRecord>(
  records: readonly R[],
  handle: (record: R) => Promise<RecordResult>,
): Promise<ProcessedRecord<R>[]> {
  const groups = new Map<string, R[]>();
  for (const record of records) {
    const key = record.attributes.MessageGroupId ?? `\u0000${record.messageId}`;
    const group = groups.get(key);
    if (group) group.push(record);
    else groups.set(key, [record]);
  }
  const results = new Map<string, ProcessedRecord<R>>();
  await Promise.all(
    [...groups.values()].map(async (group) => {
      let failure: { messageId: string; retryInSeconds?: number | undefined } | undefined;
      for (const record of group) {
        if (failure) {
          results.set(record.messageId, {
            record,
            status: 'skipped',
            blockedBy: failure.messageId,
            retryInSeconds: failure.retryInSeconds,
          });
          continue;
        }
        let result: RecordResult;
        let error: unknown;
        try {
          result = await handle(record);
        } catch (thrown) {
          result = { ok: false };
          error = thrown;
        }
        if (result.ok) {
          results.set(record.messageId, { record, status: 'done' });
        } else {
          failure = { messageId: record.messageId, retryInSeconds: result.retryInSeconds };
          results.set(record.messageId, {
            record,
            status: 'failed',
            retryInSeconds: result.retryInSeconds,
            ...(error === undefined ? {} : { error }),
          });
        }
      }
    }),
  );
  // Batch order, so the partial response lists failures as Lambda gave the records.
  return records.map((record) => results.get(record.messageId)!);
}
