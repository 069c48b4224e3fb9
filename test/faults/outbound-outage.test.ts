import { describe, expect, it } from 'vitest';
import { runOutboundScenario } from './scenarios/outbound';

// `npm run soak` runs the same one-minute episode in real time over 1,000 commands
// (outbound-outage); here time runs 15 times faster (retry base 6 s, the episode 4 s), which
// keeps the episode's real ratio to the retry budget. One bridge per process, one scenario per file.
describe('outbound through a one-minute Sinch outage over deep groups', () => {
  it('rides out the 503 episode: nothing dead-lettered, order kept, each command sent once', async () => {
    const report = await runOutboundScenario({
      count: 60,
      profile: 'outage',
      outageSeconds: 60,
      timeScale: 15,
    });

    expect(report.violations).toEqual([]);
    expect(report.injectedOutage503).toBeGreaterThan(0);
    expect(report.acceptedOnce).toBe(60);
    expect(report.deadLettered).toBe(0);
    expect(report.unexplainedDuplicates + report.duplicatesInWindow).toBe(0);
    // The heads of both groups were retried through the episode.
    expect(report.mostAttempts).toBeGreaterThan(1);
  }, 240_000);
});
