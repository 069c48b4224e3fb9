import { describe, expect, it } from 'vitest';
import { runOutboundScenario } from './scenarios/outbound';

// 1/10 of `npm run soak` (outbound-odd); one bridge per process, so one scenario per file.
describe('outbound with odd 2xx answers from Sinch', () => {
  it('takes every 2xx as acceptance: each command accepted once, sent once, none dead-lettered', async () => {
    // Prepare / Act: about half the answers are empty, not JSON, null, HTML, JSON without a
    // (string) message_id, a 202 or a 204.
    const report = await runOutboundScenario({ count: 100, profile: 'odd' });

    // Assess
    expect(report.violations).toEqual([]);
    expect(report.injectedOdd).toBeGreaterThan(20);
    expect(report.acceptedOnce).toBe(100);
    expect(report.deadLettered).toBe(0);
    // One call per command: an odd body is never a reason to send again.
    expect(report.sinchSendRequests).toBe(100);
    expect(report.mostAttempts).toBe(1);
  }, 180_000);
});
