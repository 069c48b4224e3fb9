/**
 * What the Conversation API's `messages:send` takes, written from Sinch's published models
 * (the OpenAPI-generated Java and .NET SDK models, and the Node SDK's types): the channels the
 * send API accepts, the channel property keys, the `ttl` bounds, and the `AppMessage` with its
 * kinds and their required fields. The send function validates commands with these before any
 * call to Sinch, so a request Sinch would refuse with 400 fails early as `invalid_command`.
 *
 * Objects inside a message kind are loose on purpose: Sinch adds optional fields to message
 * kinds over time (e.g. `message_properties`), and a command Sinch accepts must not be refused
 * here. What Sinch requires is required here.
 */
// zod/mini: classic zod's import-time setup would add ~450 KB to the send bundle.
import * as z from 'zod/mini';

/**
 * The send API's `ConversationChannel` enum (without `CHANNEL_UNSPECIFIED`). `VIBER` (Viber Bot)
 * and `SINCH_CHAT` still appear on inbound callbacks but are gone from the send API's enum
 * (Java SDK 2.0 removed `SINCH_CHAT`, the Node SDK 1.4 deprecated Viber Bot), so the bridge
 * refuses them on the way out.
 */
export const SEND_CHANNELS = [
  'WHATSAPP',
  'RCS',
  'SMS',
  'MESSENGER',
  'VIBERBM',
  'MMS',
  'INSTAGRAM',
  'TELEGRAM',
  'KAKAOTALK',
  'KAKAOTALKCHAT',
  'LINE',
  'WECHAT',
  'APPLEBC',
] as const;
export type SendChannel = (typeof SEND_CHANNELS)[number];

/** Channels seen inbound that the send API does not take, with what to use instead. */
export const INBOUND_ONLY_CHANNELS: Readonly<Record<string, string>> = {
  SINCH_CHAT:
    'Sinch Chat (SINCH_CHAT, queue address "nativechannel") is not a channel of the send API: it cannot be sent to',
  VIBER:
    'Viber Bot (VIBER, queue address "viber-bot") is not a channel of the send API: send with Viber Business Messages (VIBERBM, queue address "viber")',
};

/** `channel_properties` keys Sinch defines (`ChannelPropertyKeys`); values are at most 1024 characters. */
export const CHANNEL_PROPERTY_KEYS = [
  'MESSENGER_MESSAGING_TYPE',
  'MESSENGER_MESSAGE_TAG',
  'MESSENGER_NOTIFICATION_TYPE',
  'VIBER_SENDER_NAME',
  'VIBER_SENDER_AVATAR',
  'SMS_FLASH_MESSAGE',
  'MMS_SENDER',
  'TELEGRAM_DISABLE_LINK_PREVIEW',
  'SMS_SENDER',
  'INSTAGRAM_MESSAGE_TAG',
  'MMS_STRICT_VALIDATION',
  'KAKAOTALK_AUTHENTICATION',
  'LINE_VIDEO_TRACKING_ID',
  'SMS_MAX_NUMBER_OF_MESSAGE_PARTS',
] as const;
export const CHANNEL_PROPERTY_MAX_LENGTH = 1024;

/** `ttl` is a whole number of seconds in this range (inclusive). */
export const TTL_MIN_SECONDS = 3;
export const TTL_MAX_SECONDS = 315_576_000_000;

/** `message_content_type`: the consent category, which decides the opt-out list that applies. */
export const MESSAGE_CONTENT_TYPES = [
  'CONTENT_UNKNOWN',
  'CONTENT_MARKETING',
  'CONTENT_NOTIFICATION',
] as const;
/** `conversation_metadata_update_strategy`. */
export const METADATA_UPDATE_STRATEGIES = ['REPLACE', 'MERGE_PATCH'] as const;

/** The message kinds of an `AppMessage`: exactly one is present. */
export const SINCH_MESSAGE_KINDS = [
  'text_message',
  'media_message',
  'template_message',
  'choice_message',
  'card_message',
  'carousel_message',
  'location_message',
  'list_message',
  'contact_info_message',
] as const;
export type SinchMessageKind = (typeof SINCH_MESSAGE_KINDS)[number];

const nonEmpty = () => z.string().check(z.minLength(1));

/** A send channel, with a reason that names the problem for lower-case and inbound-only spellings. */
export const SendChannelSchema = z.string().check(
  z.superRefine((channel, ctx) => {
    if ((SEND_CHANNELS as readonly string[]).includes(channel)) return;
    const upper = channel.toUpperCase();
    const reason =
      INBOUND_ONLY_CHANNELS[upper] ??
      ((SEND_CHANNELS as readonly string[]).includes(upper)
        ? `channel names are upper case: "${upper}", not "${channel}"`
        : `"${channel}" is not a channel of the send API (one of ${SEND_CHANNELS.join(', ')})`);
    ctx.addIssue({ code: 'custom', message: reason, input: channel });
  }),
);

/** `{ [channel]: value }` where each key is a send channel. */
const channelRecord = <T extends z.ZodMiniType>(value: T) =>
  z.record(z.string(), value).check(
    z.superRefine((record, ctx) => {
      for (const key of Object.keys(record)) {
        const check = SendChannelSchema.safeParse(key);
        if (!check.success) {
          ctx.addIssue({ code: 'custom', message: check.error.issues[0]!.message, path: [key], input: key });
        }
      }
    }),
  );

/** "Exactly one of `keys`", stated for JSON Schema readers (zod cannot derive it from a refinement). */
const oneOfRequired = (keys: readonly string[]) =>
  z.meta({ oneOf: keys.map((key) => ({ required: [key] })) });

/** Exactly one of `keys` is present (not undefined) in an object. */
const exactlyOneOf = (keys: readonly string[], what: string) =>
  z.superRefine((value: Record<string, unknown>, ctx) => {
    const present = keys.filter((key) => value[key] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `${what}: exactly one of ${keys.join(', ')} is required, got ${present.length ? present.join(', ') : 'none'}`,
        input: value,
      });
    }
  });

export const TextMessageItemSchema = z.looseObject({ text: nonEmpty() });

export const MediaPropertiesSchema = z.looseObject({
  url: nonEmpty(),
  thumbnail_url: z.optional(z.string()),
  filename_override: z.optional(z.string()),
});

const CoordinatesSchema = z.looseObject({ latitude: z.number(), longitude: z.number() });

export const LocationMessageItemSchema = z.looseObject({
  coordinates: CoordinatesSchema,
  title: nonEmpty(),
  label: z.optional(z.string()),
});

const CHOICE_KINDS = [
  'text_message',
  'url_message',
  'call_message',
  'location_message',
  'calendar_message',
  'share_location_message',
] as const;

export const ChoiceSchema = z
  .looseObject({
    postback_data: z.optional(z.string()),
    text_message: z.optional(TextMessageItemSchema),
    url_message: z.optional(z.looseObject({ title: nonEmpty(), url: nonEmpty() })),
    call_message: z.optional(z.looseObject({ phone_number: nonEmpty(), title: nonEmpty() })),
    location_message: z.optional(LocationMessageItemSchema),
    calendar_message: z.optional(
      z.looseObject({
        title: nonEmpty(),
        event_start: nonEmpty(),
        event_end: nonEmpty(),
        event_title: nonEmpty(),
        event_description: z.optional(z.string()),
        fallback_url: nonEmpty(),
      }),
    ),
    share_location_message: z.optional(z.looseObject({ title: nonEmpty(), fallback_url: nonEmpty() })),
  })
  .check(exactlyOneOf(CHOICE_KINDS, 'a choice'), oneOfRequired(CHOICE_KINDS));

const choices = (max: number) => z.array(ChoiceSchema).check(z.maxLength(max));

export const CardMessageItemSchema = z.looseObject({
  title: z.optional(z.string()),
  description: z.optional(z.string()),
  media_message: z.optional(MediaPropertiesSchema),
  height: z.optional(z.enum(['UNSPECIFIED_HEIGHT', 'SHORT', 'MEDIUM', 'TALL'])),
  choices: z.optional(choices(10)),
  message_properties: z.optional(z.looseObject({ whatsapp_header: z.optional(z.string()) })),
});

export const ChoiceMessageItemSchema = z.looseObject({
  choices: choices(10).check(z.minLength(1)),
  text_message: z.optional(TextMessageItemSchema),
  message_properties: z.optional(z.looseObject({ whatsapp_footer: z.optional(z.string()) })),
});

export const CarouselMessageItemSchema = z.looseObject({
  cards: z.array(CardMessageItemSchema).check(z.minLength(1), z.maxLength(10)),
  choices: z.optional(choices(3)),
});

const ChoiceItemSchema = z.looseObject({
  title: nonEmpty(),
  description: z.optional(z.string()),
  media: z.optional(MediaPropertiesSchema),
  postback_data: z.optional(z.string()),
});
const ProductItemSchema = z.looseObject({ id: nonEmpty(), marketplace: nonEmpty() });
const ListItemSchema = z
  .looseObject({ choice: z.optional(ChoiceItemSchema), product: z.optional(ProductItemSchema) })
  .check(exactlyOneOf(['choice', 'product'], 'a list item'), oneOfRequired(['choice', 'product']));

export const ListMessageItemSchema = z
  .looseObject({
    title: nonEmpty(),
    description: z.optional(z.string()),
    media: z.optional(MediaPropertiesSchema),
    sections: z
      .array(
        z.looseObject({
          title: z.optional(z.string()),
          items: z.array(ListItemSchema).check(z.minLength(1)),
        }),
      )
      .check(z.minLength(1)),
    message_properties: z.optional(
      z.looseObject({
        catalog_id: z.optional(z.string()),
        menu: z.optional(z.string()),
        whatsapp_header: z.optional(z.string()),
      }),
    ),
  })
  .check(
    z.superRefine((list, ctx) => {
      // "All items must be of the same type"; product lists name their catalog.
      const kinds = new Set(
        list.sections.flatMap((s) => s.items.map((i) => (i.choice ? 'choice' : 'product'))),
      );
      if (kinds.size > 1) {
        ctx.addIssue({ code: 'custom', message: 'all list items must be of the same type', input: list });
      }
      if (kinds.has('product') && !list.message_properties?.catalog_id) {
        ctx.addIssue({
          code: 'custom',
          message: 'a product list needs message_properties.catalog_id',
          input: list,
        });
      }
    }),
  );

export const ContactInfoMessageItemSchema = z.looseObject({
  name: z.looseObject({ full_name: nonEmpty() }),
  phone_numbers: z.array(z.looseObject({ phone_number: nonEmpty(), type: z.optional(z.string()) })),
  addresses: z.optional(z.array(z.looseObject({}))),
  email_addresses: z.optional(z.array(z.looseObject({ email_address: nonEmpty() }))),
  organization: z.optional(z.looseObject({})),
  urls: z.optional(z.array(z.looseObject({ url: nonEmpty() }))),
  birthday: z.optional(z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'a date like 1990-01-31'))),
});

const parameters = z.record(z.string(), z.string());

/** `omni_template`: an omni-channel template of the Template API; `version` is required ("latest" works). */
export const OmniTemplateReferenceSchema = z.looseObject({
  template_id: nonEmpty(),
  version: nonEmpty(),
  language_code: z.optional(nonEmpty()),
  parameters: z.optional(parameters),
});

/**
 * One entry of `channel_template`: a template of the channel itself (for WhatsApp: the name of a
 * template Meta approved, whose `language_code` is required and in underscore form like `en_US`).
 * `version` is optional here.
 */
export const ChannelTemplateReferenceSchema = z.looseObject({
  template_id: nonEmpty(),
  version: z.optional(nonEmpty()),
  language_code: z.optional(nonEmpty()),
  parameters: z.optional(parameters),
});

/** A WhatsApp template's language: `en`, `en_US`, `sr_Latn` (Meta takes no dashed codes). */
export const WHATSAPP_LANGUAGE_CODE = /^[a-z]{2,3}(_[A-Za-z0-9]{2,8})*$/;

export const TemplateMessageItemSchema = z
  .looseObject({
    omni_template: z.optional(OmniTemplateReferenceSchema),
    channel_template: z.optional(channelRecord(ChannelTemplateReferenceSchema)),
  })
  .check(
    z.superRefine((template, ctx) => {
      if (!template.omni_template && !template.channel_template) {
        ctx.addIssue({
          code: 'custom',
          message: 'at least one of omni_template or channel_template is required',
          input: template,
        });
      }
      const whatsapp = template.channel_template?.WHATSAPP;
      if (whatsapp && !WHATSAPP_LANGUAGE_CODE.test(whatsapp.language_code ?? '')) {
        ctx.addIssue({
          code: 'custom',
          message: 'a WhatsApp template needs language_code in underscore form, e.g. en_US',
          path: ['channel_template', 'WHATSAPP', 'language_code'],
          input: whatsapp.language_code,
        });
      }
    }),
  );

const OVERRIDE_KINDS = [...SINCH_MESSAGE_KINDS.filter((k) => k !== 'template_message'), 'template_reference'];

const OmniMessageOverrideSchema = z
  .looseObject({
    text_message: z.optional(TextMessageItemSchema),
    media_message: z.optional(MediaPropertiesSchema),
    template_reference: z.optional(ChannelTemplateReferenceSchema),
    choice_message: z.optional(ChoiceMessageItemSchema),
    card_message: z.optional(CardMessageItemSchema),
    carousel_message: z.optional(CarouselMessageItemSchema),
    location_message: z.optional(LocationMessageItemSchema),
    list_message: z.optional(ListMessageItemSchema),
    contact_info_message: z.optional(ContactInfoMessageItemSchema),
  })
  .check(exactlyOneOf(OVERRIDE_KINDS, 'an omni message override'), oneOfRequired(OVERRIDE_KINDS));

const ChannelSpecificMessageSchema = z.looseObject({
  message_type: nonEmpty(),
  message: z.record(z.string(), z.unknown()),
});

export const AgentSchema = z.looseObject({
  display_name: nonEmpty(),
  type: z.enum(['UNKNOWN_AGENT_TYPE', 'HUMAN', 'BOT']),
  picture_url: z.optional(z.string()),
});

/**
 * Sinch's `AppMessage`: exactly one message kind, each with the fields Sinch requires, plus the
 * optional per-channel overrides and the agent. Unknown top-level members are refused (a typo
 * such as `card_mesage` would otherwise reach Sinch as a 400).
 */
export const AppMessageSchema = z
  .strictObject({
    text_message: z.optional(TextMessageItemSchema),
    media_message: z.optional(MediaPropertiesSchema),
    template_message: z.optional(TemplateMessageItemSchema),
    choice_message: z.optional(ChoiceMessageItemSchema),
    card_message: z.optional(CardMessageItemSchema),
    carousel_message: z.optional(CarouselMessageItemSchema),
    location_message: z.optional(LocationMessageItemSchema),
    list_message: z.optional(ListMessageItemSchema),
    contact_info_message: z.optional(ContactInfoMessageItemSchema),
    explicit_channel_message: z.optional(channelRecord(z.string())),
    explicit_channel_omni_message: z.optional(channelRecord(OmniMessageOverrideSchema)),
    channel_specific_message: z.optional(channelRecord(ChannelSpecificMessageSchema)),
    agent: z.optional(z.nullable(AgentSchema)),
    reply_to: z.optional(z.looseObject({ message_id: nonEmpty() })),
  })
  .check(exactlyOneOf(SINCH_MESSAGE_KINDS, 'message'), oneOfRequired(SINCH_MESSAGE_KINDS));
export type AppMessage = z.output<typeof AppMessageSchema>;

/** `channel_properties`: Sinch's keys only, values at most 1024 characters. */
export const ChannelPropertiesSchema = z
  .record(z.string(), z.string().check(z.maxLength(CHANNEL_PROPERTY_MAX_LENGTH)))
  .check(
    z.superRefine((properties, ctx) => {
      for (const key of Object.keys(properties)) {
        if ((CHANNEL_PROPERTY_KEYS as readonly string[]).includes(key)) continue;
        ctx.addIssue({
          code: 'custom',
          message: `"${key}" is not a channel property key of Sinch (one of ${CHANNEL_PROPERTY_KEYS.join(', ')})`,
          path: [key],
          input: key,
        });
      }
    }),
    // The key check above, stated for JSON Schema readers.
    z.meta({ propertyNames: { enum: [...CHANNEL_PROPERTY_KEYS] } }),
  );

/**
 * Whether a number of seconds is a `ttl` Sinch accepts.
 *
 * @example
 * isValidTtlSeconds(86400); // true
 * isValidTtlSeconds(0); // false: Sinch's lower bound is 3
 */
export function isValidTtlSeconds(seconds: number): boolean {
  return Number.isSafeInteger(seconds) && seconds >= TTL_MIN_SECONDS && seconds <= TTL_MAX_SECONDS;
}
