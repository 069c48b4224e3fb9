import { randomBytes, randomUUID } from 'node:crypto';

/**
 * A ULID-shaped id (Sinch's message and event ids look like this). Not `local/bridge`'s: importing
 * the whole local bridge would slow every `simulate`.
 */
function newUlid(now = Date.now()): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let time = '';
  for (let t = now, i = 0; i < 10; i++, t = Math.floor(t / 32)) time = alphabet[t % 32] + time;
  return time + Array.from(randomBytes(16), (b) => alphabet[b % 32]).join('');
}

/** The notification key of each trigger (docs/events.md, "Fields per trigger"). */
export const CALLBACK_KEYS = {
  MESSAGE_INBOUND: 'message',
  MESSAGE_DELIVERY: 'message_delivery_report',
  MESSAGE_SUBMIT: 'message_submit_notification',
  MESSAGE_INBOUND_SMART_CONVERSATION_REDACTION: 'message_redaction',
  EVENT_INBOUND: 'event',
  EVENT_DELIVERY: 'event_delivery_report',
  CONVERSATION_START: 'conversation_start_notification',
  CONVERSATION_STOP: 'conversation_stop_notification',
  CONVERSATION_DELETE: 'conversation_delete_notification',
  CONTACT_CREATE: 'contact_create_notification',
  CONTACT_DELETE: 'contact_delete_notification',
  CONTACT_UPDATE: 'contact_update_notification',
  CONTACT_MERGE: 'contact_merge_notification',
  CONTACT_IDENTITIES_DUPLICATION: 'duplicated_contact_identities_notification',
  CAPABILITY: 'capability_notification',
  OPT_IN: 'opt_in_notification',
  OPT_OUT: 'opt_out_notification',
  CHANNEL_EVENT: 'channel_event_notification',
  UNSUPPORTED: 'unsupported_callback',
  SMART_CONVERSATION: 'smart_conversation_notification',
  RECORD_NOTIFICATION: 'record_notification',
  BATCH_STATUS_UPDATE: 'batch_status_update_notification',
} as const;
export type SimulatedTrigger = keyof typeof CALLBACK_KEYS;
export const SIMULATED_TRIGGERS = Object.keys(CALLBACK_KEYS) as SimulatedTrigger[];

export interface SampleCallbackOptions {
  appId: string;
  projectId?: string;
  channel?: string;
  identity?: string;
  /** MESSAGE_INBOUND text; default "Hello from sinch-bridge simulate". */
  text?: string;
  /** MESSAGE_DELIVERY status; default DELIVERED. */
  status?: string;
  /** Message id a delivery report or submit notification is about. */
  messageId?: string;
  now?: Date;
}

/**
 * A realistic callback of any trigger, shaped like Sinch's (dispatch mode: empty contact and
 * conversation ids), for `sinch-bridge simulate`.
 *
 * @example
 * const body = JSON.stringify(sampleCallback('MESSAGE_INBOUND', { appId, text: 'hi' }));
 */
export function sampleCallback(
  trigger: SimulatedTrigger,
  options: SampleCallbackOptions,
): Record<string, unknown> {
  const now = (options.now ?? new Date()).toISOString();
  const channel = options.channel ?? 'WHATSAPP';
  const identity = options.identity ?? '46700000000';
  const channelIdentity = { channel, identity, app_id: '' };
  const messageId = options.messageId ?? newUlid();
  const dispatch = { contact_id: '', conversation_id: '', processing_mode: 'DISPATCH' };
  const notifications: Record<SimulatedTrigger, Record<string, unknown>> = {
    MESSAGE_INBOUND: {
      id: newUlid(),
      direction: 'TO_APP',
      channel_identity: channelIdentity,
      contact_message: { text_message: { text: options.text ?? 'Hello from sinch-bridge simulate' } },
      metadata: '',
      accept_time: now,
      sender_id: '46800000000',
      injected: false,
      ...dispatch,
    },
    MESSAGE_DELIVERY: {
      message_id: messageId,
      status: options.status ?? 'DELIVERED',
      channel_identity: channelIdentity,
      metadata: '',
      ...dispatch,
    },
    MESSAGE_SUBMIT: {
      message_id: messageId,
      channel_identity: channelIdentity,
      submitted_message: { text_message: { text: options.text ?? 'Hello from the bridge' } },
      metadata: '',
      ...dispatch,
    },
    MESSAGE_INBOUND_SMART_CONVERSATION_REDACTION: {
      id: newUlid(),
      direction: 'TO_APP',
      channel_identity: channelIdentity,
      contact_message: { text_message: { text: '***' } },
      accept_time: now,
      ...dispatch,
    },
    EVENT_INBOUND: {
      id: newUlid(),
      channel_identity: channelIdentity,
      contact_event: { composing_event: {} },
      accept_time: now,
      ...dispatch,
    },
    EVENT_DELIVERY: {
      event_id: newUlid(),
      status: options.status ?? 'DELIVERED',
      channel_identity: channelIdentity,
      metadata: '',
      ...dispatch,
    },
    CONVERSATION_START: { conversation: { id: newUlid(), app_id: options.appId, active: true } },
    CONVERSATION_STOP: { conversation: { id: newUlid(), app_id: options.appId, active: false } },
    CONVERSATION_DELETE: { conversation: { id: newUlid(), app_id: options.appId } },
    CONTACT_CREATE: {
      contact: { id: newUlid(), channel_identities: [channelIdentity], display_name: 'Test' },
    },
    CONTACT_DELETE: { contact: { id: newUlid(), channel_identities: [channelIdentity] } },
    CONTACT_UPDATE: {
      contact: { id: newUlid(), channel_identities: [channelIdentity], display_name: 'Test' },
    },
    CONTACT_MERGE: {
      preserved_contact: { id: newUlid(), channel_identities: [channelIdentity] },
      deleted_contact: { id: newUlid(), channel_identities: [] },
    },
    CONTACT_IDENTITIES_DUPLICATION: {
      duplicated_identities: [{ channel, contact_ids: [newUlid(), newUlid()] }],
    },
    CAPABILITY: {
      contact_id: '',
      identity,
      channel,
      capability_status: 'CAPABILITY_FULL',
      request_id: randomUUID(),
    },
    OPT_IN: { request_id: randomUUID(), contact_id: '', channel, identity, status: 'OPT_IN_SUCCEEDED' },
    OPT_OUT: { request_id: randomUUID(), contact_id: '', channel, identity, status: 'OPT_OUT_SUCCEEDED' },
    // Sinch's models nest the event: channel_event_notification.channel_event.
    CHANNEL_EVENT: {
      channel_event: {
        channel,
        event_type: 'WHATS_APP_QUALITY_RATING_CHANGED',
        additional_data: { quality_rating: 'GREEN' },
      },
    },
    UNSUPPORTED: {
      channel,
      payload: '{"raw":"channel payload"}',
      processing_mode: 'DISPATCH',
      id: newUlid(),
      channel_identity: channelIdentity,
    },
    SMART_CONVERSATION: { message_id: messageId, channel_identity: channelIdentity, analysis_results: {} },
    RECORD_NOTIFICATION: {
      entity_id: messageId,
      record_status: 'EVENT_RECORD_STORED',
      channel_identity: channelIdentity,
      ...dispatch,
    },
    BATCH_STATUS_UPDATE: {
      batch_id: newUlid(),
      batch_status: 'BATCH_STATUS_PROCESSED',
      batch_type: 'BATCH_TYPE_MESSAGES',
    },
  };
  return {
    app_id: options.appId,
    accepted_time: now,
    event_time: now,
    project_id: options.projectId ?? 'local-project',
    [CALLBACK_KEYS[trigger]]: notifications[trigger],
    message_metadata: '',
    correlation_id: '',
  };
}
