import { createHmac } from 'node:crypto';
import fc from 'fast-check';

/**
 * fast-check generators of hostile and malformed webhook requests, and an independent oracle
 * that says which of them carry a valid Sinch signature. The oracle is written from the
 * reference notes, not from `functions/sinch/signature.ts`, so the two check each other.
 */

/** One HTTP request to send to the webhook. */
export interface AbuseRequest {
  method: string;
  path: string;
  /** Header lines in order; a name may repeat. */
  headers: Array<[string, string]>;
  body: Buffer;
  /** Unique text inside the body, to find the request again in what reached the events queue. */
  marker: string;
  /**
   * Labels of what sets this request apart from an intact JSON callback for the path's app: the
   * body shape first (`callback` when intact), then any mutation. `['callback']` means intact.
   */
  mutations: string[];
}

/** The apps the webhook under test knows, with their secrets. */
export interface AbuseTarget {
  secrets: Record<string, string>;
  projectId: string;
  /** Unix seconds the requests are signed around. */
  nowSeconds: number;
}

const SIGNATURE = 'x-sinch-webhook-signature';
const TIMESTAMP = 'x-sinch-webhook-signature-timestamp';
const NONCE = 'x-sinch-webhook-signature-nonce';
const ALGORITHM = 'x-sinch-webhook-signature-algorithm';
const TOLERANCE_SECONDS = 300;
const FUTURE_SKEW_SECONDS = 60;

function sign(secret: string, body: Buffer, nonce: string, timestamp: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(Buffer.concat([body, Buffer.from(`.${nonce}.${timestamp}`, 'utf8')]))
    .digest('base64');
}

/** A header's value as API Gateway hands it on: names lower-cased, repeats joined by commas. */
function headerValue(headers: Array<[string, string]>, name: string): string | undefined {
  const values = headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
  return values.length === 0 ? undefined : values.join(',');
}

/** The app id a path names when it is the webhook route (`/webhooks/{appId}`), else undefined. */
export function appIdOfPath(path: string): string | undefined {
  const match = /^\/webhooks\/([^/?#]+)$/.exec(path.split('?')[0]!);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return undefined;
  }
}

/**
 * Whether a request carries a valid Sinch signature for the app its path names, as Sinch
 * documents it: a POST to `/webhooks/{appId}` of a known app, signature, timestamp and nonce
 * headers, an algorithm header that is absent or `HmacSHA256`, a Unix-seconds timestamp at most
 * 300 s old and at most 60 s ahead, and an HMAC over the exact body bytes. A request this
 * says no to must never be enqueued.
 *
 * @example
 * const valid = isValidlySigned(request, target);
 */
export function isValidlySigned(request: AbuseRequest, target: AbuseTarget): boolean {
  const appId = appIdOfPath(request.path);
  const secret = appId === undefined ? undefined : target.secrets[appId];
  if (request.method !== 'POST' || secret === undefined || !Object.hasOwn(target.secrets, appId!))
    return false;
  const signature = headerValue(request.headers, SIGNATURE)?.trim();
  const timestamp = headerValue(request.headers, TIMESTAMP)?.trim();
  const nonce = headerValue(request.headers, NONCE)?.trim();
  // Absent means HmacSHA256 (Sinch's Node, Python and .NET validators); present must say so.
  const algorithm = headerValue(request.headers, ALGORITHM)?.trim() ?? 'HmacSHA256';
  if (!signature || !timestamp || !nonce || algorithm !== 'HmacSHA256') return false;
  if (!/^\d+$/.test(timestamp)) return false;
  const age = target.nowSeconds - Number(timestamp);
  if (age > TOLERANCE_SECONDS || -age > FUTURE_SKEW_SECONDS) return false;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
  const given = Buffer.from(signature, 'base64');
  const expected = Buffer.from(sign(secret, request.body, nonce, timestamp), 'base64');
  return given.equals(expected);
}

/** What one generated case is made of, before it becomes bytes. */
interface AbuseCase {
  app: 'known' | 'second' | 'unknown' | 'mismatch';
  text: string;
  padding: number;
  shape: 'callback' | 'array' | 'string' | 'null' | 'not-json' | 'empty' | 'bom' | 'latin1';
  contentType: string | undefined;
  timestampOffset: number;
  mutations: Mutation[];
}

type Mutation =
  | { kind: 'method'; method: string }
  | { kind: 'path'; path: string }
  | { kind: 'drop-header'; name: string }
  | { kind: 'header-case' }
  | { kind: 'duplicate-header'; name: string; value: string }
  | { kind: 'signature'; value: string }
  | { kind: 'flip-signature'; at: number }
  | { kind: 'algorithm'; value: string }
  | { kind: 'timestamp'; value: string }
  | { kind: 'nonce'; value: string }
  | { kind: 'flip-body'; at: number }
  | { kind: 'append-body'; text: string }
  | { kind: 'query'; query: string }
  | { kind: 'content-encoding'; value: string };

const SIGNATURE_HEADERS = [SIGNATURE, TIMESTAMP, NONCE, ALGORITHM] as const;

const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('method' as const),
    method: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
  }),
  fc.record({
    kind: fc.constant('path' as const),
    path: fc.constantFrom(
      '/',
      '/webhooks',
      '/webhooks/',
      '/webhooks/app-known/extra',
      '/webhook/app-known',
      '/WEBHOOKS/app-known',
      '/webhooks/..%2Fapp-known',
      '/webhooks/app-known%00',
      '/webhooks/__proto__',
      '/webhooks/constructor',
      `/webhooks/${'a'.repeat(3000)}`,
    ),
  }),
  fc.record({ kind: fc.constant('drop-header' as const), name: fc.constantFrom(...SIGNATURE_HEADERS) }),
  fc.record({ kind: fc.constant('header-case' as const) }),
  fc.record({
    kind: fc.constant('duplicate-header' as const),
    name: fc.constantFrom(...SIGNATURE_HEADERS),
    value: fc.string({ maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
  }),
  fc.record({
    kind: fc.constant('signature' as const),
    value: fc.oneof(
      fc.constantFrom('', ' ', '=', 'AAAA', 'x'.repeat(600), '6bpJoRmFoXVjfJIVglMoJzYXxnoxRujzR4k2GOXewOE='),
      fc.base64String({ maxLength: 64 }),
      fc.string({ maxLength: 50 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
    ),
  }),
  fc.record({ kind: fc.constant('flip-signature' as const), at: fc.nat({ max: 42 }) }),
  fc.record({
    kind: fc.constant('algorithm' as const),
    value: fc.constantFrom('HmacSHA1', 'hmacsha256', 'HMACSHA256', 'HmacSHA512', 'none', ''),
  }),
  fc.record({
    kind: fc.constant('timestamp' as const),
    value: fc.oneof(
      fc.constantFrom('0', '-1', '1e9', '0x10', '12.5', '', 'NaN', '99999999999999999999'),
      fc.integer({ min: 61, max: 10_000_000 }).map((d) => `offset:${d}`),
      fc.integer({ min: -10_000_000, max: -301 }).map((d) => `offset:${d}`),
    ),
  }),
  fc.record({
    kind: fc.constant('nonce' as const),
    value: fc.string({ maxLength: 30 }).map((s) => s.replace(/[^\x21-\x7e]/g, 'N') || 'N'),
  }),
  fc.record({ kind: fc.constant('flip-body' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('append-body' as const),
    text: fc.constantFrom(' ', '\n', '}', '\u0000', ',"x":1}'),
  }),
  fc.record({
    kind: fc.constant('query' as const),
    query: fc.constantFrom('?a=1', '?appId=app-second', '?', '?x=%ZZ'),
  }),
  fc.record({
    kind: fc.constant('content-encoding' as const),
    value: fc.constantFrom('gzip', 'br', 'identity', 'deflate'),
  }),
);

const caseArbitrary: fc.Arbitrary<AbuseCase> = fc.record({
  app: fc.constantFrom('known', 'known', 'known', 'second', 'unknown', 'mismatch'),
  text: fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 100 })),
  // Mostly small bodies; a few near and over the 256 KiB limit.
  padding: fc.oneof(
    { weight: 30, arbitrary: fc.constant(0) },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 20_000 }) },
    { weight: 1, arbitrary: fc.integer({ min: 250_000, max: 300_000 }) },
  ),
  shape: fc.oneof(
    { weight: 20, arbitrary: fc.constant('callback' as const) },
    {
      weight: 6,
      arbitrary: fc.constantFrom(
        'array' as const,
        'string' as const,
        'null' as const,
        'not-json' as const,
        'empty' as const,
        'bom' as const,
        'latin1' as const,
      ),
    },
  ),
  contentType: fc.constantFrom(
    'application/json',
    'application/json',
    'application/json',
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=utf-8',
    'text/plain',
    'application/octet-stream',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    undefined,
  ),
  timestampOffset: fc.integer({ min: -200, max: 50 }),
  mutations: fc.oneof(
    { weight: 1, arbitrary: fc.constant<Mutation[]>([]) },
    { weight: 2, arbitrary: fc.array(mutationArbitrary, { minLength: 1, maxLength: 3 }) },
  ),
});

function bodyOf(c: AbuseCase, appId: string, projectId: string, marker: string): Buffer {
  const callback = {
    app_id: appId,
    accepted_time: '2026-01-01T00:00:00.000Z',
    event_time: '2026-01-01T00:00:00.000Z',
    project_id: projectId,
    message: {
      id: marker,
      direction: 'TO_APP',
      channel_identity: { channel: 'WHATSAPP', identity: '46700000000', app_id: '' },
      contact_id: '',
      conversation_id: '',
      contact_message: { text_message: { text: c.text } },
      metadata: '',
      accept_time: '2026-01-01T00:00:00.000Z',
      sender_id: '',
      processing_mode: 'DISPATCH',
      injected: false,
    },
    message_metadata: c.padding > 0 ? 'p'.repeat(c.padding) : '',
    correlation_id: '',
  };
  switch (c.shape) {
    case 'callback':
      return Buffer.from(JSON.stringify(callback), 'utf8');
    case 'array':
      return Buffer.from(JSON.stringify([callback]), 'utf8');
    case 'string':
      return Buffer.from(JSON.stringify(marker), 'utf8');
    case 'null':
      return Buffer.from('null', 'utf8');
    case 'not-json':
      return Buffer.from(`app_id=${appId}&marker=${marker}`, 'utf8');
    case 'empty':
      return Buffer.alloc(0);
    case 'bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(callback), 'utf8')]);
    case 'latin1':
      return Buffer.from(JSON.stringify(callback).replace(c.text, `${c.text}\u00e9\u00ff`), 'latin1');
  }
}

/** Turns a generated case into bytes: a correctly signed request, then its mutations. */
function toRequest(c: AbuseCase, index: number, target: AbuseTarget): AbuseRequest {
  const [known, second] = Object.keys(target.secrets) as [string, string];
  const marker = `abuse-${index}-marker`;
  const pathApp = c.app === 'second' ? second : c.app === 'unknown' ? 'app-unknown' : known;
  const bodyApp = c.app === 'mismatch' ? second : pathApp;
  let body = bodyOf(c, bodyApp, target.projectId, marker);
  const secret = target.secrets[pathApp] ?? 'a-secret-nobody-has';
  let timestamp = String(Math.floor(target.nowSeconds + c.timestampOffset));
  let nonce = `01J${String(index).padStart(23, '0')}`;
  let signature = sign(secret, body, nonce, timestamp);
  let algorithm = 'HmacSHA256';
  let method = 'POST';
  let path = `/webhooks/${encodeURIComponent(pathApp)}`;
  let upperCaseNames = false;
  const extra: Array<[string, string]> = [];
  const dropped = new Set<string>();
  for (const m of c.mutations) {
    switch (m.kind) {
      case 'method':
        method = m.method;
        break;
      case 'path':
        path = m.path.replace('app-known', encodeURIComponent(known));
        break;
      case 'drop-header':
        dropped.add(m.name);
        break;
      case 'header-case':
        upperCaseNames = true;
        break;
      case 'duplicate-header':
        extra.push([m.name, m.value]);
        break;
      case 'signature':
        signature = m.value;
        break;
      case 'flip-signature': {
        const at = m.at % Math.max(1, signature.length);
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
        const current = signature[at] ?? 'A';
        const replacement = alphabet[(alphabet.indexOf(current) + 17) % alphabet.length]!;
        signature = signature.slice(0, at) + replacement + signature.slice(at + 1);
        break;
      }
      case 'algorithm':
        algorithm = m.value;
        break;
      case 'timestamp':
        timestamp = m.value.startsWith('offset:')
          ? String(Math.floor(target.nowSeconds + Number(m.value.slice(7))))
          : m.value;
        break;
      case 'nonce':
        nonce = m.value;
        break;
      case 'flip-body':
        if (body.length > 0) {
          body = Buffer.from(body);
          const at = m.at % body.length;
          body[at] = body[at]! ^ 0x20;
        }
        break;
      case 'append-body':
        body = Buffer.concat([body, Buffer.from(m.text, 'utf8')]);
        break;
      case 'query':
        path = `${path}${m.query}`;
        break;
      case 'content-encoding':
        extra.push(['content-encoding', m.value]);
        break;
    }
  }
  const name = (n: string) =>
    upperCaseNames ? n.replace(/(^|-)([a-z])/g, (_, d, ch) => d + ch.toUpperCase()) : n;
  const headers: Array<[string, string]> = [];
  if (c.contentType !== undefined) headers.push(['content-type', c.contentType]);
  const signatureHeaders: Array<[string, string]> = [
    [SIGNATURE, signature],
    [TIMESTAMP, timestamp],
    [NONCE, nonce],
    [ALGORITHM, algorithm],
  ];
  for (const [n, v] of signatureHeaders) if (!dropped.has(n)) headers.push([name(n), v]);
  headers.push(...extra);
  return {
    method,
    path,
    headers,
    body,
    marker,
    mutations: [
      c.shape,
      ...(c.app === 'mismatch' ? ['app-mismatch'] : c.app === 'unknown' ? ['unknown-app'] : []),
      ...(body.length > 256 * 1024 ? ['over-256KiB'] : []),
      ...(c.contentType?.startsWith('application/json') ? [] : [`content-type:${c.contentType ?? 'none'}`]),
      ...c.mutations.map((m) => m.kind),
    ],
  };
}

/**
 * `count` generated requests, reproducible from `seed`: about a fifth arrive intact and validly
 * signed, the rest with one to three mutations of method, path, headers, signature, timestamp,
 * nonce, algorithm, body bytes, content type or encoding, and sizes up to past the 256 KiB limit.
 *
 * @example
 * const requests = generateAbuseRequests(500, 42, { secrets: { app: 's3cret' }, projectId, nowSeconds });
 */
export function generateAbuseRequests(count: number, seed: number, target: AbuseTarget): AbuseRequest[] {
  if (Object.keys(target.secrets).length < 2) throw new Error('generateAbuseRequests needs two known apps');
  return fc.sample(caseArbitrary, { numRuns: count, seed }).map((c, i) => toRequest(c, i, target));
}
