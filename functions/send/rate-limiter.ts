/**
 * A per-app send rate limit inside one container, so that (rate x the event source's maximum
 * concurrency) stays under the app's Sinch drain rate (20 messages/s by default).
 *
 * Hand-written (about twenty lines of GCRA) because the libraries that do this (bottleneck,
 * p-throttle) would be a new dependency in the bundle for one arithmetic rule.
 */

export interface RateLimiter {
  /** Resolves when the next send for `key` may start. */
  acquire(key: string): Promise<void>;
}

/** No limit. */
export const UNLIMITED: RateLimiter = { acquire: () => Promise.resolve() };

/**
 * Generic cell rate algorithm: at most `perSecond` starts per second per key, with bursts of
 * up to `burst` (default 1: evenly spaced).
 *
 * @example
 * const limiter = createRateLimiter({ perSecond: 5 });
 * await limiter.acquire(appId);
 */
export function createRateLimiter(options: {
  perSecond: number;
  burst?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}): RateLimiter {
  if (!(options.perSecond > 0)) throw new Error(`perSecond must be positive, got ${options.perSecond}`);
  const interval = 1000 / options.perSecond;
  const tolerance = (Math.max(1, options.burst ?? 1) - 1) * interval;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const theoreticalArrival = new Map<string, number>();
  return {
    acquire(key) {
      const t = now();
      const tat = Math.max(theoreticalArrival.get(key) ?? t, t);
      theoreticalArrival.set(key, tat + interval);
      const wait = tat - tolerance - t;
      return wait > 0 ? sleep(wait) : Promise.resolve();
    },
  };
}
