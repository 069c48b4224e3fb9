import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * What `npm start` leaves for the CLI: endpoints, queue URLs and the dev secrets of the running
 * local bridge, in the git-ignored `.bridge/` folder. The CLI falls back to it when the AWS
 * environment variables are not set, so `npx sinch-bridge tail` works in a second terminal.
 */
export const LocalBridgeStateSchema = z.object({
  pid: z.number().int(),
  webhookBaseUrl: z.string(),
  sinchRegion: z.string(),
  projectId: z.string(),
  awsRegion: z.string(),
  endpoints: z.object({
    sqs: z.string(),
    dynamodb: z.string(),
    secretsManager: z.string(),
    s3: z.string().optional(),
  }),
  /** The local S3's buckets: the events archive (replay, erase) and the media copies. */
  buckets: z.object({ archive: z.string(), media: z.string() }).optional(),
  queueUrls: z.object({
    events: z.string(),
    eventsDlq: z.string(),
    outbound: z.string(),
    outboundDlq: z.string(),
    /** The router queue: where operator changes (e.g. `suppressions add`) publish their events. */
    router: z.string().optional(),
  }),
  /** Each app's current webhook secrets (rewritten by the bridge after a rotation). */
  secrets: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
  /** Secrets Manager ids in the local double (`webhooks rotate` reads and writes the webhook secrets). */
  secretIds: z.optional(z.object({ webhookSecrets: z.string(), sinchCredentials: z.string() })),
  /** The webhook's `SECRETS_MAX_AGE_SECONDS` (how long a rotation waits before telling Sinch). */
  secretsMaxAgeSeconds: z.optional(z.number()),
  /** Where the bridge's sends and webhook administration go (the built-in stand-in, or Sinch). */
  sinchApiUrl: z.optional(z.string()),
  sinchAuthUrl: z.optional(z.string()),
  /** The send function's idempotency table (command records), for `send --wait`. */
  idempotencyTable: z.string().optional(),
  /** The suppression list's table (opt-outs). */
  suppressionTable: z.string().optional(),
  /** The console page (`<webhookBaseUrl>/console`). */
  consoleUrl: z.optional(z.string()),
  /** The read-only feed of what the queues accepted (`GET ...?after=<seq>&waitSeconds=<n>&queue=...`). */
  eventFeedUrl: z.optional(z.string()),
});
export type LocalBridgeState = z.infer<typeof LocalBridgeStateSchema>;

/**
 * The repository: the nearest folder above this module with a `package.json`. Not a fixed
 * `../`: this module runs from `local/` under tsx (`npm start`) and from the CLI bundle in
 * `dist/cli/` (`npx sinch-bridge`), and both must meet in the same `.bridge/`.
 */
function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return dir;
}

/** `<repo>/.bridge`, or `SINCH_BRIDGE_DIR` (tests run a bridge beside yours). */
export const LOCAL_STATE_DIR = process.env.SINCH_BRIDGE_DIR || join(repositoryRoot(), '.bridge');
/** The running bridge, for the CLI. */
export const LOCAL_STATE_FILE = join(LOCAL_STATE_DIR, 'local.json');
/** The generated dev app, reused across restarts. */
export const DEV_APP_FILE = join(LOCAL_STATE_DIR, 'dev-app.json');

/** Writes a JSON file readable by its owner only (it holds dev secrets). */
export function writePrivateJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/**
 * Records the running bridge for the CLI.
 *
 * @example
 * writeLocalBridgeState({ pid: process.pid, ... });
 */
export function writeLocalBridgeState(state: LocalBridgeState, file = LOCAL_STATE_FILE): void {
  writePrivateJson(file, state);
}

/** Forgets the running bridge (on shutdown). */
export function clearLocalBridgeState(file = LOCAL_STATE_FILE): void {
  rmSync(file, { force: true });
}

/**
 * The running local bridge, or `undefined` when none is recorded or its process is gone.
 *
 * @example
 * const local = readLocalBridgeState();
 * if (local) process.env.AWS_ENDPOINT_URL_SQS ??= local.endpoints.sqs;
 */
export function readLocalBridgeState(file = LOCAL_STATE_FILE): LocalBridgeState | undefined {
  let parsed: LocalBridgeState;
  try {
    parsed = LocalBridgeStateSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return undefined;
  }
  try {
    process.kill(parsed.pid, 0);
  } catch (error) {
    // EPERM: alive but someone else's; anything else: gone.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  return parsed;
}
