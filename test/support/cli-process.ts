import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root and the `sinch-bridge` bin, as npm links it. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SINCH_BRIDGE_BIN = `${REPO_ROOT}cli/sinch-bridge.mjs`;

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * An environment with nothing pointing at AWS or a local bridge: tests add what they mean.
 *
 * @example
 * const env = cleanEnv({ SINCH_BRIDGE_DIR: dir });
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...extra };
}

/**
 * Runs the real CLI process (the bundled bin) and collects its exit code and output.
 *
 * @example
 * const { code, stdout } = await sinchBridge(['tail', '--peek'], cleanEnv({ SINCH_BRIDGE_DIR: dir }));
 */
export function sinchBridge(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [SINCH_BRIDGE_BIN, ...args],
      { env, cwd: REPO_ROOT },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: unknown }).code as number) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

/**
 * Starts the real CLI process and hands it back (for Ctrl-C and closed-pipe tests).
 *
 * @example
 * const child = spawnSinchBridge(['tail'], env);
 */
export function spawnSinchBridge(args: string[], env: NodeJS.ProcessEnv) {
  return spawn(process.execPath, [SINCH_BRIDGE_BIN, ...args], { env, cwd: REPO_ROOT });
}
