/**
 * The outbound command (docs/commands.md): what producers put on the outbound queue, its
 * validation, and its mapping to a Conversation API `messages:send` request. This schema is the
 * one source of `schemas/outbound-command.v1.json`.
 *
 * Validation follows Sinch's own models (`../sinch/app-message.ts`), so a command Sinch would
 * refuse with 400 (a template without version, a ttl out of range, a lower-case or inbound-only
 * channel, an unknown channel property, a malformed raw message) fails here, before any call,
 * as `invalid_command` with a reason.
 */
// zod/mini: classic zod's import-time setup would add ~450 KB to the send bundle.
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import {
  AppMessageSchema,
  ChannelPropertiesSchema,
  INBOUND_ONLY_CHANNELS,
  isValidTtlSeconds,
  MESSAGE_CONTENT_TYPES,
  METADATA_UPDATE_STRATEGIES,
  SEND_CHANNELS,
  TTL_MAX_SECONDS,
  TTL_MIN_SECONDS,
  WHATSAPP_LANGUAGE_CODE,
} from '../sinch/app-message';
import { parseQueueAddress, subchannelOf } from '../sinch/channels';
import type { SendMessageRequest } from '../sinch/messages';

const nonEmpty = () => z.string().check(z.minLength(1));
const described = <T extends z.ZodMiniType>(schema: T, description: string): T =>
  schema.check(z.describe(description));

/** Why a channel is not one the send API takes (lower case, inbound-only, unknown). */
function channelProblem(channel: unknown): string {
  const text = String(channel);
  const upper = text.toUpperCase();
  return (
    INBOUND_ONLY_CHANNELS[upper] ??
    ((SEND_CHANNELS as readonly string[]).includes(upper)
      ? `channel names are upper case: "${upper}", not "${text}"`
      : `"${text}" is not a channel of the send API (one of ${SEND_CHANNELS.join(', ')})`)
  );
}

/** A channel of Sinch's send API (`ConversationChannel`). */
export const CommandChannelSchema = described(
  z.enum(SEND_CHANNELS, { error: (issue) => channelProblem(issue.input) }),
  "A channel of Sinch's send API, upper case",
);

export const CommandChannelIdentitySchema = z.strictObject({
  channel: CommandChannelSchema,
  identity: described(nonEmpty(), 'The recipient on that channel (phone number, PSID, ...)'),
});

export const CommandRecipientSchema = z.union([
  CommandChannelIdentitySchema,
  described(
    z.array(CommandChannelIdentitySchema).check(z.minLength(1)),
    'Fallback identities, tried in channel priority order',
  ),
  z.strictObject({ contactId: described(nonEmpty(), 'CONVERSATION-mode apps only') }),
]);

export const CommandMediaSchema = z.strictObject({
  url: z.url(),
  thumbnailUrl: z.optional(z.url()),
  filename: z.optional(nonEmpty()),
});

/**
 * A template: an omni-channel template of Sinch's Template API (`id` + `version`, "latest"
 * allowed), or, with `channel`, a template of that channel itself, such as a WhatsApp template
 * Meta approved (`id` is its name, `languageCode` like `en_US` is required, `version` optional).
 */
export const CommandTemplateSchema = z
  .strictObject({
    id: described(nonEmpty(), 'Omni template id, or the channel template name (WhatsApp: the template name)'),
    version: described(
      z.optional(nonEmpty()),
      'Required for omni templates ("latest" takes the newest); optional with "channel"',
    ),
    languageCode: described(
      z.optional(nonEmpty()),
      'BCP-47 code; WhatsApp templates need the underscore form, e.g. en_US',
    ),
    parameters: z.optional(z.record(z.string(), z.string())),
    channel: described(
      z.optional(CommandChannelSchema),
      'Send a template of this channel (channel_template), e.g. WHATSAPP, instead of an omni template',
    ),
  })
  .check(
    z.superRefine((template, ctx) => {
      if (template.channel === undefined && template.version === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: 'an omni template needs "version" (Sinch refuses it without; "latest" takes the newest)',
          path: ['version'],
          input: template,
        });
      }
      if (template.channel === 'WHATSAPP' && !WHATSAPP_LANGUAGE_CODE.test(template.languageCode ?? '')) {
        ctx.addIssue({
          code: 'custom',
          message: 'a WhatsApp template needs "languageCode" in underscore form, e.g. en_US',
          path: ['languageCode'],
          input: template,
        });
      }
    }),
    z.meta({ anyOf: [{ required: ['version'] }, { required: ['channel'] }] }),
  );

const TTL_STRING = /^(\d{1,12})s$/;

const CONTENT_FIELDS = ['text', 'media', 'template', 'message'] as const;

export const OutboundCommandSchema = z
  .strictObject({
    id: described(
      z.string().check(z.minLength(1), z.maxLength(128)),
      'Idempotency key and Sinch correlation_id',
    ),
    appId: described(z.optional(nonEmpty()), 'Required unless "from" is given'),
    from: described(
      z.optional(nonEmpty()),
      'Queue address <appId>@<subchannel>.sinchconversation.com: sets appId and the channel',
    ),
    to: CommandRecipientSchema,
    text: z.optional(nonEmpty()),
    media: z.optional(CommandMediaSchema),
    template: z.optional(CommandTemplateSchema),
    message: described(z.optional(AppMessageSchema), 'A raw Conversation API AppMessage, passed through'),
    channelPriority: z.optional(z.array(CommandChannelSchema).check(z.minLength(1))),
    channelProperties: described(
      z.optional(ChannelPropertiesSchema),
      "Sinch's channel properties (SMS_SENDER, MESSENGER_MESSAGE_TAG, ...), values at most 1024 characters",
    ),
    metadata: z.optional(z.string().check(z.maxLength(1024))),
    conversationMetadata: z.optional(
      z.record(z.string(), z.unknown()).check(
        z.refine((value) => JSON.stringify(value).length <= 2048, {
          message: 'at most 2048 characters as JSON',
        }),
      ),
    ),
    ttl: described(
      z.optional(
        z.union([
          z.string().check(
            z.regex(TTL_STRING, 'a number of seconds like "86400s"'),
            z.refine((ttl) => isValidTtlSeconds(Number(TTL_STRING.exec(ttl)?.[1])), {
              message: `ttl must be from ${TTL_MIN_SECONDS} to ${TTL_MAX_SECONDS} seconds`,
            }),
          ),
          z
            .int()
            .check(
              z.gte(TTL_MIN_SECONDS, `ttl must be at least ${TTL_MIN_SECONDS} seconds`),
              z.lte(TTL_MAX_SECONDS, `ttl must be at most ${TTL_MAX_SECONDS} seconds`),
            ),
        ]),
      ),
      `Seconds, ${TTL_MIN_SECONDS} to ${TTL_MAX_SECONDS}: a number or "<n>s"`,
    ),
    priority: z.optional(z.enum(['normal', 'high'])),
    callbackUrl: z.optional(z.url()),
    processingStrategy: z.optional(z.enum(['DEFAULT', 'DISPATCH_ONLY'])),
    messageContentType: described(
      z.optional(z.enum(MESSAGE_CONTENT_TYPES)),
      "Sinch's message_content_type: the consent category, which decides the opt-out list that applies",
    ),
    conversationMetadataUpdateStrategy: described(
      z.optional(z.enum(METADATA_UPDATE_STRATEGIES)),
      "Sinch's conversation_metadata_update_strategy: how conversationMetadata updates what is stored",
    ),
    transactional: described(
      z.optional(z.boolean()),
      'true: sent even to a recipient on the suppression list (opted out); logged and counted. Not sent to Sinch',
    ),
  })
  .check(
    z.superRefine((command, ctx) => {
      const present = CONTENT_FIELDS.filter((field) => command[field] !== undefined);
      if (present.length !== 1) {
        ctx.addIssue({
          code: 'custom',
          message: `exactly one of ${CONTENT_FIELDS.join(', ')} is required, got ${present.length ? present.join(', ') : 'none'}`,
          path: [],
        });
      }
      if (command.from !== undefined) {
        const address = parseQueueAddress(command.from);
        if (!address) {
          ctx.addIssue({ code: 'custom', message: 'not a queue address', path: ['from'] });
        } else if (!(SEND_CHANNELS as readonly string[]).includes(address.channel)) {
          ctx.addIssue({
            code: 'custom',
            message: `queue address "${subchannelOf(address.channel)}": ${channelProblem(address.channel)}`,
            path: ['from'],
          });
        } else if (command.appId !== undefined && command.appId !== address.appId) {
          ctx.addIssue({ code: 'custom', message: 'appId differs from the app of "from"', path: ['appId'] });
        }
      } else if (command.appId === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: 'appId is required unless "from" is given',
          path: ['appId'],
        });
      }
      const templateChannel = command.template?.channel;
      if (templateChannel !== undefined) {
        const reachable = channelsOf(command);
        if (reachable && !reachable.includes(templateChannel)) {
          ctx.addIssue({
            code: 'custom',
            message: `a ${templateChannel} template cannot be sent on ${reachable.join(', ')}: Sinch would have no omni template for those channels`,
            path: ['template', 'channel'],
          });
        }
      }
    }),
    // The refinements above, stated for JSON Schema readers (zod cannot derive them).
    z.meta({
      oneOf: CONTENT_FIELDS.map((field) => ({ required: [field] })),
      anyOf: [{ required: ['appId'] }, { required: ['from'] }],
    }),
  );

export type OutboundCommand = z.output<typeof OutboundCommandSchema>;

/** The channels a command can be sent on, when it says (priority, `from`, or the identities of `to`). */
function channelsOf(command: {
  channelPriority?: string[] | undefined;
  from?: string | undefined;
  to: unknown;
}): string[] | undefined {
  if (command.channelPriority) return command.channelPriority;
  const fromChannel = command.from === undefined ? undefined : parseQueueAddress(command.from)?.channel;
  if (fromChannel) return [fromChannel];
  const to = command.to as { channel?: string } | Array<{ channel: string }> | { contactId: string };
  if (Array.isArray(to)) return to.map((entry) => entry.channel);
  return 'channel' in to && to.channel ? [to.channel] : undefined;
}

const englishMessages = en().localeError;

/** Result of reading an SQS body as a command. `raw` is whatever JSON was there (for events). */
export type CommandParseResult =
  | { ok: true; command: OutboundCommand }
  | { ok: false; reason: string; raw: unknown };

/**
 * Parses and validates an outbound queue message body.
 *
 * @example
 * const parsed = parseOutboundCommand(record.body);
 * if (!parsed.ok) console.log(parsed.reason); // e.g. 'to: Invalid input'
 */
export function parseOutboundCommand(body: string): CommandParseResult {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'body is not JSON', raw: body };
  }
  // zod/mini ships no messages; the English locale gives producers readable reasons.
  const parsed = OutboundCommandSchema.safeParse(raw, { error: englishMessages });
  if (parsed.success) return { ok: true, command: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, reason: issue ? describeIssue(issue) : 'invalid command', raw };
}

type Issue = z.core.$ZodIssue;

/**
 * `path: message` of an issue. For a union (`to`, `ttl`) zod only says "Invalid input": the
 * reason is the issue of the alternative that got furthest (deepest path), e.g.
 * `to.channel: channel names are upper case`.
 */
function describeIssue(issue: Issue, prefix: PropertyKey[] = []): string {
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const furthest = issue.errors
      .map((branch) => branch[0])
      .filter((candidate): candidate is Issue => candidate !== undefined)
      .sort((a, b) => b.path.length - a.path.length)[0];
    if (furthest && furthest.path.length > 0) return describeIssue(furthest, [...prefix, ...issue.path]);
  }
  const path = [...prefix, ...issue.path];
  return `${path.length ? `${path.join('.')}: ` : ''}${issue.message}`;
}

/**
 * The app and channel a command sends from: `from` wins, else `appId`.
 *
 * @example
 * senderOf({ from: '01E@whatsapp.sinchconversation.com', ... }); // { appId: '01E', channel: 'WHATSAPP' }
 */
export function senderOf(command: OutboundCommand): { appId: string; channel?: string } {
  const address = command.from === undefined ? undefined : parseQueueAddress(command.from);
  if (address) return address;
  return { appId: command.appId! };
}

/**
 * The channel identity a command is addressed to, when there is one unambiguous identity: a
 * single identity, or the entry of a list on the channel of `from` / the first priority.
 *
 * @example
 * recipientIdentityOf(command); // { channel: 'WHATSAPP', identity: '+46700000000' }
 */
export function recipientIdentityOf(
  command: OutboundCommand,
): { channel: string; identity: string } | undefined {
  const to = command.to;
  if ('contactId' in to) return undefined;
  if (!Array.isArray(to)) return to;
  const preferred = senderOf(command).channel ?? command.channelPriority?.[0];
  if (to.length === 1) return to[0];
  return preferred === undefined ? undefined : to.find((entry) => entry.channel === preferred);
}

/**
 * Maps a valid command to the `messages:send` request (docs/commands.md, "Mapping").
 *
 * @example
 * toSendMessageRequest({ id: 'order-42', appId: '01E', to: { channel: 'SMS', identity: '+467' }, text: 'Hi' });
 * // { app_id: '01E', recipient: { identified_by: { channel_identities: [...] } },
 * //   message: { text_message: { text: 'Hi' } }, correlation_id: 'order-42' }
 */
export function toSendMessageRequest(command: OutboundCommand): SendMessageRequest {
  const sender = senderOf(command);
  const to = command.to;
  const recipient: SendMessageRequest['recipient'] =
    'contactId' in to
      ? { contact_id: to.contactId }
      : {
          identified_by: {
            channel_identities: (Array.isArray(to) ? to : [to]).map(({ channel, identity }) => ({
              channel,
              identity,
            })),
          },
        };
  const channelPriority = command.channelPriority ?? (sender.channel ? [sender.channel] : undefined);
  const request: SendMessageRequest = {
    app_id: sender.appId,
    recipient,
    message: toAppMessage(command),
    correlation_id: command.id,
  };
  if (channelPriority) request.channel_priority_order = channelPriority;
  if (command.channelProperties) request.channel_properties = command.channelProperties;
  if (command.metadata !== undefined) request.message_metadata = command.metadata;
  if (command.conversationMetadata) request.conversation_metadata = command.conversationMetadata;
  if (command.ttl !== undefined)
    request.ttl = typeof command.ttl === 'number' ? `${command.ttl}s` : command.ttl;
  if (command.priority) request.queue = command.priority === 'high' ? 'HIGH_PRIORITY' : 'NORMAL_PRIORITY';
  if (command.callbackUrl) request.callback_url = command.callbackUrl;
  if (command.processingStrategy) request.processing_strategy = command.processingStrategy;
  if (command.messageContentType) request.message_content_type = command.messageContentType;
  if (command.conversationMetadataUpdateStrategy)
    request.conversation_metadata_update_strategy = command.conversationMetadataUpdateStrategy;
  return request;
}

function toAppMessage(command: OutboundCommand): Record<string, unknown> {
  if (command.text !== undefined) return { text_message: { text: command.text } };
  if (command.media) {
    const { url, thumbnailUrl, filename } = command.media;
    return {
      media_message: {
        url,
        ...(thumbnailUrl ? { thumbnail_url: thumbnailUrl } : {}),
        ...(filename ? { filename_override: filename } : {}),
      },
    };
  }
  if (command.template) {
    const { id, version, languageCode, parameters, channel } = command.template;
    const reference = {
      template_id: id,
      ...(version ? { version } : {}),
      ...(languageCode ? { language_code: languageCode } : {}),
      ...(parameters ? { parameters } : {}),
    };
    return {
      template_message: channel
        ? { channel_template: { [channel]: reference } }
        : { omni_template: reference },
    };
  }
  // The schema guarantees exactly one content field: the raw AppMessage passes through unchanged.
  return command.message!;
}
