import { randomBytes } from 'node:crypto';

/** A Sinch-looking id: 26 characters of Crockford base32, like the ULIDs Sinch issues. */
export function sinchLikeId(): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  return `01${Array.from(randomBytes(24), (b) => alphabet[b % 32]).join('')}`;
}

/** What a delivery report is about: the accepted send. */
export interface DeliveredSend {
  projectId: string;
  appId: string;
  messageId: string;
  /** The send's `correlation_id`, echoed in the callback envelope. */
  correlationId?: string | undefined;
  /** The send's `message_metadata`, echoed as the report's `metadata`. */
  messageMetadata?: string | undefined;
  /** The channel identity the message went to; absent for a `contact_id` recipient. */
  channelIdentity?: { channel: string; identity: string } | undefined;
  contactId?: string | undefined;
}

/** One delivery status, with the reason Sinch gives for FAILED. */
export interface DeliveryStatusChange {
  status: 'QUEUED_ON_CHANNEL' | 'DELIVERED' | 'READ' | 'FAILED';
  reason?: { code: string; description: string } | undefined;
  at?: Date;
}

/**
 * A MESSAGE_DELIVERY callback as Sinch posts it, field for field from Sinch's model
 * (`MessageDeliveryReceiptEvent` / `MessageDeliveryReport` of the Conversation API SDKs): the
 * envelope (`app_id`, `accepted_time`, `event_time`, `project_id`, `message_metadata`,
 * `correlation_id`) and one `message_delivery_report`. Apps in DISPATCH mode (the default for new
 * apps) get empty `contact_id` and `conversation_id`, as Sinch sends them.
 *
 * @example
 * const body = messageDeliveryCallback(
 *   { projectId: 'p', appId: '01E...', messageId: '01M...', correlationId: 'order-42',
 *     channelIdentity: { channel: 'WHATSAPP', identity: '+46700000000' } },
 *   { status: 'DELIVERED' },
 * );
 */
export function messageDeliveryCallback(send: DeliveredSend, change: DeliveryStatusChange) {
  const at = (change.at ?? new Date()).toISOString();
  return {
    app_id: send.appId,
    accepted_time: at,
    event_time: at,
    project_id: send.projectId,
    message_metadata: '',
    correlation_id: send.correlationId ?? '',
    message_delivery_report: {
      message_id: send.messageId,
      conversation_id: '',
      status: change.status,
      ...(send.channelIdentity
        ? {
            channel_identity: {
              channel: send.channelIdentity.channel,
              identity: send.channelIdentity.identity,
              app_id: '',
            },
          }
        : {}),
      contact_id: send.contactId ?? '',
      ...(change.status === 'FAILED'
        ? {
            reason: {
              code: change.reason?.code ?? 'UNKNOWN',
              description: change.reason?.description ?? '',
              sub_code: 'UNSPECIFIED_SUB_CODE',
            },
          }
        : {}),
      metadata: send.messageMetadata ?? '',
      processing_mode: send.contactId ? 'CONVERSATION' : 'DISPATCH',
    },
  };
}
