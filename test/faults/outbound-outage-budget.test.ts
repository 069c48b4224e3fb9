import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, guaranteedRetrySpanSeconds } from '../../functions/send/backoff';
import { runOutboundScenario } from './scenarios/outbound';

// The retry budget's promise (docs/sending.md): a 10-minute outage loses nothing. Time runs 45
// times faster (retry base 2 s, cap 20 s, the episode 13.3 s), the ratio of outage to budget is
// the stack's. One bridge per process, one scenario per file.
describe('outbound through a 10-minute Sinch outage, the whole retry budget', () => {
  it('dead-letters nothing the default budget covers', async () => {
    expect(guaranteedRetrySpanSeconds(DEFAULT_RETRY_POLICY)).toBeGreaterThanOrEqual(600);

    const report = await runOutboundScenario({
      count: 40,
      profile: 'outage',
      outageSeconds: 600,
      timeScale: 45,
    });

    expect(report.violations).toEqual([]);
    expect(report.acceptedOnce).toBe(40);
    expect(report.deadLettered).toBe(0);
    // The heads needed several of their five calls: the episode spanned most of the budget.
    expect(report.mostAttempts).toBeGreaterThanOrEqual(3);
    expect(report.mostAttempts).toBeLessThanOrEqual(DEFAULT_RETRY_POLICY.maxAttempts);
  }, 240_000);
});
