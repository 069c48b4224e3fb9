import { describe, expect, it } from 'vitest';
import { runInboundScenario } from './scenarios/inbound';

// 1/10 of `npm run soak`: 200 callbacks in 10 conversations, 10% of the webhook's SQS calls failing.
describe('inbound under SQS faults and Sinch-style retries', () => {
  it('hands every callback to the consumer exactly once, in order within its conversation', async () => {
    // Prepare / Act
    const report = await runInboundScenario({ count: 200 });

    // Assess
    expect(report.violations).toEqual([]);
    expect(report.consumed).toBe(200);
    expect({ lost: report.lost, duplicates: report.duplicates, outOfOrder: report.outOfOrder }).toEqual({
      lost: 0,
      duplicates: 0,
      outOfOrder: 0,
    });
    // The faults really happened, on both sides of the enqueue, and Sinch really retried.
    expect(report.injectedBeforeEnqueue).toBeGreaterThan(0);
    expect(report.injectedAfterEnqueue).toBeGreaterThan(0);
    expect(report.sinchRetries).toBeGreaterThan(0);
    expect(report.sinchRedeliveries).toBeGreaterThan(0);
  }, 180_000);
});
