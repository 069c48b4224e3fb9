/**
 * How a Conversation API answer (or the lack of one) is classified. Every caller maps these
 * kinds to its own outcome in one place: the send function to a batch outcome, the webhook
 * registration to a CloudFormation failure.
 */

/** `rejected`: Sinch refused the request and will refuse it again. `retryable`: try later. */
export type SinchErrorKind = 'rejected' | 'retryable';

/** What an HTTP status means for the caller (docs/commands.md, "Outcomes"). */
export type StatusClass = 'ok' | 'token_expired' | SinchErrorKind;

/**
 * An error with a kind: thrown by `SinchClient` and the token provider.
 * `status` is the HTTP status when Sinch answered; `code` is Sinch's `error.status`
 * (e.g. `INVALID_ARGUMENT`) when the body carried one.
 */
export class SinchError extends Error {
  override readonly name = 'SinchError';
  readonly kind: SinchErrorKind;
  readonly status: number | undefined;
  readonly code: string | undefined;
  /** Short machine-friendly reason for logs and metrics, never message content. */
  readonly reason: string;
  /** Seconds Sinch asked us to wait (Retry-After), when it said so. */
  readonly retryAfterSeconds: number | undefined;

  constructor(init: {
    kind: SinchErrorKind;
    reason: string;
    message: string;
    status?: number | undefined;
    code?: string | undefined;
    retryAfterSeconds?: number | undefined;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.kind = init.kind;
    this.reason = init.reason;
    this.status = init.status;
    this.code = init.code;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** Narrowing helper for `catch` blocks. */
export function isSinchError(error: unknown): error is SinchError {
  return error instanceof SinchError;
}

/**
 * Classifies an HTTP status of the Conversation API.
 * 400/403/404 and other 4xx are permanent; 408, 425, 429 and 5xx are worth retrying later;
 * a 401 whose `WWW-Authenticate` says `invalid_token` means our cached token expired (or was
 * revoked): refresh once. Any other 401 means the credentials themselves are refused; that is
 * a deployment problem, not the command's, so it is retryable (the command may succeed once
 * the credentials are fixed, and is exhausted to the DLQ otherwise).
 *
 * @example
 * classifyStatus(429); // 'retryable'
 * classifyStatus(401, 'Bearer error="invalid_token", error_description="token expired"'); // 'token_expired'
 */
export function classifyStatus(status: number, wwwAuthenticate?: string | undefined): StatusClass {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 401) {
    return /invalid_token|expired/i.test(wwwAuthenticate ?? '') ? 'token_expired' : 'retryable';
  }
  if (status === 408 || status === 425 || status === 429 || status >= 500) return 'retryable';
  return 'rejected';
}

/**
 * Parses `Retry-After` (delta seconds or an HTTP date) into seconds; `undefined` when absent
 * or unparseable. Sinch does not send it today, but honouring it costs nothing.
 *
 * @example
 * parseRetryAfter('3'); // 3
 */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * Reads Sinch's error body `{"error": {"code", "message", "status"}}`, tolerating anything else.
 *
 * @example
 * parseSinchErrorBody('{"error":{"code":400,"message":"bad","status":"INVALID_ARGUMENT"}}');
 * // { code: 'INVALID_ARGUMENT', message: 'bad' }
 */
export function parseSinchErrorBody(body: string): { code?: string; message?: string } {
  try {
    const parsed = JSON.parse(body) as { error?: { status?: unknown; message?: unknown } };
    const error = parsed?.error;
    if (!error || typeof error !== 'object') return {};
    return {
      ...(typeof error.status === 'string' && error.status ? { code: error.status } : {}),
      ...(typeof error.message === 'string' && error.message ? { message: error.message } : {}),
    };
  } catch {
    return {};
  }
}
