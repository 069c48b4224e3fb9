/**
 * Every notification key Sinch sends, with payloads written from Sinch's published models
 * (test/support/callbacks.ts says which), through `normalizeCallback` and through the real
 * webhook handler (local SQS, Secrets Manager double): every field the event contract names is
 * asserted, as are the FIFO group and the message attributes.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConversationEventDataSchema } from '../../functions/events/conversation-event';
import { signSinchCallback } from '../../functions/sinch/signature';
import { normalizeCallback } from '../../functions/webhook/normalize-callback';
import { type SecretsManagerDouble, startSecretsManagerDouble } from '../../local/aws/secrets-manager-double';
import { type LocalSqs, startLocalSqs } from '../../local/aws/sqs-server';
import { apiGatewayEvent } from '../support/apigw';
import {
  type CallbackOptions,
  callbacks,
  contactMessages,
  proseShapes,
  type SinchCallback,
  TEST_APP_ID,
  TEST_PROJECT_ID,
} from '../support/callbacks';
import { drainQueue } from '../support/sqs-drain';

const A = TEST_APP_ID;
const CONTACT = '01HQ8Z1C6R3M7YB2T9DKW5XN0F';
const CONVERSATION = '01HQ8Z1C8JXKQ0ZP6V3T4M2BRS';
const ID = '01HQ8Z9ID00000000000000001';
const envelopeOptions: CallbackOptions = { correlationId: 'order-42', messageMetadata: 'campaign=winter' };

/** Fields every event of these callbacks has (the envelope's). */
const common = {
  region: 'eu',
  projectId: TEST_PROJECT_ID,
  appId: A,
  acceptedTime: '2026-11-25T06:30:00.123Z',
  eventTime: '2026-11-25T06:29:59.870Z',
  correlationId: 'order-42',
  messageMetadata: 'campaign=winter',
};

/** Channel identity fields of a WhatsApp contact, CONVERSATION mode. */
const whatsapp = {
  channel: 'WHATSAPP',
  identity: '46700000001',
  queueAddress: `${A}@whatsapp.sinchconversation.com`,
};
const scoped = {
  ...whatsapp,
  contactId: CONTACT,
  conversationId: CONVERSATION,
  processingMode: 'CONVERSATION',
};

interface Case {
  /** The callback, as Sinch posts it. */
  callback: SinchCallback;
  type: string;
  /** `data` without `payload`: exactly. */
  data: Record<string, unknown>;
  /** FIFO group and the `channel` attribute. */
  group: string;
  channel?: string;
}

const o = (extra: Record<string, unknown> = {}) => ({ ...envelopeOptions, ...extra });

const CASES: Record<string, Case> = {
  'MESSAGE_INBOUND (text)': {
    callback: callbacks.messageInbound(o({ messageId: ID, replyTo: '01HQ8Z9OUT0000000000000001' })),
    type: 'sinch.conversation.message_inbound',
    data: {
      trigger: 'MESSAGE_INBOUND',
      ...scoped,
      messageId: ID,
      direction: 'TO_APP',
      senderId: '46700999000',
      replyToMessageId: '01HQ8Z9OUT0000000000000001',
      injected: false,
      content: { kind: 'text', text: 'Hello, is my order on its way?' },
    },
    group: `${A}:WHATSAPP:46700000001`,
    channel: 'WHATSAPP',
  },
  MESSAGE_DELIVERY: {
    callback: callbacks.messageDelivery(o({ messageId: ID, status: 'FAILED' })),
    type: 'sinch.conversation.message_delivery',
    data: {
      trigger: 'MESSAGE_DELIVERY',
      ...scoped,
      messageId: ID,
      status: 'FAILED',
      reason: {
        code: 'RECIPIENT_NOT_REACHABLE',
        description: 'The recipient is not reachable on the channel',
        subCode: 'UNSPECIFIED_SUB_CODE',
      },
      metadata: 'order-42',
    },
    group: `${A}:WHATSAPP:46700000001`,
    channel: 'WHATSAPP',
  },
  MESSAGE_SUBMIT: {
    callback: callbacks.messageSubmit(o({ messageId: ID })),
    type: 'sinch.conversation.message_submit',
    data: { trigger: 'MESSAGE_SUBMIT', ...scoped, messageId: ID, metadata: 'order-42' },
    group: `${A}:WHATSAPP:46700000001`,
    channel: 'WHATSAPP',
  },
  MESSAGE_INBOUND_SMART_CONVERSATION_REDACTION: {
    callback: callbacks.messageRedaction(o({ messageId: ID })),
    type: 'sinch.conversation.message_inbound_smart_conversation_redaction',
    data: {
      trigger: 'MESSAGE_INBOUND_SMART_CONVERSATION_REDACTION',
      ...scoped,
      messageId: ID,
      direction: 'TO_APP',
    },
    group: `${A}:WHATSAPP:46700000001`,
    channel: 'WHATSAPP',
  },
  EVENT_INBOUND: {
    callback: callbacks.eventInbound(o({ eventId: ID })),
    type: 'sinch.conversation.event_inbound',
    data: { trigger: 'EVENT_INBOUND', ...scoped, eventId: ID, event: { kind: 'composing' } },
    group: `${A}:WHATSAPP:46700000001`,
    channel: 'WHATSAPP',
  },
  EVENT_DELIVERY: {
    callback: callbacks.eventDelivery(o({ eventId: ID, status: 'DELIVERED' })),
    type: 'sinch.conversation.event_delivery',
    data: { trigger: 'EVENT_DELIVERY', ...scoped, eventId: ID, status: 'DELIVERED' },
    group: `${A}:WHATSAPP:46700000001`,
    channel: 'WHATSAPP',
  },
  CONVERSATION_START: {
    callback: callbacks.conversationStart(o()),
    type: 'sinch.conversation.conversation_start',
    data: {
      trigger: 'CONVERSATION_START',
      channel: 'WHATSAPP',
      queueAddress: whatsapp.queueAddress,
      contactId: CONTACT,
      conversationId: CONVERSATION,
    },
    group: A,
    channel: 'WHATSAPP',
  },
  CONVERSATION_STOP: {
    callback: callbacks.conversationStop(o()),
    type: 'sinch.conversation.conversation_stop',
    data: {
      trigger: 'CONVERSATION_STOP',
      channel: 'WHATSAPP',
      queueAddress: whatsapp.queueAddress,
      contactId: CONTACT,
      conversationId: CONVERSATION,
    },
    group: A,
    channel: 'WHATSAPP',
  },
  CONVERSATION_DELETE: {
    callback: callbacks.conversationDelete(o()),
    type: 'sinch.conversation.conversation_delete',
    data: {
      trigger: 'CONVERSATION_DELETE',
      channel: 'WHATSAPP',
      queueAddress: whatsapp.queueAddress,
      contactId: CONTACT,
      conversationId: CONVERSATION,
    },
    group: A,
    channel: 'WHATSAPP',
  },
  CONTACT_CREATE: {
    callback: callbacks.contactCreate(o()),
    type: 'sinch.conversation.contact_create',
    data: { trigger: 'CONTACT_CREATE', contactId: CONTACT },
    group: A,
  },
  CONTACT_UPDATE: {
    callback: callbacks.contactUpdate(o()),
    type: 'sinch.conversation.contact_update',
    data: { trigger: 'CONTACT_UPDATE', contactId: CONTACT },
    group: A,
  },
  CONTACT_DELETE: {
    callback: callbacks.contactDelete(o()),
    type: 'sinch.conversation.contact_delete',
    data: { trigger: 'CONTACT_DELETE', contactId: CONTACT },
    group: A,
  },
  CONTACT_MERGE: {
    callback: callbacks.contactMerge(o()),
    type: 'sinch.conversation.contact_merge',
    data: { trigger: 'CONTACT_MERGE', contactId: CONTACT, deletedContactId: '01HQ8Z3DELETED0000000000000' },
    group: A,
  },
  CONTACT_IDENTITIES_DUPLICATION: {
    callback: callbacks.contactIdentitiesDuplication(o()),
    type: 'sinch.conversation.contact_identities_duplication',
    data: { trigger: 'CONTACT_IDENTITIES_DUPLICATION' },
    group: A,
  },
  'CAPABILITY (partial, with reason)': {
    callback: callbacks.capability(o({ requestId: ID, partial: true })),
    type: 'sinch.conversation.capability',
    data: {
      trigger: 'CAPABILITY',
      ...whatsapp,
      contactId: CONTACT,
      requestId: ID,
      status: 'CAPABILITY_PARTIAL',
      reason: {
        code: 'RECIPIENT_NOT_OPTED_IN',
        description: 'The recipient has not opted in to rich messages',
        subCode: 'UNSPECIFIED_SUB_CODE',
        channelCode: '131047',
      },
    },
    group: `${A}:WHATSAPP:46700000001`,
    channel: 'WHATSAPP',
  },
  'OPT_IN (failed, with errorDetails)': {
    callback: callbacks.optIn(o({ requestId: ID, failed: true })),
    type: 'sinch.conversation.opt_in',
    data: {
      trigger: 'OPT_IN',
      ...whatsapp,
      contactId: CONTACT,
      processingMode: 'CONVERSATION',
      requestId: ID,
      status: 'OPT_IN_FAILED',
      errorDetails: { description: 'The channel refused the opt-in change' },
    },
    group: `${A}:WHATSAPP:46700000001`,
    channel: 'WHATSAPP',
  },
  OPT_OUT: {
    callback: callbacks.optOut(o({ requestId: ID, mode: 'DISPATCH' })),
    type: 'sinch.conversation.opt_out',
    data: {
      trigger: 'OPT_OUT',
      ...whatsapp,
      processingMode: 'DISPATCH',
      requestId: ID,
      status: 'OPT_OUT_SUCCEEDED',
    },
    group: `${A}:WHATSAPP:46700000001`,
    channel: 'WHATSAPP',
  },
  CHANNEL_EVENT: {
    callback: callbacks.channelEvent(o()),
    type: 'sinch.conversation.channel_event',
    data: {
      trigger: 'CHANNEL_EVENT',
      channel: 'WHATSAPP',
      queueAddress: whatsapp.queueAddress,
      eventType: 'WHATS_APP_QUALITY_RATING_CHANGED',
    },
    group: A,
    channel: 'WHATSAPP',
  },
  UNSUPPORTED: {
    callback: callbacks.unsupported(o()),
    type: 'sinch.conversation.unsupported',
    data: { trigger: 'UNSUPPORTED', ...scoped },
    group: `${A}:WHATSAPP:46700000001`,
    channel: 'WHATSAPP',
  },
  SMART_CONVERSATION: {
    callback: callbacks.smartConversation(o({ messageId: ID })),
    type: 'sinch.conversation.smart_conversation',
    data: {
      trigger: 'SMART_CONVERSATION',
      ...whatsapp,
      contactId: CONTACT,
      conversationId: CONVERSATION,
      messageId: ID,
    },
    group: `${A}:WHATSAPP:46700000001`,
    channel: 'WHATSAPP',
  },
  'RECORD_NOTIFICATION (failed)': {
    callback: callbacks.recordNotification(o({ entityId: ID, failed: true })),
    type: 'sinch.conversation.record_notification',
    data: {
      trigger: 'RECORD_NOTIFICATION',
      ...scoped,
      entityId: ID,
      recordStatus: 'EVENT_RECORD_FAILED',
      reason: { code: 'INTERNAL_ERROR', description: 'The record could not be stored' },
    },
    group: `${A}:WHATSAPP:46700000001`,
    channel: 'WHATSAPP',
  },
  BATCH_STATUS_UPDATE: {
    callback: callbacks.batchStatusUpdate(o({ batchId: ID })),
    type: 'sinch.conversation.batch_status_update',
    data: {
      trigger: 'BATCH_STATUS_UPDATE',
      batchId: ID,
      status: 'BATCH_STATUS_PROCESSED',
      batchType: 'BATCH_TYPE_MESSAGES',
    },
    group: A,
  },
  'CHANNEL_EVENT (prose docs: top-level channel_event)': {
    callback: proseShapes.channelEventTopLevel(o({ channel: 'MESSENGER' })),
    type: 'sinch.conversation.channel_event',
    data: {
      trigger: 'CHANNEL_EVENT',
      channel: 'MESSENGER',
      queueAddress: `${A}@facebook.sinchconversation.com`,
      eventType: 'WHATS_APP_QUALITY_RATING_CHANGED',
    },
    group: A,
    channel: 'MESSENGER',
  },
  'CONTACT_IDENTITIES_DUPLICATION (prose docs: duplicated_identities_notification)': {
    callback: proseShapes.contactIdentitiesDuplication(o()),
    type: 'sinch.conversation.contact_identities_duplication',
    data: { trigger: 'CONTACT_IDENTITIES_DUPLICATION' },
    group: A,
  },
  'CONTACT_DELETE (prose docs: flat contact_id)': {
    callback: proseShapes.contactDeleteFlat(o()),
    type: 'sinch.conversation.contact_delete',
    data: { trigger: 'CONTACT_DELETE', contactId: CONTACT },
    group: A,
  },
  'MESSAGE_DELIVERY with fields Sinch added later (nrs_data, RCS operator)': {
    callback: (() => {
      const callback = callbacks.messageDelivery(o({ messageId: ID, status: 'DELIVERED', channel: 'RCS' }));
      const report = callback.message_delivery_report as Record<string, unknown>;
      (report.channel_identity as Record<string, unknown>).nrs_data = {
        reachable: true,
        carrier: { name: 'Telia' },
      };
      report.channel_metadata = { rcs: { operator: 'Telia' } };
      report.operator = 'Telia';
      return callback;
    })(),
    type: 'sinch.conversation.message_delivery',
    data: {
      trigger: 'MESSAGE_DELIVERY',
      ...scoped,
      channel: 'RCS',
      queueAddress: `${A}@rcs.sinchconversation.com`,
      messageId: ID,
      status: 'DELIVERED',
      metadata: 'order-42',
    },
    group: `${A}:RCS:46700000001`,
    channel: 'RCS',
  },
};

/** MESSAGE_INBOUND content: every kind of `contact_message` in the models, and what it gives. */
const CONTENT: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
  ['text', contactMessages.text('hi'), { kind: 'text', text: 'hi' }],
  [
    'media',
    contactMessages.media(),
    {
      kind: 'media',
      url: 'https://media.example.com/inbound/photo.jpg',
      thumbnailUrl: 'https://media.example.com/inbound/photo-thumb.jpg',
      filename: 'photo.jpg',
    },
  ],
  [
    'location',
    contactMessages.location(),
    {
      kind: 'location',
      latitude: 59.3293,
      longitude: 18.0686,
      title: 'Stockholm Central',
      label: 'Pickup point',
    },
  ],
  [
    'choice_response',
    contactMessages.choiceResponse(ID),
    { kind: 'choice_response', messageId: ID, postbackData: 'confirm_order_42' },
  ],
  [
    'media_card',
    contactMessages.mediaCard(),
    { kind: 'media_card', url: 'https://media.example.com/card.png', caption: 'Our new store' },
  ],
  [
    'fallback',
    contactMessages.fallback(),
    {
      kind: 'fallback',
      rawMessage: '{"type":"sticker","sticker":{"id":"123"}}',
      reason: { code: 'UNSUPPORTED_CONTENT', description: 'Sticker messages are not supported' },
    },
  ],
  ['product_response', contactMessages.productResponse(), { kind: 'product_response' }],
  ['channel_specific', contactMessages.channelSpecific(), { kind: 'channel_specific' }],
  ['a kind Sinch adds later', { shared_contact_message: { vcard: 'BEGIN:VCARD' } }, { kind: 'unknown' }],
];

function normalize(callback: SinchCallback) {
  return normalizeCallback(callback, {
    region: 'eu',
    projectId: 'configured-project',
    appId: A,
    rawBody: JSON.stringify(callback),
    receivedAt: '2026-11-25T06:30:01.000Z',
  });
}

describe('normalizeCallback: every notification key, from Sinch models', () => {
  it.each(Object.entries(CASES))('%s gives every contract field', (_label, c) => {
    // Act
    const event = normalize(c.callback);
    // Assess
    const { payload, ...data } = event.data;
    expect(event.type).toBe(c.type);
    expect(data).toStrictEqual({ ...common, ...c.data });
    expect(payload).toStrictEqual(c.callback);
    expect(ConversationEventDataSchema.safeParse(event.data).success).toBe(true);
    const identity = c.data.identity as string | undefined;
    if (identity) expect(event.subject).toBe(`${c.data.channel}:${identity}`);
    else expect(event).not.toHaveProperty('subject');
  });

  it.each(CONTENT)('MESSAGE_INBOUND %s content', (_kind, content, expected) => {
    const event = normalize(callbacks.messageInbound({ content }));
    expect(event.data).toMatchObject({ content: expected });
    expect((event.data as { content: unknown }).content).toStrictEqual(expected);
  });
});

describe('the webhook handler: every notification key, from Sinch models', () => {
  type Handler = (e: APIGatewayProxyEventV2, c: Context) => Promise<APIGatewayProxyStructuredResultV2>;
  const SECRET = 'whsec-models-1';
  const QUEUE = 'events.fifo';
  let sqs: LocalSqs;
  let sm: SecretsManagerDouble;
  let consumer: SQSClient;
  let handler: Handler;

  beforeAll(async () => {
    sqs = await startLocalSqs({ queues: [{ name: QUEUE, attributes: { FifoQueue: 'true' } }] });
    sm = await startSecretsManagerDouble();
    sm.put('sinch/models', JSON.stringify({ [A]: SECRET }));
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    vi.stubEnv('AWS_ENDPOINT_URL_SQS', sqs.endpoint);
    vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', sm.endpoint);
    vi.stubEnv('SINCH_REGION', 'eu');
    vi.stubEnv('SINCH_PROJECT_ID', TEST_PROJECT_ID);
    vi.stubEnv('EVENTS_QUEUE_URL', sqs.queueUrl(QUEUE));
    vi.stubEnv('WEBHOOK_SECRETS_ID', 'sinch/models');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    consumer = new SQSClient({
      endpoint: sqs.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    vi.resetModules();
    handler = (await import('../../functions/webhook/handler')).handler as Handler;
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await Promise.all([sqs.close(), sm.close()]);
  });

  it.each(Object.entries(CASES))(
    '%s reaches the events queue with its group and attributes',
    async (_label, c) => {
      // Prepare
      const body = JSON.stringify(c.callback);
      const request = apiGatewayEvent({
        path: `/webhooks/${A}`,
        headers: { 'content-type': 'application/json', ...signSinchCallback({ secret: SECRET, body }) },
        body,
      });
      // Act
      const response = await handler(request, {} as Context);
      const messages = await drainQueue(consumer, sqs.queueUrl(QUEUE));
      // Assess
      expect(response.statusCode).toBe(200);
      expect(messages).toHaveLength(1);
      const message = messages[0]!;
      const event = JSON.parse(message.Body!);
      expect(event).toEqual(JSON.parse(JSON.stringify(normalize(c.callback))));
      expect(event.data).toMatchObject({ ...common, ...c.data });
      expect(message.Attributes).toMatchObject({ MessageGroupId: c.group, MessageDeduplicationId: event.id });
      expect(message.MessageAttributes).toEqual({
        type: { DataType: 'String', StringValue: c.type },
        appId: { DataType: 'String', StringValue: A },
        ...(c.channel ? { channel: { DataType: 'String', StringValue: c.channel } } : {}),
      });
    },
  );
});
