/**
 * The unconfirmed sweep, free of Lambda: finds the commands whose confirmation is overdue through
 * the sparse `sweep` index (one query per day and shard, never a table scan), and publishes
 * `sinch.bridge.outbound.unconfirmed` once for each.
 *
 * Once: the command is marked first (`unconfirmedAt`, kept by a later sweep), the event is
 * published (its id depends on the command only, so a second publication is deduplicated), and
 * only then is the command taken out of the index. A sweep that dies between the steps leaves
 * the command in the index, and the next sweep publishes the same event again.
 */
import { type MessageAttributeValue, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type DeliveryStatus, toOutboundUnconfirmedEvent } from '../events/lifecycle-events';
import { messageGroupIdOf } from '../events/message-group';
import type { OutboundEventOrigin } from '../events/outbound-events';
import { toSqsMessageBody } from '../events/sqs-message-body';
import type { CommandStatusStore, StatusRecord } from './command-status-store';
import { sweepBucketsUntil } from './delivery-status';

export interface SweepOptions {
  store: CommandStatusStore;
  sqs: SQSClient;
  /** The router queue (or the events queue without a router). */
  queueUrl: string;
  origin: OutboundEventOrigin;
  sweepShards: number;
  lookbackDays: number;
  /** Stop starting new work after this (epoch ms): the invocation's deadline minus a margin. */
  deadline?: number;
  now?: () => number;
}

export interface SweepResult {
  published: number;
  /** Confirmed between the query and the mark: nothing published. */
  skipped: number;
  /** Queries run (days x shards). */
  queries: number;
  /** True when the deadline stopped the sweep before it was through (the next one goes on). */
  truncated: boolean;
}

/**
 * @example
 * const result = await sweepUnconfirmed({ store, sqs, queueUrl, origin, sweepShards: 16, lookbackDays: 3 });
 */
export async function sweepUnconfirmed(options: SweepOptions): Promise<SweepResult> {
  const now = options.now ?? Date.now;
  const nowEpoch = Math.floor(now() / 1000);
  const result: SweepResult = { published: 0, skipped: 0, queries: 0, truncated: false };
  for (const bucket of sweepBucketsUntil(nowEpoch, options.lookbackDays, options.sweepShards)) {
    if (options.deadline !== undefined && now() > options.deadline) {
      result.truncated = true;
      break;
    }
    result.queries++;
    for await (const due of options.store.due(bucket, nowEpoch)) {
      if (options.deadline !== undefined && now() > options.deadline) {
        result.truncated = true;
        return result;
      }
      const marked = await options.store.markUnconfirmed(due.id, new Date(now()).toISOString());
      if (!marked) {
        result.skipped++;
        continue;
      }
      await publishUnconfirmed(options, marked);
      await options.store.unwatch(marked.id);
      result.published++;
    }
  }
  return result;
}

async function publishUnconfirmed(options: SweepOptions, record: StatusRecord): Promise<void> {
  const lastStatus = record.status as DeliveryStatus;
  const event = toOutboundUnconfirmedEvent(
    options.origin,
    {
      id: record.commandId,
      appId: record.appId,
      ...(record.messageId ? { messageId: record.messageId } : {}),
      lastStatus,
      since: record.statusChangedAt ?? record.acceptedAt ?? record.createdAt ?? record.unconfirmedAt!,
    },
    record.unconfirmedAt!,
    { channel: record.channel, identity: record.identity },
  );
  const attributes: Record<string, MessageAttributeValue> = {
    type: { DataType: 'String', StringValue: event.type },
    appId: { DataType: 'String', StringValue: record.appId },
  };
  if (record.channel) attributes.channel = { DataType: 'String', StringValue: record.channel };
  await options.sqs.send(
    new SendMessageCommand({
      QueueUrl: options.queueUrl,
      MessageBody: toSqsMessageBody(event),
      // The conversation's group, like the command's other events.
      MessageGroupId: messageGroupIdOf(record.appId, record.channel, record.identity),
      MessageDeduplicationId: event.id,
      MessageAttributes: attributes,
    }),
  );
}
