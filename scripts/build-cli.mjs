// Bundles the CLI into dist/cli/ (git-ignored) so `sinch-bridge` starts without compiling
// TypeScript. Run by `npm run build:cli`, by `npm run build`, and by npm's `prepare` step on
// `npm ci` / `npm install`. Dependencies stay in node_modules; our own modules are split into
// chunks so each command loads only what it uses.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}dist/cli`, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { 'sinch-bridge': 'cli/bin.ts' },
  outdir: 'dist/cli',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
