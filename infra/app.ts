import { pathToFileURL } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { BridgeConfigError, parseBridgeConfig, readConfigSources } from './config';
import { RegionStack, regionStackName } from './region-stack';

/**
 * The CDK app: one `SinchBridge-<region>` stack per configured Sinch region. Config comes from the
 * `sinch` context (cdk.json), `-c sinchConfig=path.json`, and `-c sinch.<path>=<value>` overrides.
 *
 * @example
 * const app = buildApp({ context: { sinch: exampleConfig, 'bridge:skipBundling': true } });
 * app.synth();
 */
export function buildApp(options: { context?: Record<string, unknown>; outdir?: string } = {}): App {
  const app = new App({
    ...(options.context ? { context: options.context } : {}),
    ...(options.outdir ? { outdir: options.outdir } : {}),
  });
  const context = app.node.getAllContext() as Record<string, unknown>;
  const sinchConfig = typeof context.sinchConfig === 'string' ? context.sinchConfig : undefined;
  const raw = readConfigSources({
    sinch: context.sinch,
    ...(sinchConfig ? { sinchConfig } : {}),
    overrides: context,
  });
  const source = sinchConfig ? `file ${sinchConfig}` : 'the "sinch" context of cdk.json or -c';
  for (const settings of parseBridgeConfig(raw, { source })) {
    new RegionStack(app, regionStackName(settings.sinchRegion), { settings });
  }
  // Secure by default is checked, not assumed: unacknowledged findings fail the synth.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return app;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    buildApp().synth();
  } catch (error) {
    // A wrong config is the user's to fix: one clean block naming each field, not a stack trace.
    if (!(error instanceof BridgeConfigError)) throw error;
    process.stderr.write(
      `\n${error.message}\n\nFix it in cdk.json (context "sinch"), the -c values or the sinchConfig file; docs/deploy.md lists every field.\n\n`,
    );
    process.exitCode = 1;
  }
}
