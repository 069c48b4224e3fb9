import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exampleConfig } from './example-config';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The CDK app as `cdk synth` runs it (cdk.json's "app"), with the context cdk passes in CDK_CONTEXT_JSON. */
function synth(context: Record<string, unknown>): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, 'node_modules/tsx/dist/cli.mjs'), 'infra/app.ts'],
      {
        cwd: root,
        env: {
          ...process.env,
          CDK_CONTEXT_JSON: JSON.stringify(context),
          CDK_OUTDIR: mkdtempSync(join(tmpdir(), 'synth-')),
        },
      },
      (error, _stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr }),
    );
  });
}

describe('cdk synth with a bad sinch config', () => {
  it('prints one clean block naming each field, with suggestions, and no stack trace', {
    timeout: 240_000,
  }, async () => {
    const config = exampleConfig();
    config.regions.eu!.awsRegion = 'eu-wset-1';
    (config.tunables as Record<string, unknown>) = { logLevl: 'DEBUG' };
    const dir = mkdtempSync(join(tmpdir(), 'synth-config-'));

    // One after the other: each loads aws-cdk-lib, which is slow on a busy machine.
    const bad = await synth({ sinch: config });
    const missing = await synth({ sinchConfig: join(dir, 'nope.json') });

    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Invalid Sinch bridge config (the "sinch" context of cdk.json or -c):');
    expect(bad.stderr).toContain(
      'sinch.regions.eu.awsRegion: awsRegion must be an AWS region name such as eu-west-1: "eu-wset-1" is not one (did you mean eu-west-1?)',
    );
    expect(bad.stderr).toContain('sinch.tunables.logLevl: unknown field (did you mean logLevel?)');
    for (const run of [bad, missing]) {
      expect(run.code).toBe(1);
      expect(run.stderr).not.toMatch(/^\s+at /m);
    }
    expect(missing.stderr).toContain(
      `cannot read the sinchConfig file ${join(dir, 'nope.json')}: no such file`,
    );
  });
});
