/**
 * How long a command waits before SQS offers it again, applied with `ChangeMessageVisibility`:
 * exponential backoff with "equal jitter" on the number of Sinch calls made for the command
 * (not on the receive count), and the queue's redrive that sits well above it.
 *
 * Equal jitter (a random wait in [ceiling/2, ceiling]) rather than full jitter: full jitter may
 * draw 0 s four times in a row and spend every attempt within seconds of one outage. The half
 * ceiling is a floor, so the attempts of a command always span a known minimum time (the
 * budget): with the defaults, at least 675 s from the first call to the last, so a 10-minute
 * Sinch outage loses nothing.
 */

/** SQS refuses visibility timeouts above 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;

export interface RetryPolicy {
  /** Sinch calls after which a retryable failure is given up (`MAX_ATTEMPTS`). */
  maxAttempts: number;
  /** Ceiling of the first wait, in seconds. */
  baseSeconds: number;
  /** Largest ceiling, in seconds. */
  capSeconds: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseSeconds: 90, capSeconds: 900 };

/**
 * The visibility timeout after Sinch call number `attempt` failed: a random whole number of
 * seconds in [c/2, c] with c = min(cap, base * 2^(attempt - 1)); a `Retry-After` Sinch sent
 * raises it, up to the cap (a Retry-After of days must not park a command for days); never
 * above SQS's 12 hours.
 *
 * @example
 * retryVisibilitySeconds(3, DEFAULT_RETRY_POLICY); // somewhere in 180..360
 */
export function retryVisibilitySeconds(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseSeconds' | 'capSeconds'>,
  retryAfterSeconds?: number | undefined,
  random: () => number = Math.random,
): number {
  const ceiling = backoffCeilingSeconds(attempt, policy);
  const jittered = Math.round(ceiling / 2 + (random() * ceiling) / 2);
  const asked = Math.min(Math.ceil(retryAfterSeconds ?? 0), Math.max(policy.capSeconds, ceiling));
  return Math.min(MAX_VISIBILITY_SECONDS, Math.max(jittered, asked));
}

/**
 * The ceiling of the wait after call number `attempt`.
 *
 * @example
 * backoffCeilingSeconds(2, { baseSeconds: 90, capSeconds: 900 }); // 180
 */
export function backoffCeilingSeconds(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseSeconds' | 'capSeconds'>,
): number {
  if (policy.baseSeconds <= 0 || policy.capSeconds <= 0) return 0;
  // 2^exponent would overflow to Infinity: the cap is reached long before.
  const exponent = Math.min(1_000, Math.max(0, Math.floor(attempt) - 1));
  return Math.min(policy.capSeconds, policy.baseSeconds * 2 ** exponent);
}

/**
 * The least time from the first Sinch call of a command to its last (`maxAttempts` calls): the
 * outage it rides out for sure. docs/sending.md quotes it for the defaults.
 *
 * @example
 * guaranteedRetrySpanSeconds(DEFAULT_RETRY_POLICY); // 675
 */
export function guaranteedRetrySpanSeconds(policy: RetryPolicy): number {
  let total = 0;
  for (let attempt = 1; attempt < policy.maxAttempts; attempt++) {
    total += Math.round(backoffCeilingSeconds(attempt, policy) / 2);
  }
  return total;
}

/**
 * Whether a retryable failure of Sinch call number `attempt` is the last one allowed.
 *
 * @example
 * isLastAttempt(5, 5); // true
 */
export function isLastAttempt(attempt: number, maxAttempts: number): boolean {
  return attempt >= maxAttempts;
}

/** AWS's recommended least `maxReceiveCount` for a queue that feeds Lambda. */
export const MIN_MAX_RECEIVE_COUNT = 5;

/**
 * The outbound queue's `maxReceiveCount`: only the crash safety net. Receives are not attempts:
 * a record is received again each time an earlier record of its group fails (up to 9 of them in
 * a batch ahead of it, each allowed `maxAttempts` calls), when it is returned unstarted at the
 * deadline, and while the project is held. So the net sits at ten times `maxAttempts` plus ten,
 * never below 5, never above SQS's 1000.
 *
 * @example
 * outboundMaxReceiveCount(5); // 60
 * outboundMaxReceiveCount(1); // 20
 */
export function outboundMaxReceiveCount(maxAttempts: number): number {
  return Math.min(1000, Math.max(MIN_MAX_RECEIVE_COUNT, 10 * maxAttempts + 10));
}
