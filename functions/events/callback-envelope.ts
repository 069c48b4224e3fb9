/**
 * What Sinch posts to the webhook: the callback envelope and the notification objects the
 * normalizer reads. These schemas are deliberately forgiving: a signed callback is never
 * refused for its shape, so every field is optional and a field of an unexpected type reads
 * as absent; unknown fields pass through untouched.
 */
// zod/mini: the same schemas as classic zod at a tenth of the bundle (the webhook's budget).
import * as z from 'zod/mini';

/** A field that reads as absent when missing, of another type, or (for strings) empty. */
const absentUnless = <T extends z.ZodMiniType>(schema: T) => z.catch(z.optional(schema), undefined);
const text = absentUnless(z.string().check(z.minLength(1)));
const number = absentUnless(z.number());
const loose = <T extends z.core.$ZodLooseShape>(shape: T) => absentUnless(z.looseObject(shape));
const anyObject = absentUnless(z.record(z.string(), z.unknown()));

export const ChannelIdentitySchema = loose({ channel: text, identity: text, app_id: text });

export const ReasonSchema = loose({ code: text, description: text, sub_code: text, channel_code: text });

export const ContactMessageSchema = loose({
  text_message: loose({ text }),
  media_message: loose({ url: text, thumbnail_url: text, filename_override: text }),
  location_message: loose({
    coordinates: loose({ latitude: number, longitude: number }),
    title: text,
    label: text,
  }),
  choice_response_message: loose({ message_id: text, postback_data: text }),
  media_card_message: loose({ url: text, caption: text }),
  fallback_message: loose({ raw_message: text, reason: ReasonSchema }),
  product_response_message: anyObject,
  channel_specific_message: anyObject,
  reply_to: loose({ message_id: text }),
});

/** Fields shared by the notifications that concern one contact on one channel. */
const contactScoped = {
  channel_identity: ChannelIdentitySchema,
  contact_id: text,
  conversation_id: text,
  processing_mode: text,
  metadata: text,
};

export const MessageInboundSchema = loose({
  ...contactScoped,
  id: text,
  direction: text,
  contact_message: ContactMessageSchema,
  accept_time: text,
  sender_id: text,
  injected: absentUnless(z.boolean()),
});

export const MessageDeliveryReportSchema = loose({
  ...contactScoped,
  message_id: text,
  status: text,
  reason: ReasonSchema,
});

export const MessageSubmitNotificationSchema = loose({
  ...contactScoped,
  message_id: text,
  submitted_message: anyObject,
});

export const EventInboundSchema = loose({
  ...contactScoped,
  id: text,
  accept_time: text,
  contact_event: anyObject,
  contact_message_event: anyObject,
});

export const EventDeliveryReportSchema = loose({
  ...contactScoped,
  event_id: text,
  status: text,
  reason: ReasonSchema,
});

/**
 * CAPABILITY, OPT_IN and OPT_OUT: the channel identity is flat and `request_id` dedupes.
 * CAPABILITY says why a capability is partial in `reason`; OPT_IN / OPT_OUT why they failed
 * in `error_details`.
 */
export const RequestNotificationSchema = loose({
  request_id: text,
  contact_id: text,
  channel: text,
  identity: text,
  status: text,
  capability_status: text,
  processing_mode: text,
  reason: ReasonSchema,
  error_details: loose({ description: text }),
});

export const ConversationNotificationSchema = loose({
  conversation: loose({ id: text, contact_id: text, active_channel: text }),
});

/**
 * CONTACT_CREATE / DELETE / UPDATE carry `contact`; CONTACT_MERGE the contact it kept and the
 * one it deleted. Sinch's prose docs show a flat `contact_id` on delete: read it too.
 */
export const ContactNotificationSchema = loose({
  contact: loose({ id: text }),
  contact_id: text,
  preserved_contact: loose({ id: text }),
  deleted_contact: loose({ id: text }),
});

/**
 * CHANNEL_EVENT: `{ channel_event: { channel, event_type, additional_data } }` in Sinch's
 * models. The prose docs also show the event's fields one level up (a top-level
 * `channel_event`), which reads the same through the flat fields.
 */
export const ChannelEventNotificationSchema = loose({
  channel_event: loose({ channel: text, event_type: text }),
  channel: text,
  event_type: text,
});

/** Notifications that carry a channel identity the same way the message callbacks do. */
export const ContactScopedNotificationSchema = loose({ ...contactScoped, channel: text });

/** SMART_CONVERSATION: a flat `channel` and a plain-string `channel_identity`, about one message. */
export const SmartConversationNotificationSchema = loose({
  contact_id: text,
  conversation_id: text,
  channel: text,
  channel_identity: text,
  message_id: text,
});

/** RECORD_NOTIFICATION: what happened to the record of an entity (`record_status`, `reason`). */
export const RecordNotificationSchema = loose({
  ...contactScoped,
  entity_id: text,
  record_status: text,
  reason: ReasonSchema,
});

/** BATCH_STATUS_UPDATE (Batch API): the status of one batch. */
export const BatchStatusUpdateNotificationSchema = loose({
  batch_id: text,
  batch_status: text,
  batch_type: text,
});

/**
 * The notification key of a callback and the trigger it means (there is no `trigger` field in
 * the payload: the key tells it). Order matters only for documentation.
 */
export const TRIGGER_BY_KEY = {
  message: 'MESSAGE_INBOUND',
  message_delivery_report: 'MESSAGE_DELIVERY',
  message_submit_notification: 'MESSAGE_SUBMIT',
  message_redaction: 'MESSAGE_INBOUND_SMART_CONVERSATION_REDACTION',
  event: 'EVENT_INBOUND',
  event_delivery_report: 'EVENT_DELIVERY',
  conversation_start_notification: 'CONVERSATION_START',
  conversation_stop_notification: 'CONVERSATION_STOP',
  conversation_delete_notification: 'CONVERSATION_DELETE',
  contact_create_notification: 'CONTACT_CREATE',
  contact_delete_notification: 'CONTACT_DELETE',
  contact_update_notification: 'CONTACT_UPDATE',
  contact_merge_notification: 'CONTACT_MERGE',
  duplicated_contact_identities_notification: 'CONTACT_IDENTITIES_DUPLICATION',
  capability_notification: 'CAPABILITY',
  opt_in_notification: 'OPT_IN',
  opt_out_notification: 'OPT_OUT',
  channel_event_notification: 'CHANNEL_EVENT',
  unsupported_callback: 'UNSUPPORTED',
  smart_conversation_notification: 'SMART_CONVERSATION',
  record_notification: 'RECORD_NOTIFICATION',
  batch_status_update_notification: 'BATCH_STATUS_UPDATE',
} as const;

export type CallbackKey = keyof typeof TRIGGER_BY_KEY;

/**
 * Keys Sinch's prose docs show in place of the models' keys: read as the model key they stand
 * for (the models are generated from the API spec and win; these are cheap to tolerate).
 */
export const CALLBACK_KEY_ALIASES: Readonly<Record<string, CallbackKey>> = {
  channel_event: 'channel_event_notification',
  duplicated_identities_notification: 'duplicated_contact_identities_notification',
};
export type Trigger = (typeof TRIGGER_BY_KEY)[CallbackKey];
export const TRIGGERS = Object.values(TRIGGER_BY_KEY) as Trigger[];

/** The envelope every callback shares, whatever its notification key. */
export const CallbackEnvelopeSchema = z.looseObject({
  app_id: text,
  project_id: text,
  accepted_time: text,
  event_time: text,
  message_metadata: text,
  correlation_id: text,
});

export type CallbackEnvelope = z.output<typeof CallbackEnvelopeSchema>;

/**
 * The notification of a parsed callback: its (model) key and its value, or `undefined` when it
 * has no key we know. A prose-docs alias reads as the model key it stands for.
 *
 * @example
 * notificationOf({ app_id: 'A', message: { id: 'M' } }); // { key: 'message', value: { id: 'M' } }
 * notificationOf({ app_id: 'A', channel_event: {} }); // { key: 'channel_event_notification', value: {} }
 */
export function notificationOf(
  callback: Record<string, unknown>,
): { key: CallbackKey; value: unknown } | undefined {
  for (const key of Object.keys(callback)) {
    if (Object.hasOwn(TRIGGER_BY_KEY, key)) return { key: key as CallbackKey, value: callback[key] };
    if (Object.hasOwn(CALLBACK_KEY_ALIASES, key))
      return { key: CALLBACK_KEY_ALIASES[key]!, value: callback[key] };
  }
  return undefined;
}

/**
 * The notification key of a parsed callback, or `undefined` when it has none we know.
 *
 * @example
 * callbackKeyOf({ app_id: 'A', message: {} }); // 'message'
 */
export function callbackKeyOf(callback: Record<string, unknown>): CallbackKey | undefined {
  return notificationOf(callback)?.key;
}
