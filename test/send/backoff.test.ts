import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_POLICY,
  guaranteedRetrySpanSeconds,
  isLastAttempt,
  MAX_VISIBILITY_SECONDS,
  MIN_MAX_RECEIVE_COUNT,
  outboundMaxReceiveCount,
  retryVisibilitySeconds,
} from '../../functions/send/backoff';

describe('retry backoff (exponential, equal jitter, on Sinch calls)', () => {
  const policyArb = fc.record({
    baseSeconds: fc.integer({ min: 0, max: 600 }),
    capSeconds: fc.integer({ min: 0, max: 50_000 }),
  });

  it('stays within [max(c/2, min(Retry-After, cap)), max(c, min(Retry-After, cap))], c = min(cap, base * 2^(n-1)), at most 12 h', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2_000 }),
        policyArb,
        fc.option(fc.integer({ min: 0, max: 1_000_000 }), { nil: undefined }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, policy, retryAfter, r) => {
          const seconds = retryVisibilitySeconds(attempt, policy, retryAfter, () => r);
          const ceiling =
            policy.baseSeconds <= 0 || policy.capSeconds <= 0
              ? 0
              : Math.min(policy.capSeconds, policy.baseSeconds * 2 ** Math.min(attempt - 1, 1_000));
          const asked = Math.min(retryAfter ?? 0, policy.capSeconds);
          expect(Number.isInteger(seconds)).toBe(true);
          expect(seconds).toBeGreaterThanOrEqual(
            Math.min(MAX_VISIBILITY_SECONDS, Math.max(Math.floor(ceiling / 2), asked)),
          );
          expect(seconds).toBeLessThanOrEqual(
            Math.min(MAX_VISIBILITY_SECONDS, Math.max(Math.ceil(ceiling), asked)),
          );
        },
      ),
    );
  });

  it('item 4: a Retry-After never parks a command beyond the cap', () => {
    expect(retryVisibilitySeconds(1, DEFAULT_RETRY_POLICY, 86_400, () => 0)).toBe(
      DEFAULT_RETRY_POLICY.capSeconds,
    );
  });

  it('spans half the ceiling to the ceiling', () => {
    const policy = { baseSeconds: 90, capSeconds: 900 };
    expect(retryVisibilitySeconds(3, policy, undefined, () => 0)).toBe(180);
    expect(retryVisibilitySeconds(3, policy, undefined, () => 0.9999)).toBe(360);
    expect(retryVisibilitySeconds(30, policy, undefined, () => 0.9999)).toBe(900);
  });

  it('item 3: the default attempts span at least 10 minutes, so a 10-minute Sinch outage loses nothing', () => {
    expect(guaranteedRetrySpanSeconds(DEFAULT_RETRY_POLICY)).toBeGreaterThanOrEqual(600);
    // The least possible waits, drawn at random 0, add up to the documented budget.
    let total = 0;
    for (let attempt = 1; attempt < DEFAULT_RETRY_POLICY.maxAttempts; attempt++) {
      total += retryVisibilitySeconds(attempt, DEFAULT_RETRY_POLICY, undefined, () => 0);
    }
    expect(total).toBe(guaranteedRetrySpanSeconds(DEFAULT_RETRY_POLICY));
  });

  it('gives up on Sinch call number MAX_ATTEMPTS, not before', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => isLastAttempt(n, 5))).toEqual([
      false,
      false,
      false,
      false,
      true,
      true,
    ]);
  });

  it('item 22: the redrive sits well above MAX_ATTEMPTS and never below 5, even for MAX_ATTEMPTS 1 or 2', () => {
    for (const maxAttempts of [1, 2, 3, 5, 10, 50]) {
      const net = outboundMaxReceiveCount(maxAttempts);
      expect(net).toBeGreaterThanOrEqual(MIN_MAX_RECEIVE_COUNT);
      expect(net).toBeGreaterThanOrEqual(10 * maxAttempts);
      expect(net).toBeLessThanOrEqual(1000);
    }
  });
});
