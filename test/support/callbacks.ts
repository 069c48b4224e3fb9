/**
 * Factories of realistic Sinch Conversation API callbacks, one per trigger, in CONVERSATION
 * or DISPATCH processing mode (DISPATCH: `contact_id` and `conversation_id` are empty strings).
 * Shapes follow Sinch's published models, not our code: the OpenAPI-generated Java models
 * (`com.sinch.sdk.domains.conversation.models.v1.sinchevents.*`), the .NET SDK's hook
 * fixtures' shapes and the Node SDK's `mod-callback-events` types. Values are our own.
 * `proseShapes` holds the shapes Sinch's prose docs show where they differ from the models.
 */
import { randomBytes } from 'node:crypto';
import type { Trigger } from '../../functions/events/callback-envelope';

export type ProcessingMode = 'CONVERSATION' | 'DISPATCH';
export type SinchCallback = Record<string, unknown> & {
  app_id: string;
  project_id: string;
  accepted_time: string;
};

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** A ULID-shaped id, like every Sinch id. */
export function sinchId(): string {
  return Array.from(randomBytes(26), (b) => CROCKFORD[b % 32]).join('');
}

export const TEST_APP_ID = '01HQ8Z0ZB6W1S4VJ4NPXAQ4E5T';
export const TEST_PROJECT_ID = 'e2df3a34-a71b-4448-9db5-a8d2baad28e4';

export interface CallbackOptions {
  appId?: string;
  projectId?: string;
  mode?: ProcessingMode;
  channel?: string;
  identity?: string;
  contactId?: string;
  conversationId?: string;
  acceptedTime?: string;
  eventTime?: string;
  correlationId?: string;
  messageMetadata?: string;
}

function envelope(o: CallbackOptions, notification: Record<string, unknown>): SinchCallback {
  const accepted = o.acceptedTime ?? '2026-11-25T06:30:00.123Z';
  return {
    app_id: o.appId ?? TEST_APP_ID,
    accepted_time: accepted,
    event_time: o.eventTime ?? '2026-11-25T06:29:59.870Z',
    project_id: o.projectId ?? TEST_PROJECT_ID,
    ...notification,
    message_metadata: o.messageMetadata ?? '',
    correlation_id: o.correlationId ?? '',
  };
}

function scoped(o: CallbackOptions) {
  const dispatch = o.mode === 'DISPATCH';
  const channel = o.channel ?? 'WHATSAPP';
  return {
    channel_identity: { channel, identity: o.identity ?? '46700000001', app_id: '' },
    contact_id: dispatch ? '' : (o.contactId ?? '01HQ8Z1C6R3M7YB2T9DKW5XN0F'),
    conversation_id: dispatch ? '' : (o.conversationId ?? '01HQ8Z1C8JXKQ0ZP6V3T4M2BRS'),
    processing_mode: dispatch ? 'DISPATCH' : 'CONVERSATION',
  };
}

/** `contact_message` bodies of MESSAGE_INBOUND, one per kind. */
export const contactMessages = {
  text: (text = 'Hello, is my order on its way?') => ({ text_message: { text } }),
  media: () => ({
    media_message: {
      url: 'https://media.example.com/inbound/photo.jpg',
      thumbnail_url: 'https://media.example.com/inbound/photo-thumb.jpg',
      filename_override: 'photo.jpg',
    },
  }),
  location: () => ({
    location_message: {
      coordinates: { latitude: 59.3293, longitude: 18.0686 },
      title: 'Stockholm Central',
      label: 'Pickup point',
    },
  }),
  choiceResponse: (messageId = '01HQ8Z2A0000000000000CHOSE') => ({
    choice_response_message: { message_id: messageId, postback_data: 'confirm_order_42' },
  }),
  mediaCard: () => ({
    media_card_message: { url: 'https://media.example.com/card.png', caption: 'Our new store' },
  }),
  fallback: () => ({
    fallback_message: {
      raw_message: '{"type":"sticker","sticker":{"id":"123"}}',
      reason: {
        code: 'UNSUPPORTED_CONTENT',
        description: 'Sticker messages are not supported',
        sub_code: '',
      },
    },
  }),
  productResponse: () => ({
    product_response_message: {
      products: [{ id: 'sku-1', marketplace: 'FACEBOOK', quantity: 2, item_price: 9.99, currency: 'EUR' }],
      title: 'Order',
      catalog_id: 'catalog-1',
    },
  }),
  channelSpecific: () => ({
    channel_specific_message: {
      message_type: 'nfm_reply',
      message: { flow_token: 'abc', response_json: '{}' },
    },
  }),
};

export type ContactMessage = Record<string, unknown>;

export const callbacks = {
  messageInbound(
    o: CallbackOptions & { messageId?: string; content?: ContactMessage; replyTo?: string } = {},
  ) {
    const contact_message = { ...(o.content ?? contactMessages.text()) } as Record<string, unknown>;
    if (o.replyTo) contact_message.reply_to = { message_id: o.replyTo };
    return envelope(o, {
      message: {
        id: o.messageId ?? sinchId(),
        direction: 'TO_APP',
        ...scoped(o),
        contact_message,
        metadata: '',
        accept_time: o.acceptedTime ?? '2026-11-25T06:30:00.100Z',
        sender_id: '46700999000',
        injected: false,
      },
    });
  },
  messageDelivery(
    o: CallbackOptions & { messageId?: string; status?: string; reason?: Record<string, string> } = {},
  ) {
    const status = o.status ?? 'DELIVERED';
    return envelope(o, {
      message_delivery_report: {
        message_id: o.messageId ?? sinchId(),
        ...scoped(o),
        status,
        ...(status === 'FAILED'
          ? {
              reason: o.reason ?? {
                code: 'RECIPIENT_NOT_REACHABLE',
                description: 'The recipient is not reachable on the channel',
                sub_code: 'UNSPECIFIED_SUB_CODE',
              },
            }
          : {}),
        metadata: 'order-42',
      },
    });
  },
  messageSubmit(o: CallbackOptions & { messageId?: string } = {}) {
    return envelope(o, {
      message_submit_notification: {
        message_id: o.messageId ?? sinchId(),
        ...scoped(o),
        submitted_message: { text_message: { text: 'Your order has shipped' } },
        metadata: 'order-42',
      },
    });
  },
  messageRedaction(o: CallbackOptions & { messageId?: string } = {}) {
    return envelope(o, {
      message_redaction: {
        id: o.messageId ?? sinchId(),
        direction: 'TO_APP',
        ...scoped(o),
        contact_message: { text_message: { text: 'My card number is {CREDIT_CARD}' } },
        metadata: '',
        accept_time: '2026-11-25T06:30:00.100Z',
      },
    });
  },
  eventInbound(o: CallbackOptions & { eventId?: string; contactEvent?: Record<string, unknown> } = {}) {
    const event = o.contactEvent ?? { contact_event: { composing_event: {} } };
    return envelope(o, {
      event: { id: o.eventId ?? sinchId(), ...scoped(o), ...event, accept_time: '2026-11-25T06:30:00.100Z' },
    });
  },
  eventDelivery(o: CallbackOptions & { eventId?: string; status?: string } = {}) {
    return envelope(o, {
      event_delivery_report: {
        event_id: o.eventId ?? sinchId(),
        ...scoped(o),
        status: o.status ?? 'DELIVERED',
        metadata: '',
      },
    });
  },
  conversationStart: (o: CallbackOptions = {}) =>
    envelope(o, { conversation_start_notification: conversation(o) }),
  conversationStop: (o: CallbackOptions = {}) =>
    envelope(o, { conversation_stop_notification: conversation(o) }),
  conversationDelete: (o: CallbackOptions = {}) =>
    envelope(o, { conversation_delete_notification: conversation(o) }),
  contactCreate: (o: CallbackOptions = {}) =>
    envelope(o, { contact_create_notification: { contact: contact(o) } }),
  contactDelete: (o: CallbackOptions = {}) =>
    envelope(o, { contact_delete_notification: { contact: contact(o) } }),
  contactUpdate: (o: CallbackOptions = {}) =>
    envelope(o, { contact_update_notification: { contact: contact(o) } }),
  contactMerge: (o: CallbackOptions = {}) =>
    envelope(o, {
      contact_merge_notification: {
        preserved_contact: contact(o),
        deleted_contact: { ...contact(o), id: '01HQ8Z3DELETED0000000000000' },
      },
    }),
  contactIdentitiesDuplication: (o: CallbackOptions = {}) =>
    envelope(o, {
      duplicated_contact_identities_notification: {
        duplicated_identities: [
          {
            channel: o.channel ?? 'SMS',
            contact_ids: ['01HQ8Z1C6R3M7YB2T9DKW5XN0F', '01HQ8Z3OTHER00000000000000'],
          },
        ],
      },
    }),
  /** Java `CapabilityEventNotificationImpl`: a partial or missing capability carries a `reason`. */
  capability: (o: CallbackOptions & { requestId?: string; partial?: boolean } = {}) =>
    envelope(o, {
      capability_notification: {
        request_id: o.requestId ?? sinchId(),
        contact_id: o.mode === 'DISPATCH' ? '' : '01HQ8Z1C6R3M7YB2T9DKW5XN0F',
        channel: o.channel ?? 'WHATSAPP',
        identity: o.identity ?? '46700000001',
        capability_status: o.partial ? 'CAPABILITY_PARTIAL' : 'CAPABILITY_FULL',
        channel_capabilities: o.partial ? ['text'] : ['text', 'media'],
        ...(o.partial
          ? {
              reason: {
                code: 'RECIPIENT_NOT_OPTED_IN',
                description: 'The recipient has not opted in to rich messages',
                sub_code: 'UNSPECIFIED_SUB_CODE',
                channel_code: '131047',
              },
            }
          : {}),
      },
    }),
  optIn: (o: CallbackOptions & { requestId?: string; failed?: boolean } = {}) =>
    envelope(o, { opt_in_notification: optInOut(o, 'OPT_IN') }),
  optOut: (o: CallbackOptions & { requestId?: string; failed?: boolean } = {}) =>
    envelope(o, { opt_out_notification: optInOut(o, 'OPT_OUT') }),
  /** Java `ChannelEventNotificationImpl` / Node `ChannelEventNotification`: `{ channel_event: {...} }`. */
  channelEvent: (o: CallbackOptions & { eventType?: string } = {}) =>
    envelope(o, {
      channel_event_notification: {
        channel_event: {
          channel: o.channel ?? 'WHATSAPP',
          event_type: o.eventType ?? 'WHATS_APP_QUALITY_RATING_CHANGED',
          additional_data: { quality_rating: 'YELLOW' },
        },
      },
    }),
  unsupported: (o: CallbackOptions = {}) =>
    envelope(o, {
      unsupported_callback: {
        channel: o.channel ?? 'WHATSAPP',
        payload: '{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[]}]}',
        processing_mode: o.mode === 'DISPATCH' ? 'DISPATCH' : 'CONVERSATION',
        id: sinchId(),
        contact_id: o.mode === 'DISPATCH' ? '' : '01HQ8Z1C6R3M7YB2T9DKW5XN0F',
        conversation_id: o.mode === 'DISPATCH' ? '' : '01HQ8Z1C8JXKQ0ZP6V3T4M2BRS',
        channel_message_id: 'wamid.HBgLNDY3MDAwMDAwMDEVAgASGBQzQUI',
        channel_identity: {
          channel: o.channel ?? 'WHATSAPP',
          identity: o.identity ?? '46700000001',
          app_id: '',
        },
      },
    }),
  /** Java `SmartConversationsEventNotificationImpl`: `channel_identity` is a plain string here. */
  smartConversation: (o: CallbackOptions & { messageId?: string } = {}) =>
    envelope(o, {
      smart_conversation_notification: {
        contact_id: o.mode === 'DISPATCH' ? '' : '01HQ8Z1C6R3M7YB2T9DKW5XN0F',
        channel_identity: o.identity ?? '46700000001',
        channel: o.channel ?? 'WHATSAPP',
        message_id: o.messageId ?? sinchId(),
        conversation_id: o.mode === 'DISPATCH' ? '' : '01HQ8Z1C8JXKQ0ZP6V3T4M2BRS',
        analysis_results: {
          ml_sentiment_result: [{ message: 'great service', sentiment: 'positive', score: 0.97 }],
        },
      },
    }),
  /** Java `RecordNotificationEventNotificationImpl`: what happened to a record of an entity. */
  recordNotification: (o: CallbackOptions & { entityId?: string; failed?: boolean } = {}) =>
    envelope(o, {
      record_notification: {
        entity_id: o.entityId ?? sinchId(),
        record_status: o.failed ? 'EVENT_RECORD_FAILED' : 'EVENT_RECORD_STORED',
        ...scoped(o),
        ...(o.failed
          ? {
              reason: { code: 'INTERNAL_ERROR', description: 'The record could not be stored', sub_code: '' },
            }
          : {}),
      },
    }),
  /**
   * BATCH_STATUS_UPDATE (Batch API, 2025): in no SDK model yet. Shape as Sinch's Batch API
   * callbacks describe it: `batch_id`, `batch_status`, `batch_type`, `additional_data`.
   */
  batchStatusUpdate: (o: CallbackOptions & { batchId?: string; status?: string } = {}) =>
    envelope(o, {
      batch_status_update_notification: {
        batch_id: o.batchId ?? sinchId(),
        batch_status: o.status ?? 'BATCH_STATUS_PROCESSED',
        batch_type: 'BATCH_TYPE_MESSAGES',
        additional_data: {
          message_batch_data: {
            send_after: '2026-11-25T06:00:00Z',
            batch_metadata: { campaign: 'winter-sale' },
          },
        },
      },
    }),
};

/**
 * Shapes Sinch's prose docs show where they differ from the generated models: the models win,
 * but the bridge reads these too.
 */
export const proseShapes = {
  /** A top-level `channel_event` instead of `channel_event_notification.channel_event`. */
  channelEventTopLevel: (o: CallbackOptions = {}) =>
    envelope(o, {
      channel_event: {
        channel: o.channel ?? 'WHATSAPP',
        event_type: 'WHATS_APP_QUALITY_RATING_CHANGED',
        additional_data: { quality_rating: 'RED' },
      },
    }),
  /** `duplicated_identities_notification` instead of `duplicated_contact_identities_notification`. */
  contactIdentitiesDuplication: (o: CallbackOptions = {}) =>
    envelope(o, {
      duplicated_identities_notification: {
        duplicated_identities: [
          {
            channel: o.channel ?? 'SMS',
            contact_ids: ['01HQ8Z1C6R3M7YB2T9DKW5XN0F', '01HQ8Z3OTHER00000000000000'],
          },
        ],
      },
    }),
  /** A flat `contact_id` on delete instead of `contact.id`. */
  contactDeleteFlat: (o: CallbackOptions = {}) =>
    envelope(o, { contact_delete_notification: { contact_id: o.contactId ?? '01HQ8Z1C6R3M7YB2T9DKW5XN0F' } }),
};

function conversation(o: CallbackOptions) {
  return {
    conversation: {
      id: o.conversationId ?? '01HQ8Z1C8JXKQ0ZP6V3T4M2BRS',
      app_id: o.appId ?? TEST_APP_ID,
      contact_id: o.contactId ?? '01HQ8Z1C6R3M7YB2T9DKW5XN0F',
      last_received: '2026-11-25T06:29:00Z',
      active_channel: o.channel ?? 'WHATSAPP',
      active: true,
      metadata: '',
      metadata_json: {},
    },
  };
}

function contact(o: CallbackOptions) {
  return {
    id: o.contactId ?? '01HQ8Z1C6R3M7YB2T9DKW5XN0F',
    channel_identities: [{ channel: o.channel ?? 'SMS', identity: o.identity ?? '46700000001', app_id: '' }],
    display_name: 'Ada Lovelace',
    email: 'ada@example.com',
    external_id: '',
    metadata: '',
    language: 'EN_US',
  };
}

/** Java `OptInEventNotificationImpl` / `OptOutEventNotificationImpl`. */
function optInOut(o: CallbackOptions & { requestId?: string; failed?: boolean }, kind: 'OPT_IN' | 'OPT_OUT') {
  return {
    request_id: o.requestId ?? sinchId(),
    contact_id: o.mode === 'DISPATCH' ? '' : '01HQ8Z1C6R3M7YB2T9DKW5XN0F',
    channel: o.channel ?? 'WHATSAPP',
    identity: o.identity ?? '46700000001',
    status: o.failed ? `${kind}_FAILED` : `${kind}_SUCCEEDED`,
    error_details: { description: o.failed ? 'The channel refused the opt-in change' : '' },
    processing_mode: o.mode === 'DISPATCH' ? 'DISPATCH' : 'CONVERSATION',
  };
}

/** One factory per trigger: the normalization tests run over all of them. */
export const CALLBACK_BY_TRIGGER: Record<Trigger, (o?: CallbackOptions) => SinchCallback> = {
  MESSAGE_INBOUND: callbacks.messageInbound,
  MESSAGE_DELIVERY: callbacks.messageDelivery,
  MESSAGE_SUBMIT: callbacks.messageSubmit,
  MESSAGE_INBOUND_SMART_CONVERSATION_REDACTION: callbacks.messageRedaction,
  EVENT_INBOUND: callbacks.eventInbound,
  EVENT_DELIVERY: callbacks.eventDelivery,
  CONVERSATION_START: callbacks.conversationStart,
  CONVERSATION_STOP: callbacks.conversationStop,
  CONVERSATION_DELETE: callbacks.conversationDelete,
  CONTACT_CREATE: callbacks.contactCreate,
  CONTACT_DELETE: callbacks.contactDelete,
  CONTACT_UPDATE: callbacks.contactUpdate,
  CONTACT_MERGE: callbacks.contactMerge,
  CONTACT_IDENTITIES_DUPLICATION: callbacks.contactIdentitiesDuplication,
  CAPABILITY: callbacks.capability,
  OPT_IN: callbacks.optIn,
  OPT_OUT: callbacks.optOut,
  CHANNEL_EVENT: callbacks.channelEvent,
  UNSUPPORTED: callbacks.unsupported,
  SMART_CONVERSATION: callbacks.smartConversation,
  RECORD_NOTIFICATION: callbacks.recordNotification,
  BATCH_STATUS_UPDATE: callbacks.batchStatusUpdate,
};
