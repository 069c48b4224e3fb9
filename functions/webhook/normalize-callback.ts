/**
 * Sinch callback -> CloudEvents envelope with normalized `data` (docs/events.md).
 * Pure: no I/O, no clock, no Lambda.
 */
import { createHash } from 'node:crypto';
import type * as z from 'zod/mini';
import {
  BatchStatusUpdateNotificationSchema,
  CallbackEnvelopeSchema,
  type ReasonSchema as CallbackReasonSchema,
  ChannelEventNotificationSchema,
  type ContactMessageSchema,
  ContactNotificationSchema,
  ContactScopedNotificationSchema,
  ConversationNotificationSchema,
  EventDeliveryReportSchema,
  EventInboundSchema,
  MessageDeliveryReportSchema,
  MessageInboundSchema,
  MessageSubmitNotificationSchema,
  notificationOf,
  RecordNotificationSchema,
  RequestNotificationSchema,
  SmartConversationNotificationSchema,
  TRIGGER_BY_KEY,
} from '../events/callback-envelope';
import { type CloudEvent, eventSource, stableId, toCloudEvent } from '../events/cloud-event';
import type { ConversationEventData, MessageContent } from '../events/conversation-event';
import {
  CONVERSATION_EVENT_DATASCHEMA,
  conversationEventType,
  UNRECOGNIZED_EVENT_TYPE,
  UNRECOGNIZED_TRIGGER,
} from '../events/conversation-event-type';
import { toQueueAddress } from '../sinch/channels';

export type ConversationCloudEvent = CloudEvent<ConversationEventData>;

export interface NormalizeContext {
  region: string;
  /** The configured project: used when the callback carries no `project_id`. */
  projectId: string;
  /** The app of the webhook path (already checked against the body's `app_id`). */
  appId: string;
  /** The raw body: its hash is the event id of callbacks that carry no Sinch id. */
  rawBody: string | Uint8Array;
  /** When we received the callback (RFC 3339): `acceptedTime` if Sinch gave none. */
  receivedAt: string;
}

type Reason = { code?: string; description?: string; subCode?: string; channelCode?: string };
type ChannelIdentity = { channel?: string | undefined; identity?: string | undefined };

/** What one notification key contributes beyond the envelope. */
interface Extracted {
  identity: ChannelIdentity;
  /** Sinch's own ids for this event, when it has them; else the body hash is used. */
  idParts?: Array<string | undefined>;
  shared: Record<string, unknown>;
  specific: Record<string, unknown>;
}

/** Parses a notification with its forgiving schema; an absent or malformed one reads as `{}`. */
function read<T extends z.ZodMiniType>(schema: T, value: unknown): NonNullable<z.output<T>> {
  return (schema.parse(value) ?? {}) as NonNullable<z.output<T>>;
}

/** Drops `undefined` members so absent fields are absent, not `undefined`, in memory too. */
function present<T extends Record<string, unknown>>(record: T): T {
  for (const key of Object.keys(record)) if (record[key] === undefined) delete record[key];
  return record;
}

function toReason(reason: ReturnType<typeof CallbackReasonSchema.parse>): Reason | undefined {
  if (!reason) return undefined;
  const normalized = present({
    code: reason.code,
    description: reason.description,
    subCode: reason.sub_code,
    channelCode: reason.channel_code,
  });
  return Object.keys(normalized).length > 0 ? normalized : undefined;
}

/**
 * The normalized content of an inbound message.
 *
 * @example
 * toMessageContent({ text_message: { text: 'hi' } }); // { kind: 'text', text: 'hi' }
 */
export function toMessageContent(message: ReturnType<typeof ContactMessageSchema.parse>): MessageContent {
  if (message?.text_message) return present({ kind: 'text', text: message.text_message.text });
  if (message?.media_message) {
    const m = message.media_message;
    return present({
      kind: 'media',
      url: m.url,
      thumbnailUrl: m.thumbnail_url,
      filename: m.filename_override,
    });
  }
  if (message?.location_message) {
    const m = message.location_message;
    return present({
      kind: 'location',
      latitude: m.coordinates?.latitude,
      longitude: m.coordinates?.longitude,
      title: m.title,
      label: m.label,
    });
  }
  if (message?.choice_response_message) {
    const m = message.choice_response_message;
    return present({ kind: 'choice_response', messageId: m.message_id, postbackData: m.postback_data });
  }
  if (message?.media_card_message) {
    return present({
      kind: 'media_card',
      url: message.media_card_message.url,
      caption: message.media_card_message.caption,
    });
  }
  if (message?.fallback_message) {
    const m = message.fallback_message;
    return present({ kind: 'fallback', rawMessage: m.raw_message, reason: toReason(m.reason) });
  }
  if (message?.product_response_message) return { kind: 'product_response' };
  if (message?.channel_specific_message) return { kind: 'channel_specific' };
  return { kind: 'unknown' };
}

/** `composing_event` -> `composing`; the first key of `contact_event` / `contact_message_event`. */
function eventKindOf(event: Record<string, unknown> | undefined): string | undefined {
  const key = event ? Object.keys(event).find((k) => k.endsWith('_event')) : undefined;
  return key?.slice(0, -'_event'.length);
}

function contactScoped(n: {
  channel_identity?: ChannelIdentity | undefined;
  contact_id?: string | undefined;
  conversation_id?: string | undefined;
  processing_mode?: string | undefined;
}): Pick<Extracted, 'identity' | 'shared'> {
  return {
    identity: n.channel_identity ?? {},
    shared: { contactId: n.contact_id, conversationId: n.conversation_id, processingMode: n.processing_mode },
  };
}

function extract(key: keyof typeof TRIGGER_BY_KEY, value: unknown): Extracted {
  switch (key) {
    case 'message':
    case 'message_redaction': {
      const m = read(MessageInboundSchema, value);
      const specific =
        key === 'message'
          ? {
              messageId: m.id,
              direction: m.direction,
              senderId: m.sender_id,
              replyToMessageId: m.contact_message?.reply_to?.message_id,
              injected: m.injected,
              content: toMessageContent(m.contact_message),
            }
          : { messageId: m.id, direction: m.direction };
      return { ...contactScoped(m), idParts: [m.id], specific };
    }
    case 'message_delivery_report': {
      const r = read(MessageDeliveryReportSchema, value);
      return {
        ...contactScoped(r),
        // The channel is part of the id: with channel fallback the same status comes once per channel.
        idParts: r.message_id && r.status ? [r.message_id, r.status, r.channel_identity?.channel] : undefined,
        specific: {
          messageId: r.message_id,
          status: r.status,
          reason: toReason(r.reason),
          metadata: r.metadata,
        },
      };
    }
    case 'message_submit_notification': {
      const s = read(MessageSubmitNotificationSchema, value);
      return {
        ...contactScoped(s),
        idParts: s.message_id ? [s.message_id, s.channel_identity?.channel] : undefined,
        specific: { messageId: s.message_id, metadata: s.metadata },
      };
    }
    case 'event': {
      const e = read(EventInboundSchema, value);
      const messageEvent = e.contact_message_event;
      const messageId = Object.values(messageEvent ?? {}).find(
        (v): v is { message_id: string } =>
          typeof v === 'object' &&
          v !== null &&
          typeof (v as { message_id?: unknown }).message_id === 'string',
      )?.message_id;
      return {
        ...contactScoped(e),
        idParts: [e.id],
        specific: {
          eventId: e.id,
          event: present({
            kind: eventKindOf(e.contact_event) ?? eventKindOf(messageEvent) ?? 'unknown',
            messageId: messageId || undefined,
          }),
        },
      };
    }
    case 'event_delivery_report': {
      const r = read(EventDeliveryReportSchema, value);
      return {
        ...contactScoped(r),
        idParts: r.event_id && r.status ? [r.event_id, r.status, r.channel_identity?.channel] : undefined,
        specific: { eventId: r.event_id, status: r.status, reason: toReason(r.reason) },
      };
    }
    case 'capability_notification':
    case 'opt_in_notification':
    case 'opt_out_notification': {
      const n = read(RequestNotificationSchema, value);
      return {
        identity: { channel: n.channel, identity: n.identity },
        idParts: [n.request_id],
        shared: { contactId: n.contact_id, processingMode: n.processing_mode },
        specific: {
          requestId: n.request_id,
          status: n.capability_status ?? n.status,
          reason: toReason(n.reason),
          errorDetails: n.error_details?.description
            ? { description: n.error_details.description }
            : undefined,
        },
      };
    }
    case 'conversation_start_notification':
    case 'conversation_stop_notification':
    case 'conversation_delete_notification': {
      const c = read(ConversationNotificationSchema, value).conversation;
      return {
        identity: { channel: c?.active_channel },
        shared: { contactId: c?.contact_id, conversationId: c?.id },
        specific: {},
      };
    }
    case 'channel_event_notification': {
      // The models nest the event in `channel_event`; the prose docs' shape has its fields flat.
      const n = read(ChannelEventNotificationSchema, value);
      const e = n.channel_event ?? n;
      return { identity: { channel: e.channel }, shared: {}, specific: { eventType: e.event_type } };
    }
    case 'unsupported_callback': {
      const n = read(ContactScopedNotificationSchema, value);
      return {
        identity: {
          channel: n.channel_identity?.channel ?? n.channel,
          identity: n.channel_identity?.identity,
        },
        shared: contactScoped(n).shared,
        specific: {},
      };
    }
    case 'smart_conversation_notification': {
      // SMART_CONVERSATION sends the identity as a plain string next to a flat `channel`.
      const n = read(SmartConversationNotificationSchema, value);
      return {
        identity: { channel: n.channel, identity: n.channel_identity },
        shared: { contactId: n.contact_id, conversationId: n.conversation_id },
        specific: { messageId: n.message_id },
      };
    }
    case 'record_notification': {
      const n = read(RecordNotificationSchema, value);
      return {
        ...contactScoped(n),
        specific: { entityId: n.entity_id, recordStatus: n.record_status, reason: toReason(n.reason) },
      };
    }
    case 'batch_status_update_notification': {
      const n = read(BatchStatusUpdateNotificationSchema, value);
      return {
        identity: {},
        shared: {},
        specific: { batchId: n.batch_id, status: n.batch_status, batchType: n.batch_type },
      };
    }
    default: {
      // Contact notifications are project-wide: no channel identity, no Sinch event id.
      const n = read(ContactNotificationSchema, value);
      const contactId = n.contact?.id ?? n.contact_id ?? n.preserved_contact?.id;
      return {
        identity: {},
        shared: { contactId },
        specific: { deletedContactId: n.deleted_contact?.id },
      };
    }
  }
}

/**
 * Normalizes a verified, parsed Sinch callback into the CloudEvents envelope of
 * docs/events.md. Never throws for an object: a callback with no notification key we know becomes
 * `sinch.conversation.unrecognized`, so nothing signed is dropped.
 *
 * The id is content-derived, so a Sinch retry (new nonce, new timestamp, same body) gets the
 * same id: Sinch's own ids where the callback has them, else a hash of the raw body.
 *
 * @example
 * const event = normalizeCallback(JSON.parse(body), {
 *   region: 'eu', projectId: 'proj', appId: '01H...', rawBody: body, receivedAt: new Date().toISOString(),
 * });
 * event.type; // 'sinch.conversation.message_inbound'
 */
export function normalizeCallback(
  callback: Record<string, unknown>,
  context: NormalizeContext,
): ConversationCloudEvent {
  const envelope = CallbackEnvelopeSchema.parse(callback);
  const notification = notificationOf(callback);
  const key = notification?.key;
  const trigger = key ? TRIGGER_BY_KEY[key] : UNRECOGNIZED_TRIGGER;
  const { identity, idParts, shared, specific } = notification
    ? extract(notification.key, notification.value)
    : { identity: {}, idParts: undefined, shared: {}, specific: {} };

  const channel = identity.channel || undefined;
  const address = identity.identity || undefined;
  const projectId = envelope.project_id ?? context.projectId;
  const acceptedTime = envelope.accepted_time ?? context.receivedAt;
  const sinchIds = idParts?.filter((p): p is string => Boolean(p));
  const id =
    sinchIds && sinchIds.length > 0
      ? stableId(context.appId, trigger, ...sinchIds)
      : stableId(context.appId, trigger, 'body', createHash('sha256').update(context.rawBody).digest('hex'));

  const data = present({
    trigger,
    region: context.region,
    projectId,
    appId: context.appId,
    acceptedTime,
    eventTime: envelope.event_time,
    correlationId: envelope.correlation_id,
    messageMetadata: envelope.message_metadata,
    channel,
    identity: address,
    ...present(shared),
    queueAddress: channel ? toQueueAddress(context.appId, channel) : undefined,
    ...present(specific),
    payload: callback,
  }) as ConversationEventData;

  return toCloudEvent({
    id,
    source: eventSource(context.region, projectId, context.appId),
    type: key ? conversationEventType(trigger) : UNRECOGNIZED_EVENT_TYPE,
    time: envelope.event_time ?? acceptedTime,
    subject: channel && address ? `${channel}:${address}` : undefined,
    dataschema: CONVERSATION_EVENT_DATASCHEMA,
    data,
  });
}
