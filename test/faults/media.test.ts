import { describe, expect, it } from 'vitest';
import { runMediaScenario } from './scenarios/media';

// 1/10 of `npm run soak`: 200 callbacks through the real webhook, router and media function, a
// quarter with a file, with faults on the media sources, S3, SQS and Firehose at once.
describe('media copy under source, S3, SQS and archive faults', () => {
  it('gives every media message exactly one right outcome, after it, and archives every event', async () => {
    // Prepare / Act
    const report = await runMediaScenario({ count: 200 });

    // Assess
    expect(report.violations).toEqual([]);
    expect(report.mediaMessages).toBe(50);
    expect(report.consumed).toBe(250);
    expect(report.stored + Object.values(report.failed).reduce((a, b) => a + b, 0)).toBe(50);
    expect(report.duplicateOutcomes).toBe(0);
    expect(report.missingFromArchive).toBe(0);
    expect(report.archivedUnique).toBeGreaterThanOrEqual(250);
    // Every kind of source misbehaviour happened, and so did the faults on every side.
    expect(Object.keys(report.sourceKinds).sort()).toEqual(
      [
        'hang',
        'ok',
        'oversized_declared',
        'oversized_streamed',
        'redirect_metadata',
        'redirect_ok',
        'redirect_private',
        'reset_once',
        'slow',
        'status_404',
        'status_429_once',
        'status_503_always',
        'status_503_once',
      ].sort(),
    );
    expect(report.failed).toMatchObject({
      address_not_allowed: expect.any(Number),
      too_large: expect.any(Number),
      http_503: expect.any(Number),
      timeout: 1,
    });
    expect(report.injectedSqsFaults).toBeGreaterThan(0);
    expect(report.injectedMediaS3Errors).toBeGreaterThan(0);
    expect(report.injectedArchiveS3Errors).toBeGreaterThan(0);
    expect(report.injectedFirehoseErrors).toBeGreaterThan(0);
    expect(report.injectedRecordFailures).toBeGreaterThan(0);
  }, 600_000);
});
