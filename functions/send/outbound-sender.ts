/**
 * The send pipeline for one batch of outbound queue records, free of Lambda: validate, claim
 * the command record, call Sinch once, complete the record, publish the outcome event,
 * dead-letter what can never succeed, back off what may succeed later, and return unstarted
 * what the invocation has no time left for. The handler adds environment, logs and metrics.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  type MessageAttributeValue,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { CloudEvent } from '../events/cloud-event';
import { messageGroupIdOf } from '../events/message-group';
import {
  type OutboundEventOrigin,
  type OutboundFailedData,
  type OutboundFailureKind,
  toOutboundAcceptedEvent,
  toOutboundFailedEvent,
} from '../events/outbound-events';
import { createBatchingPublisher } from '../events/sqs-batch';
import { toSqsSafeAttributeValue } from '../events/sqs-message-body';
import type { SendMessageRequest, SendMessageResult } from '../sinch/messages';
import { type RetryPolicy, retryVisibilitySeconds } from './backoff';
import {
  type OutboundCommand,
  parseOutboundCommand,
  recipientIdentityOf,
  senderOf,
  toSendMessageRequest,
} from './command';
import { type CommandRecordStore, payloadHashOf } from './command-record';
import { DEFERRED_VISIBILITY_SECONDS, RECORD_MARGIN_MS } from './deadline';
import { encodeEventBody, fitEventToQueue } from './event-size';
import { processFifoBatch, type RecordResult } from './fifo-batch';
import {
  classifySendError,
  dispositionOf,
  isProjectWideRefusal,
  type RecordDisposition,
  type SendFailure,
  type SendOutcome,
} from './outcome';
import { queueUrlOfRecord } from './queue-url';
import { type RateLimiter, UNLIMITED } from './rate-limiter';

/** Visibility of a held record while the project is refused: one minute, doubling per receive, at most an hour. */
export const PROJECT_HOLD = { baseSeconds: 60, capSeconds: 3_600 } as const;

/**
 * Visibility of a record back soon after a store or queue of ours failed it (the command record
 * or the suppression list unreadable, the outcome not published): five seconds, doubling per
 * receive, at most five minutes. Never the queue's own visibility timeout (six times the
 * function's), which would stall the conversation's later commands for minutes.
 */
export const BACK_SOON = { baseSeconds: 5, capSeconds: 300 } as const;

export interface OutboundSenderOptions {
  origin: OutboundEventOrigin;
  /** `SinchClient#sendMessage` (bound), or anything with its contract: resolves on any 2xx. */
  sendMessage: (request: SendMessageRequest, options: { signal: AbortSignal }) => Promise<SendMessageResult>;
  sqs: SQSClient;
  eventsQueueUrl: string;
  dlqUrl: string;
  retry: RetryPolicy;
  /**
   * Command records: send at most once per app and command id, count Sinch calls. Without it
   * every delivery sends and attempts are receives (tests of the raw path only).
   */
  records?: CommandRecordStore | undefined;
  /** Total time allowed for one Sinch call (token fetch + send + refresh + resend), `SINCH_TIMEOUT_MS`. */
  callTimeoutMs: number;
  /**
   * After Sinch refuses the whole project (403, a 404 naming the app or project), later records
   * are held this long without a call (`PROJECT_HOLD_SECONDS`, 0 = never hold).
   */
  projectHoldSeconds: number;
  /** Time kept free beside the call for record writes and events; default 2 s. */
  recordMarginMs?: number | undefined;
  rateLimiter?: RateLimiter | undefined;
  /**
   * The suppression list (`SUPPRESSION_TABLE`): a command to a recipient on it is refused before
   * the claim and the Sinch call, unless it is `transactional`. Without it nothing is refused.
   */
  suppressions?: SuppressionCheck | undefined;
  /** Told about every record once its fate is settled (logs, metrics). */
  onReport?: ((report: SendReport) => void) | undefined;
  /** Told when a record write failed but the send went on (logs, metrics). */
  onRecordWriteFailed?: ((error: unknown, write: 'complete' | 'release' | 'give_up') => void) | undefined;
  random?: () => number;
  now?: () => number;
}

/** What the send path needs of the suppression list: one consistent read per recipient identity. */
export interface SuppressionCheck {
  isSuppressed(recipient: { appId: string; channel: string; identity: string }): Promise<boolean>;
}

/** The invocation a batch runs in: its remaining time, and a signal that fires when it ends. */
export interface Invocation {
  remainingMs(): number;
  signal: AbortSignal;
}

/** What happened to one record: the facts logs and metrics need, without message content. */
export interface SendReport {
  sqsMessageId: string;
  receiveCount: number;
  /** Number of the Sinch call made for this command in this receive, when one was made. */
  attempt?: number | undefined;
  commandId?: string | undefined;
  appId?: string | undefined;
  channel?: string | undefined;
  outcome: SendOutcome;
  disposition: RecordDisposition;
  /** Time of the Sinch call, when one was made in this attempt. */
  sendLatencyMs?: number | undefined;
  /** For `retry` and `defer`: the visibility timeout applied. */
  retryInSeconds?: number | undefined;
  /** This answer made the container hold the project's other commands (the alarm metric). */
  projectBlocked?: boolean | undefined;
  /** A `transactional` command went to a suppressed recipient (logged and counted). */
  suppressionBypassed?: boolean | undefined;
  /** The echoed command of `outbound.failed` was cut to fit the events queue. */
  commandTruncated?: boolean | undefined;
  /**
   * The outcome was reached but could not be made durable (its event, the DLQ copy or the
   * visibility change failed): the error's name. The record comes back after `retryInSeconds`
   * and the command record keeps the Sinch call from being repeated.
   */
  outcomeNotRecorded?: string | undefined;
  /** The command, for DEBUG logging only (holds text and phone numbers). */
  command?: unknown;
}

export interface BatchResult {
  batchItemFailures: { itemIdentifier: string }[];
  reports: SendReport[];
}

const NO_DEADLINE: Invocation = {
  remainingMs: () => Number.POSITIVE_INFINITY,
  signal: new AbortController().signal,
};

/**
 * @example
 * const sender = createOutboundSender({ origin, sendMessage: (r, o) => sinch.sendMessage(r, o), sqs, eventsQueueUrl, dlqUrl, retry, records, callTimeoutMs: 5000 });
 * const { batchItemFailures } = await sender.processBatch(event.Records, { remainingMs: () => context.getRemainingTimeInMillis(), signal });
 */
export function createOutboundSender(options: OutboundSenderOptions) {
  const rateLimiter = options.rateLimiter ?? UNLIMITED;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const worstCaseMs = options.callTimeoutMs + (options.recordMarginMs ?? RECORD_MARGIN_MS);
  // The outcomes of a batch's groups that finish together go out in one SendMessageBatch; each
  // record still waits for its own event before it counts as done.
  const events = createBatchingPublisher({ sqs: options.sqs, queueUrl: options.eventsQueueUrl });
  // Per container: once Sinch refuses the whole project, later records are held without a
  // call until this time; then one record probes again.
  let projectHeldUntil = 0;
  let projectHoldReason: SendFailure | undefined;

  /** Retries a record write on its own (never the send) while the invocation has time. */
  async function persist(
    write: () => Promise<void>,
    invocation: Invocation,
    kind: 'complete' | 'release' | 'give_up',
  ) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (attempt >= 3 || invocation.remainingMs() < 1_000 + 200 * attempt) {
          options.onRecordWriteFailed?.(error, kind);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }

  type Attempted = {
    outcome: SendOutcome;
    attempt?: number;
    latencyMs?: number;
    projectBlocked?: boolean;
    suppressionBypassed?: boolean;
  };

  /**
   * The identities of the command that are on the suppression list (every entry of a fallback
   * list counts: they are all the same person). A `contactId` recipient has no identity to check.
   */
  async function suppressedIdentities(command: OutboundCommand, appId: string): Promise<string[]> {
    const suppressions = options.suppressions;
    if (!suppressions || 'contactId' in command.to) return [];
    const identities = Array.isArray(command.to) ? command.to : [command.to];
    const found = await Promise.all(
      identities.map(
        async (to): Promise<string[]> =>
          (await suppressions.isSuppressed({ appId, channel: to.channel, identity: to.identity }))
            ? [to.channel]
            : [],
      ),
    );
    return found.flat();
  }

  async function attemptSend(
    command: OutboundCommand,
    receiveCount: number,
    invocation: Invocation,
  ): Promise<Attempted> {
    const { appId } = senderOf(command);
    if (now() < projectHeldUntil && projectHoldReason) {
      return { outcome: { ...projectHoldReason, kind: 'deferred', reason: 'project_blocked' } };
    }
    if (invocation.remainingMs() < worstCaseMs || invocation.signal.aborted) {
      return { outcome: deferredAtDeadline() };
    }
    // Before the claim and the call: an opted-out recipient gets nothing, and costs no attempt.
    let suppressionBypassed = false;
    let suppressedOn: string[];
    try {
      suppressedOn = await suppressedIdentities(command, appId);
    } catch (error) {
      return { outcome: storeUnavailable('suppression list', error) };
    }
    if (suppressedOn.length > 0) {
      if (command.transactional === true) {
        suppressionBypassed = true;
      } else {
        const refused = await refuseSuppressed(command, appId, suppressedOn);
        if (refused) return refused;
      }
    }
    const sent = await claimAndSend(command, appId, receiveCount, invocation);
    return suppressionBypassed ? { ...sent, suppressionBypassed } : sent;
  }

  /**
   * Marks the command record `suppressed` and answers the refusal; answers undefined when the
   * record shows the command was taken before the opt-out (accepted, or being sent right now):
   * the claim then answers as for any redelivery, and no second call is made.
   */
  async function refuseSuppressed(
    command: OutboundCommand,
    appId: string,
    channels: string[],
  ): Promise<Attempted | undefined> {
    const outcome: SendOutcome = {
      kind: 'suppressed',
      reason: 'suppressed',
      message: `the recipient opted out (${[...new Set(channels)].join(', ')}): not sent; set "transactional": true to send anyway`,
    };
    if (!options.records) return { outcome };
    const recipient = recipientIdentityOf(command);
    try {
      const marked = await options.records.suppress({
        appId,
        commandId: command.id,
        payloadHash: payloadHashOf(command),
        channel: recipient?.channel,
        identity: recipient?.identity,
      });
      return marked ? { outcome } : undefined;
    } catch (error) {
      return { outcome: storeUnavailable('command record', error) };
    }
  }

  async function claimAndSend(
    command: OutboundCommand,
    appId: string,
    receiveCount: number,
    invocation: Invocation,
  ): Promise<Attempted> {
    try {
      await rateLimiter.acquire(appId);
    } catch {
      return { outcome: deferredAtDeadline() };
    }
    // The rate limiter may have waited: look at the clock again before claiming.
    if (invocation.remainingMs() < worstCaseMs || invocation.signal.aborted) {
      return { outcome: deferredAtDeadline() };
    }
    const recipient = recipientIdentityOf(command);
    let attempt = receiveCount;
    const records = options.records;
    if (records) {
      let claim: Awaited<ReturnType<CommandRecordStore['claim']>>;
      try {
        claim = await records.claim({
          appId,
          commandId: command.id,
          payloadHash: payloadHashOf(command),
          // The claim holds until this invocation's deadline: no later than Lambda can run it.
          leaseUntil: now() + Math.min(invocation.remainingMs(), 15 * 60_000),
          maxAttempts: options.retry.maxAttempts,
          channel: recipient?.channel,
          identity: recipient?.identity,
        });
      } catch (error) {
        return { outcome: storeUnavailable('command record', error) };
      }
      switch (claim.kind) {
        case 'accepted':
          return {
            outcome: {
              kind: 'accepted',
              messageId: claim.messageId,
              acceptedTime: claim.acceptedTime,
              duplicate: true,
            },
          };
        case 'conflict':
          return {
            outcome: {
              kind: 'invalid_command',
              reason: `id "${command.id}" was already used for a different command of app ${appId}: a new command needs a new id`,
            },
          };
        case 'in_progress':
          return {
            outcome: {
              kind: 'deferred',
              reason: 'in_progress',
              message: 'another invocation is sending this command',
            },
          };
        case 'exhausted':
          return {
            attempt: claim.attempts,
            outcome: {
              kind: 'retryable',
              reason: claim.lastError ?? 'interrupted',
              message: `${claim.attempts} calls to Sinch made already, the last one interrupted`,
            },
          };
        case 'claimed':
          attempt = claim.attempt;
      }
      // A slow claim write may have eaten the time the call needs: a call cut at the invocation's
      // end may still reach Sinch and then be sent again. Give the attempt back and go later.
      if (invocation.remainingMs() < worstCaseMs || invocation.signal.aborted) {
        await persist(
          () => records.release(appId, command.id, 'not_started_deadline', { refund: true }),
          invocation,
          'release',
        );
        return { outcome: deferredAtDeadline() };
      }
    }
    const started = performance.now();
    // One call: token, send, refresh and resend, all within SINCH_TIMEOUT_MS and the invocation.
    const call = callSignal(invocation.signal, options.callTimeoutMs);
    let answer: SendMessageResult;
    try {
      answer = await options.sendMessage(toSendMessageRequest(command), { signal: call.signal });
    } catch (error) {
      const latencyMs = performance.now() - started;
      const failure = classifySendError(error);
      if (isProjectWideRefusal(failure) && options.projectHoldSeconds > 0) {
        // This command gets its answer (rejected, to the DLQ); the rest wait instead of following it.
        projectHeldUntil = now() + options.projectHoldSeconds * 1000;
        projectHoldReason = failure;
        return { attempt, latencyMs, outcome: failure, projectBlocked: true };
      }
      return { attempt, latencyMs, outcome: failure };
    } finally {
      call.done();
    }
    const latencyMs = performance.now() - started;
    projectHeldUntil = 0;
    const acceptedTime = answer.acceptedTime ?? new Date(now()).toISOString();
    if (records) {
      await persist(
        () => records.complete(appId, command.id, { messageId: answer.messageId, acceptedTime }),
        invocation,
        'complete',
      );
    }
    return {
      attempt,
      latencyMs,
      outcome: {
        kind: 'accepted',
        messageId: answer.messageId,
        acceptedTime,
        duplicate: false,
        ...(answer.oddAnswer ? { oddAnswer: answer.oddAnswer } : {}),
      },
    };
  }

  async function publish(
    event: CloudEvent,
    appId?: string,
    channel?: string,
    identity?: string,
  ): Promise<void> {
    const attributes: Record<string, MessageAttributeValue> = {
      type: { DataType: 'String', StringValue: event.type },
    };
    if (appId) attributes.appId = { DataType: 'String', StringValue: appId };
    if (channel) attributes.channel = { DataType: 'String', StringValue: toSqsSafeAttributeValue(channel) };
    await events.publish({
      MessageBody: encodeEventBody(event),
      MessageGroupId: messageGroupIdOf(appId ?? 'unknown', channel, identity),
      MessageDeduplicationId: event.id,
      MessageAttributes: attributes,
    });
  }

  /** Moves the record to the DLQ (full body), then publishes `outbound.failed` (command cut to fit). */
  async function deadLetter(record: SQSRecord, data: OutboundFailedData, reason: string): Promise<boolean> {
    const attributes: Record<string, MessageAttributeValue> = {
      errorKind: { DataType: 'String', StringValue: data.error.kind },
      errorReason: { DataType: 'String', StringValue: toSqsSafeAttributeValue(reason.slice(0, 1024)) || '-' },
      errorMessage: {
        DataType: 'String',
        StringValue: toSqsSafeAttributeValue(data.error.message.slice(0, 1024)) || '-',
      },
      receiveCount: { DataType: 'Number', StringValue: record.attributes.ApproximateReceiveCount ?? '1' },
      sourceMessageId: { DataType: 'String', StringValue: record.messageId },
    };
    if (data.error.status !== undefined) {
      attributes.errorStatus = { DataType: 'Number', StringValue: String(data.error.status) };
    }
    if (data.error.code) attributes.errorCode = { DataType: 'String', StringValue: data.error.code };
    if (data.id) attributes.commandId = { DataType: 'String', StringValue: data.id };
    if (data.appId) attributes.appId = { DataType: 'String', StringValue: data.appId };
    const fifo = options.dlqUrl.endsWith('.fifo');
    await options.sqs.send(
      new SendMessageCommand({
        QueueUrl: options.dlqUrl,
        MessageBody: record.body,
        MessageAttributes: attributes,
        // The outbound DLQ of a FIFO queue is FIFO: keep the group, dedupe on the source message.
        ...(fifo
          ? {
              MessageGroupId: record.attributes.MessageGroupId ?? 'dead-letter',
              MessageDeduplicationId: record.messageId,
            }
          : {}),
      }),
    );
    const fitted = fitEventToQueue(
      toOutboundFailedEvent(options.origin, record.messageId, data),
      record.body,
    );
    await publish(fitted.event, data.appId);
    return fitted.truncated;
  }

  async function processRecord(
    record: SQSRecord,
    invocation: Invocation = NO_DEADLINE,
  ): Promise<{ result: RecordResult; report: SendReport }> {
    const receiveCount = Math.max(1, Number(record.attributes.ApproximateReceiveCount) || 1);
    const parsed = parseOutboundCommand(record.body);
    const command = parsed.ok ? parsed.command : undefined;
    const { outcome, latencyMs, attempt, projectBlocked, suppressionBypassed } = command
      ? await attemptSend(command, receiveCount, invocation)
      : ({ outcome: { kind: 'invalid_command', reason: parsed.ok ? '' : parsed.reason } } as Attempted);
    const disposition = dispositionOf(outcome, attempt ?? receiveCount, options.retry.maxAttempts);
    const sender = command ? senderOf(command) : undefined;
    const recipient = command ? recipientIdentityOf(command) : undefined;
    const raw = parsed.ok ? parsed.command : parsed.raw;
    const known = knownIds(raw);
    const report: SendReport = {
      sqsMessageId: record.messageId,
      receiveCount,
      attempt,
      commandId: command?.id ?? known.id,
      appId: sender?.appId ?? known.appId,
      channel: recipient?.channel ?? sender?.channel,
      outcome,
      disposition,
      sendLatencyMs: latencyMs,
      projectBlocked,
      ...(suppressionBypassed ? { suppressionBypassed } : {}),
      command: raw,
    };

    try {
      switch (disposition.action) {
        case 'delete': {
          if (outcome.kind === 'accepted' && command && sender) {
            // Republished on a redelivery too (same event id): consumers see it at least once.
            const event = toOutboundAcceptedEvent(options.origin, {
              id: command.id,
              appId: sender.appId,
              ...(outcome.messageId ? { messageId: outcome.messageId } : {}),
              acceptedTime: outcome.acceptedTime,
              ...(recipient ? { channel: recipient.channel, identity: recipient.identity } : {}),
            });
            await publish(event, sender.appId, recipient?.channel, recipient?.identity);
          }
          return { result: { ok: true }, report };
        }
        case 'refuse': {
          // Deleted, not dead-lettered: nothing is wrong with the command, and nothing to redrive.
          const data = failedData(disposition.kind, outcome, raw, report);
          const fitted = fitEventToQueue(
            toOutboundFailedEvent(options.origin, record.messageId, data),
            record.body,
          );
          await publish(fitted.event, data.appId, recipient?.channel ?? sender?.channel, recipient?.identity);
          report.commandTruncated = fitted.truncated;
          return { result: { ok: true }, report };
        }
        case 'dead_letter': {
          const data = failedData(disposition.kind, outcome, raw, report);
          report.commandTruncated = await deadLetter(record, data, reasonOf(outcome));
          if (command && sender && options.records && disposition.kind !== 'invalid_command') {
            const records = options.records;
            const status = disposition.kind;
            await persist(
              () => records.giveUp(sender.appId, command.id, status, reasonOf(outcome)),
              invocation,
              'give_up',
            );
          }
          return { result: { ok: true }, report };
        }
        case 'retry':
        case 'defer': {
          const retryInSeconds = visibilityFor(outcome, attempt ?? receiveCount, receiveCount);
          report.retryInSeconds = retryInSeconds;
          if (outcome.kind === 'retryable' && command && sender && options.records) {
            const records = options.records;
            await persist(
              () => records.release(sender.appId, command.id, outcome.reason),
              invocation,
              'release',
            );
          }
          await options.sqs.send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: await queueUrlOfRecord(record, options.sqs),
              ReceiptHandle: record.receiptHandle,
              VisibilityTimeout: retryInSeconds,
            }),
          );
          return { result: { ok: false, retryInSeconds }, report };
        }
      }
    } catch (error) {
      // The outcome stands (Sinch took the command, or it was refused, or it belongs in the DLQ)
      // but is not durable yet. Thrown, the record would come back only after the queue's
      // visibility timeout and hold its conversation that long: it comes back soon instead.
      const retryInSeconds = retryVisibilitySeconds(receiveCount, BACK_SOON, undefined, random);
      report.outcomeNotRecorded = (error as Error)?.name ?? 'Error';
      try {
        await options.sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: await queueUrlOfRecord(record, options.sqs),
            ReceiptHandle: record.receiptHandle,
            VisibilityTimeout: retryInSeconds,
          }),
        );
        report.retryInSeconds = retryInSeconds;
      } catch {
        // SQS itself is failing: the record comes back after the queue's visibility timeout.
        return { result: { ok: false }, report };
      }
      return { result: { ok: false, retryInSeconds }, report };
    }
  }

  function visibilityFor(outcome: SendOutcome, attempt: number, receiveCount: number): number {
    if (outcome.kind === 'retryable') {
      return retryVisibilitySeconds(attempt, options.retry, outcome.retryAfterSeconds, random);
    }
    if (outcome.kind === 'deferred' && outcome.reason === 'project_blocked') {
      return retryVisibilitySeconds(receiveCount, PROJECT_HOLD, undefined, random);
    }
    if (outcome.kind === 'deferred' && outcome.reason === 'record_unavailable') {
      return retryVisibilitySeconds(receiveCount, BACK_SOON, undefined, random);
    }
    return DEFERRED_VISIBILITY_SECONDS;
  }

  /**
   * Processes a batch: groups in parallel, each group in order; returns the partial batch
   * response. Records skipped behind a failed one get the same visibility, so the group comes
   * back together instead of staying locked until the queue's visibility timeout. Skipping is
   * not an attempt: only Sinch calls count toward `MAX_ATTEMPTS`.
   */
  async function processBatch(
    records: SQSRecord[],
    invocation: Invocation = NO_DEADLINE,
  ): Promise<BatchResult> {
    const reports: SendReport[] = [];
    const processed = await processFifoBatch(records, async (record) => {
      const { result, report } = await processRecord(record, invocation);
      reports.push(report);
      options.onReport?.(report);
      return result;
    });
    const skipped = processed.filter((p) => p.status === 'skipped' && p.retryInSeconds !== undefined);
    if (skipped.length > 0) {
      const byQueue = new Map<string, typeof skipped>();
      for (const p of skipped) {
        const url = await queueUrlOfRecord(p.record, options.sqs);
        byQueue.set(url, [...(byQueue.get(url) ?? []), p]);
      }
      // Best effort: when it fails, the skipped records come back after the queue's own timeout.
      await Promise.allSettled(
        [...byQueue].map(([QueueUrl, entries]) =>
          options.sqs.send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl,
              Entries: entries.map((p, i) => ({
                Id: String(i),
                ReceiptHandle: p.record.receiptHandle,
                VisibilityTimeout: (p as { retryInSeconds: number }).retryInSeconds,
              })),
            }),
          ),
        ),
      );
    }
    return {
      batchItemFailures: processed
        .filter((p) => p.status !== 'done')
        .map((p) => ({ itemIdentifier: p.record.messageId })),
      reports,
    };
  }

  return { processRecord, processBatch };
}

/**
 * A signal that fires when the invocation ends or `timeoutMs` passes (with a `TimeoutError`, as
 * `AbortSignal.timeout` gives); `done()` drops its timer and listener once the call is over.
 *
 * Why not `AbortSignal.any([invocation, AbortSignal.timeout(ms)])`: in Node that composite keeps
 * weak references and a finalization registry per call, about 40 µs of CPU per send here against
 * under 10 µs for this, and a send makes one per command.
 */
function callSignal(invocation: AbortSignal, timeoutMs: number): { signal: AbortSignal; done(): void } {
  const controller = new AbortController();
  const onEnd = () => controller.abort(invocation.reason);
  if (invocation.aborted) onEnd();
  else invocation.addEventListener('abort', onEnd, { once: true });
  const timer = setTimeout(
    () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    timeoutMs,
  );
  return {
    signal: controller.signal,
    done: () => {
      clearTimeout(timer);
      invocation.removeEventListener('abort', onEnd);
    },
  };
}

/** A store the send needs could not be read or written: not attempted, back soon, not an attempt. */
function storeUnavailable(what: 'suppression list' | 'command record', error: unknown): SendOutcome {
  return {
    kind: 'deferred',
    reason: 'record_unavailable',
    message: `${what} unavailable: ${(error as Error)?.name ?? 'error'}`,
  };
}

function deferredAtDeadline(): SendOutcome {
  return {
    kind: 'deferred',
    reason: 'deadline',
    message: 'not started: the invocation has less time left than one Sinch call may take',
  };
}

function reasonOf(outcome: SendOutcome): string {
  return outcome.kind === 'accepted' ? 'accepted' : outcome.reason;
}

function failedData(
  kind: OutboundFailureKind,
  outcome: SendOutcome,
  raw: unknown,
  report: SendReport,
): OutboundFailedData {
  const error: OutboundFailedData['error'] =
    outcome.kind === 'invalid_command' || outcome.kind === 'suppressed'
      ? { kind, message: outcome.kind === 'suppressed' ? outcome.message : outcome.reason }
      : outcome.kind === 'accepted'
        ? { kind, message: 'accepted' }
        : {
            kind,
            message: outcome.message,
            ...(outcome.status === undefined ? {} : { status: outcome.status }),
            ...(outcome.code === undefined ? {} : { code: outcome.code }),
          };
  return {
    ...(report.commandId ? { id: report.commandId } : {}),
    ...(report.appId ? { appId: report.appId } : {}),
    error,
    command: raw,
  };
}

/** `id` and `appId` of an invalid command, when they are usable strings. */
function knownIds(raw: unknown): { id?: string; appId?: string } {
  if (!raw || typeof raw !== 'object') return {};
  const { id, appId } = raw as { id?: unknown; appId?: unknown };
  return {
    ...(typeof id === 'string' && id.length > 0 && id.length <= 128 ? { id } : {}),
    ...(typeof appId === 'string' && appId.length > 0 && appId.length <= 128 ? { appId } : {}),
  };
}
