/**
 * Router queue records as the router reads them: the parsed event plus the SQS attributes the
 * producer set, and the message a derived event becomes on the events queue.
 */
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { type CloudEvent, CloudEventEnvelopeSchema } from '../events/cloud-event';
import { toSqsMessageBody } from '../events/sqs-message-body';
import type { RoutedEvent } from './router-step';

/** A message for `SendMessageBatch` on the events queue. */
export interface EventsQueueEntry {
  MessageBody: string;
  MessageGroupId: string;
  MessageDeduplicationId: string;
  MessageAttributes: Record<string, MessageAttributeValue>;
}

/**
 * Reads a router queue record. A body that is not a CloudEvent (no producer of the bridge
 * writes one) comes back as `undefined` event: the router forwards it untouched, runs no step
 * on it, and counts it.
 *
 * @example
 * const { routed, entry } = readRoutedRecord(record);
 */
export function readRoutedRecord(record: SQSRecord): { routed?: RoutedEvent; entry: EventsQueueEntry } {
  const groupId = record.attributes.MessageGroupId ?? 'unknown';
  const deduplicationId = record.attributes.MessageDeduplicationId ?? record.messageId;
  const attributes = fromLambdaAttributes(record.messageAttributes ?? {});
  const entry: EventsQueueEntry = {
    MessageBody: record.body,
    MessageGroupId: groupId,
    MessageDeduplicationId: deduplicationId,
    MessageAttributes: attributes,
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(record.body);
  } catch {
    return { entry };
  }
  const envelope = CloudEventEnvelopeSchema.safeParse(parsed);
  if (!envelope.success) return { entry };
  return {
    routed: {
      event: parsed as CloudEvent,
      groupId,
      body: record.body,
      deduplicationId,
      attributes,
      sequenceNumber: record.attributes.SequenceNumber,
      derived: [],
    },
    entry,
  };
}

/**
 * The events queue message of a derived event: the parent's group (so it stays in the
 * conversation's order), its own id as deduplication id, and the contract's attributes.
 *
 * @example
 * toDerivedEntry(statusEvent, routed); // { MessageGroupId: routed.groupId, MessageDeduplicationId: statusEvent.id, ... }
 */
export function toDerivedEntry(event: CloudEvent, parent: Pick<RoutedEvent, 'groupId'>): EventsQueueEntry {
  const data = event.data as { appId?: unknown; channel?: unknown };
  const attributes: Record<string, MessageAttributeValue> = {
    type: { DataType: 'String', StringValue: event.type },
  };
  if (typeof data.appId === 'string' && data.appId) {
    attributes.appId = { DataType: 'String', StringValue: data.appId };
  }
  if (typeof data.channel === 'string' && data.channel) {
    attributes.channel = { DataType: 'String', StringValue: data.channel };
  }
  return {
    MessageBody: toSqsMessageBody(event),
    MessageGroupId: parent.groupId,
    MessageDeduplicationId: event.id,
    MessageAttributes: attributes,
  };
}

/** Lambda's record attributes (`stringValue`, `dataType`) back into the SDK's shape. */
function fromLambdaAttributes(
  attributes: SQSRecord['messageAttributes'],
): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, a] of Object.entries(attributes)) {
    if (a.stringValue !== undefined) out[name] = { DataType: a.dataType, StringValue: a.stringValue };
    else if (a.binaryValue !== undefined) {
      out[name] = { DataType: a.dataType, BinaryValue: Buffer.from(a.binaryValue, 'base64') };
    }
  }
  return out;
}

/**
 * The queue URL of a record, from its ARN and the SQS endpoint the SDK uses (Lambda gives the
 * ARN; `ChangeMessageVisibility` needs the URL).
 */
export function queueUrlOfRecord(record: Pick<SQSRecord, 'eventSourceARN' | 'awsRegion'>): string {
  const [, , , region, account, name] = record.eventSourceARN.split(':');
  const endpoint = process.env.AWS_ENDPOINT_URL_SQS ?? process.env.AWS_ENDPOINT_URL;
  const base = endpoint
    ? endpoint.replace(/\/+$/, '')
    : `https://sqs.${region ?? record.awsRegion}.amazonaws.com`;
  return `${base}/${account}/${name}`;
}
