import { randomFillSync } from 'node:crypto';

const CROCKFORD_BASE32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ID_RANDOM_BYTES = 24;
/**
 * Random bytes for 256 ids, refilled when used up: one `randomBytes` call (and an array of 24
 * one-letter strings) per id was a visible share of the Sinch stand-in's CPU per send. Each id
 * still takes 24 fresh random bytes, each byte one letter (256 is a multiple of 32: uniform).
 */
const idBytes = Buffer.alloc(ID_RANDOM_BYTES * 256);
let idBytesUsed = idBytes.length;

/**
 * A Sinch-looking id: 26 characters of Crockford base32, like the ULIDs Sinch issues.
 *
 * @example
 * sinchLikeId(); // '01' and 24 random letters of 0-9 A-Z without I, L, O, U
 */
export function sinchLikeId(): string {
  if (idBytesUsed + ID_RANDOM_BYTES > idBytes.length) {
    randomFillSync(idBytes);
    idBytesUsed = 0;
  }
  let id = '01';
  for (let i = idBytesUsed; i < idBytesUsed + ID_RANDOM_BYTES; i++) id += CROCKFORD_BASE32[idBytes[i]! % 32];
  idBytesUsed += ID_RANDOM_BYTES;
  return id;
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
