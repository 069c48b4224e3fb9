/**
 * The process around `runCli`: stdout that reports a closed pipe instead of crashing, Ctrl-C that
 * stops long commands cleanly (exit 130; a second Ctrl-C exits at once). Bundled into
 * `dist/cli/sinch-bridge.mjs` by `scripts/build-cli.mjs`.
 */
import { runCli } from './main';

// The SDK's notice that its 2027 releases need Node 22 is not actionable for a CLI user.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const aborter = new AbortController();
process.once('SIGINT', () => {
  aborter.abort();
  process.once('SIGINT', () => process.exit(130));
});
let stdoutClosed = false;
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  stdoutClosed = true;
});

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => {
    const written = new Promise<void>((resolve, reject) => {
      if (stdoutClosed) {
        reject(Object.assign(new Error('stdout is closed'), { code: 'EPIPE' }));
        return;
      }
      process.stdout.write(text, (error) => (error ? reject(error) : resolve()));
    });
    // Callers that do not wait must not see an unhandled rejection.
    written.catch(() => {});
    return written;
  },
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
  signal: aborter.signal,
  stdoutIsTty: process.stdout.isTTY === true,
});
