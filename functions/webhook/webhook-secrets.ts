/**
 * The webhook secrets of every app, from one Secrets Manager secret
 * (`{"<appId>": "<secret>"}` or `{"<appId>": ["<current>", "<previous>"]}`).
 *
 * Caching is Powertools Parameters' (fetched once per container, refreshed after `maxAge`).
 * On top of it: an app id not in the secret forces one early refresh, at most once per
 * `unknownAppRefreshSeconds`, so an app added to the secret works without a redeploy while a
 * flood of unknown ids cannot hammer Secrets Manager.
 */
import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import * as z from 'zod/mini';

const secret = z.string().check(z.minLength(1));
const SecretEntrySchema = z.union([secret, z.array(secret).check(z.minLength(1))]);

export type SecretsLookup =
  | { ok: true /** current first, then previous; empty when the app is unknown */; secrets: string[] }
  | { ok: false; kind: 'secrets_unavailable' | 'secrets_misconfigured'; cause: unknown };

export interface WebhookSecretStore {
  secretsFor(appId: string): Promise<SecretsLookup>;
}

export interface WebhookSecretStoreOptions {
  /** Secrets Manager id or ARN (`WEBHOOK_SECRETS_ID`). */
  secretId: string;
  provider: Pick<SecretsProvider, 'get'>;
  /** Regular refresh interval (seconds). */
  maxAgeSeconds: number;
  /** Minimum interval between early refreshes caused by unknown app ids (seconds). */
  unknownAppRefreshSeconds: number;
  /** Milliseconds clock; injectable for tests. */
  now?: () => number;
}

/** Apps and their secrets, plus the app ids whose entries are malformed (never their values). */
export interface ParsedWebhookSecrets {
  secrets: Map<string, string[]>;
  malformedApps: string[];
}

/**
 * Parses the secret's JSON. A malformed entry is skipped (and reported) rather than failing
 * every app of the secret because of one typo.
 *
 * @example
 * parseWebhookSecrets('{"01H...":["new","old"]}').secrets.get('01H...'); // ['new', 'old']
 */
export function parseWebhookSecrets(secretString: string): ParsedWebhookSecrets | undefined {
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const secrets = new Map<string, string[]>();
  const malformedApps: string[] = [];
  for (const [appId, value] of Object.entries(json)) {
    const entry = SecretEntrySchema.safeParse(value);
    if (entry.success) secrets.set(appId, typeof entry.data === 'string' ? [entry.data] : entry.data);
    else malformedApps.push(appId);
  }
  return { secrets, malformedApps };
}

/**
 * @example
 * const store = createWebhookSecretStore({
 *   secretId: process.env.WEBHOOK_SECRETS_ID!, provider: new SecretsProvider(),
 *   maxAgeSeconds: 300, unknownAppRefreshSeconds: 60,
 * });
 * const lookup = await store.secretsFor('01H...');
 */
export function createWebhookSecretStore(options: WebhookSecretStoreOptions): WebhookSecretStore & {
  /** Malformed app entries of the last parsed secret (for a log line). */
  malformedApps(): string[];
} {
  const now = options.now ?? Date.now;
  let lastEarlyRefresh = Number.NEGATIVE_INFINITY;
  let lastRaw: string | undefined;
  let lastParsed: ParsedWebhookSecrets | undefined;
  // Concurrent requests (the local bridge serves many at once) share one fetch.
  let inflight: Promise<string | undefined> | undefined;

  const fetchSecret = (forceFetch: boolean): Promise<string | undefined> => {
    if (inflight) return inflight;
    const pending = options.provider
      .get(options.secretId, { maxAge: options.maxAgeSeconds, forceFetch })
      .then((value) => (typeof value === 'string' ? value : undefined));
    inflight = pending;
    // Cleared only after the fetch settles; a cache hit settles at once.
    const clear = () => {
      if (inflight === pending) inflight = undefined;
    };
    pending.then(clear, clear);
    return pending;
  };

  const load = async (forceFetch: boolean): Promise<SecretsLookup | ParsedWebhookSecrets> => {
    let raw: string | undefined;
    try {
      raw = await fetchSecret(forceFetch);
    } catch (cause) {
      const notFound = (cause as { cause?: { name?: string } }).cause?.name === 'ResourceNotFoundException';
      return { ok: false, kind: notFound ? 'secrets_misconfigured' : 'secrets_unavailable', cause };
    }
    if (raw === undefined) return { ok: false, kind: 'secrets_misconfigured', cause: 'no SecretString' };
    if (raw !== lastRaw) {
      lastParsed = parseWebhookSecrets(raw);
      lastRaw = raw;
    }
    if (!lastParsed) return { ok: false, kind: 'secrets_misconfigured', cause: 'not a JSON object' };
    return lastParsed;
  };

  return {
    async secretsFor(appId) {
      const coldStart = lastRaw === undefined;
      let loaded = await load(false);
      if ('ok' in loaded) return loaded;
      // The first fetch of a container is as fresh as an early refresh would be.
      if (coldStart) lastEarlyRefresh = now();
      if (!loaded.secrets.has(appId) && now() - lastEarlyRefresh >= options.unknownAppRefreshSeconds * 1000) {
        lastEarlyRefresh = now();
        loaded = await load(true);
        if ('ok' in loaded) return loaded;
      }
      return { ok: true, secrets: loaded.secrets.get(appId) ?? [] };
    },
    malformedApps: () => lastParsed?.malformedApps ?? [],
  };
}
