/**
 * How long a retryable command waits before SQS offers it again: exponential backoff with full
 * jitter on the receive count, applied with `ChangeMessageVisibility`.
 */
import { fullJitterDelay } from '../sinch/backoff';

/** SQS refuses visibility timeouts above 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;

export interface RetryPolicy {
  /** Receives after which a retryable failure is given up (`MAX_ATTEMPTS`). */
  maxAttempts: number;
  /** Ceiling of the first wait, in seconds. */
  baseSeconds: number;
  /** Largest ceiling, in seconds. */
  capSeconds: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseSeconds: 5, capSeconds: 900 };

/**
 * The visibility timeout for a command that failed on receive number `receiveCount`: a random
 * whole number of seconds in [0, min(cap, base * 2^(receiveCount - 1))], never below a
 * `Retry-After` Sinch sent, never above SQS's 12 hours.
 *
 * @example
 * retryVisibilitySeconds(3, DEFAULT_RETRY_POLICY); // somewhere in 0..20
 */
export function retryVisibilitySeconds(
  receiveCount: number,
  policy: Pick<RetryPolicy, 'baseSeconds' | 'capSeconds'>,
  retryAfterSeconds?: number | undefined,
  random: () => number = Math.random,
): number {
  const jittered = Math.round(
    fullJitterDelay(Math.max(1, receiveCount), { base: policy.baseSeconds, cap: policy.capSeconds }, random),
  );
  return Math.min(MAX_VISIBILITY_SECONDS, Math.max(jittered, Math.ceil(retryAfterSeconds ?? 0)));
}

/**
 * Whether a retryable failure on this receive is the last one allowed.
 *
 * @example
 * isLastAttempt(5, 5); // true
 */
export function isLastAttempt(receiveCount: number, maxAttempts: number): boolean {
  return receiveCount >= maxAttempts;
}
