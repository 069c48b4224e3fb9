/**
 * One AWS JSON 1.0 call (SQS, DynamoDB) made with an SDK v3 client's own parts but without its
 * middleware stack: the client's credentials, region and SigV4 signer (with its clock-skew
 * correction) and its retry strategy (the same object
 * the SDK's retry middleware uses: `maxAttempts` / `AWS_MAX_ATTEMPTS`, the service's backoff base,
 * the throttling base, the retry quota), classifying errors with the SDK's own rules. The request
 * goes over the functions' own keep-alive transport (`functions/http/transport.ts`, which says why
 * not the SDK's handler) with a timeout per attempt; a client given its own handler keeps it.
 *
 * Why it is hand-written: the stack (schema serde, endpoint rules, user agent, retry and
 * checksum middleware) costs about 0.4 ms of CPU per call, as much as the rest of a webhook
 * callback, and in Lambda CPU time is billed time (docs/benchmarks.md, "Reading them"). What is
 * left is small enough to read: sign, send, answer, and retry what the SDK retries. Callers
 * (`functions/events/direct-send-message.ts`, `direct-dynamodb.ts`) build the body and the error.
 *
 * What the stack does beside that and this does not: the user agent and `amz-sdk-*` retry headers
 * (informational), the recursion-detection trace header (`X-Amzn-Trace-Id`, only in Lambda;
 * X-Ray does not link these calls), request checksums, endpoint discovery, `Retry-After` hints
 * (neither SQS nor DynamoDB sends them), and racing the retry delay against an abort signal (the
 * signal is checked between attempts instead).
 */

import {
  DEFAULT_TIMEOUTS,
  type HttpResponse,
  type HttpTimeouts,
  sendHttp,
  TransportError,
} from '../http/transport';

/** A request as the SDK's HTTP handlers and signer take it. */
interface HttpRequestLike {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
}

interface HttpResponseLike {
  statusCode: number;
  headers: Record<string, string>;
  body: unknown;
}

/** The SDK's retry token and strategy (`RetryStrategyV2` in @smithy/types). */
interface RetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}
interface RetryStrategy {
  acquireInitialRetryToken(scope: string): Promise<RetryToken>;
  refreshRetryTokenForRetry(
    token: RetryToken,
    errorInfo: { error: unknown; errorType: RetryErrorType },
  ): Promise<RetryToken>;
  recordSuccess(token: RetryToken): void;
}
type RetryErrorType = 'THROTTLING' | 'TRANSIENT' | 'SERVER_ERROR' | 'CLIENT_ERROR';

/** The parts of a client's resolved configuration used here (present on every SDK v3 client). */
export interface AwsClientParts {
  signer(authScheme: {
    name: string;
    signingName: string;
    signingRegion: string;
    properties: Record<string, unknown>;
  }): Promise<{ sign(request: HttpRequestLike, options?: { signingDate?: Date }): Promise<HttpRequestLike> }>;
  region(): Promise<string>;
  retryStrategy(): Promise<RetryStrategy>;
  requestHandler: {
    handle(
      request: HttpRequestLike,
      options?: { abortSignal?: AbortSignal },
    ): Promise<{ response: HttpResponseLike }>;
  };
  streamCollector(stream: unknown): Promise<Uint8Array>;
  /** Server time minus local time, in ms: kept by the SDK's signer, shared with it here. */
  systemClockOffset: number;
  disableClockSkewCorrection?(): Promise<boolean>;
}

/** Where a call goes: an endpoint's parts, resolved once per client and target. */
export interface AwsJsonEndpoint {
  protocol: string;
  hostname: string;
  port?: number;
  /** The `host` header (hostname and port). */
  host: string;
  path: string;
  /** Query parameters of the endpoint's URL (the SDK sends them too). */
  query?: Record<string, string>;
  /** Headers a custom endpoint asks for (the SDK sends them too). */
  headers?: Record<string, string>;
  /** Signing name and region, when the endpoint names them (else the client's). */
  signingName?: string;
  signingRegion?: string;
}

/** A non-2xx answer, with its body as bytes and as text. */
export interface AwsJsonAnswer {
  statusCode: number;
  headers: Record<string, string>;
  bytes: Uint8Array;
  text: string;
}

/** What the SDK's `$metadata` says of a request (on outputs and on errors). */
export interface AwsResponseMetadata {
  httpStatusCode?: number | undefined;
  requestId?: string | undefined;
  attempts?: number;
  totalRetryDelay?: number;
  clockSkewCorrected?: boolean;
}

/**
 * A refused request whose answer the service's own error classes do not cover (a body that is
 * not the service's JSON), or a service's error as its caller chooses to name it. `retryable`
 * is the SDK's judgement of it (throttling, 500/502/503/504, timeouts).
 */
export class AwsRequestError extends Error {
  readonly $metadata: AwsResponseMetadata;
  readonly retryable: boolean;
  constructor(
    name: string,
    message: string,
    readonly statusCode: number | undefined,
    options: { retryable?: boolean; metadata?: AwsResponseMetadata } = {},
  ) {
    super(message);
    this.name = name;
    this.$metadata = options.metadata ?? { httpStatusCode: statusCode };
    this.retryable = options.retryable ?? isRetryable(this);
  }
}

/*
 * The SDK retry middleware's classification of errors (@smithy/core's service-error-classification),
 * written out because the function bundles leave only `@aws-sdk/*` to the Lambda runtime: importing
 * it from @smithy/core would bundle a second copy of that package's retry module into each function
 * (+14 KB in the webhook) for these lists. test/aws/aws-json-call.test.ts checks that this answers
 * as the SDK's own functions do.
 */
const THROTTLING_ERROR_CODES = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);
const TRANSIENT_ERROR_CODES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const TRANSIENT_ERROR_STATUS_CODES = new Set([500, 502, 503, 504]);
const NODEJS_TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

interface Classified {
  name?: string;
  message?: string;
  code?: string;
  cause?: unknown;
  $retryable?: { throttling?: boolean };
  $metadata?: AwsResponseMetadata;
}

function isThrottling(error: Classified): boolean {
  return (
    error.$metadata?.httpStatusCode === 429 ||
    THROTTLING_ERROR_CODES.has(error.name ?? '') ||
    error.$retryable?.throttling === true
  );
}

function isTransient(error: Classified | undefined, depth = 0): boolean {
  if (!error || typeof error !== 'object' || error.name === 'AbortError') return false;
  return (
    error.$retryable !== undefined ||
    error.$metadata?.clockSkewCorrected === true ||
    (error.name === 'InvalidSignatureException' && error.message?.includes('Signature expired') === true) ||
    TRANSIENT_ERROR_CODES.has(error.name ?? '') ||
    NODEJS_TRANSIENT_CODES.has(error.code ?? '') ||
    TRANSIENT_ERROR_STATUS_CODES.has(error.$metadata?.httpStatusCode ?? 0) ||
    (error.code === 'ERR_HTTP2_STREAM_ERROR' && error.message?.includes('NGHTTP2_REFUSED_STREAM') === true) ||
    (error.cause !== undefined && depth <= 10 && isTransient(error.cause as Classified, depth + 1))
  );
}

/**
 * The SDK retry middleware's classification of an error: throttling first (its base delay is
 * longer and it costs less of the retry quota), then transient, then a server or client error.
 *
 * @example
 * retryErrorTypeOf(Object.assign(new Error('x'), { $metadata: { httpStatusCode: 503 } })); // 'TRANSIENT'
 */
export function retryErrorTypeOf(error: unknown): RetryErrorType {
  const e = (error && typeof error === 'object' ? error : {}) as Classified;
  if (isThrottling(e)) return 'THROTTLING';
  if (isTransient(e)) return 'TRANSIENT';
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500 && status <= 599) return 'SERVER_ERROR';
  return 'CLIENT_ERROR';
}

/**
 * True when the SDK's standard retry would try the request again (quota and attempts aside).
 *
 * @example
 * isRetryable(Object.assign(new Error('x'), { name: 'ThrottlingException' })); // true
 */
export function isRetryable(error: unknown): boolean {
  const type = retryErrorTypeOf(error);
  return type === 'THROTTLING' || type === 'TRANSIENT';
}

/**
 * Timeouts of one attempt of a direct AWS call: a connection that does not open, or an answer
 * that does not come, is cut and retried as the SDK retries a timeout (the SDK's default handler
 * has neither, and would wait until the function's own timeout). Far above a healthy answer
 * (milliseconds for SQS and DynamoDB in the region); the same as the Sinch calls' defaults.
 */
export const AWS_CALL_TIMEOUTS: HttpTimeouts = DEFAULT_TIMEOUTS;

/** The URL of an endpoint's requests: its host, path and query, as the SDK's handler builds it. */
function endpointUrl(endpoint: AwsJsonEndpoint): URL {
  const query = Object.entries(endpoint.query ?? {})
    .map(([name, value]) => `${escapeUri(name)}=${escapeUri(value)}`)
    .join('&');
  return new URL(`${endpoint.protocol}//${endpoint.host}${endpoint.path}${query ? `?${query}` : ''}`);
}

/** RFC 3986 escaping, as the SDK's `escapeUri`. */
function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Socket errors the SDK's handler renames `TimeoutError` (its `NODEJS_TIMEOUT_ERROR_CODES`). */
const HANDLER_TIMEOUT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/**
 * A transport failure as the SDK's handler throws it, so that callers, logs and the retry rules
 * see the same errors: Node's own socket error (`ECONNREFUSED`...; a reset or broken pipe named
 * `TimeoutError`, code kept), a `TimeoutError` (with `ETIMEDOUT` for an answer that did not
 * come), an `AbortError` when the caller gave up.
 */
function asHandlerError(error: unknown): unknown {
  if (!(error instanceof TransportError)) return error;
  switch (error.kind) {
    case 'network': {
      if (!(error.cause instanceof Error)) return error;
      const code = (error.cause as NodeJS.ErrnoException).code;
      return HANDLER_TIMEOUT_CODES.has(code ?? '')
        ? Object.assign(error.cause, { name: 'TimeoutError' })
        : error.cause;
    }
    case 'aborted':
      return Object.assign(new Error(error.message, { cause: error }), { name: 'AbortError' });
    case 'connect_timeout':
      return Object.assign(new Error(error.message, { cause: error }), { name: 'TimeoutError' });
    case 'timeout':
      return Object.assign(new Error(error.message, { cause: error }), {
        name: 'TimeoutError',
        code: 'ETIMEDOUT',
      });
  }
}

/** The SDK's clock-skew rules (`getUpdatedSystemClockOffset`, `AwsSdkSigV4Signer`). */
const SKEW_SAMPLE_MAX_ROUND_TRIP_MS = 900_000;
const SKEW_CORRECTED_THRESHOLD_MS = 240_000;

export interface AwsJsonCallOptions {
  /** The signing name (`sqs`, `dynamodb`). */
  signingName: string;
  /** The `X-Amz-Target` prefix (`AmazonSQS`, `DynamoDB_20120810`). */
  targetPrefix: string;
  /** Extra headers on every request (SQS's `x-amzn-query-mode`). */
  headers?: Record<string, string>;
  /** Timeouts of one attempt; default `AWS_CALL_TIMEOUTS`. */
  timeouts?: HttpTimeouts;
}

/**
 * A caller of one service's AWS JSON 1.0 operations through `client`'s own parts. `call`
 * answers the 2xx response's text; any other answer becomes `toError(answer)`; no answer is the
 * HTTP handler's own error (as the SDK throws it). Each failure the SDK would retry is retried
 * by the client's retry strategy, within its attempts and quota.
 *
 * @example
 * const call = createAwsJsonCall(dynamoDbClient, { signingName: 'dynamodb', targetPrefix: 'DynamoDB_20120810' });
 * const { text } = await call(endpoint, 'GetItem', JSON.stringify(input), { toError: (a) => new Error(a.text) });
 */
export function createAwsJsonCall(client: { config: unknown }, options: AwsJsonCallOptions) {
  const parts = client.config as AwsClientParts;
  const decoder = new TextDecoder();
  // Per container: the signer (it caches its signing key per day and region) per signing scope,
  // the retry strategy (the client's own object, so its quota is shared with the SDK's calls).
  const signers = new Map<string, ReturnType<AwsClientParts['signer']>>();
  let retryStrategy: Promise<RetryStrategy> | undefined;
  let skewCorrection: Promise<boolean> | undefined;

  function signerFor(endpoint: AwsJsonEndpoint) {
    const key = `${endpoint.signingName ?? ''}/${endpoint.signingRegion ?? ''}`;
    let signer = signers.get(key);
    if (!signer) {
      signer = (endpoint.signingRegion ? Promise.resolve(endpoint.signingRegion) : parts.region()).then(
        (signingRegion) =>
          parts.signer({
            name: 'sigv4',
            signingName: endpoint.signingName ?? options.signingName,
            signingRegion,
            properties: {},
          }),
      );
      signers.set(key, signer);
    }
    return signer;
  }

  // The SDK's default handler is replaced by the functions' own transport (transport.ts says why);
  // a client given another handler (a proxy's, a tracer's, a test's) keeps it.
  const ownTransport =
    (parts.requestHandler as { constructor?: { name?: string } }).constructor?.name === 'NodeHttpHandler';
  const urls = new WeakMap<AwsJsonEndpoint, URL>();

  /** Sends a signed request; answers its status, headers (lowercase, one string each) and text. */
  async function exchange(
    endpoint: AwsJsonEndpoint,
    signed: HttpRequestLike,
    abortSignal: AbortSignal | undefined,
  ): Promise<{ statusCode: number; headers: Record<string, string>; text: string }> {
    if (!ownTransport) {
      const { response } = await parts.requestHandler.handle(signed, abortSignal ? { abortSignal } : {});
      const bytes = await parts.streamCollector(response.body);
      return { statusCode: response.statusCode, headers: response.headers, text: decoder.decode(bytes) };
    }
    let url = urls.get(endpoint);
    if (!url) {
      url = endpointUrl(endpoint);
      urls.set(endpoint, url);
    }
    let answer: HttpResponse;
    try {
      answer = await sendHttp(url, signed, options.timeouts ?? AWS_CALL_TIMEOUTS, abortSignal);
    } catch (error) {
      throw asHandlerError(error);
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    return { statusCode: answer.status, headers, text: answer.body };
  }

  /** What the SDK's signer does with an answer's `Date`: the server's clock minus ours. */
  function sampleClock(headers: Record<string, string>, sentAt: number): number | undefined {
    const date = headers.date;
    if (date === undefined || headers.age !== undefined) return undefined;
    const serverTime = Date.parse(date);
    const now = Date.now();
    if (Number.isNaN(serverTime) || now - sentAt > SKEW_SAMPLE_MAX_ROUND_TRIP_MS) return undefined;
    return serverTime - now;
  }

  async function once(
    endpoint: AwsJsonEndpoint,
    operation: string,
    body: string,
    toError: (answer: AwsJsonAnswer) => Error | Promise<Error>,
    abortSignal: AbortSignal | undefined,
  ): Promise<{ text: string; headers: Record<string, string>; statusCode: number }> {
    const request: HttpRequestLike = {
      method: 'POST',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      ...(endpoint.port ? { port: endpoint.port } : {}),
      path: endpoint.path,
      query: { ...endpoint.query },
      headers: {
        ...endpoint.headers,
        ...options.headers,
        host: endpoint.host,
        'content-type': 'application/x-amz-json-1.0',
        'content-length': String(Buffer.byteLength(body)),
        'x-amz-target': `${options.targetPrefix}.${operation}`,
      },
      body,
    };
    skewCorrection ??=
      parts.disableClockSkewCorrection?.().then((off) => off !== true) ?? Promise.resolve(true);
    const correcting = await skewCorrection;
    const offsetBefore = parts.systemClockOffset ?? 0;
    const sentAt = Date.now();
    const signed = await (await signerFor(endpoint)).sign(request, {
      signingDate: new Date(correcting ? sentAt + offsetBefore : sentAt),
    });
    const response = await exchange(endpoint, signed, abortSignal);
    const offset = correcting ? sampleClock(response.headers, sentAt) : undefined;
    if (offset !== undefined) parts.systemClockOffset = offset;
    if (response.statusCode >= 200 && response.statusCode < 300) {
      return { text: response.text, headers: response.headers, statusCode: response.statusCode };
    }
    const error: Error & { $metadata?: AwsResponseMetadata } = await toError({
      statusCode: response.statusCode,
      headers: response.headers,
      bytes: Buffer.from(response.text, 'utf8'),
      text: response.text,
    });
    // As AwsSdkSigV4Signer's error handler: a large correction of our clock makes the refusal
    // (e.g. a signature judged expired) worth retrying with the corrected time.
    if (
      offset !== undefined &&
      offset !== offsetBefore &&
      Math.abs(offset) >= SKEW_CORRECTED_THRESHOLD_MS &&
      error.$metadata
    ) {
      error.$metadata.clockSkewCorrected = true;
    }
    throw error;
  }

  /** One operation: answers the 2xx text, throws the last error. Retries as the SDK's retry middleware. */
  return async function call(
    endpoint: AwsJsonEndpoint,
    operation: string,
    body: string,
    callOptions: {
      toError: (answer: AwsJsonAnswer) => Error | Promise<Error>;
      abortSignal?: AbortSignal | undefined;
    },
  ): Promise<{
    text: string;
    headers: Record<string, string>;
    statusCode: number;
    $metadata: AwsResponseMetadata;
  }> {
    retryStrategy ??= parts.retryStrategy();
    const strategy = await retryStrategy;
    let token = await strategy.acquireInitialRetryToken('');
    let totalRetryDelay = 0;
    for (let attempts = 1; ; ) {
      try {
        const answer = await once(endpoint, operation, body, callOptions.toError, callOptions.abortSignal);
        strategy.recordSuccess(token);
        return { ...answer, $metadata: { attempts, totalRetryDelay } };
      } catch (error) {
        if (callOptions.abortSignal?.aborted) throw error;
        try {
          // The strategy waits its backoff (full jitter) before it answers, or refuses.
          token = await strategy.refreshRetryTokenForRetry(token, {
            error,
            errorType: retryErrorTypeOf(error),
          });
        } catch {
          if (error && typeof error === 'object') {
            const failed = error as { $metadata?: AwsResponseMetadata };
            failed.$metadata = { ...failed.$metadata, attempts, totalRetryDelay };
          }
          throw error;
        }
        if (callOptions.abortSignal?.aborted) throw error;
        attempts = token.getRetryCount() + 1;
        const delay = token.getRetryDelay();
        totalRetryDelay +=
          ((token as { $retryLog?: { acquisitionDelay?: number } }).$retryLog?.acquisitionDelay ?? 0) + delay;
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };
}

export type AwsJsonCall = ReturnType<typeof createAwsJsonCall>;
