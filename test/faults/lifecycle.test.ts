import { describe, expect, it } from 'vitest';
import { runLifecycleScenario } from './scenarios/lifecycle';

// 1/20 of `npm run soak`: 100 commands and 100 inbound callbacks, a fifth of the recipients opted
// out first (keywords in several languages and forms, OPT_OUT callbacks), near-miss texts,
// delivery reports duplicated (30%) and shuffled per command, 5% of the functions' SQS writes
// failing.
describe('lifecycle and opt-outs under faults', () => {
  it('never sends to an opted-out recipient, and ends every other command with one final status or one unconfirmed', async () => {
    const report = await runLifecycleScenario({ count: 100 });

    expect(report.violations).toEqual([]);
    expect(report.refused + report.accepted).toBe(100);
    expect(report.refused).toBeGreaterThan(0);
    expect(report.inbound).toBe(100);
    expect(report.nearMisses).toBeGreaterThan(0);
    expect(report.confirmations).toBe(report.suppressedRecipients);
    // The faults really happened.
    expect(report.duplicateReports).toBeGreaterThan(0);
    expect(report.sqsFaults).toBeGreaterThan(0);
    expect(Object.keys(report.finalStatuses).sort()).toEqual(['failed', 'read', 'unconfirmed']);
  }, 300_000);
});
