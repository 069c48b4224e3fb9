/**
 * What happened to one outbound command, and what that means for its SQS record: the one place
 * where errors become batch outcomes (docs/sending.md, "Outcomes").
 */
import { isSinchError } from '../sinch/errors';
import { isLastAttempt } from './backoff';

export type SendOutcome =
  | {
      kind: 'accepted';
      /** Absent only when Sinch answered 2xx without one. */
      messageId?: string | undefined;
      acceptedTime: string;
      duplicate: boolean;
      /** Set when the 2xx body was not the documented one (`empty_body`, `body_not_json`, ...). */
      oddAnswer?: string | undefined;
    }
  | { kind: 'invalid_command'; reason: string }
  /** The recipient is on the suppression list (opted out): not sent, no call to Sinch. */
  | { kind: 'suppressed'; reason: 'suppressed'; message: string }
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
    }
  /**
   * Not attempted, not the command's fault, not counted: the invocation's remaining time was
   * too short (`deadline`), another invocation holds the command (`in_progress`), the command
   * record could not be read or written (`record_unavailable`), or the whole project is refused
   * by Sinch (`project_blocked`).
   */
  | {
      kind: 'deferred';
      reason: 'deadline' | 'in_progress' | 'record_unavailable' | 'project_blocked';
      message: string;
      status?: number | undefined;
      code?: string | undefined;
    };

export type SendFailure = Extract<SendOutcome, { kind: 'rejected' | 'retryable' }>;

/**
 * Classifies anything a send attempt threw. Sinch errors carry their own kind; any AWS or
 * unexpected error is retryable: the command itself was not refused.
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
  const name = error instanceof Error ? error.name : 'unknown';
  return {
    kind: 'retryable',
    reason: `internal_${name}`,
    message: String((error as Error)?.message ?? error),
  };
}

/**
 * Whether a refusal is about the whole project rather than this command, so every other
 * command would get it too: a 403 (no access to the project, `BILLING_CREDIT_LIMIT_BREACHED`)
 * or a 404 that names the app or project (the app lives in another region, or the project id
 * is wrong). Those are held, not dead-lettered: dead-lettering thousands of good commands at
 * full speed is the one thing worse than waiting.
 *
 * @example
 * isProjectWideRefusal({ kind: 'rejected', reason: 'http_403', status: 403, code: 'BILLING_CREDIT_LIMIT_BREACHED', message: '' }); // true
 */
export function isProjectWideRefusal(failure: SendFailure): boolean {
  if (failure.kind !== 'rejected') return false;
  if (failure.status === 403) return true;
  return failure.status === 404 && /\b(app|app_id|project|project_id)\b/i.test(failure.message);
}

/** What to do with the SQS record. */
export type RecordDisposition =
  /** Done (accepted or duplicate): delete. */
  | { action: 'delete' }
  /** Refused by the suppression list: `failed` event (`suppressed`), then delete; not dead-lettered. */
  | { action: 'refuse'; kind: 'suppressed' }
  /** Never sendable: move to the DLQ with `failed` event of this kind, then delete. */
  | { action: 'dead_letter'; kind: 'invalid_command' | 'rejected' | 'exhausted' }
  /** Try again later: report as a batch item failure with a backoff visibility. */
  | { action: 'retry' }
  /** Not attempted: report as a batch item failure with a short visibility; not an attempt. */
  | { action: 'defer' };

/**
 * Maps an outcome and the number of the Sinch call just made (`attempt`) to the record's fate.
 *
 * @example
 * dispositionOf({ kind: 'retryable', reason: 'http_503', message: '' }, 5, 5); // { action: 'dead_letter', kind: 'exhausted' }
 */
export function dispositionOf(outcome: SendOutcome, attempt: number, maxAttempts: number): RecordDisposition {
  switch (outcome.kind) {
    case 'accepted':
      return { action: 'delete' };
    case 'invalid_command':
      return { action: 'dead_letter', kind: 'invalid_command' };
    case 'suppressed':
      return { action: 'refuse', kind: 'suppressed' };
    case 'rejected':
      return { action: 'dead_letter', kind: 'rejected' };
    case 'retryable':
      return isLastAttempt(attempt, maxAttempts)
        ? { action: 'dead_letter', kind: 'exhausted' }
        : { action: 'retry' };
    case 'deferred':
      return { action: 'defer' };
  }
}
