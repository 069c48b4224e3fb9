import { describe, expect, it } from 'vitest';
import { runRotationScenario } from './scenarios/rotation';

// 1/10 of `npm run soak`: 3 apps (+1 added, 1 removed), about 300 callbacks.
describe('rotation plus an app-list change, under traffic', () => {
  it('never refuses a callback signed with a valid secret, and ends with the bridge and Sinch agreeing', async () => {
    // Prepare / Act
    const report = await runRotationScenario({ count: 300 });

    // Assess
    expect(report.violations).toEqual([]);
    expect(report.refused).toBe(0);
    // It really happened: rotations and a deploy that added and removed apps, callbacks signed
    // with the callback URL secret, and some signed just before Sinch switched.
    expect(report.rotations).toBe(1);
    expect(report.callbackUrlRotations).toBe(1);
    expect(report.deploys).toBe(3);
    expect(report.added).toBeGreaterThan(0);
    expect(report.callbackUrlSigned).toBeGreaterThan(0);
    expect(report.arrivedAfterSwitch).toBeGreaterThanOrEqual(6);
    expect(report.callbacks).toBeGreaterThanOrEqual(300);
    expect(report.consumed).toBe(report.callbacks);
  }, 180_000);
});
