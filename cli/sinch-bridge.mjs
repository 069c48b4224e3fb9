#!/usr/bin/env node
// The `sinch-bridge` bin: runs the TypeScript CLI through tsx (a dev dependency, installed by
// `npm ci`), so there is no build step between editing and running it.
import { tsImport } from 'tsx/esm/api';

// The SDK's notice that its 2027 releases need Node 22 is not actionable for a CLI user.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { runCli } = await tsImport('./main.ts', import.meta.url);
const aborter = new AbortController();
process.once('SIGINT', () => {
  aborter.abort();
  process.once('SIGINT', () => process.exit(130));
});
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  signal: aborter.signal,
});
