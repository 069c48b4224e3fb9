#!/usr/bin/env node
// The `sinch-bridge` bin: runs the CLI bundled into dist/cli/ by `npm ci`/`npm install` (their
// `prepare` step runs scripts/build-cli.mjs), so no TypeScript is compiled at run time.
try {
  await import('../dist/cli/sinch-bridge.mjs');
} catch (error) {
  if (
    error?.code !== 'ERR_MODULE_NOT_FOUND' ||
    !String(error.message).includes('dist/cli/sinch-bridge.mjs')
  ) {
    throw error;
  }
  process.stderr.write('sinch-bridge is not built: run `npm run build:cli` (npm ci does it too)\n');
  process.exitCode = 2;
}
