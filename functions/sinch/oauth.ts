/**
 * OAuth2 client-credentials tokens for the Conversation API. The token endpoint is a small
 * token bucket (about 30 burst, 10/s) without Retry-After, so one token is cached per container
 * and shared by every concurrent request.
 */

import { DEFAULT_TIMEOUTS, type HttpTimeouts, sendHttp, TransportError } from '../http/transport';
import { fullJitterDelay } from './backoff';
import { parseRetryAfter, SinchError } from './errors';

export const DEFAULT_AUTH_URL = 'https://auth.sinch.com/oauth2/token';

/** A Sinch access key. */
export interface SinchCredentials {
  keyId: string;
  keySecret: string;
}

/** Where credentials come from (e.g. Secrets Manager through a cache). */
export type CredentialsProvider = () => Promise<SinchCredentials>;

export interface TokenProviderOptions {
  authUrl?: string | undefined;
  credentials: CredentialsProvider | SinchCredentials;
  timeouts?: HttpTimeouts | undefined;
  /** Refresh this long before the token expires. Default 60 s. */
  refreshMarginMs?: number | undefined;
  /** Attempts at the token endpoint while it answers 429. Default 5. */
  maxRateLimitedAttempts?: number | undefined;
  /** Backoff between those attempts (full jitter). Default base 200 ms, cap 3 s; a `Retry-After` is capped at `cap` too. */
  rateLimitBackoff?: { base: number; cap: number } | undefined;
  /** Called after every successful token fetch (metrics). */
  onTokenFetched?: (() => void) | undefined;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

interface CachedToken {
  value: string;
  refreshAt: number;
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * Fetches, caches and refreshes the bearer token. Concurrent callers share one fetch.
 *
 * @example
 * const tokens = new SinchTokenProvider({ credentials: { keyId, keySecret } });
 * const token = await tokens.getToken();
 */
export class SinchTokenProvider {
  readonly #authUrl: URL;
  readonly #credentials: CredentialsProvider;
  readonly #timeouts: HttpTimeouts;
  readonly #refreshMarginMs: number;
  readonly #maxAttempts: number;
  readonly #backoff: { base: number; cap: number };
  readonly #onTokenFetched: (() => void) | undefined;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  #cached: CachedToken | undefined;
  #inFlight: Promise<string> | undefined;

  constructor(options: TokenProviderOptions) {
    this.#authUrl = new URL(options.authUrl ?? DEFAULT_AUTH_URL);
    const credentials = options.credentials;
    this.#credentials = typeof credentials === 'function' ? credentials : async () => credentials;
    this.#timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
    this.#refreshMarginMs = options.refreshMarginMs ?? 60_000;
    this.#maxAttempts = options.maxRateLimitedAttempts ?? 5;
    this.#backoff = options.rateLimitBackoff ?? { base: 200, cap: 3_000 };
    this.#onTokenFetched = options.onTokenFetched;
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? defaultSleep;
  }

  /**
   * A valid token: the cached one, or one fresh fetch shared by all concurrent callers. With
   * `signal`, no token request starts after it fired and the wait for one ends when it fires.
   */
  getToken(signal?: AbortSignal): Promise<string> {
    if (this.#cached && this.#now() < this.#cached.refreshAt) return Promise.resolve(this.#cached.value);
    if (!this.#inFlight) {
      this.#inFlight = this.#fetch(signal).finally(() => {
        this.#inFlight = undefined;
      });
    }
    if (!signal) return this.#inFlight;
    // Another caller's fetch may outlive this caller's deadline: stop waiting for it, not it.
    return new Promise<string>((resolve, reject) => {
      if (signal.aborted) return reject(abortedError());
      const onAbort = () => reject(abortedError());
      signal.addEventListener('abort', onAbort, { once: true });
      this.#inFlight!.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /**
   * Drops `token` from the cache after Sinch called it expired. Only that token: when a
   * concurrent request already refreshed, the newer token stays.
   */
  invalidate(token: string): void {
    if (this.#cached?.value === token) this.#cached = undefined;
  }

  async #fetch(signal?: AbortSignal): Promise<string> {
    const { keyId, keySecret } = await this.#credentials();
    const authorization = `Basic ${Buffer.from(`${keyId}:${keySecret}`, 'utf8').toString('base64')}`;
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw abortedError();
      let res: Awaited<ReturnType<typeof sendHttp>>;
      try {
        res = await sendHttp(
          this.#authUrl,
          {
            method: 'POST',
            headers: {
              authorization,
              'content-type': 'application/x-www-form-urlencoded',
              accept: 'application/json',
            },
            body: 'grant_type=client_credentials',
          },
          this.#timeouts,
          signal,
        );
      } catch (error) {
        const kind = error instanceof TransportError ? error.kind : 'network';
        throw new SinchError({
          kind: 'retryable',
          reason: `token_${kind}`,
          message: `token endpoint unreachable: ${(error as Error).message}`,
          cause: error,
        });
      }
      if (res.status === 429 && attempt < this.#maxAttempts) {
        const retryAfter = parseRetryAfter(headerValue(res.headers['retry-after']));
        // Bounded: a Retry-After of an hour must not hold an invocation (the cap is seconds).
        const waitMs = Math.min(
          this.#backoff.cap,
          retryAfter !== undefined ? retryAfter * 1000 : fullJitterDelay(attempt, this.#backoff),
        );
        try {
          await this.#sleep(waitMs, signal);
        } catch {
          throw abortedError();
        }
        continue;
      }
      if (res.status !== 200) {
        // 429 after all attempts, 5xx, or refused credentials: none is the command's fault.
        throw new SinchError({
          kind: 'retryable',
          reason: res.status === 429 ? 'token_rate_limited' : `token_http_${res.status}`,
          status: res.status,
          message: `token endpoint answered ${res.status}`,
        });
      }
      const parsed = parseTokenAnswer(res.body);
      if (!parsed) {
        throw new SinchError({
          kind: 'retryable',
          reason: 'token_malformed',
          message: 'token endpoint answer has no access_token',
        });
      }
      const lifetimeMs = parsed.expiresIn * 1000;
      // A token shorter-lived than the margin is still used once rather than refetched forever.
      this.#cached = {
        value: parsed.accessToken,
        refreshAt: this.#now() + Math.max(lifetimeMs - this.#refreshMarginMs, lifetimeMs / 2),
      };
      this.#onTokenFetched?.();
      return parsed.accessToken;
    }
  }
}

function abortedError(): SinchError {
  return new SinchError({
    kind: 'retryable',
    reason: 'token_aborted',
    message: 'token fetch abandoned: the caller gave up',
  });
}

function parseTokenAnswer(body: string): { accessToken: string; expiresIn: number } | undefined {
  try {
    const parsed = JSON.parse(body) as { access_token?: unknown; expires_in?: unknown };
    if (typeof parsed.access_token !== 'string' || !parsed.access_token) return undefined;
    const expiresIn = Number(parsed.expires_in);
    return { accessToken: parsed.access_token, expiresIn: Number.isFinite(expiresIn) ? expiresIn : 3600 };
  } catch {
    return undefined;
  }
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
