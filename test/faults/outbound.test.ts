import { describe, expect, it } from 'vitest';
import { runOutboundScenario } from './scenarios/outbound';

// 1/10 of `npm run soak`: 200 commands with 10% 5xx, 5% 429, 2% drops after accept, one token expiry.
describe('outbound under Sinch faults', () => {
  it('ends every command accepted exactly once or in the DLQ with a reason', async () => {
    // Prepare / Act
    const report = await runOutboundScenario({ count: 200 });

    // Assess
    expect(report.violations).toEqual([]);
    expect(report.acceptedOnce + report.deadLettered).toBe(200);
    expect(report.unresolved).toBe(0);
    // Duplicates only where Sinch accepted and the connection dropped before the answer.
    expect(report.unexplainedDuplicates).toBe(0);
    expect(report.duplicatesInWindow).toBeLessThanOrEqual(report.injectedDrops);
    // The faults really happened, and the expired token was replaced, not fetched per message.
    expect(report.injected5xx).toBeGreaterThan(0);
    expect(report.injected429).toBeGreaterThan(0);
    expect(report.injectedDrops).toBeGreaterThan(0);
    expect(report.tokenExpiries).toBe(1);
    expect(report.tokenRequests).toBeGreaterThanOrEqual(2);
    expect(report.tokenRequests).toBeLessThanOrEqual(6);
  }, 180_000);
});
