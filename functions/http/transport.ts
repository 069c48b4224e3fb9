/**
 * The one HTTP transport of the functions' own calls: Sinch's API and token endpoint, and the AWS
 * calls made without the SDK's middleware stack (`functions/aws/aws-json-call.ts`). Keep-alive
 * connections, a connect timeout and a total timeout.
 *
 * Why node:http(s) and not fetch: Node's global fetch keeps connections alive but offers no
 * connect timeout without importing `undici` (a new ~1 MB dependency in every bundle). A
 * keep-alive `Agent` plus two timers gives both timeouts with no dependency.
 *
 * Why not the AWS SDK's `NodeHttpHandler` for the AWS calls: per request it arms up to three
 * timers (a socket-acquisition warning, a deferred keep-alive setting, a deferred socket timeout)
 * and wraps the answer in a stream the caller collects again: medians of 273 against 226 us of
 * CPU per request to the local DynamoDB (docs/benchmarks.md, "Reading them"); the send function
 * makes two or three AWS calls per command, and in Lambda CPU time is billed time.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface HttpTimeouts {
  /** Time allowed to open a new TCP (+TLS) connection. */
  connectMs: number;
  /** Time allowed for the whole exchange, connection to last body byte. */
  totalMs: number;
}

export const DEFAULT_TIMEOUTS: HttpTimeouts = { connectMs: 3_000, totalMs: 10_000 };

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * No answer: `timeout` (connect or total), `network` (refused, reset, dropped) or `aborted` (the
 * caller's signal fired: its invocation is ending; an aborted request may still have reached the server).
 */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly kind: 'connect_timeout' | 'timeout' | 'network' | 'aborted',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// One pool per container: connections to Sinch, its token endpoint and AWS are reused across
// invocations, which saves a TLS handshake per call. 50 per host, as the AWS SDK's default agent.
const agents = {
  'http:': new HttpAgent({ keepAlive: true, maxSockets: 50 }),
  'https:': new HttpsAgent({ keepAlive: true, maxSockets: 50 }),
};

/** Methods a server cannot have acted on twice if sent again (the bridge's PATCHes set fields). */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

/**
 * Sends one request and reads the whole answer as text. With `signal`, nothing is sent once it
 * has fired, and a request in flight is cut when it fires.
 *
 * Never retries, with one exception: an idempotent request written on a pooled keep-alive
 * connection that the server had already closed (`ECONNRESET` on a reused socket, before any
 * answer) is sent once more on a fresh connection, as Node's documentation advises: the server
 * closed an idle connection, it never saw the request. A POST (`messages:send`) is not sent
 * again here; the send path decides about its own retries.
 *
 * @example
 * const res = await sendHttp(new URL('https://eu.conversation.api.sinch.com/...'), {
 *   method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}',
 * }, DEFAULT_TIMEOUTS);
 */
export async function sendHttp(
  url: URL,
  init: { method: string; headers: Record<string, string>; body?: string | undefined },
  timeouts: HttpTimeouts,
  signal?: AbortSignal | undefined,
): Promise<HttpResponse> {
  try {
    return await sendOnce(url, init, timeouts, signal);
  } catch (error) {
    if (!(error instanceof StaleConnectionError) || !IDEMPOTENT_METHODS.has(init.method.toUpperCase())) {
      throw error;
    }
    return sendOnce(url, init, timeouts, signal);
  }
}

/** A reused keep-alive connection the server had closed: the request never reached it. */
class StaleConnectionError extends TransportError {}

function sendOnce(
  url: URL,
  init: { method: string; headers: Record<string, string>; body?: string | undefined },
  timeouts: HttpTimeouts,
  signal?: AbortSignal | undefined,
): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new TransportError('aborted', 'not sent: the caller gave up before the request started'));
      return;
    }
    const isHttps = url.protocol === 'https:';
    const body = init.body === undefined ? undefined : Buffer.from(init.body, 'utf8');
    const headers = { ...init.headers, ...(body ? { 'content-length': String(body.length) } : {}) };
    const req = (isHttps ? httpsRequest : httpRequest)(url, {
      method: init.method,
      headers,
      agent: agents[isHttps ? 'https:' : 'http:'],
    });
    let settled = false;
    const onAbort = () =>
      fail(new TransportError('aborted', 'the caller gave up while waiting for the answer'));
    const fail = (error: TransportError) => {
      if (settled) return;
      settled = true;
      clearTimeout(totalTimer);
      clearTimeout(connectTimer);
      signal?.removeEventListener('abort', onAbort);
      req.destroy();
      reject(error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const totalTimer = setTimeout(
      () => fail(new TransportError('timeout', `no complete answer within ${timeouts.totalMs} ms`)),
      timeouts.totalMs,
    );
    let connectTimer: NodeJS.Timeout | undefined;
    req.on('socket', (socket) => {
      // A pooled keep-alive socket is already connected: only new connections get the timer.
      if (!socket.connecting) return;
      connectTimer = setTimeout(
        () => fail(new TransportError('connect_timeout', `no connection within ${timeouts.connectMs} ms`)),
        timeouts.connectMs,
      );
      socket.once(isHttps ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    });
    let answered = false;
    req.on('error', (cause) => {
      const stale = req.reusedSocket && !answered && (cause as NodeJS.ErrnoException).code === 'ECONNRESET';
      fail(new (stale ? StaleConnectionError : TransportError)('network', cause.message, { cause }));
    });
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (cause) => fail(new TransportError('network', cause.message, { cause })));
      res.on('aborted', () => fail(new TransportError('network', 'answer aborted')));
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(totalTimer);
        signal?.removeEventListener('abort', onAbort);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    req.end(body);
  });
}
