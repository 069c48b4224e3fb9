import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/app';
import { SKIP_BUNDLING_CONTEXT } from '../../infra/constructs/bridge-function';
import { RegionStack } from '../../infra/region-stack';
import { shippedContext } from './example-config';

/**
 * Synthesizes the app as `cdk synth` would, from the shipped cdk.json context with `sinch` replaced
 * when given, without esbuild (placeholder code): for assertions on the infrastructure only.
 */
export function synthRegions(sinch?: unknown): {
  app: App;
  stacks: Record<string, RegionStack>;
  templates: Record<string, Template>;
} {
  const app = buildApp({
    context: {
      ...shippedContext(),
      ...(sinch === undefined ? {} : { sinch }),
      [SKIP_BUNDLING_CONTEXT]: true,
    },
  });
  const stacks: Record<string, RegionStack> = {};
  const templates: Record<string, Template> = {};
  for (const child of app.node.children) {
    if (child instanceof RegionStack) {
      stacks[child.stackName] = child;
      templates[child.stackName] = Template.fromStack(child);
    }
  }
  return { app, stacks, templates };
}
