/**
 * Exponential backoff with "full jitter" (AWS Architecture Blog, "Exponential Backoff And
 * Jitter"): a uniformly random delay between 0 and min(cap, base * 2^(attempt - 1)). Full jitter
 * spreads retries of many clients best, which matters for Sinch's token bucket and drain rate.
 */

/**
 * The delay before retry number `attempt` (1 = first retry).
 *
 * @example
 * fullJitterDelay(3, { base: 250, cap: 4000 }); // somewhere in [0, 1000]
 */
export function fullJitterDelay(
  attempt: number,
  options: { base: number; cap: number },
  random: () => number = Math.random,
): number {
  if (options.base <= 0 || options.cap <= 0) return 0;
  // 2^exponent would overflow to Infinity (and 0 * Infinity is NaN): the cap is reached long before.
  const exponent = Math.min(1_000, Math.max(0, Math.floor(attempt) - 1));
  const ceiling = Math.min(options.cap, options.base * 2 ** exponent);
  return random() * ceiling;
}
