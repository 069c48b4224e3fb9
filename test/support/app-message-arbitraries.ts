/**
 * fast-check arbitraries of Sinch `AppMessage`s, one per message kind, written from Sinch's
 * published models (Node SDK `app-message.ts`, `choice.ts`, `list-message.ts`,
 * `contact-info-message.ts`, .NET `Messages/Message/*.cs`, Java `messages/types/*`): every
 * required field present, optional fields sometimes, lengths within Sinch's limits.
 */
import fc from 'fast-check';
import { SEND_CHANNELS } from '../../functions/sinch/app-message';

const text = (max = 40) => fc.string({ minLength: 1, maxLength: max });
const url = fc.webUrl({ validSchemes: ['https'] });
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

/** Drops `undefined` members (fc.record with optional keys leaves none, option() does). */
const defined = <T extends Record<string, unknown>>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

export const sendChannelArb = fc.constantFrom(...SEND_CHANNELS);

export const mediaPropertiesArb = fc
  .record({ url, thumbnail_url: optional(url), filename_override: optional(text(20)) })
  .map(defined);

const coordinatesArb = fc.record({
  latitude: fc.double({ min: -90, max: 90, noNaN: true }),
  longitude: fc.double({ min: -180, max: 180, noNaN: true }),
});

export const locationItemArb = fc
  .record({ coordinates: coordinatesArb, title: text(), label: optional(text()) })
  .map(defined);

const isoTime = fc
  .date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());

export const choiceArb = fc
  .tuple(
    fc.oneof(
      fc.record({ text_message: fc.record({ text: text(20) }) }),
      fc.record({ url_message: fc.record({ title: text(20), url }) }),
      fc.record({
        call_message: fc.record({ phone_number: fc.stringMatching(/^\+[1-9][0-9]{6,14}$/), title: text(20) }),
      }),
      fc.record({ location_message: locationItemArb }),
      fc.record({
        calendar_message: fc.record({
          title: text(20),
          event_start: isoTime,
          event_end: isoTime,
          event_title: text(20),
          fallback_url: url,
        }),
      }),
      fc.record({ share_location_message: fc.record({ title: text(20), fallback_url: url }) }),
    ),
    optional(text(30)),
  )
  .map(([choice, postback]) => defined({ ...choice, postback_data: postback }));

export const cardItemArb = fc
  .record(
    {
      title: text(),
      description: text(80),
      media_message: mediaPropertiesArb,
      height: fc.constantFrom('UNSPECIFIED_HEIGHT', 'SHORT', 'MEDIUM', 'TALL'),
      choices: fc.array(choiceArb, { maxLength: 4 }),
    },
    { requiredKeys: [] },
  )
  .map(defined);

const choiceItemArb = fc
  .record({ title: text(24), description: optional(text(72)), postback_data: optional(text(20)) })
  .map(defined);

const listMessageArb = fc.oneof(
  fc.record({
    title: text(),
    sections: fc.array(
      fc.record({
        title: text(24),
        items: fc.array(
          choiceItemArb.map((choice) => ({ choice })),
          { minLength: 1, maxLength: 3 },
        ),
      }),
      { minLength: 1, maxLength: 2 },
    ),
  }),
  fc.record({
    title: text(),
    sections: fc.array(
      fc.record({
        items: fc.array(
          fc.record({ product: fc.record({ id: text(10), marketplace: fc.constant('FACEBOOK') }) }),
          { minLength: 1, maxLength: 3 },
        ),
      }),
      { minLength: 1, maxLength: 2 },
    ),
    message_properties: fc.record({ catalog_id: text(10) }),
  }),
);

const contactInfoArb = fc
  .record({
    name: fc.record({ full_name: text(), first_name: optional(text(20)) }).map(defined),
    phone_numbers: fc.array(
      fc
        .record({
          phone_number: fc.stringMatching(/^\+[1-9][0-9]{6,14}$/),
          type: optional(fc.constantFrom('WORK', 'HOME')),
        })
        .map(defined),
      { maxLength: 2 },
    ),
    email_addresses: optional(fc.array(fc.record({ email_address: fc.emailAddress() }), { maxLength: 2 })),
    birthday: optional(fc.constantFrom('1990-01-31', '1815-12-10')),
  })
  .map(defined);

const parametersArb = fc.dictionary(fc.stringMatching(/^[a-z_]{1,10}$/), fc.string({ maxLength: 20 }), {
  maxKeys: 3,
});

const templateItemArb = fc.oneof(
  fc.record({
    omni_template: fc
      .record({
        template_id: text(26),
        version: fc.oneof(fc.constant('latest'), fc.integer({ min: 1, max: 9 }).map(String)),
        language_code: optional(fc.constantFrom('en-US', 'sv-SE', 'en_US')),
        parameters: optional(parametersArb),
      })
      .map(defined),
  }),
  fc.record({
    channel_template: fc.record({
      WHATSAPP: fc
        .record({
          template_id: fc.stringMatching(/^[a-z0-9_]{1,30}$/),
          language_code: fc.constantFrom('en_US', 'sv', 'pt_BR'),
          parameters: optional(parametersArb),
        })
        .map(defined),
    }),
  }),
);

/** One arbitrary per `AppMessage` kind: a raw message Sinch's models accept. */
export const APP_MESSAGE_ARBITRARIES = {
  text_message: fc.record({ text_message: fc.record({ text: text(200) }) }),
  media_message: fc.record({ media_message: mediaPropertiesArb }),
  template_message: fc.record({ template_message: templateItemArb }),
  choice_message: fc.record({
    choice_message: fc
      .record({
        choices: fc.array(choiceArb, { minLength: 1, maxLength: 10 }),
        text_message: optional(fc.record({ text: text(100) })),
      })
      .map(defined),
  }),
  card_message: fc.record({ card_message: cardItemArb }),
  carousel_message: fc.record({
    carousel_message: fc
      .record({
        cards: fc.array(cardItemArb, { minLength: 1, maxLength: 10 }),
        choices: optional(fc.array(choiceArb, { maxLength: 3 })),
      })
      .map(defined),
  }),
  location_message: fc.record({ location_message: locationItemArb }),
  list_message: fc.record({ list_message: listMessageArb }),
  contact_info_message: fc.record({ contact_info_message: contactInfoArb }),
} as const;

/** Any `AppMessage`, sometimes with an agent or per-channel overrides. */
export const appMessageArb = fc
  .tuple(
    fc.oneof(...Object.values(APP_MESSAGE_ARBITRARIES)),
    optional(
      fc.record({
        display_name: text(20),
        type: fc.constantFrom('UNKNOWN_AGENT_TYPE', 'HUMAN', 'BOT'),
      }),
    ),
    optional(fc.dictionary(sendChannelArb, fc.json(), { minKeys: 1, maxKeys: 2 })),
  )
  .map(([message, agent, explicit]) =>
    defined({ ...(message as Record<string, unknown>), agent, explicit_channel_message: explicit }),
  );
