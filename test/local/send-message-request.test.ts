import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sendMessageRequestProblem } from '../../local/sinch/send-message-request';
import { APP_MESSAGE_ARBITRARIES } from '../support/app-message-arbitraries';

/** The request of Sinch's "SMS channel properties" page, as a baseline. */
const base = () => ({
  app_id: '01HQ8Z0ZB6W1S4VJ4NPXAQ4E5T',
  recipient: { identified_by: { channel_identities: [{ channel: 'SMS', identity: '46700000001' }] } },
  message: { text_message: { text: 'Text message from Sinch Conversation API.' } } as Record<string, unknown>,
  channel_priority_order: ['SMS'],
  channel_properties: { SMS_SENDER: 'mysender' } as Record<string, string>,
});

describe("Sinch's SendMessageRequest, as the stand-ins check it", () => {
  it('takes the documented request and every message kind of the models', () => {
    expect(sendMessageRequestProblem(base())).toBeUndefined();
    for (const [kind, arb] of Object.entries(APP_MESSAGE_ARBITRARIES)) {
      fc.assert(
        fc.property(arb, (message) => {
          const problem = sendMessageRequestProblem({ ...base(), message });
          if (problem) throw new Error(`${kind}: ${problem}`);
        }),
        { numRuns: 40 },
      );
    }
  });

  const refusals: Array<[string, (r: ReturnType<typeof base>) => unknown, RegExp]> = [
    ['no app_id', ({ app_id: _a, ...rest }) => rest, /app_id/],
    ['an unknown top-level field', (r) => ({ ...r, priority: 'high' }), /priority|Unrecognized/i],
    [
      'a lower-case channel',
      (r) => ({ ...r, channel_priority_order: ['whatsapp'] }),
      /upper case: "WHATSAPP"/,
    ],
    [
      'SINCH_CHAT as recipient channel',
      (r) => ({
        ...r,
        recipient: { identified_by: { channel_identities: [{ channel: 'SINCH_CHAT', identity: 'x' }] } },
      }),
      /Sinch Chat/,
    ],
    ['VIBER (Viber Bot) in the priority', (r) => ({ ...r, channel_priority_order: ['VIBER'] }), /VIBERBM/],
    ['ttl below 3 s', (r) => ({ ...r, ttl: '2s' }), /ttl/],
    ['ttl above 315576000000 s', (r) => ({ ...r, ttl: '315576000001s' }), /ttl/],
    ['ttl as a bare number', (r) => ({ ...r, ttl: 86400 }), /ttl/],
    [
      'an unknown channel property',
      (r) => ({ ...r, channel_properties: { WHATSAPP_HEADER: 'x' } }),
      /channel property/,
    ],
    [
      'a channel property over 1024 characters',
      (r) => ({ ...r, channel_properties: { SMS_SENDER: 'x'.repeat(1025) } }),
      /1024/,
    ],
    [
      'no message kind',
      (r) => ({ ...r, message: { agent: { display_name: 'A', type: 'BOT' } } }),
      /exactly one/,
    ],
    [
      'two message kinds',
      (r) => ({
        ...r,
        message: { text_message: { text: 'a' }, media_message: { url: 'https://a.example/x' } },
      }),
      /exactly one/,
    ],
    ['a misspelt message kind', (r) => ({ ...r, message: { card_mesage: {} } }), /card_mesage|Unrecognized/],
    [
      'an omni template without version',
      (r) => ({ ...r, message: { template_message: { omni_template: { template_id: 't' } } } }),
      /version/,
    ],
    [
      'a WhatsApp template with a dashed language code',
      (r) => ({
        ...r,
        message: {
          template_message: {
            channel_template: { WHATSAPP: { template_id: 'order_update', language_code: 'en-US' } },
          },
        },
      }),
      /en_US/,
    ],
    [
      'a card choice with no choice kind',
      (r) => ({ ...r, message: { card_message: { title: 'T', choices: [{ postback_data: 'x' }] } } }),
      /a choice/,
    ],
    [
      'a choice message with 11 choices',
      (r) => ({
        ...r,
        message: {
          choice_message: { choices: Array.from({ length: 11 }, () => ({ text_message: { text: 'a' } })) },
        },
      }),
      /choices/,
    ],
    [
      'a location without title',
      (r) => ({ ...r, message: { location_message: { coordinates: { latitude: 1, longitude: 2 } } } }),
      /title/,
    ],
    [
      'a media message without url',
      (r) => ({ ...r, message: { media_message: { thumbnail_url: 'https://a.example/t' } } }),
      /url/,
    ],
    [
      'an unknown message_content_type',
      (r) => ({ ...r, message_content_type: 'MARKETING' }),
      /message_content_type/,
    ],
    [
      'an unknown metadata update strategy',
      (r) => ({ ...r, conversation_metadata_update_strategy: 'MERGE' }),
      /strategy/,
    ],
  ];

  it.each(refusals)('refuses %s, saying why', (_label, mutate, reason) => {
    const problem = sendMessageRequestProblem(mutate(base()));
    expect(problem).toMatch(reason);
  });
});
