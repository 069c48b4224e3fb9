/**
 * How much traffic API Gateway lets through to the webhook, sized from the apps a region serves.
 *
 * Sinch posts at most 25 callbacks per second per app by default, so a region with n apps needs
 * about 25 x n requests per second in steady state. Twice that leaves room for the bursts that
 * follow an outage (Sinch retries what it queued) and for Sinch raising an app's rate. The send
 * side does not change this: a project sends at most 800 messages per second, and their delivery
 * reports still reach the webhook through each app's 25/s callback budget. A fixed 100 requests
 * per second (the old default) is below that from 3 apps on, and was shared with anyone probing.
 */

/** Sinch's default callback rate per app (requests per second). */
export const SINCH_CALLBACKS_PER_APP = 25;
/** Factor over the steady callback rate, for retry bursts after an outage. */
export const CALLBACK_HEADROOM = 2;
/** The smallest webhook budget (one app still gets this much). */
export const MIN_WEBHOOK_RATE = 100;
/** API Gateway's default account-level limits per region (a stage cannot exceed them). */
export const ACCOUNT_RATE_LIMIT = 10_000;
export const ACCOUNT_BURST_LIMIT = 5_000;
/**
 * Every route but `POST /webhooks/{appId}` (wrong methods, other paths): enough for people and
 * health checks, and API Gateway answers 429 itself above it, without invoking the function.
 */
export const OTHER_ROUTES_THROTTLE = { rateLimit: 10, burstLimit: 20 } as const;

export interface Throttle {
  rateLimit: number;
  burstLimit: number;
}

/**
 * The `POST /webhooks/{appId}` throttle for `appCount` apps; explicit tunables win.
 *
 * @example
 * webhookThrottle(3);  // { rateLimit: 150, burstLimit: 300 }
 * webhookThrottle(40); // { rateLimit: 2000, burstLimit: 4000 }
 */
export function webhookThrottle(
  appCount: number,
  overrides: { rateLimit?: number | undefined; burstLimit?: number | undefined } = {},
): Throttle {
  const derived = Math.max(MIN_WEBHOOK_RATE, appCount * SINCH_CALLBACKS_PER_APP * CALLBACK_HEADROOM);
  const rateLimit = Math.min(ACCOUNT_RATE_LIMIT, overrides.rateLimit ?? derived);
  const burstLimit = Math.min(ACCOUNT_BURST_LIMIT, overrides.burstLimit ?? 2 * rateLimit);
  return { rateLimit, burstLimit };
}
