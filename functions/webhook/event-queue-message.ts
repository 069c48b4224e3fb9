/**
 * A normalized event as an SQS FIFO `SendMessage` (contracts section 3, "SQS attributes").
 */
import { createHash } from 'node:crypto';
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { ConversationCloudEvent } from './normalize-callback';

export interface EventQueueMessage {
  MessageBody: string;
  MessageGroupId: string;
  MessageDeduplicationId: string;
  MessageAttributes: Record<string, MessageAttributeValue>;
}

/** What SQS accepts in a `MessageGroupId`: 1..128 of alphanumerics and ASCII punctuation. */
const GROUP_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;

/**
 * The FIFO group: one conversation (app + channel identity) keeps its order; events without a
 * channel identity are ordered per app.
 *
 * @example
 * messageGroupIdOf('01H...', 'WHATSAPP', '46700000000'); // '01H...:WHATSAPP:46700000000'
 */
export function messageGroupIdOf(appId: string, channel?: string, identity?: string): string {
  if (!channel || !identity) return appId;
  const groupId = `${appId}:${channel}:${identity}`;
  if (GROUP_ID_PATTERN.test(groupId)) return groupId;
  // An identity SQS would refuse (too long, non-ASCII): a hash keeps the group stable instead
  // of failing every callback of that contact.
  return `${appId}:${channel}:${createHash('sha256').update(identity).digest('base64url')}`;
}

/**
 * @example
 * await sqs.send(new SendMessageCommand({ QueueUrl, ...toEventQueueMessage(event) }));
 */
export function toEventQueueMessage(event: ConversationCloudEvent): EventQueueMessage {
  const { appId, channel, identity } = event.data;
  const attributes: Record<string, MessageAttributeValue> = {
    type: { DataType: 'String', StringValue: event.type },
    appId: { DataType: 'String', StringValue: appId },
  };
  if (channel) attributes.channel = { DataType: 'String', StringValue: channel };
  return {
    MessageBody: JSON.stringify(event),
    MessageGroupId: messageGroupIdOf(appId, channel, identity),
    MessageDeduplicationId: event.id,
    MessageAttributes: attributes,
  };
}
