/**
 * Sinch Conversation API webhook signatures (HMAC-SHA256 over `rawBody.nonce.timestamp`).
 *
 * Hand-written on `node:crypto` because no well-kept library covers it: the official SDKs
 * check neither the timestamp window nor compare in constant time (see the reference notes).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-sinch-webhook-signature';
export const TIMESTAMP_HEADER = 'x-sinch-webhook-signature-timestamp';
export const NONCE_HEADER = 'x-sinch-webhook-signature-nonce';
export const ALGORITHM_HEADER = 'x-sinch-webhook-signature-algorithm';
export const SIGNATURE_ALGORITHM = 'HmacSHA256';
/** Default accepted age of a signed request, in seconds (Sinch's clock behind ours, or a slow delivery). */
export const DEFAULT_TOLERANCE_SECONDS = 300;
/**
 * Largest accepted timestamp ahead of our clock, in seconds. Only clock skew explains a future
 * timestamp, and a wide future window lets a captured request be replayed for that much longer.
 */
export const MAX_FUTURE_SKEW_SECONDS = 60;

/** Why a signature was not accepted. Every kind maps to 401 in the webhook. */
export type SignatureFailureKind =
  | 'missing_signature'
  | 'unsupported_algorithm'
  | 'timestamp_out_of_range'
  | 'invalid_signature';

export type SignatureHeaders = { signature: string; nonce: string; timestamp: number; algorithm: string };

export type SignatureHeadersResult =
  | { ok: true; headers: SignatureHeaders }
  | { ok: false; kind: SignatureFailureKind };

export type SignatureVerification =
  | { ok: true /** which of the given secrets matched: 0 current, 1 previous, ... */; secretIndex: number }
  | { ok: false; kind: SignatureFailureKind };

/** Request headers in any case; values may be absent. */
export type HeaderBag = Readonly<Record<string, string | undefined>>;

/** Unix seconds of Sinch timestamps: digits only, so `1e9`, `0x..` or `12.5` never pass. */
const TIMESTAMP_PATTERN = /^\d{1,12}$/;
/** Standard base64 with padding, as Sinch sends it; bounds the work done on garbage input. */
const SIGNATURE_PATTERN = /^[A-Za-z0-9+/]{1,512}={0,2}$/;

function header(headers: HeaderBag, name: string): string | undefined {
  const direct = headers[name];
  if (direct !== undefined) return direct;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

/**
 * Reads and checks the signature headers and the timestamp window (at most `toleranceSeconds`
 * old, at most {@link MAX_FUTURE_SKEW_SECONDS} ahead), without any secret. An absent algorithm
 * header means HmacSHA256, as Sinch's Node, Python and .NET validators read it (their own test
 * vectors carry none); a present one must say HmacSHA256. The webhook calls this before it looks
 * up secrets, so garbage never costs a secret fetch.
 *
 * @example
 * const read = readSignatureHeaders(event.headers, Date.now() / 1000);
 * if (!read.ok) return reject(read.kind);
 */
export function readSignatureHeaders(
  headers: HeaderBag,
  nowSeconds: number,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): SignatureHeadersResult {
  const signature = header(headers, SIGNATURE_HEADER)?.trim();
  const nonce = header(headers, NONCE_HEADER)?.trim();
  const timestamp = header(headers, TIMESTAMP_HEADER)?.trim();
  const algorithmHeader = header(headers, ALGORITHM_HEADER);
  const algorithm = algorithmHeader === undefined ? SIGNATURE_ALGORITHM : algorithmHeader.trim();
  if (!signature || !nonce || !timestamp) return { ok: false, kind: 'missing_signature' };
  if (algorithm !== SIGNATURE_ALGORITHM) return { ok: false, kind: 'unsupported_algorithm' };
  if (!SIGNATURE_PATTERN.test(signature)) return { ok: false, kind: 'invalid_signature' };
  if (!TIMESTAMP_PATTERN.test(timestamp)) return { ok: false, kind: 'timestamp_out_of_range' };
  const seconds = Number(timestamp);
  const age = nowSeconds - seconds;
  if (age > toleranceSeconds || -age > Math.min(MAX_FUTURE_SKEW_SECONDS, toleranceSeconds)) {
    return { ok: false, kind: 'timestamp_out_of_range' };
  }
  return { ok: true, headers: { signature, nonce, timestamp: seconds, algorithm } };
}

/**
 * The base64 HMAC-SHA256 Sinch computes: key = secret as UTF-8, data = `body.nonce.timestamp`.
 *
 * @example
 * computeSinchSignature('foo_secret1234', body, '01FJA8B4A7BM43YGWSG9GBV067', '1634579353');
 */
export function computeSinchSignature(
  secret: string,
  body: string | Uint8Array,
  nonce: string,
  timestamp: string | number,
): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(body)
    .update(`.${nonce}.${timestamp}`)
    .digest('base64');
}

/**
 * Verifies a Sinch webhook signature against the app's secrets (current first, then previous,
 * for rotation). Never throws: a failure is a value with a `kind`.
 *
 * @example
 * const result = verifySinchSignature({ headers: event.headers, body: rawBody, secrets: ['s3cret'] });
 * if (!result.ok) console.log(result.kind); // e.g. 'invalid_signature'
 */
export function verifySinchSignature(input: {
  headers: HeaderBag;
  /** The raw body exactly as received (bytes, or the string API Gateway delivered). */
  body: string | Uint8Array;
  secrets: readonly string[];
  /** Unix seconds; defaults to the clock. */
  nowSeconds?: number;
  toleranceSeconds?: number;
}): SignatureVerification {
  const read = readSignatureHeaders(
    input.headers,
    input.nowSeconds ?? Date.now() / 1000,
    input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS,
  );
  if (!read.ok) return read;
  const { signature, nonce } = read.headers;
  const given = Buffer.from(signature, 'base64');
  // The timestamp header text is what Sinch signed (leading zeros included), not the number.
  const timestamp = header(input.headers, TIMESTAMP_HEADER)!.trim();
  let matched = -1;
  input.secrets.forEach((secret, index) => {
    const expected = Buffer.from(computeSinchSignature(secret, input.body, nonce, timestamp), 'base64');
    // Every secret is compared, so the answer time does not tell which one matched.
    if (given.length === expected.length && timingSafeEqual(given, expected) && matched < 0) matched = index;
  });
  return matched >= 0 ? { ok: true, secretIndex: matched } : { ok: false, kind: 'invalid_signature' };
}

/** A fresh ULID-shaped nonce (26 Crockford base32 characters), like the ones Sinch sends. */
function newNonce(): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const bytes = randomBytes(26);
  return Array.from(bytes, (b) => alphabet[b % 32]).join('');
}

/**
 * Signs a callback the way Sinch does and returns the four headers: for tests, the CLI
 * `simulate` command and benchmarks.
 *
 * @example
 * const headers = signSinchCallback({ secret: 's3cret', body: JSON.stringify(callback) });
 * await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
 */
export function signSinchCallback(input: {
  secret: string;
  body: string | Uint8Array;
  nonce?: string;
  /** Unix seconds; defaults to now. */
  timestamp?: number | string;
}): Record<string, string> {
  const nonce = input.nonce ?? newNonce();
  const timestamp = String(input.timestamp ?? Math.floor(Date.now() / 1000));
  return {
    [SIGNATURE_HEADER]: computeSinchSignature(input.secret, input.body, nonce, timestamp),
    [TIMESTAMP_HEADER]: timestamp,
    [NONCE_HEADER]: nonce,
    [ALGORITHM_HEADER]: SIGNATURE_ALGORITHM,
  };
}
