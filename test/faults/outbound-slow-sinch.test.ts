import { describe, expect, it } from 'vitest';
import { runOutboundScenario } from './scenarios/outbound';

// 1/10 of `npm run soak` (outbound-slow); one bridge per process, so one scenario per file.
describe('outbound with Sinch slow near the invocation deadline', () => {
  it('starts no call it cannot finish, returns the rest unstarted, and sends each command once', async () => {
    // Prepare / Act: Sinch answers in 0.3-1.5 s (5% after 2.5 s, past the 2 s call timeout)
    // while the function has 7 s: every invocation meets its deadline.
    const report = await runOutboundScenario({ count: 60, profile: 'slow' });

    // Assess
    expect(report.violations).toEqual([]);
    expect(report.acceptedOnce).toBe(60);
    expect(report.deadLettered).toBe(0);
    // The deadline really bit: records went back unstarted, to a later invocation.
    expect(report.recordsReturned).toBeGreaterThan(0);
    expect(report.injectedTooSlow).toBeGreaterThan(0);
    // Sinch took a command twice only after a call the sender had given up on (the timeout window).
    expect(report.unexplainedDuplicates).toBe(0);
    expect(report.lateRequests).toBe(0);
  }, 180_000);
});
