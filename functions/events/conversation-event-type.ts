/**
 * Names of the `sinch.conversation.*` events, kept apart from their zod schemas
 * (`conversation-event.ts`) so the webhook bundle does not carry the schemas it never runs.
 */
import type { Trigger } from './callback-envelope';
import { dataSchemaUri } from './cloud-event';

export const CONVERSATION_EVENT_SCHEMA = { name: 'conversation-event', version: 1 } as const;
export const CONVERSATION_EVENT_DATASCHEMA = dataSchemaUri(
  CONVERSATION_EVENT_SCHEMA.name,
  CONVERSATION_EVENT_SCHEMA.version,
);

/** The trigger of a signed callback whose notification key we don't know (it is still enqueued). */
export const UNRECOGNIZED_TRIGGER = 'UNRECOGNIZED';
export const UNRECOGNIZED_EVENT_TYPE = 'sinch.conversation.unrecognized';

/**
 * The CloudEvents `type` of a trigger.
 *
 * @example
 * conversationEventType('MESSAGE_INBOUND'); // 'sinch.conversation.message_inbound'
 */
export function conversationEventType(trigger: Trigger | typeof UNRECOGNIZED_TRIGGER): string {
  return `sinch.conversation.${trigger.toLowerCase()}`;
}
