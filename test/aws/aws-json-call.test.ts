/**
 * The direct calls' error classification is written out (the bundles leave @smithy/core to the
 * SDK): it must answer as the SDK retry middleware's own functions for any error a service or
 * Node's HTTP handler can produce.
 */
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRetryable, retryErrorTypeOf } from '../../functions/aws/aws-json-call';

/** What the SDK's retry middleware computes (its `getRetryErrorType`, not exported). */
function sdkRetryErrorType(error: Parameters<typeof isThrottlingError>[0]) {
  if (isThrottlingError(error)) return 'THROTTLING';
  if (isTransientError(error)) return 'TRANSIENT';
  if (isServerError(error)) return 'SERVER_ERROR';
  return 'CLIENT_ERROR';
}

const names = fc.oneof(
  fc.constantFrom(
    'ProvisionedThroughputExceededException',
    'ThrottlingException',
    'RequestLimitExceeded',
    'TransactionInProgressException',
    'LimitExceededException',
    'SlowDown',
    'TooManyRequestsException',
    'TimeoutError',
    'RequestTimeout',
    'RequestTimeoutException',
    'InvalidSignatureException',
    'SignatureDoesNotMatch',
    'ConditionalCheckFailedException',
    'InternalServerError',
    'InternalFailure',
    'ServiceUnavailable',
    'ValidationException',
    'AbortError',
    'Error',
  ),
  fc.string({ maxLength: 12 }),
);
const codes = fc.option(
  fc.oneof(
    fc.constantFrom(
      'ECONNRESET',
      'ECONNREFUSED',
      'EPIPE',
      'ETIMEDOUT',
      'EHOSTUNREACH',
      'ENETUNREACH',
      'ENOTFOUND',
      'EAI_AGAIN',
      'ERR_HTTP2_STREAM_ERROR',
      'EACCES',
    ),
    fc.string({ maxLength: 8 }),
  ),
  { nil: undefined },
);
const messages = fc.constantFrom(
  'Signature expired: 20261202T000000Z is now earlier than 20261202T001000Z',
  'The request signature we calculated does not match',
  'Stream closed with error code NGHTTP2_REFUSED_STREAM',
  'socket hang up',
  '',
);
const statuses = fc.option(fc.constantFrom(200, 400, 403, 408, 429, 500, 501, 502, 503, 504, 505, 599, 600), {
  nil: undefined,
});
const retryableTraits = fc.option(
  fc.oneof(
    fc.constant({}),
    fc.boolean().map((throttling) => ({ throttling })),
  ),
  {
    nil: undefined,
  },
);

// Errors as a service (name, status, traits, skew) or Node's HTTP handler (code, cause) makes them;
// not the browser fetch TypeErrors the SDK also knows, which Node's handler never throws.
const { error: anyError } = fc.letrec<{ error: Error }>((tie) => ({
  error: fc
    .record({
      name: names,
      message: messages,
      code: codes,
      status: statuses,
      clockSkewCorrected: fc.boolean(),
      retryable: retryableTraits,
      cause: fc.option(tie('error'), { nil: undefined, depthSize: 'small' }),
    })
    .map(({ name, message, code, status, clockSkewCorrected, retryable, cause }) => {
      const error = new Error(message) as Error & Record<string, unknown>;
      error.name = name;
      if (code !== undefined) error.code = code;
      if (status !== undefined || clockSkewCorrected) {
        error.$metadata = { ...(status !== undefined ? { httpStatusCode: status } : {}), clockSkewCorrected };
      }
      if (retryable !== undefined) error.$retryable = retryable;
      if (cause !== undefined) error.cause = cause;
      return error;
    }),
}));

describe('retry classification of the direct calls', () => {
  it("answers as the SDK retry middleware's own functions for any error", () => {
    fc.assert(
      fc.property(anyError, (error) => {
        expect(retryErrorTypeOf(error)).toBe(sdkRetryErrorType(error as never));
      }),
      { numRuns: 2000 },
    );
  });

  it('retries throttling and transient errors only', () => {
    const named = (name: string, status?: number) =>
      Object.assign(new Error('x'), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}) });
    expect(isRetryable(named('ThrottlingException', 400))).toBe(true);
    expect(isRetryable(named('ServiceUnavailable', 503))).toBe(true);
    expect(isRetryable(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
    // 501 is a server error the SDK does not retry; 400s are the caller's.
    expect(isRetryable(named('NotImplemented', 501))).toBe(false);
    expect(isRetryable(named('ValidationException', 400))).toBe(false);
    expect(isRetryable(named('ConditionalCheckFailedException', 400))).toBe(false);
  });
});
