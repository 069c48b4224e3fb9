import { describe, expect, it } from 'vitest';
import { runRotationScenario } from './scenarios/rotation';

// The control: the same run with the deploy the stack did before the entries resource (the whole
// value rewritten from per-app seeds) must show the lockout, so the scenario can fail.
describe('rotation plus an app-list change, with the old seed-rewriting deploy', () => {
  it('locks the rotated app out: refused callbacks and a disagreement with Sinch', async () => {
    const report = await runRotationScenario({ count: 300, legacyDeploy: true });
    expect(report.refused).toBeGreaterThan(0);
    expect(report.violations.join('\n')).toMatch(/the bridge and Sinch disagree on its secret/);
  }, 180_000);
});
