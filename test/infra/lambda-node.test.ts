/**
 * Tests run on the Node major the functions run on in Lambda, even where the system Node is
 * older: the runtime, the bundle target, `engines` and the test launcher agree.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAMBDA_BUNDLE } from '../../infra/bundling';
import { synthRegions } from './synth';

const major = (version: string) => Number(version.replace(/^v/, '').split('.')[0]);
const packageJson = JSON.parse(readFileSync('package.json', 'utf8'));

/** A `node` on PATH that is not the one from node_modules (the system's), if any. */
function systemNode(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir.includes('node_modules')) continue;
    const candidate = join(dir, 'node');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

describe('the Lambda runtime and the Node the tests run on', () => {
  const { templates } = synthRegions();
  const runtimes = new Set(
    Object.values(templates).flatMap((t) =>
      Object.values(t.findResources('AWS::Lambda::Function')).map(
        (r) => (r as { Properties: { Runtime: string } }).Properties.Runtime,
      ),
    ),
  );

  it('deploys every function on nodejs24.x, bundled for node24, with engines to match', () => {
    expect([...runtimes]).toEqual(['nodejs24.x']);
    expect(LAMBDA_BUNDLE.target).toBe('node24');
    expect(packageJson.engines.node).toBe('>=24');
  });

  it('runs this very test on that Node major', () => {
    expect(major(process.versions.node)).toBe(24);
  });

  it('npm test runs vitest through the launcher, whose Node binaries need no install script', () => {
    expect(packageJson.scripts.test).toMatch(/node scripts\/lambda-node\.mjs vitest run$/);
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
    for (const name of Object.keys(packageJson.optionalDependencies)) {
      const entry = lock.packages[`node_modules/${name}`];
      expect(major(entry.version), name).toBe(24);
      expect(entry.os && entry.cpu, name).toBeTruthy();
      expect(entry.hasInstallScript, name).toBeUndefined();
    }
    const platforms = Object.keys(packageJson.optionalDependencies).map((name) => {
      const entry = lock.packages[`node_modules/${name}`];
      // npm writes a single os/cpu as a string, several as a list.
      return `${[entry.os].flat()[0]}-${[entry.cpu].flat()[0]}`;
    });
    expect(platforms.sort()).toEqual(['darwin-arm64', 'darwin-x64', 'linux-arm64', 'linux-x64']);
  });

  it('the launcher started by an older system Node runs the command on Node 24', (context) => {
    const node = systemNode();
    if (!node || major(execFileSync(node, ['--version'], { encoding: 'utf8' })) === 24) {
      context.skip(); // nothing older on this machine to start from
      return;
    }
    const out = execFileSync(node, ['scripts/lambda-node.mjs', 'vitest', '--version'], { encoding: 'utf8' });
    expect(out).toMatch(/node-v24\./);
  });
});
