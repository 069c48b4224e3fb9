/**
 * What happened to one outbound command, and what that means for its SQS record: the one place
 * where errors become batch outcomes (contracts section 5).
 */
import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import { isSinchError } from '../sinch/errors';
import { isLastAttempt } from './backoff';

export type SendOutcome =
  | { kind: 'accepted'; messageId: string; acceptedTime: string; duplicate: boolean }
  | { kind: 'invalid_command'; reason: string }
  | {
      kind: 'rejected';
      reason: string;
      message: string;
      status?: number | undefined;
      code?: string | undefined;
    }
  | {
      kind: 'retryable';
      reason: string;
      message: string;
      status?: number | undefined;
      code?: string | undefined;
      retryAfterSeconds?: number | undefined;
    };

export type SendFailure = Extract<SendOutcome, { kind: 'rejected' | 'retryable' }>;

/**
 * Classifies anything a send attempt threw. Sinch errors carry their own kind; a concurrent
 * attempt holding the idempotency record, and any AWS or unexpected error, are retryable: the
 * command itself was not refused.
 *
 * @example
 * classifySendError(new SinchError({ kind: 'rejected', status: 400, ... })); // { kind: 'rejected', ... }
 */
export function classifySendError(error: unknown): SendFailure {
  if (isSinchError(error)) {
    return {
      kind: error.kind,
      reason: error.reason,
      message: error.message,
      status: error.status,
      code: error.code,
      ...(error.kind === 'retryable' ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
    };
  }
  if (error instanceof IdempotencyAlreadyInProgressError) {
    return { kind: 'retryable', reason: 'in_progress', message: 'another attempt of this id is in progress' };
  }
  const name = error instanceof Error ? error.name : 'unknown';
  return {
    kind: 'retryable',
    reason: `internal_${name}`,
    message: String((error as Error)?.message ?? error),
  };
}

/** What to do with the SQS record. */
export type RecordDisposition =
  /** Done (accepted or duplicate): delete. */
  | { action: 'delete' }
  /** Never sendable: move to the DLQ with `failed` event of this kind, then delete. */
  | { action: 'dead_letter'; kind: 'invalid_command' | 'rejected' | 'exhausted' }
  /** Try again later: report as a batch item failure with this visibility. */
  | { action: 'retry' };

/**
 * Maps an outcome and the receive count to the record's fate.
 *
 * @example
 * dispositionOf({ kind: 'retryable', reason: 'http_503', message: '' }, 5, 5); // { action: 'dead_letter', kind: 'exhausted' }
 */
export function dispositionOf(
  outcome: SendOutcome,
  receiveCount: number,
  maxAttempts: number,
): RecordDisposition {
  switch (outcome.kind) {
    case 'accepted':
      return { action: 'delete' };
    case 'invalid_command':
      return { action: 'dead_letter', kind: 'invalid_command' };
    case 'rejected':
      return { action: 'dead_letter', kind: 'rejected' };
    case 'retryable':
      return isLastAttempt(receiveCount, maxAttempts)
        ? { action: 'dead_letter', kind: 'exhausted' }
        : { action: 'retry' };
  }
}
