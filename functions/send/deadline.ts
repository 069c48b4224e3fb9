/**
 * How the send function fits its work into a Lambda invocation: each record starts only when
 * one worst-case Sinch call plus the record's own writes still fit before the deadline, and the
 * stack sizes `SINCH_TIMEOUT_MS` and the function timeout so that a full batch of worst-case
 * calls fits.
 */

/** Time kept free per record beside the Sinch call: the command record writes, the event, the DLQ. */
export const RECORD_MARGIN_MS = 2_000;

/** Before the deadline, the batch stops waiting for Sinch: time to report and change visibilities. */
export const END_MARGIN_MS = 1_000;

/** Visibility of a record returned unstarted at the deadline: back soon, in a fresh invocation. */
export const DEFERRED_VISIBILITY_SECONDS = 1;

/** Bounds of `SINCH_TIMEOUT_MS` the stack sets. */
const SINCH_TIMEOUT_BOUNDS_MS = { min: 1_000, max: 10_000 } as const;

/**
 * `SINCH_TIMEOUT_MS` and the function timeout for a batch size: the configured timeout is
 * shared between the records of a batch (a FIFO batch of one group runs one after the other),
 * and raised when even the shortest Sinch timeout would not fit.
 *
 * @example
 * sendTimeoutsFor({ timeoutSeconds: 60, batchSize: 10 }); // { sinchTimeoutMs: 3900, functionTimeoutSeconds: 60 }
 */
export function sendTimeoutsFor(input: { timeoutSeconds: number; batchSize: number }): {
  sinchTimeoutMs: number;
  functionTimeoutSeconds: number;
} {
  const batch = Math.max(1, input.batchSize);
  const share = Math.floor((input.timeoutSeconds * 1000 - END_MARGIN_MS) / batch) - RECORD_MARGIN_MS;
  const sinchTimeoutMs = Math.min(SINCH_TIMEOUT_BOUNDS_MS.max, Math.max(SINCH_TIMEOUT_BOUNDS_MS.min, share));
  const needed = Math.ceil((batch * (sinchTimeoutMs + RECORD_MARGIN_MS) + END_MARGIN_MS) / 1000);
  return { sinchTimeoutMs, functionTimeoutSeconds: Math.max(input.timeoutSeconds, needed) };
}
