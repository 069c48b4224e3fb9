import { describe, expect, it } from 'vitest';
import { runArchiveScenario } from './scenarios/archive';

// 1/10 of `npm run soak`: 200 callbacks through the real webhook and router, 10% of Firehose
// calls, of single records and of Firehose's S3 writes failing.
describe('archive under Firehose and S3 faults', () => {
  it('archives every event that reached the events queue, and a replay reproduces each conversation', async () => {
    // Prepare / Act
    const report = await runArchiveScenario({ count: 200 });

    // Assess
    expect(report.violations).toEqual([]);
    expect(report.consumed).toBe(200);
    expect(report.missingFromArchive).toBe(0);
    expect(report.archivedUnique).toBeGreaterThanOrEqual(200);
    expect(report.replayed).toBe(report.archivedUnique);
    expect(report.replayMismatches).toBe(0);
    // The faults really happened on every archive-side path.
    expect(report.injectedFirehoseErrors).toBeGreaterThan(0);
    expect(report.injectedRecordFailures).toBeGreaterThan(0);
    expect(report.injectedS3Errors).toBeGreaterThan(0);
  }, 300_000);
});
