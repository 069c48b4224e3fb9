import { sinchLikeId } from './delivery-reports';

/** Who sent an inbound message, and what. */
export interface InboundText {
  projectId: string;
  appId: string;
  channel: string;
  identity: string;
  text: string;
  /** The app's own number or short code (Sinch's `sender_id`); default empty. */
  senderId?: string;
  at?: Date;
}

/**
 * A MESSAGE_INBOUND callback carrying a text, field for field from Sinch's model
 * (`MessageInboundEvent` / `ConversationMessage` of the Conversation API SDKs), as an app in
 * DISPATCH mode receives it (empty `contact_id` and `conversation_id`).
 *
 * @example
 * const body = messageInboundTextCallback({ projectId: 'p', appId: '01E...', channel: 'WHATSAPP', identity: '+46700000000', text: 'hello' });
 */
export function messageInboundTextCallback(input: InboundText) {
  const at = (input.at ?? new Date()).toISOString();
  return {
    app_id: input.appId,
    accepted_time: at,
    event_time: at,
    project_id: input.projectId,
    message: {
      id: sinchLikeId(),
      direction: 'TO_APP',
      channel_identity: { channel: input.channel, identity: input.identity, app_id: '' },
      contact_id: '',
      conversation_id: '',
      contact_message: { text_message: { text: input.text } },
      metadata: '',
      accept_time: at,
      sender_id: input.senderId ?? '',
      processing_mode: 'DISPATCH',
      injected: false,
    },
    message_metadata: '',
    correlation_id: '',
  };
}
