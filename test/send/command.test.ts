import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseOutboundCommand, toSendMessageRequest } from '../../functions/send/command';
import { KNOWN_CHANNELS, toQueueAddress } from '../../functions/sinch/channels';
import { SendMessageRequestSchema, SINCH_MESSAGE_KINDS } from '../../functions/sinch/messages';

const appIdArb = fc.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/);
const channelArb = fc.constantFrom(...KNOWN_CHANNELS);
const identityArb = fc.stringMatching(/^\+?[0-9]{6,15}$/);
const channelIdentityArb = fc.record({ channel: channelArb, identity: identityArb });
const urlArb = fc.webUrl({ validSchemes: ['https'] });

const toArb = fc.oneof(
  channelIdentityArb,
  fc.array(channelIdentityArb, { minLength: 1, maxLength: 3 }),
  fc.record({ contactId: fc.string({ minLength: 1, maxLength: 40 }) }),
);

const contentArb = fc.oneof(
  fc.record({ text: fc.string({ minLength: 1, maxLength: 200 }) }),
  fc.record({
    media: fc.record(
      { url: urlArb, thumbnailUrl: urlArb, filename: fc.string({ minLength: 1, maxLength: 20 }) },
      { requiredKeys: ['url'] },
    ),
  }),
  fc.record({
    template: fc.record(
      {
        id: fc.string({ minLength: 1, maxLength: 30 }),
        version: fc.string({ minLength: 1, maxLength: 5 }),
        languageCode: fc.constantFrom('en-US', 'sv-SE', 'pt-BR'),
        parameters: fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), fc.string()),
      },
      { requiredKeys: ['id'] },
    ),
  }),
  fc.record({
    message: fc
      .tuple(
        fc.constantFrom(...SINCH_MESSAGE_KINDS),
        fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue()),
      )
      .map(([kind, body]) => ({ [kind]: body })),
  }),
);

const senderArb = fc.oneof(
  appIdArb.map((appId) => ({ appId })),
  fc.tuple(appIdArb, channelArb).map(([appId, channel]) => ({ from: toQueueAddress(appId, channel) })),
  fc.tuple(appIdArb, channelArb).map(([appId, channel]) => ({ appId, from: toQueueAddress(appId, channel) })),
);

const optionalsArb = fc.record(
  {
    channelPriority: fc.array(channelArb, { minLength: 1, maxLength: 3 }),
    channelProperties: fc.dictionary(fc.constantFrom('SMS_SENDER', 'WHATSAPP_HEADER'), fc.string()),
    metadata: fc.string({ maxLength: 1024 }),
    conversationMetadata: fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), {
      maxKeys: 5,
    }),
    ttl: fc.oneof(
      fc.nat(),
      fc.nat().map((n) => `${n}s`),
    ),
    priority: fc.constantFrom('normal', 'high'),
    callbackUrl: urlArb,
    processingStrategy: fc.constantFrom('DEFAULT', 'DISPATCH_ONLY'),
  },
  { requiredKeys: [] },
);

/** A command as producers write it (before validation). */
interface RawCommand {
  id: string;
  appId?: string;
  from?: string;
  message?: unknown;
  ttl?: number | string;
  priority?: string;
  [field: string]: unknown;
}

const validCommandArb = fc
  .tuple(fc.string({ minLength: 1, maxLength: 128 }), senderArb, toArb, contentArb, optionalsArb)
  .map(
    ([id, sender, to, content, optionals]): RawCommand => ({ id, ...sender, to, ...content, ...optionals }),
  );

describe('outbound command validation and mapping', () => {
  it('maps every valid command to a request of the Sinch shape', () => {
    fc.assert(
      fc.property(validCommandArb, (raw) => {
        const parsed = parseOutboundCommand(JSON.stringify(raw));
        if (!parsed.ok) throw new Error(`refused: ${parsed.reason}`);
        const request = toSendMessageRequest(parsed.command);
        const check = SendMessageRequestSchema.safeParse(request);
        if (!check.success) throw new Error(check.error.message);
        expect(request.correlation_id).toBe(raw.id);
        expect(request.app_id).toBe(raw.appId ?? raw.from?.split('@')[0]);
        if (raw.ttl !== undefined)
          expect(request.ttl).toBe(typeof raw.ttl === 'number' ? `${raw.ttl}s` : raw.ttl);
        if (raw.priority)
          expect(request.queue).toBe(raw.priority === 'high' ? 'HIGH_PRIORITY' : 'NORMAL_PRIORITY');
        if (raw.message) expect(request.message).toEqual(JSON.parse(JSON.stringify(raw.message)));
      }),
      { numRuns: 300 },
    );
  });

  const mutations: Array<[string, (c: Record<string, unknown>) => Record<string, unknown>]> = [
    ['no id', ({ id: _id, ...rest }) => rest],
    ['id over 128 characters', (c) => ({ ...c, id: 'x'.repeat(129) })],
    ['an unknown top-level field', (c) => ({ ...c, extra: true })],
    ['no content', ({ text: _t, media: _m, template: _p, message: _g, ...rest }) => rest],
    [
      'a second content',
      (c) => ({
        ...c,
        ...(c.text === undefined ? { text: 'hi' } : { media: { url: 'https://a.example/x' } }),
      }),
    ],
    ['no appId and no from', ({ appId: _a, from: _f, ...rest }) => rest],
    ['from that is no queue address', (c) => ({ ...c, from: 'someone@example.com' })],
    [
      'appId differing from the app of from',
      (c) => ({ ...c, appId: 'OTHER', from: 'APP@sms.sinchconversation.com' }),
    ],
    ['an empty recipient list', (c) => ({ ...c, to: [] })],
    ['a negative ttl', (c) => ({ ...c, ttl: -1 })],
    ['a ttl that is not seconds', (c) => ({ ...c, ttl: '1 day' })],
    ['an unknown priority', (c) => ({ ...c, priority: 'urgent' })],
    [
      'a raw message with two kinds',
      (c) => ({
        ...c,
        text: undefined,
        media: undefined,
        template: undefined,
        message: { text_message: {}, card_message: {} },
      }),
    ],
  ];

  it.each(mutations)('refuses a command with %s, with a reason', (_label, mutate) => {
    fc.assert(
      fc.property(validCommandArb, (raw) => {
        const parsed = parseOutboundCommand(JSON.stringify(mutate(raw)));
        expect(parsed.ok).toBe(false);
        if (!parsed.ok) expect(parsed.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a body that is not JSON', () => {
    expect(parseOutboundCommand('{')).toEqual({ ok: false, reason: 'body is not JSON', raw: '{' });
  });

  it('maps the contract example: from with a channel, fallback identities, ttl and priority', () => {
    const parsed = parseOutboundCommand(
      JSON.stringify({
        id: 'order-42-confirmation',
        from: '01EAPP@whatsapp.sinchconversation.com',
        to: [
          { channel: 'WHATSAPP', identity: '+46700000000' },
          { channel: 'SMS', identity: '+46700000000' },
        ],
        text: 'Hello',
        ttl: 86400,
        priority: 'high',
        metadata: 'm',
        channelProperties: { SMS_SENDER: 'Shop' },
      }),
    );
    expect(parsed.ok && toSendMessageRequest(parsed.command)).toEqual({
      app_id: '01EAPP',
      recipient: {
        identified_by: {
          channel_identities: [
            { channel: 'WHATSAPP', identity: '+46700000000' },
            { channel: 'SMS', identity: '+46700000000' },
          ],
        },
      },
      message: { text_message: { text: 'Hello' } },
      correlation_id: 'order-42-confirmation',
      channel_priority_order: ['WHATSAPP'],
      channel_properties: { SMS_SENDER: 'Shop' },
      message_metadata: 'm',
      ttl: '86400s',
      queue: 'HIGH_PRIORITY',
    });
  });

  it('maps media, templates and contact ids; channelPriority wins over the channel of from', () => {
    const media = parseOutboundCommand(
      JSON.stringify({
        id: 'm',
        from: '01EAPP@facebook.sinchconversation.com',
        channelPriority: ['SMS'],
        to: { contactId: 'c1' },
        media: { url: 'https://x.example/a.png', thumbnailUrl: 'https://x.example/t.png', filename: 'a.png' },
      }),
    );
    expect(media.ok && toSendMessageRequest(media.command)).toMatchObject({
      app_id: '01EAPP',
      recipient: { contact_id: 'c1' },
      channel_priority_order: ['SMS'],
      message: {
        media_message: {
          url: 'https://x.example/a.png',
          thumbnail_url: 'https://x.example/t.png',
          filename_override: 'a.png',
        },
      },
    });
    const template = parseOutboundCommand(
      JSON.stringify({
        id: 't',
        appId: '01EAPP',
        to: { channel: 'WHATSAPP', identity: '+4670' },
        template: { id: 'tpl', version: '2', languageCode: 'en-US', parameters: { name: 'Ada' } },
      }),
    );
    expect(template.ok && toSendMessageRequest(template.command).message).toEqual({
      template_message: {
        omni_template: {
          template_id: 'tpl',
          version: '2',
          language_code: 'en-US',
          parameters: { name: 'Ada' },
        },
      },
    });
  });
});
