import { describe, expect, it } from 'vitest';
import { classifySendError, dispositionOf, isProjectWideRefusal } from '../../functions/send/outcome';
import {
  classifyStatus,
  parseRetryAfter,
  parseSinchErrorBody,
  SinchError,
} from '../../functions/sinch/errors';

describe('error classification (docs/commands.md, "Outcomes")', () => {
  it.each([
    [200, undefined, 'ok'],
    [400, undefined, 'rejected'],
    [403, undefined, 'rejected'],
    [404, undefined, 'rejected'],
    [409, undefined, 'rejected'],
    [401, 'Bearer error="invalid_token", error_description="token expired"', 'token_expired'],
    [401, 'Bearer realm="sinch"', 'retryable'],
    [401, undefined, 'retryable'],
    [408, undefined, 'retryable'],
    [429, undefined, 'retryable'],
    [500, undefined, 'retryable'],
    [502, undefined, 'retryable'],
    [503, undefined, 'retryable'],
    [504, undefined, 'retryable'],
  ])('status %i (%s) is %s', (status, header, expected) => {
    expect(classifyStatus(status, header)).toBe(expected);
  });

  it('keeps the kind, status and code of a Sinch error', () => {
    const error = new SinchError({
      kind: 'rejected',
      reason: 'http_403',
      status: 403,
      code: 'PERMISSION_DENIED',
      message: 'no',
    });
    expect(classifySendError(error)).toEqual({
      kind: 'rejected',
      reason: 'http_403',
      status: 403,
      code: 'PERMISSION_DENIED',
      message: 'no',
    });
  });

  it('treats unexpected errors as retryable', () => {
    expect(classifySendError(new TypeError('boom'))).toMatchObject({
      kind: 'retryable',
      reason: 'internal_TypeError',
    });
  });

  it.each([
    [
      { kind: 'accepted', messageId: 'm', acceptedTime: 't', duplicate: false } as const,
      1,
      { action: 'delete' },
    ],
    [
      { kind: 'invalid_command', reason: 'x' } as const,
      1,
      { action: 'dead_letter', kind: 'invalid_command' },
    ],
    [
      { kind: 'rejected', reason: 'http_400', message: '' } as const,
      1,
      { action: 'dead_letter', kind: 'rejected' },
    ],
    [{ kind: 'retryable', reason: 'http_429', message: '' } as const, 4, { action: 'retry' }],
    [
      { kind: 'retryable', reason: 'http_429', message: '' } as const,
      5,
      { action: 'dead_letter', kind: 'exhausted' },
    ],
    [{ kind: 'deferred', reason: 'deadline', message: '' } as const, 5, { action: 'defer' }],
  ])('%o on Sinch call %i: %o', (outcome, attempt, expected) => {
    expect(dispositionOf(outcome, attempt, 5)).toEqual(expected);
  });

  it.each([
    [403, 'BILLING_CREDIT_LIMIT_BREACHED', 'credit limit', true],
    [403, 'PERMISSION_DENIED', 'no access to project', true],
    [404, 'NOT_FOUND', 'App 01EAPP not found', true],
    [404, 'NOT_FOUND', 'project not found', true],
    [404, 'NOT_FOUND', 'contact not found', false],
    [400, 'INVALID_ARGUMENT', 'bad app_id', false],
  ])('item 8: %i %s "%s" is project-wide: %s', (status, code, message, expected) => {
    expect(isProjectWideRefusal({ kind: 'rejected', reason: `http_${status}`, status, code, message })).toBe(
      expected,
    );
  });

  it('reads Retry-After and Sinch error bodies', () => {
    expect(parseRetryAfter('7')).toBe(7);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 0)).toBe(10);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseSinchErrorBody('{"error":{"code":400,"message":"bad","status":"INVALID_ARGUMENT"}}')).toEqual(
      {
        code: 'INVALID_ARGUMENT',
        message: 'bad',
      },
    );
    expect(parseSinchErrorBody('<html>')).toEqual({});
  });
});
