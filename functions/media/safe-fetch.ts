/**
 * Opens an attacker-chosen media URL without letting it reach anything but the public internet.
 *
 * - Scheme: `https` only; `http` too when loopback is allowed (local mode).
 * - Address: every address the host name resolves to must pass {@link checkAddress}, and the
 *   connection is made to exactly those checked addresses: the resolved list is handed to the
 *   socket through its `lookup` hook, so nothing resolves the name a second time and DNS
 *   rebinding (public on the check, private on the connect) has no second answer to swap in.
 *   IP literals are checked as written (after WHATWG URL canonicalisation, so `http://2130706433`,
 *   `0x7f.1` and `0177.0.0.1` are all 127.0.0.1).
 * - Redirects are followed by hand, at most `maxRedirects`, each hop checked again like the first.
 * - Size: a `Content-Length` above `maxBytes` is refused before reading; the body is counted
 *   while it streams and cut off one byte past the cap.
 * - Time: one deadline for the whole fetch, redirects and body included.
 *
 * Hand-written rather than a filtering agent from npm: the candidates we looked at check the
 * address in the socket's `lookup` event (after the connection target is chosen) or cannot let
 * loopback through for local mode; pinning the checked list in `lookup` is the whole point.
 */
import { promises as dns, type LookupAddress } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';
import { type AddressPolicyOptions, checkAddress } from './address-policy';

/** Why a fetch did not give a body: `retryable` failures may succeed later, the others will not. */
export type MediaFetchErrorKind = 'refused' | 'failed' | 'retryable';

/**
 * A fetch that did not succeed. `reason` is a short stable code for events and metrics
 * (`address_not_allowed`, `too_large`, `http_404`, `timeout`, ...); `message` adds detail.
 */
export class MediaFetchError extends Error {
  override name = 'MediaFetchError';
  readonly kind: MediaFetchErrorKind;
  readonly reason: string;
  readonly status: number | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(init: {
    kind: MediaFetchErrorKind;
    reason: string;
    message: string;
    status?: number;
    retryAfterSeconds?: number | undefined;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.reason = init.reason;
    this.status = init.status;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/**
 * @example
 * if (isMediaFetchError(error) && error.kind === 'retryable') retryLater();
 */
export function isMediaFetchError(error: unknown): error is MediaFetchError {
  return error instanceof MediaFetchError;
}

/** Resolves a host name to all its addresses (default: the system resolver, `dns.lookup`). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export interface SafeFetchOptions extends AddressPolicyOptions {
  /** Largest body accepted, in bytes (`MEDIA_MAX_BYTES`). */
  maxBytes: number;
  /** Abort of the whole fetch; the caller's deadline (redirects and body included). */
  signal: AbortSignal;
  /** @default 5 */
  maxRedirects?: number;
  /** @default the system resolver */
  resolve?: Resolver;
}

/** An opened media response: its final URL, recorded content type and a size-capped body. */
export interface MediaResponse {
  /** The URL that answered 2xx, after redirects. */
  url: string;
  status: number;
  /** The `Content-Type` the source declared (parameters kept), or `application/octet-stream`. */
  contentType: string;
  /** The declared `Content-Length`, when there was one. */
  contentLength: number | undefined;
  /** The body; errors with `too_large` once more than `maxBytes` bytes came through. */
  body: Transform;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const DEFAULT_MAX_REDIRECTS = 5;

const systemResolver: Resolver = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

function refused(reason: string, message: string): MediaFetchError {
  return new MediaFetchError({ kind: 'refused', reason, message });
}

/** Scheme and shape of one hop's URL; returns it parsed. */
function checkUrl(raw: string | URL, options: SafeFetchOptions): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refused('invalid_url', 'not an absolute URL');
  }
  const schemes = options.allowLoopback ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) {
    throw refused('scheme_not_allowed', `scheme ${url.protocol} is not allowed (${schemes.join(', ')} only)`);
  }
  if (url.username || url.password) throw refused('invalid_url', 'credentials in media URLs are not used');
  return url;
}

/**
 * The addresses a hop may connect to: the literal itself, or every address the name resolves to.
 * One disallowed answer refuses the hop (a name that mixes public and private answers is not
 * trusted with either).
 */
async function allowedAddresses(url: URL, options: SafeFetchOptions): Promise<LookupAddress[] | undefined> {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (isIP(host)) {
    const verdict = checkAddress(host, options);
    if (!verdict.allowed) {
      throw refused('address_not_allowed', `${verdict.address} is not a public address (${verdict.range})`);
    }
    return undefined; // the socket connects to the literal: nothing to pin
  }
  let answers: LookupAddress[];
  try {
    answers = await (options.resolve ?? systemResolver)(host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // EAI_AGAIN: the resolver could not answer now; ENOTFOUND / ENODATA: the name has no address.
    if (code === 'EAI_AGAIN' || code === 'ETIMEOUT' || code === 'ECONNREFUSED') {
      throw new MediaFetchError({
        kind: 'retryable',
        reason: 'dns',
        message: `cannot resolve ${host}: ${code}`,
      });
    }
    throw new MediaFetchError({
      kind: 'failed',
      reason: 'dns',
      message: `${host} does not resolve (${code})`,
    });
  }
  if (answers.length === 0) {
    throw new MediaFetchError({ kind: 'failed', reason: 'dns', message: `${host} has no address` });
  }
  for (const answer of answers) {
    const verdict = checkAddress(answer.address, options);
    if (!verdict.allowed) {
      throw refused(
        'address_not_allowed',
        `${host} resolves to ${verdict.address}, not a public address (${verdict.range})`,
      );
    }
  }
  return answers;
}

/** A socket `lookup` that answers only with the addresses already checked. */
function pinnedLookup(addresses: LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const family = typeof options === 'object' ? options.family : undefined;
    const candidates =
      family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses;
    if (candidates.length === 0) {
      const error: NodeJS.ErrnoException = new Error('no checked address of the requested family');
      error.code = 'ENOTFOUND';
      callback(error, '', 0);
      return;
    }
    if (typeof options === 'object' && options.all) {
      (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, candidates);
      return;
    }
    callback(null, candidates[0]!.address, candidates[0]!.family);
  };
}

function requestOnce(
  url: URL,
  pinned: LookupAddress[] | undefined,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(url, {
      method: 'GET',
      signal,
      // A fresh connection per hop: a pooled socket could belong to another check.
      agent: false,
      headers: { accept: '*/*', 'user-agent': 'sinch-conversation-bridge-media/1' },
      ...(pinned ? { lookup: pinnedLookup(pinned) } : {}),
    });
    request.once('response', resolve);
    request.once('error', reject);
    request.end();
  });
}

const RETRYABLE_NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

/**
 * Maps anything thrown while fetching to a {@link MediaFetchError}: the deadline is `timeout`,
 * connection trouble is retryable, the rest fails.
 *
 * @example
 * catch (error) { throw toMediaFetchError(error, signal); }
 */
export function toMediaFetchError(error: unknown, signal?: AbortSignal): MediaFetchError {
  if (isMediaFetchError(error)) return error;
  if (signal?.aborted) {
    return new MediaFetchError({
      kind: 'failed',
      reason: 'timeout',
      message: 'media fetch timed out',
      cause: error,
    });
  }
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code && RETRYABLE_NETWORK.has(code)) {
    return new MediaFetchError({
      kind: 'retryable',
      reason: 'network',
      message: `network error ${code}`,
      cause: error,
    });
  }
  if ((error as Error)?.message === 'aborted') {
    return new MediaFetchError({
      kind: 'retryable',
      reason: 'network',
      message: 'connection closed mid-body',
      cause: error,
    });
  }
  return new MediaFetchError({
    kind: 'failed',
    reason: code?.includes('CERT') || code?.startsWith('ERR_TLS') ? 'tls' : 'network',
    message: `${(error as Error)?.message ?? String(error)}${code ? ` (${code})` : ''}`,
    cause: error,
  });
}

function retryAfterSeconds(header: string | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

/** Counts the bytes going through and fails with `too_large` one byte past the cap. */
class SizeCap extends Transform {
  private seen = 0;
  constructor(private readonly maxBytes: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.maxBytes) {
      callback(refused('too_large', `media is larger than ${this.maxBytes} bytes`));
      return;
    }
    callback(null, chunk);
  }
}

/**
 * Opens `url` under the rules above and returns the 2xx response with a size-capped body. The
 * caller reads (or destroys) the body; `options.signal` bounds the whole exchange.
 *
 * @throws MediaFetchError `refused` (scheme, address, size, redirects), `failed` (4xx, timeout,
 * DNS, TLS) or `retryable` (429, 5xx, connection errors).
 *
 * @example
 * const media = await openMedia('https://media.example.com/photo.jpg', {
 *   maxBytes: 100 * 1024 * 1024, signal: AbortSignal.timeout(60_000),
 * });
 * await pipeline(media.body, destination);
 */
export async function openMedia(url: string, options: SafeFetchOptions): Promise<MediaResponse> {
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  let current = checkUrl(url, options);
  for (let hop = 0; ; hop++) {
    let response: IncomingMessage;
    try {
      const pinned = await allowedAddresses(current, options);
      response = await requestOnce(current, pinned, options.signal);
    } catch (error) {
      throw toMediaFetchError(error, options.signal);
    }
    const status = response.statusCode ?? 0;
    if (REDIRECTS.has(status) && response.headers.location) {
      response.resume();
      if (hop >= maxRedirects) {
        throw refused('too_many_redirects', `more than ${maxRedirects} redirects`);
      }
      current = checkUrl(new URL(response.headers.location, current), options);
      continue;
    }
    if (status < 200 || status > 299) {
      response.resume();
      const retryable = status === 429 || status >= 500;
      throw new MediaFetchError({
        kind: retryable ? 'retryable' : 'failed',
        reason: `http_${status}`,
        message: `media source answered ${status}`,
        status,
        retryAfterSeconds: retryAfterSeconds(response.headers['retry-after']),
      });
    }
    const declared = response.headers['content-length'];
    const contentLength = declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined;
    if (contentLength !== undefined && contentLength > options.maxBytes) {
      response.destroy();
      throw refused('too_large', `media declares ${contentLength} bytes, more than ${options.maxBytes}`);
    }
    const body = new SizeCap(options.maxBytes);
    response.once('error', (error) => body.destroy(toMediaFetchError(error, options.signal)));
    body.once('close', () => response.destroy());
    response.pipe(body);
    return {
      url: current.toString(),
      status,
      contentType: response.headers['content-type'] || 'application/octet-stream',
      contentLength,
      body,
    };
  }
}
