/**
 * The webhook secrets of every app, from one Secrets Manager secret (the document format is in
 * `webhook-secrets-document.ts`).
 *
 * Caching is Powertools Parameters' (fetched once per container, refreshed after `maxAge`).
 * On top of it:
 * - an early refresh, at most once per `unknownAppRefreshSeconds` and shared by two causes: an
 *   app id not in the secret (an app added without a redeploy), and a signature that fails for
 *   a known app (its secret was just rotated). A flood of forged requests cannot hammer
 *   Secrets Manager;
 * - stale-on-error: when a refresh fails (Secrets Manager down), the last good secrets of apps
 *   seen before are used for up to `maxStaleSeconds` (reported, so a metric and a log line can
 *   say so), instead of answering 5xx to every callback;
 * - every newly fetched value is parsed once, and malformed entries are reported by app id.
 */
import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import {
  acceptedSecrets,
  type ParsedWebhookSecrets,
  parseWebhookSecretsDocument,
} from './webhook-secrets-document';

export type SecretsLookup =
  | {
      ok: true;
      /** Every accepted secret: the webhook's (current first, then previous), then the callback URL's; empty when the app is unknown. */
      secrets: string[];
      /** Set when Secrets Manager failed and the last good secrets were used. */
      stale?: { ageSeconds: number };
    }
  | { ok: false; kind: 'secrets_unavailable' | 'secrets_misconfigured'; cause: unknown };

export interface WebhookSecretStore {
  secretsFor(appId: string): Promise<SecretsLookup>;
  /**
   * The app's secrets fetched again, after a signature failed with the ones at hand (a rotation
   * at Sinch): `undefined` when the shared early-refresh budget is spent or the fetch failed.
   */
  refreshedSecretsFor?(appId: string): Promise<SecretsLookup | undefined>;
}

/** What the store reports for logs (never a secret value). */
export type SecretStoreNotice =
  | { kind: 'malformed_entries'; appIds: string[] }
  | { kind: 'stale_secrets'; appId: string; ageSeconds: number; cause: string };

export interface WebhookSecretStoreOptions {
  /** Secrets Manager id or ARN (`WEBHOOK_SECRETS_ID`). */
  secretId: string;
  provider: Pick<SecretsProvider, 'get'>;
  /** Regular refresh interval (seconds). */
  maxAgeSeconds: number;
  /** Minimum interval between early refreshes (unknown app, failed signature), in seconds. */
  unknownAppRefreshSeconds: number;
  /** How long the last good secrets serve while Secrets Manager fails (seconds). @default 3600 */
  maxStaleSeconds?: number;
  /** After a failed fetch, how long stale secrets serve before the next attempt (ms). @default 5000 */
  retryAfterFailureMs?: number;
  /** Called for log lines; never given a secret. */
  notify?: (notice: SecretStoreNotice) => void;
  /** Milliseconds clock; injectable for tests. */
  now?: () => number;
}

export const DEFAULT_MAX_STALE_SECONDS = 3600;

/**
 * Parses the secret's JSON; `undefined` when it is not a JSON object.
 *
 * @example
 * parseWebhookSecrets('{"01H...":["new","old"]}')?.secrets.get('01H...'); // ['new', 'old']
 */
export function parseWebhookSecrets(
  secretString: string,
): { secrets: Map<string, string[]>; malformedApps: string[] } | undefined {
  try {
    const parsed = parseWebhookSecretsDocument(secretString);
    return {
      secrets: new Map([...parsed.apps].map(([appId, entry]) => [appId, acceptedSecrets(entry)])),
      malformedApps: parsed.malformedApps,
    };
  } catch {
    return undefined;
  }
}

type Loaded = { ok: true; parsed: ParsedWebhookSecrets } | Extract<SecretsLookup, { ok: false }>;

/**
 * @example
 * const store = createWebhookSecretStore({
 *   secretId: process.env.WEBHOOK_SECRETS_ID!, provider: new SecretsProvider(),
 *   maxAgeSeconds: 300, unknownAppRefreshSeconds: 60, notify: (n) => logger.warn(n.kind, n),
 * });
 * const lookup = await store.secretsFor('01H...');
 */
export function createWebhookSecretStore(options: WebhookSecretStoreOptions): Required<WebhookSecretStore> & {
  /** Malformed app entries of the last parsed secret (for a log line). */
  malformedApps(): string[];
} {
  const now = options.now ?? (() => Date.now());
  const maxStaleMs = (options.maxStaleSeconds ?? DEFAULT_MAX_STALE_SECONDS) * 1000;
  const retryAfterFailureMs = options.retryAfterFailureMs ?? 5000;
  let lastEarlyRefresh = Number.NEGATIVE_INFINITY;
  let lastRaw: string | undefined;
  let lastParsed: ParsedWebhookSecrets | undefined;
  /** When a fetch last gave a value (a cache hit counts: the cache is at most maxAge old). */
  let lastGoodAt = Number.NEGATIVE_INFINITY;
  let lastFailureAt = Number.NEGATIVE_INFINITY;
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

  const load = async (forceFetch: boolean): Promise<Loaded> => {
    // Just failed: do not queue every request behind another slow failure.
    if (lastParsed && now() - lastFailureAt < retryAfterFailureMs) {
      return { ok: false, kind: 'secrets_unavailable', cause: 'recent failure' };
    }
    let raw: string | undefined;
    try {
      raw = await fetchSecret(forceFetch);
    } catch (cause) {
      const notFound = (cause as { cause?: { name?: string } }).cause?.name === 'ResourceNotFoundException';
      if (!notFound) lastFailureAt = now();
      return { ok: false, kind: notFound ? 'secrets_misconfigured' : 'secrets_unavailable', cause };
    }
    if (raw === undefined) return { ok: false, kind: 'secrets_misconfigured', cause: 'no SecretString' };
    if (raw !== lastRaw) {
      let parsed: ParsedWebhookSecrets;
      try {
        parsed = parseWebhookSecretsDocument(raw);
      } catch (error) {
        // The error names the secret, never its content.
        return { ok: false, kind: 'secrets_misconfigured', cause: (error as Error).message };
      }
      lastParsed = parsed;
      lastRaw = raw;
      if (parsed.malformedApps.length > 0) {
        options.notify?.({ kind: 'malformed_entries', appIds: parsed.malformedApps });
      }
    }
    lastGoodAt = now();
    return { ok: true, parsed: lastParsed! };
  };

  const staleOr = (appId: string, failure: Extract<Loaded, { ok: false }>): SecretsLookup => {
    const entry = lastParsed?.apps.get(appId);
    const ageMs = now() - lastGoodAt;
    if (failure.kind !== 'secrets_unavailable' || !entry || ageMs > maxStaleMs) return failure;
    const ageSeconds = Math.round(ageMs / 1000);
    const cause = failure.cause instanceof Error ? failure.cause.name : String(failure.cause);
    options.notify?.({ kind: 'stale_secrets', appId, ageSeconds, cause });
    return { ok: true, secrets: acceptedSecrets(entry), stale: { ageSeconds } };
  };

  const lookupIn = (parsed: ParsedWebhookSecrets, appId: string): SecretsLookup => ({
    ok: true,
    secrets: acceptedSecrets(parsed.apps.get(appId)),
  });

  const earlyRefreshAllowed = () => now() - lastEarlyRefresh >= options.unknownAppRefreshSeconds * 1000;

  return {
    async secretsFor(appId) {
      const coldStart = lastRaw === undefined;
      let loaded = await load(false);
      if (!loaded.ok) return staleOr(appId, loaded);
      // The first fetch of a container is as fresh as an early refresh would be.
      if (coldStart) lastEarlyRefresh = now();
      if (!loaded.parsed.apps.has(appId) && earlyRefreshAllowed()) {
        lastEarlyRefresh = now();
        loaded = await load(true);
        if (!loaded.ok) return staleOr(appId, loaded);
      }
      return lookupIn(loaded.parsed, appId);
    },
    async refreshedSecretsFor(appId) {
      if (!earlyRefreshAllowed()) return undefined;
      lastEarlyRefresh = now();
      const loaded = await load(true);
      return loaded.ok ? lookupIn(loaded.parsed, appId) : undefined;
    },
    malformedApps: () => lastParsed?.malformedApps ?? [],
  };
}
