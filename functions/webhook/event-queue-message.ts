/**
 * A normalized event as an SQS FIFO `SendMessage` (docs/events.md, "SQS attributes").
 */
import { messageGroupIdOf } from '../events/message-group';
import { toSqsMessageBody, toSqsSafeAttributeValue } from '../events/sqs-message-body';
import type { ConversationCloudEvent } from './normalize-callback';

/** A string message attribute (the only kind events carry). */
export interface StringAttribute {
  DataType: 'String';
  StringValue: string;
}

export interface EventQueueMessage {
  MessageBody: string;
  MessageGroupId: string;
  MessageDeduplicationId: string;
  MessageAttributes: Record<string, StringAttribute>;
}

/**
 * @example
 * await sqs.send(new SendMessageCommand({ QueueUrl, ...toEventQueueMessage(event) }));
 */
export function toEventQueueMessage(event: ConversationCloudEvent): EventQueueMessage {
  const { appId, channel, identity } = event.data;
  const attributes: Record<string, StringAttribute> = {
    type: { DataType: 'String', StringValue: event.type },
    appId: { DataType: 'String', StringValue: appId },
  };
  if (channel) attributes.channel = { DataType: 'String', StringValue: toSqsSafeAttributeValue(channel) };
  return {
    // Characters SQS refuses (U+FFFE, U+FFFF...) travel as JSON escapes: `payload` parses back unchanged.
    MessageBody: toSqsMessageBody(event),
    MessageGroupId: messageGroupIdOf(appId, channel, identity),
    MessageDeduplicationId: event.id,
    MessageAttributes: attributes,
  };
}
