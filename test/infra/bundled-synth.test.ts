import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app';
import { FUNCTION_ENTRIES } from '../../infra/bundling';
import { shippedContext } from './example-config';

/**
 * The one synth with real esbuild bundling, of every configured region, as `npx cdk synth` on a
 * fresh clone does it (no credentials, no network): what gets deployed is what the tests bundled.
 */
describe('cdk synth with bundling', () => {
  it('synthesizes every configured region with ESM, minified, source-mapped bundles', {
    timeout: 300_000,
  }, () => {
    // Prepare
    const outdir = mkdtempSync(join(tmpdir(), 'bridge-synth-'));

    // Act
    // Asset metadata on resources, as the CDK CLI asks for it.
    const context = { ...shippedContext(), 'aws:cdk:enable-asset-metadata': true };
    const assembly = buildApp({ context, outdir }).synth();

    // Assess
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual(['SinchBridge-eu', 'SinchBridge-us']);
    for (const stack of assembly.stacks) {
      const functions = Object.values(
        stack.template.Resources as Record<
          string,
          {
            Type: string;
            Properties: { Runtime?: string; Handler?: string };
            Metadata?: Record<string, string>;
          }
        >,
      ).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'index.handler');
      // every function this repository bundles (FUNCTION_ENTRIES); the CDK provider framework's
      // own function (handler framework.onEvent) is not ours to bundle
      expect(functions.length, stack.stackName).toBe(Object.keys(FUNCTION_ENTRIES).length);
      for (const fn of functions) expect(fn.Properties.Runtime).toBe('nodejs24.x');
      for (const fn of functions) {
        const bundle = join(outdir, fn.Metadata!['aws:asset:path']!, 'index.mjs');
        expect(existsSync(bundle), bundle).toBe(true);
        expect(existsSync(`${bundle}.map`), `${bundle}.map`).toBe(true);
        const code = readFileSync(bundle, 'utf8');
        expect(code.startsWith('import { createRequire as __bridgeCreateRequire }')).toBe(true);
        // Minified: few, long lines; the AWS SDK stays outside (the runtime provides it).
        expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
        expect(code).not.toMatch(/node_modules\/@aws-sdk\/client-/);
      }
    }
    rmSync(outdir, { recursive: true, force: true });
  });
});
