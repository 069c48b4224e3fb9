import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseOutboundCommand, toSendMessageRequest } from '../../functions/send/command';
import { SendMessageRequestSchema } from '../../local/sinch/send-message-request';
import { validCommandArb } from '../support/command-arbitraries';

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
    ['a ttl below 3 seconds', (c) => ({ ...c, ttl: 2 })],
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

  /** Commands Sinch refuses with 400: each fails early, as invalid_command, with this reason. */
  const sinchRefusals: Array<[string, Record<string, unknown>, RegExp]> = [
    [
      'an omni template without version',
      { template: { id: 'tpl', languageCode: 'en-US' } },
      /template\.version: .*version/,
    ],
    ['ttl 2', { text: 'hi', ttl: 2 }, /ttl: .*at least 3/],
    ['ttl "0s"', { text: 'hi', ttl: '0s' }, /ttl: .*from 3 to 315576000000/],
    ['ttl above 315576000000', { text: 'hi', ttl: 315_576_000_001 }, /ttl: .*at most 315576000000/],
    [
      'a lower-case channel in to',
      { text: 'hi', to: { channel: 'whatsapp', identity: '+46700000000' } },
      /to\.channel: .*upper case: "WHATSAPP"/,
    ],
    [
      'a lower-case channelPriority',
      { text: 'hi', channelPriority: ['sms'] },
      /channelPriority\.0: .*upper case/,
    ],
    [
      'SINCH_CHAT in to',
      { text: 'hi', to: { channel: 'SINCH_CHAT', identity: 'abc' } },
      /Sinch Chat .*cannot be sent to/,
    ],
    [
      'a nativechannel queue address',
      { text: 'hi', appId: undefined, from: '01EAPP@nativechannel.sinchconversation.com' },
      /from: queue address "nativechannel": Sinch Chat/,
    ],
    [
      'a viber-bot queue address',
      { text: 'hi', appId: undefined, from: '01EAPP@viber-bot.sinchconversation.com' },
      /from: queue address "viber-bot": .*VIBERBM/,
    ],
    [
      'an unknown subchannel',
      { text: 'hi', appId: undefined, from: '01EAPP@pigeon.sinchconversation.com' },
      // Refused either way: as no queue address, or by the channel name it would stand for.
      /from: (not a queue address|queue address "pigeon": "PIGEON" is not a channel of the send API)/,
    ],
    [
      'an unknown channel property key',
      { text: 'hi', channelProperties: { WHATSAPP_HEADER: 'x' } },
      /channelProperties\.WHATSAPP_HEADER: .*not a channel property key/,
    ],
    [
      'a channel property over 1024 characters',
      { text: 'hi', channelProperties: { SMS_SENDER: 'x'.repeat(1025) } },
      /channelProperties\.SMS_SENDER: .*1024/,
    ],
    [
      'a card whose choice has no kind',
      { message: { card_message: { title: 'T', choices: [{ postback_data: 'p' }] } } },
      /message\.card_message\.choices\.0: a choice: exactly one of/,
    ],
    ['a misspelt message kind', { message: { card_mesage: { title: 'T' } } }, /message: .*card_mesage/],
    [
      'a list mixing choices and products',
      {
        message: {
          list_message: {
            title: 'L',
            sections: [
              { items: [{ choice: { title: 'a' } }, { product: { id: 'p', marketplace: 'FACEBOOK' } }] },
            ],
            message_properties: { catalog_id: 'c' },
          },
        },
      },
      /same type/,
    ],
    [
      'a contact card without phone numbers',
      { message: { contact_info_message: { name: { full_name: 'Ada' } } } },
      /phone_numbers/,
    ],
    [
      'a WhatsApp template with a dashed language code',
      { template: { channel: 'WHATSAPP', id: 'order_update', languageCode: 'en-US' } },
      /template\.languageCode: .*en_US/,
    ],
    [
      'a WhatsApp template sent on SMS only',
      {
        template: { channel: 'WHATSAPP', id: 'order_update', languageCode: 'en_US' },
        to: { channel: 'SMS', identity: '+46700000000' },
      },
      /template\.channel: a WHATSAPP template cannot be sent on SMS/,
    ],
    ['an unknown messageContentType', { text: 'hi', messageContentType: 'MARKETING' }, /messageContentType/],
    [
      'an unknown conversationMetadataUpdateStrategy',
      { text: 'hi', conversationMetadataUpdateStrategy: 'MERGE' },
      /conversationMetadataUpdateStrategy/,
    ],
  ];

  it.each(sinchRefusals)('refuses %s early, with the reason', (_label, fields, reason) => {
    const command = {
      id: 'c-1',
      appId: '01EAPP',
      to: { channel: 'WHATSAPP', identity: '+46700000000' },
      ...fields,
    };
    const parsed = parseOutboundCommand(JSON.stringify(command));
    expect(parsed.ok ? 'accepted' : parsed.reason).toMatch(reason);
  });

  it('maps a WhatsApp template to channel_template, and the consent fields to Sinch names', () => {
    const parsed = parseOutboundCommand(
      JSON.stringify({
        id: 'w',
        from: '01EAPP@whatsapp.sinchconversation.com',
        to: { channel: 'WHATSAPP', identity: '+46700000000' },
        template: {
          channel: 'WHATSAPP',
          id: 'order_update',
          languageCode: 'en_US',
          parameters: { '1': 'Ada' },
        },
        messageContentType: 'CONTENT_MARKETING',
        conversationMetadataUpdateStrategy: 'MERGE_PATCH',
      }),
    );
    expect(parsed.ok && toSendMessageRequest(parsed.command)).toMatchObject({
      message: {
        template_message: {
          channel_template: {
            WHATSAPP: { template_id: 'order_update', language_code: 'en_US', parameters: { '1': 'Ada' } },
          },
        },
      },
      message_content_type: 'CONTENT_MARKETING',
      conversation_metadata_update_strategy: 'MERGE_PATCH',
    });
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
