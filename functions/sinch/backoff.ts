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
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  // 2^exponent overflows to Infinity for huge attempts; min() with the cap keeps it finite.
  const ceiling = Math.min(options.cap, options.base * 2 ** exponent);
  return random() * ceiling;
}
