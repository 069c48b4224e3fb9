/**
 * Writes archive records to an Amazon Data Firehose delivery stream with `PutRecordBatch`,
 * which can fail per record (`FailedPutCount`): failed records are sent again, with backoff,
 * and what still fails after the last attempt is reported to the caller (the router then fails
 * those events' batch items, so they come back and nothing is published unarchived).
 */
import { type FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { fullJitterDelay } from '../sinch/backoff';

/** Firehose limits of one `PutRecordBatch`: 500 records, 4 MiB of record data. */
export const MAX_BATCH_RECORDS = 500;
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;

export interface FirehoseArchiverOptions {
  firehose: FirehoseClient;
  deliveryStreamName: string;
  /** `PutRecordBatch` rounds for one record before it counts as failed; default 4. */
  maxAttempts?: number;
  /** Backoff between rounds, in ms (full jitter); default base 100, cap 2000. */
  backoff?: { base: number; cap: number };
  /** Stops retrying when this says so (e.g. the Lambda deadline is near). */
  shouldStop?: () => boolean;
  sleep?: (ms: number) => Promise<void>;
}

/** Outcome of archiving a list of records: indexes (into the input) that were not archived. */
export interface ArchiveOutcome {
  failed: Array<{ index: number; reason: string }>;
  /** `PutRecordBatch` calls made, and records sent again after a failure (for metrics). */
  calls: number;
  retried: number;
}

/**
 * @example
 * const archiver = createFirehoseArchiver({ firehose: new FirehoseClient({}), deliveryStreamName: 'events-archive' });
 * const { failed } = await archiver.archive([Buffer.from('{"id":"1"}\n')]);
 */
export function createFirehoseArchiver(options: FirehoseArchiverOptions) {
  const maxAttempts = options.maxAttempts ?? 4;
  const backoff = options.backoff ?? { base: 100, cap: 2000 };
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  async function archive(records: readonly Uint8Array[]): Promise<ArchiveOutcome> {
    const outcome: ArchiveOutcome = { failed: [], calls: 0, retried: 0 };
    let pending = records.map((_, index) => index);
    const reasons = new Map<number, string>();
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) {
        if (attempt > maxAttempts || options.shouldStop?.()) break;
        outcome.retried += pending.length;
        await sleep(fullJitterDelay(attempt - 1, backoff));
      }
      const stillFailing: number[] = [];
      for (const batch of batches(pending, records)) {
        outcome.calls++;
        try {
          const answer = await options.firehose.send(
            new PutRecordBatchCommand({
              DeliveryStreamName: options.deliveryStreamName,
              Records: batch.map((index) => ({ Data: records[index]! })),
            }),
          );
          const responses = answer.RequestResponses ?? [];
          batch.forEach((index, i) => {
            const response = responses[i];
            // A missing or error response means not archived: Firehose answers one per record.
            if (!response?.RecordId || response.ErrorCode) {
              stillFailing.push(index);
              reasons.set(
                index,
                `${response?.ErrorCode ?? 'NoResponse'}: ${response?.ErrorMessage ?? ''}`.trim(),
              );
            }
          });
        } catch (error) {
          for (const index of batch) {
            stillFailing.push(index);
            reasons.set(index, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
          }
        }
      }
      pending = stillFailing.sort((a, b) => a - b);
    }
    outcome.failed = pending.map((index) => ({ index, reason: reasons.get(index) ?? 'not archived' }));
    return outcome;
  }

  return { archive };
}

/** Splits indexes into `PutRecordBatch` calls within Firehose's count and size limits, in order. */
function batches(indexes: readonly number[], records: readonly Uint8Array[]): number[][] {
  const out: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const index of indexes) {
    const size = records[index]!.byteLength;
    if (current.length > 0 && (current.length === MAX_BATCH_RECORDS || bytes + size > MAX_BATCH_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(index);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
