import { fork } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** What a scenario run in its own process hands back. */
export interface ChildOutcome<T> {
  result: T;
  /** Peak resident set size of the scenario's process, in MB (`process.resourceUsage().maxRSS`). */
  peakRssMB: number;
}

interface ChildMessage {
  result?: unknown;
  error?: string;
  maxRssKB: number;
}

const isChild = process.argv[1] === fileURLToPath(import.meta.url);

/**
 * Runs `exportName(options)` from `modulePath` in a fresh Node process (tsx loader) and returns
 * its result with the process's peak RSS. One process per scenario keeps their memory apart
 * (peak RSS only ever grows) and gives every scenario a cold module cache, like a new Lambda
 * container. The child's stdout is dropped: handlers log there, and the numbers come back over IPC.
 *
 * @example
 * const { result, peakRssMB } = await runInChildProcess('bench/scenarios/webhook.ts', 'runWebhookBench', { events: 2000 });
 */
export function runInChildProcess<T>(
  modulePath: string,
  exportName: string,
  options: unknown,
  env: NodeJS.ProcessEnv = {},
): Promise<ChildOutcome<T>> {
  return new Promise((resolve, reject) => {
    const child = fork(
      fileURLToPath(import.meta.url),
      [modulePath, exportName, JSON.stringify(options ?? {})],
      {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        env: { ...process.env, ...env },
      },
    );
    let message: ChildMessage | undefined;
    child.on('message', (m) => {
      message = m as ChildMessage;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (message?.error !== undefined) return reject(new Error(`${exportName} failed: ${message.error}`));
      if (!message) return reject(new Error(`${exportName} exited with code ${code} without a result`));
      resolve({ result: message.result as T, peakRssMB: Math.round(message.maxRssKB / 102.4) / 10 });
    });
  });
}

async function runAsChild(): Promise<void> {
  const [modulePath = '', exportName = '', optionsJson = '{}'] = process.argv.slice(2);
  const send = (m: ChildMessage) =>
    new Promise<void>((resolve) => process.send!(m, undefined, undefined, () => resolve()));
  try {
    const mod = (await import(pathToFileURL(modulePath).href)) as Record<string, (o: unknown) => unknown>;
    const run = mod[exportName];
    if (typeof run !== 'function') throw new Error(`${modulePath} has no export ${exportName}`);
    const result = await run(JSON.parse(optionsJson));
    await send({ result, maxRssKB: process.resourceUsage().maxRSS });
  } catch (error) {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    await send({ error: text, maxRssKB: process.resourceUsage().maxRSS });
  }
  // Scenarios close their servers, but SDK keep-alive sockets may linger: the result is sent.
  process.exit(0);
}

if (isChild) await runAsChild();
