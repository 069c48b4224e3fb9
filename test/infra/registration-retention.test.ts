/**
 * Switching registration off, removing an app or deleting the stack never deletes a live
 * webhook at Sinch: the custom resources are retained unless an explicit teardown says otherwise.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { exampleConfig } from './example-config';
import { synthRegions } from './synth';

type Resource = { Type: string; DeletionPolicy?: string; UpdateReplacePolicy?: string };

function webhookResources(config: unknown): Resource[] {
  const template = synthRegions(config).templates['SinchBridge-eu']!;
  return Object.values(template.findResources('Custom::SinchWebhook') as Record<string, Resource>);
}

describe('webhook registration removal', () => {
  let retained: Resource[];
  let tornDown: Resource[];
  // Two synths; slow on a loaded machine, so outside the test's own time.
  beforeAll(() => {
    retained = webhookResources(exampleConfig());
    const config = exampleConfig();
    config.registration = { enabled: true, teardown: true };
    tornDown = webhookResources(config);
  }, 300_000);

  it('retains every webhook resource by default, so CloudFormation never sends the Delete', () => {
    expect(retained.length).toBeGreaterThan(0);
    for (const resource of retained) {
      expect(resource.DeletionPolicy).toBe('Retain');
      expect(resource.UpdateReplacePolicy).toBe('Retain');
    }
  });

  it('deletes them at Sinch only after an explicit teardown deploy', () => {
    expect(tornDown.length).toBeGreaterThan(0);
    for (const resource of tornDown) expect(resource.DeletionPolicy).toBe('Delete');
  });
});
