/**
 * `npm start` (local/state.ts under tsx) and `npx sinch-bridge` (the same module bundled into
 * dist/cli/) must find the same `.bridge/` folder, or the README's second-terminal commands
 * say no local bridge is running.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The state files a module exports, read in a fresh process without SINCH_BRIDGE_DIR. */
function stateFilesOf(moduleUrl: string, loader: string[] = []): string[] {
  const env = { ...process.env };
  delete env.SINCH_BRIDGE_DIR;
  const out = execFileSync(
    process.execPath,
    [
      ...loader,
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(moduleUrl)});
       console.log(JSON.stringify(Object.values(m).filter((v) => typeof v === 'string' && v.endsWith('local.json'))));`,
    ],
    { cwd: root, env, encoding: 'utf8' },
  );
  return JSON.parse(out.trim());
}

describe('where the local bridge leaves its state', () => {
  const expected = join(root, '.bridge', 'local.json');

  it('is <repo>/.bridge for npm start (the source module)', () => {
    expect(stateFilesOf(pathToFileURL(join(root, 'local/state.ts')).href, ['--import', 'tsx'])).toEqual([
      expected,
    ]);
  });

  it('is the same folder for the bundled CLI in dist/cli/', () => {
    // The chunk that holds the state module (importing the entry would run the CLI).
    const chunks = readdirSync(join(root, 'dist/cli')).filter(
      (f) =>
        f.endsWith('.mjs') &&
        f !== 'sinch-bridge.mjs' &&
        readFileSync(join(root, 'dist/cli', f), 'utf8').includes('"local.json"'),
    );
    const found = chunks.flatMap((f) => stateFilesOf(pathToFileURL(join(root, 'dist/cli', f)).href));
    expect(found.length).toBeGreaterThan(0);
    expect(new Set(found)).toEqual(new Set([expected]));
  });
});
