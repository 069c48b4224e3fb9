/**
 * The send pipeline for one batch of outbound queue records, free of Lambda: validate, send
 * once (idempotency), publish the outcome event, dead-letter what can never succeed, and back
 * off what may succeed later. The handler adds environment, logs and metrics around it.
 */
import { type IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
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
import { toSqsMessageBody, toSqsSafeAttributeValue } from '../events/sqs-message-body';
import type { SendMessageRequest, SendMessageResponse } from '../sinch/messages';
import { type RetryPolicy, retryVisibilitySeconds } from './backoff';
import {
  type OutboundCommand,
  parseOutboundCommand,
  recipientIdentityOf,
  senderOf,
  toSendMessageRequest,
} from './command';
import { processFifoBatch, type RecordResult } from './fifo-batch';
import { classifySendError, dispositionOf, type RecordDisposition, type SendOutcome } from './outcome';
import { type RateLimiter, UNLIMITED } from './rate-limiter';

/** Stored keys are `outbound-command#<md5 of the command id>`. */
export const IDEMPOTENCY_KEY_PREFIX = 'outbound-command';

export interface OutboundSenderOptions {
  origin: OutboundEventOrigin;
  /** `SinchClient#sendMessage` (bound), or anything with its contract. */
  sendMessage: (request: SendMessageRequest) => Promise<SendMessageResponse>;
  sqs: SQSClient;
  eventsQueueUrl: string;
  dlqUrl: string;
  retry: RetryPolicy;
  /** Send at most once per command id. Without it every delivery sends (tests of the raw path only). */
  idempotency?: { persistenceStore: BasePersistenceLayer; config: IdempotencyConfig } | undefined;
  rateLimiter?: RateLimiter | undefined;
  /** Told about every record once its fate is settled (logs, metrics). */
  onReport?: ((report: SendReport) => void) | undefined;
  random?: () => number;
}

/** What happened to one record: the facts logs and metrics need, without message content. */
export interface SendReport {
  sqsMessageId: string;
  receiveCount: number;
  commandId?: string | undefined;
  appId?: string | undefined;
  channel?: string | undefined;
  outcome: SendOutcome;
  disposition: RecordDisposition;
  /** Time of the Sinch call, when one was made in this attempt. */
  sendLatencyMs?: number | undefined;
  /** For `retry`: the visibility timeout applied. */
  retryInSeconds?: number | undefined;
  /** The command, for DEBUG logging only (holds text and phone numbers). */
  command?: unknown;
}

export interface BatchResult {
  batchItemFailures: { itemIdentifier: string }[];
  reports: SendReport[];
}

interface SendAttempt {
  executed: boolean;
  latencyMs?: number;
}

interface SendResult {
  messageId: string;
  acceptedTime: string;
}

/**
 * @example
 * const sender = createOutboundSender({ origin, sendMessage: (r) => sinch.sendMessage(r), sqs, eventsQueueUrl, dlqUrl, retry });
 * const { batchItemFailures } = await sender.processBatch(event.Records);
 */
export function createOutboundSender(options: OutboundSenderOptions) {
  const rateLimiter = options.rateLimiter ?? UNLIMITED;
  const random = options.random ?? Math.random;

  const sendToSinch = async (command: OutboundCommand, attempt: SendAttempt): Promise<SendResult> => {
    attempt.executed = true;
    await rateLimiter.acquire(senderOf(command).appId);
    const started = performance.now();
    try {
      const answer = await options.sendMessage(toSendMessageRequest(command));
      return { messageId: answer.message_id, acceptedTime: answer.accepted_time || new Date().toISOString() };
    } finally {
      attempt.latencyMs = performance.now() - started;
    }
  };

  // The idempotency record is keyed by the command id (hashed by Powertools). It is written
  // IN_PROGRESS before the call, COMPLETED with the message id after it, and deleted when the
  // call throws, so a failed attempt can be retried and a completed one is never repeated.
  const sendOnce = options.idempotency
    ? makeIdempotent(sendToSinch, {
        persistenceStore: options.idempotency.persistenceStore,
        config: options.idempotency.config,
        // Fixed, not the Lambda function name: a renamed or redeployed function keeps its memory.
        keyPrefix: IDEMPOTENCY_KEY_PREFIX,
        dataIndexArgument: 0,
      })
    : sendToSinch;

  async function attemptSend(
    command: OutboundCommand,
  ): Promise<{ outcome: SendOutcome; latencyMs?: number }> {
    const attempt: SendAttempt = { executed: false };
    try {
      const result = await sendOnce(command, attempt);
      return {
        outcome: { kind: 'accepted', ...result, duplicate: !attempt.executed },
        ...(attempt.latencyMs === undefined ? {} : { latencyMs: attempt.latencyMs }),
      };
    } catch (error) {
      return {
        outcome: classifySendError(error),
        ...(attempt.latencyMs === undefined ? {} : { latencyMs: attempt.latencyMs }),
      };
    }
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
    await options.sqs.send(
      new SendMessageCommand({
        QueueUrl: options.eventsQueueUrl,
        MessageBody: toSqsMessageBody(event),
        MessageGroupId: messageGroupIdOf(appId ?? 'unknown', channel, identity),
        MessageDeduplicationId: event.id,
        MessageAttributes: attributes,
      }),
    );
  }

  async function deadLetter(record: SQSRecord, data: OutboundFailedData, reason: string): Promise<void> {
    const attributes: Record<string, MessageAttributeValue> = {
      errorKind: { DataType: 'String', StringValue: data.error.kind },
      errorReason: { DataType: 'String', StringValue: reason },
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
    await publish(toOutboundFailedEvent(options.origin, record.messageId, data), data.appId);
  }

  async function processRecord(record: SQSRecord): Promise<{ result: RecordResult; report: SendReport }> {
    const receiveCount = Math.max(1, Number(record.attributes.ApproximateReceiveCount) || 1);
    const parsed = parseOutboundCommand(record.body);
    const command = parsed.ok ? parsed.command : undefined;
    const { outcome, latencyMs } = command
      ? await attemptSend(command)
      : {
          outcome: { kind: 'invalid_command', reason: parsed.ok ? '' : parsed.reason } as SendOutcome,
          latencyMs: undefined,
        };
    const disposition = dispositionOf(outcome, receiveCount, options.retry.maxAttempts);
    const sender = command ? senderOf(command) : undefined;
    const recipient = command ? recipientIdentityOf(command) : undefined;
    const raw = parsed.ok ? parsed.command : parsed.raw;
    const known = knownIds(raw);
    const report: SendReport = {
      sqsMessageId: record.messageId,
      receiveCount,
      commandId: command?.id ?? known.id,
      appId: sender?.appId ?? known.appId,
      channel: recipient?.channel ?? sender?.channel,
      outcome,
      disposition,
      sendLatencyMs: latencyMs,
      command: raw,
    };

    switch (disposition.action) {
      case 'delete': {
        if (outcome.kind === 'accepted' && command && sender) {
          // Republished on a redelivery too (same event id): consumers see it at least once.
          const event = toOutboundAcceptedEvent(options.origin, {
            id: command.id,
            appId: sender.appId,
            messageId: outcome.messageId,
            acceptedTime: outcome.acceptedTime,
            ...(recipient ? { channel: recipient.channel, identity: recipient.identity } : {}),
          });
          await publish(event, sender.appId, recipient?.channel, recipient?.identity);
        }
        return { result: { ok: true }, report };
      }
      case 'dead_letter': {
        const data = failedData(disposition.kind, outcome, raw, report);
        await deadLetter(record, data, reasonOf(outcome));
        return { result: { ok: true }, report };
      }
      case 'retry': {
        const retryInSeconds = retryVisibilitySeconds(
          receiveCount,
          options.retry,
          outcome.kind === 'retryable' ? outcome.retryAfterSeconds : undefined,
          random,
        );
        report.retryInSeconds = retryInSeconds;
        await options.sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrlOf(record),
            ReceiptHandle: record.receiptHandle,
            VisibilityTimeout: retryInSeconds,
          }),
        );
        return { result: { ok: false, retryInSeconds }, report };
      }
    }
  }

  /**
   * Processes a batch: groups in parallel, each group in order; returns the partial batch
   * response. Records skipped behind a failed one get the same visibility, so the group comes
   * back together instead of staying locked until the queue's visibility timeout.
   */
  async function processBatch(records: SQSRecord[]): Promise<BatchResult> {
    const reports: SendReport[] = [];
    const processed = await processFifoBatch(records, async (record) => {
      const { result, report } = await processRecord(record);
      reports.push(report);
      options.onReport?.(report);
      return result;
    });
    const skipped = processed.filter((p) => p.status === 'skipped' && p.retryInSeconds !== undefined);
    if (skipped.length > 0) {
      const byQueue = new Map<string, typeof skipped>();
      for (const p of skipped) {
        const url = queueUrlOf(p.record);
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
    outcome.kind === 'invalid_command'
      ? { kind, message: outcome.reason }
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

/**
 * The queue URL of a record, from its ARN (`arn:aws:sqs:<region>:<account>:<name>`) and the
 * SQS endpoint the SDK will use: `ChangeMessageVisibility` needs the URL, Lambda gives the ARN.
 */
export function queueUrlOf(record: Pick<SQSRecord, 'eventSourceARN' | 'awsRegion'>): string {
  const [, , , region, account, name] = record.eventSourceARN.split(':');
  const endpoint = process.env.AWS_ENDPOINT_URL_SQS ?? process.env.AWS_ENDPOINT_URL;
  const base = endpoint
    ? endpoint.replace(/\/+$/, '')
    : `https://sqs.${region ?? record.awsRegion}.amazonaws.com`;
  return `${base}/${account}/${name}`;
}
