import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLastAttempt, MAX_VISIBILITY_SECONDS, retryVisibilitySeconds } from '../../functions/send/backoff';
import { fullJitterDelay } from '../../functions/sinch/backoff';

describe('retry backoff (exponential, full jitter)', () => {
  const policyArb = fc.record({
    baseSeconds: fc.integer({ min: 0, max: 60 }),
    capSeconds: fc.integer({ min: 0, max: 50_000 }),
  });

  it('stays within [max(0, Retry-After), min(cap, base * 2^(n-1), 12 h)]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2_000 }),
        policyArb,
        fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (receiveCount, policy, retryAfter, r) => {
          const seconds = retryVisibilitySeconds(receiveCount, policy, retryAfter, () => r);
          const ceiling = Math.min(
            policy.capSeconds,
            policy.baseSeconds * 2 ** Math.min(receiveCount - 1, 1_000),
          );
          expect(Number.isInteger(seconds)).toBe(true);
          expect(seconds).toBeGreaterThanOrEqual(retryAfter ?? 0);
          expect(seconds).toBeLessThanOrEqual(
            Math.min(MAX_VISIBILITY_SECONDS, Math.max(Math.ceil(ceiling), retryAfter ?? 0)),
          );
        },
      ),
    );
  });

  it('spans the whole range: no wait at random 0, the ceiling at random ~1', () => {
    const policy = { baseSeconds: 5, capSeconds: 900 };
    expect(retryVisibilitySeconds(3, policy, undefined, () => 0)).toBe(0);
    expect(retryVisibilitySeconds(3, policy, undefined, () => 0.9999)).toBe(20);
    expect(retryVisibilitySeconds(30, policy, undefined, () => 0.9999)).toBe(900);
  });

  it('grows exponentially until the cap', () => {
    const ceilings = [1, 2, 3, 4, 5, 6].map((n) => fullJitterDelay(n, { base: 100, cap: 2_000 }, () => 1));
    expect(ceilings).toEqual([100, 200, 400, 800, 1_600, 2_000]);
  });

  it('gives up on receive number MAX_ATTEMPTS, not before', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => isLastAttempt(n, 5))).toEqual([
      false,
      false,
      false,
      false,
      true,
      true,
    ]);
  });
});
