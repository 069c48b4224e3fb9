import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TRIGGERS, type Trigger } from '../../functions/events/callback-envelope';
import { CloudEventEnvelopeSchema } from '../../functions/events/cloud-event';
import { ConversationEventDataSchema } from '../../functions/events/conversation-event';
import { type NormalizeContext, normalizeCallback } from '../../functions/webhook/normalize-callback';
import {
  CALLBACK_BY_TRIGGER,
  callbacks,
  contactMessages,
  type ProcessingMode,
  TEST_APP_ID,
  TEST_PROJECT_ID,
} from '../support/callbacks';

function contextFor(callback: Record<string, unknown>): NormalizeContext {
  return {
    region: 'eu',
    projectId: 'configured-project',
    appId: TEST_APP_ID,
    rawBody: JSON.stringify(callback),
    receivedAt: '2026-11-25T06:30:01.000Z',
  };
}

function normalize(callback: Record<string, unknown>) {
  return normalizeCallback(callback, contextFor(callback));
}

/** Paths of empty strings outside `payload` (the contract: absent, never empty). */
function emptyStrings(value: unknown, path = ''): string[] {
  if (value === '') return [path];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) =>
    path === '' && k === 'payload' ? [] : emptyStrings(v, `${path}.${k}`),
  );
}

const WITH_CHANNEL_IDENTITY: Trigger[] = [
  'MESSAGE_INBOUND',
  'MESSAGE_DELIVERY',
  'MESSAGE_SUBMIT',
  'MESSAGE_INBOUND_SMART_CONVERSATION_REDACTION',
  'EVENT_INBOUND',
  'EVENT_DELIVERY',
  'CAPABILITY',
  'OPT_IN',
  'OPT_OUT',
  'UNSUPPORTED',
  'SMART_CONVERSATION',
  'RECORD_NOTIFICATION',
];

describe('normalizeCallback: every trigger, both processing modes', () => {
  const cases = TRIGGERS.flatMap((trigger) =>
    (['CONVERSATION', 'DISPATCH'] as ProcessingMode[]).map((mode) => [trigger, mode] as const),
  );

  it.each(cases)('%s in %s mode gives a valid envelope and data', (trigger, mode) => {
    // Prepare
    const callback = CALLBACK_BY_TRIGGER[trigger]({ mode });
    // Act
    const event = normalize(callback);
    // Assess
    expect(CloudEventEnvelopeSchema.parse(event)).toEqual(event);
    expect(ConversationEventDataSchema.safeParse(event.data).success).toBe(true);
    expect(event.type).toBe(`sinch.conversation.${trigger.toLowerCase()}`);
    expect(event.source).toBe(`sinch:conversation:eu:${TEST_PROJECT_ID}:${TEST_APP_ID}`);
    expect(event.dataschema).toBe('urn:sinch-conversation-bridge:schemas:conversation-event:v1');
    expect(event.time).toBe('2026-11-25T06:29:59.870Z');
    expect(event.data).toMatchObject({
      trigger,
      region: 'eu',
      projectId: TEST_PROJECT_ID,
      appId: TEST_APP_ID,
      acceptedTime: '2026-11-25T06:30:00.123Z',
      eventTime: '2026-11-25T06:29:59.870Z',
    });
    expect(event.data.payload).toEqual(callback);
    expect(emptyStrings(event.data)).toEqual([]);
    expect(event.id).toMatch(/^[A-Za-z0-9_-]{1,128}$/);
  });

  it.each(WITH_CHANNEL_IDENTITY)('%s carries the channel identity, subject and queue address', (trigger) => {
    const event = normalize(
      CALLBACK_BY_TRIGGER[trigger]({ channel: 'MESSENGER', identity: '7712345678901234' }),
    );
    expect(event.subject).toBe('MESSENGER:7712345678901234');
    expect(event.data).toMatchObject({
      channel: 'MESSENGER',
      identity: '7712345678901234',
      queueAddress: `${TEST_APP_ID}@facebook.sinchconversation.com`,
    });
  });

  it.each(WITH_CHANNEL_IDENTITY.filter((t) => t !== 'CAPABILITY' && !t.startsWith('OPT_')))(
    '%s: DISPATCH mode leaves contactId and conversationId absent; CONVERSATION mode has them',
    (trigger) => {
      const dispatch = normalize(CALLBACK_BY_TRIGGER[trigger]({ mode: 'DISPATCH' })).data;
      expect(dispatch).not.toHaveProperty('contactId');
      expect(dispatch).not.toHaveProperty('conversationId');
      const conversation = normalize(CALLBACK_BY_TRIGGER[trigger]({ mode: 'CONVERSATION' })).data;
      expect(conversation).toMatchObject({
        contactId: expect.any(String),
        conversationId: expect.any(String),
      });
    },
  );

  it('projects without channel identity get neither subject nor identity fields', () => {
    const event = normalize(callbacks.contactCreate());
    expect(event).not.toHaveProperty('subject');
    expect(event.data).not.toHaveProperty('identity');
    expect(event.data).not.toHaveProperty('queueAddress');
    expect(event.data).toMatchObject({ contactId: '01HQ8Z1C6R3M7YB2T9DKW5XN0F' });
  });
});

describe('normalizeCallback: MESSAGE_INBOUND', () => {
  it('gives exactly the contract event for a WhatsApp text in DISPATCH mode', () => {
    const callback = callbacks.messageInbound({
      mode: 'DISPATCH',
      messageId: '01HQ8Z9MSG0000000000000001',
      identity: '46700000001',
      correlationId: 'order-42',
      replyTo: '01HQ8Z9OUT0000000000000001',
    });
    const event = normalize(callback);
    expect(event).toStrictEqual({
      specversion: '1.0',
      id: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      source: `sinch:conversation:eu:${TEST_PROJECT_ID}:${TEST_APP_ID}`,
      type: 'sinch.conversation.message_inbound',
      time: '2026-11-25T06:29:59.870Z',
      subject: 'WHATSAPP:46700000001',
      datacontenttype: 'application/json',
      dataschema: 'urn:sinch-conversation-bridge:schemas:conversation-event:v1',
      data: {
        trigger: 'MESSAGE_INBOUND',
        region: 'eu',
        projectId: TEST_PROJECT_ID,
        appId: TEST_APP_ID,
        acceptedTime: '2026-11-25T06:30:00.123Z',
        eventTime: '2026-11-25T06:29:59.870Z',
        correlationId: 'order-42',
        channel: 'WHATSAPP',
        identity: '46700000001',
        processingMode: 'DISPATCH',
        queueAddress: `${TEST_APP_ID}@whatsapp.sinchconversation.com`,
        messageId: '01HQ8Z9MSG0000000000000001',
        direction: 'TO_APP',
        senderId: '46700999000',
        replyToMessageId: '01HQ8Z9OUT0000000000000001',
        injected: false,
        content: { kind: 'text', text: 'Hello, is my order on its way?' },
        payload: callback,
      },
    });
  });

  it.each([
    [contactMessages.text('hi'), { kind: 'text', text: 'hi' }],
    [
      contactMessages.media(),
      {
        kind: 'media',
        url: 'https://media.example.com/inbound/photo.jpg',
        thumbnailUrl: 'https://media.example.com/inbound/photo-thumb.jpg',
        filename: 'photo.jpg',
      },
    ],
    [
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
      contactMessages.choiceResponse('01HQ8Z2A0000000000000CHOSE'),
      { kind: 'choice_response', messageId: '01HQ8Z2A0000000000000CHOSE', postbackData: 'confirm_order_42' },
    ],
    [
      contactMessages.mediaCard(),
      { kind: 'media_card', url: 'https://media.example.com/card.png', caption: 'Our new store' },
    ],
    [
      contactMessages.fallback(),
      {
        kind: 'fallback',
        rawMessage: '{"type":"sticker","sticker":{"id":"123"}}',
        reason: { code: 'UNSUPPORTED_CONTENT', description: 'Sticker messages are not supported' },
      },
    ],
    [contactMessages.productResponse(), { kind: 'product_response' }],
    [contactMessages.channelSpecific(), { kind: 'channel_specific' }],
    [{ sticker_message: { id: 1 } }, { kind: 'unknown' }],
  ])('content %j', (content, expected) => {
    const event = normalize(callbacks.messageInbound({ content }));
    expect(event.data).toHaveProperty('content', expected);
  });

  it('media without optional fields has only kind and url', () => {
    const event = normalize(
      callbacks.messageInbound({
        content: { media_message: { url: 'https://x.example/a.png', thumbnail_url: '' } },
      }),
    );
    expect(event.data).toHaveProperty('content', { kind: 'media', url: 'https://x.example/a.png' });
  });
});

describe('normalizeCallback: ids are content-derived', () => {
  it('the same callback (a Sinch retry) gets the same id', () => {
    const callback = callbacks.messageInbound();
    expect(normalize(structuredClone(callback)).id).toBe(normalize(callback).id);
  });

  it('inbound messages are identified by the Sinch message id alone', () => {
    const a = callbacks.messageInbound({ messageId: '01HQ8Z9MSG0000000000000001' });
    const b = { ...a, accepted_time: '2026-11-25T06:31:00.000Z' };
    expect(normalize(b).id).toBe(normalize(a).id);
    expect(normalize(callbacks.messageInbound({ messageId: '01HQ8Z9MSG0000000000000002' })).id).not.toBe(
      normalize(a).id,
    );
  });

  it('delivery reports are identified by message id and status', () => {
    const messageId = '01HQ8Z9OUT0000000000000001';
    const delivered = normalize(callbacks.messageDelivery({ messageId, status: 'DELIVERED' }));
    const deliveredAgain = normalize(
      callbacks.messageDelivery({ messageId, status: 'DELIVERED', acceptedTime: '2026-11-25T07:00:00Z' }),
    );
    const read = normalize(callbacks.messageDelivery({ messageId, status: 'READ' }));
    expect(deliveredAgain.id).toBe(delivered.id);
    expect(read.id).not.toBe(delivered.id);
    expect(read.data).toMatchObject({ messageId, status: 'READ', metadata: 'order-42' });
  });

  it('a failed delivery carries its reason', () => {
    const event = normalize(callbacks.messageDelivery({ status: 'FAILED' }));
    expect(event.data).toMatchObject({
      status: 'FAILED',
      reason: {
        code: 'RECIPIENT_NOT_REACHABLE',
        description: 'The recipient is not reachable on the channel',
        subCode: 'UNSPECIFIED_SUB_CODE',
      },
    });
  });

  it('events, event deliveries and request notifications use their Sinch ids', () => {
    const ev = callbacks.eventInbound({ eventId: '01HQ8Z9EVT0000000000000001' });
    expect(normalize({ ...ev, accepted_time: 'later' }).id).toBe(normalize(ev).id);
    const cap = callbacks.capability({ requestId: 'req-1' });
    expect(normalize({ ...cap, accepted_time: 'later' }).id).toBe(normalize(cap).id);
    expect(normalize(cap).data).toMatchObject({ requestId: 'req-1', status: 'CAPABILITY_FULL' });
    expect(normalize(callbacks.optOut({ requestId: 'req-2' })).data).toMatchObject({
      requestId: 'req-2',
      status: 'OPT_OUT_SUCCEEDED',
    });
    const report = normalize(callbacks.eventDelivery({ eventId: 'e-1', status: 'FAILED' }));
    expect(report.data).toMatchObject({ eventId: 'e-1', status: 'FAILED' });
  });

  it('callbacks without Sinch ids are identified by their body', () => {
    const a = callbacks.channelEvent();
    expect(normalize(structuredClone(a)).id).toBe(normalize(a).id);
    expect(normalize({ ...a, accepted_time: '2026-11-25T07:00:00Z' }).id).not.toBe(normalize(a).id);
  });
});

describe('normalizeCallback: EVENT_INBOUND', () => {
  it('names the contact event kind', () => {
    expect(normalize(callbacks.eventInbound()).data).toMatchObject({ event: { kind: 'composing' } });
  });

  it('names a contact message event and the message it refers to', () => {
    const event = normalize(
      callbacks.eventInbound({
        contactEvent: {
          contact_message_event: {
            reaction_event: { emoji: '👍', action: 'REACTION_ACTION_REACT', message_id: 'm-1' },
          },
        },
      }),
    );
    expect(event.data).toMatchObject({ event: { kind: 'reaction', messageId: 'm-1' } });
  });
});

describe('normalizeCallback: nothing signed is dropped', () => {
  it('a callback with no known key is sinch.conversation.unrecognized, identified by its body', () => {
    const callback = {
      app_id: TEST_APP_ID,
      project_id: TEST_PROJECT_ID,
      accepted_time: '2026-11-25T06:30:00Z',
      brand_new_notification: { x: 1 },
    };
    const event = normalize(callback);
    expect(event.type).toBe('sinch.conversation.unrecognized');
    expect(event.data).toMatchObject({ trigger: 'UNRECOGNIZED', payload: callback });
    expect(ConversationEventDataSchema.safeParse(event.data).success).toBe(true);
  });

  it('falls back to configured project and receive time when Sinch gives none', () => {
    const event = normalize({ message: {} });
    expect(event.data).toMatchObject({
      projectId: 'configured-project',
      acceptedTime: '2026-11-25T06:30:01.000Z',
    });
    expect(event.time).toBe('2026-11-25T06:30:01.000Z');
  });

  it('never throws for any JSON object, and always yields a valid event', () => {
    const anyObject = fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), {
      maxKeys: 6,
    });
    fc.assert(
      fc.property(anyObject, (callback) => {
        const event = normalize(callback as Record<string, unknown>);
        expect(CloudEventEnvelopeSchema.safeParse(event).success).toBe(true);
        expect(ConversationEventDataSchema.safeParse(event.data).success).toBe(true);
      }),
    );
  });

  it('tolerates any field of a realistic callback replaced by any JSON value', () => {
    const factory = fc.constantFrom(...TRIGGERS).map((t) => CALLBACK_BY_TRIGGER[t]());
    fc.assert(
      fc.property(factory, fc.nat(), fc.jsonValue({ maxDepth: 2 }), (callback, pick, value) => {
        // Replace one field, possibly nested one level inside the notification.
        const key = Object.keys(callback)[pick % Object.keys(callback).length]!;
        const target = callback[key];
        if (typeof target === 'object' && target !== null && !Array.isArray(target) && pick % 2 === 0) {
          const inner = Object.keys(target);
          if (inner.length > 0) (target as Record<string, unknown>)[inner[pick % inner.length]!] = value;
        } else {
          callback[key] = value;
        }
        const event = normalize(callback);
        expect(ConversationEventDataSchema.safeParse(event.data).success).toBe(true);
        expect(emptyStrings(event.data)).toEqual([]);
      }),
    );
  });
});
