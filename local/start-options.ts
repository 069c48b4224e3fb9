import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { LocalBridgeOptions } from './bridge';

/** `{"<appId>": "<secret>"}` or `{"<appId>": ["<current>", "<previous>"]}` (docs/webhook.md, "Configuration"). */
export const WebhookSecretsSchema = z.record(
  z.string().min(1),
  z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
);

/** Why the environment cannot start a bridge; `message` says which variable and how to fix it. */
export interface StartOptionsError {
  kind: 'invalid_environment';
  message: string;
}

/**
 * Reads the `npm start` environment into bridge options:
 * `PORT` (default 3000), `HOST`, `SINCH_REGION`, `SINCH_PROJECT_ID`, `WEBHOOK_SECRETS_JSON` or
 * `WEBHOOK_SECRETS_FILE`, `SINCH_KEY_ID` + `SINCH_KEY_SECRET`, `SINCH_API_URL`, `SINCH_AUTH_URL`,
 * `MAX_ATTEMPTS`, `LOG_LEVEL`.
 *
 * @example
 * const options = startOptionsFromEnv(process.env);
 * if ('kind' in options) throw new Error(options.message);
 */
export function startOptionsFromEnv(
  env: NodeJS.ProcessEnv,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): LocalBridgeOptions | StartOptionsError {
  const fail = (message: string): StartOptionsError => ({ kind: 'invalid_environment', message });
  const options: LocalBridgeOptions = {};

  const port = env.PORT === undefined || env.PORT === '' ? 3000 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    return fail(`PORT must be a port number, got "${env.PORT}"`);
  options.port = port;
  if (env.HOST) options.host = env.HOST;

  if (env.SINCH_REGION) {
    if (!['eu', 'us', 'br'].includes(env.SINCH_REGION)) {
      return fail(`SINCH_REGION must be eu, us or br, got "${env.SINCH_REGION}"`);
    }
    options.sinchRegion = env.SINCH_REGION;
  }
  if (env.SINCH_PROJECT_ID) options.projectId = env.SINCH_PROJECT_ID;

  let secretsText: string | undefined;
  let secretsSource = 'WEBHOOK_SECRETS_JSON';
  if (env.WEBHOOK_SECRETS_JSON) {
    secretsText = env.WEBHOOK_SECRETS_JSON;
  } else if (env.WEBHOOK_SECRETS_FILE) {
    secretsSource = `WEBHOOK_SECRETS_FILE (${env.WEBHOOK_SECRETS_FILE})`;
    try {
      secretsText = readFile(env.WEBHOOK_SECRETS_FILE);
    } catch (error) {
      return fail(`${secretsSource} cannot be read: ${(error as Error).message}`);
    }
  }
  if (secretsText !== undefined) {
    let raw: unknown;
    try {
      raw = JSON.parse(secretsText);
    } catch {
      return fail(`${secretsSource} is not JSON; expected {"<appId>": "<secret>"}`);
    }
    const parsed = WebhookSecretsSchema.safeParse(raw);
    if (!parsed.success || Object.keys(parsed.data).length === 0) {
      return fail(
        `${secretsSource} must be {"<appId>": "<secret>"} or {"<appId>": ["<current>", "<previous>"]}`,
      );
    }
    // From the validated input, not zod's output: zod builds records by assignment, which drops
    // an app id such as "__proto__"; Object.fromEntries keeps every key as an own property.
    options.webhookSecrets = Object.fromEntries(Object.entries(raw as typeof parsed.data));
  }

  if (Boolean(env.SINCH_KEY_ID) !== Boolean(env.SINCH_KEY_SECRET)) {
    return fail(
      'set both SINCH_KEY_ID and SINCH_KEY_SECRET (an access key of the Sinch project), or neither',
    );
  }
  if (env.SINCH_KEY_ID && env.SINCH_KEY_SECRET) {
    options.sinchCredentials = { keyId: env.SINCH_KEY_ID, keySecret: env.SINCH_KEY_SECRET };
  }
  for (const [name, key] of [
    ['SINCH_API_URL', 'sinchApiUrl'],
    ['SINCH_AUTH_URL', 'sinchAuthUrl'],
  ] as const) {
    const value = env[name];
    if (!value) continue;
    if (!URL.canParse(value)) return fail(`${name} must be a URL, got "${value}"`);
    options[key] = value;
  }

  if (env.MAX_ATTEMPTS) {
    const n = Number(env.MAX_ATTEMPTS);
    if (!Number.isInteger(n) || n < 1)
      return fail(`MAX_ATTEMPTS must be a positive integer, got "${env.MAX_ATTEMPTS}"`);
    options.maxAttempts = n;
  }
  if (env.LOG_LEVEL) {
    const level = env.LOG_LEVEL.toUpperCase();
    // Powertools Logger's levels.
    const levels = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'];
    if (!levels.includes(level)) {
      return fail(`LOG_LEVEL must be one of ${levels.join(', ')}, got "${env.LOG_LEVEL}"`);
    }
    options.logLevel = level;
  }
  return options;
}

/**
 * Applies the `npm start -- <flags>` command line to options read from the environment:
 * `--sinch stand-in|real` picks the built-in Sinch stand-in or Sinch itself (default: the
 * stand-in unless `SINCH_KEY_ID`/`SINCH_KEY_SECRET` or `SINCH_API_URL` are set).
 *
 * @example
 * const options = applyStartArgs(startOptionsFromEnv(process.env), process.argv.slice(2));
 */
export function applyStartArgs(
  options: LocalBridgeOptions | StartOptionsError,
  argv: string[],
): LocalBridgeOptions | StartOptionsError {
  if ('kind' in options) return options;
  let values: { sinch?: string | undefined };
  try {
    ({ values } = parseArgs({ args: argv, options: { sinch: { type: 'string' } }, strict: true }));
  } catch (error) {
    return {
      kind: 'invalid_environment',
      message: `${(error as Error).message} (known: --sinch stand-in|real)`,
    };
  }
  if (values.sinch === undefined) return options;
  if (values.sinch !== 'stand-in' && values.sinch !== 'real') {
    return {
      kind: 'invalid_environment',
      message: `--sinch must be stand-in or real, got "${values.sinch}"`,
    };
  }
  if (values.sinch === 'stand-in' && (options.sinchCredentials || options.sinchApiUrl)) {
    return {
      kind: 'invalid_environment',
      message:
        '--sinch stand-in conflicts with SINCH_KEY_ID/SINCH_KEY_SECRET or SINCH_API_URL: unset them or use --sinch real',
    };
  }
  return { ...options, sinch: values.sinch };
}
