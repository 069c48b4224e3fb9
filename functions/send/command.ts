/**
 * The outbound command (contracts section 4): what producers put on the outbound queue, its
 * validation, and its mapping to a Conversation API `messages:send` request. This schema is the
 * one source of `schemas/outbound-command.v1.json`.
 */
// zod/mini: classic zod's import-time setup would add ~450 KB to the send bundle.
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { parseQueueAddress } from '../sinch/channels';
import { AppMessageSchema, type SendMessageRequest } from '../sinch/messages';

const nonEmpty = () => z.string().check(z.minLength(1));
const described = <T extends z.ZodMiniType>(schema: T, description: string): T =>
  schema.check(z.describe(description));

export const CommandChannelIdentitySchema = z.strictObject({
  channel: described(nonEmpty(), 'Sinch channel, e.g. WHATSAPP, SMS'),
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

export const CommandTemplateSchema = z.strictObject({
  id: nonEmpty(),
  version: z.optional(nonEmpty()),
  languageCode: z.optional(nonEmpty()),
  parameters: z.optional(z.record(z.string(), z.string())),
});

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
    channelPriority: z.optional(z.array(nonEmpty()).check(z.minLength(1))),
    channelProperties: z.optional(z.record(z.string(), z.string())),
    metadata: z.optional(z.string().check(z.maxLength(1024))),
    conversationMetadata: z.optional(
      z.record(z.string(), z.unknown()).check(
        z.refine((value) => JSON.stringify(value).length <= 2048, {
          message: 'at most 2048 characters as JSON',
        }),
      ),
    ),
    ttl: z.optional(
      z.union([
        z.string().check(z.regex(/^\d+s$/, 'a number of seconds like "86400s"')),
        z.int().check(z.gte(0)),
      ]),
    ),
    priority: z.optional(z.enum(['normal', 'high'])),
    callbackUrl: z.optional(z.url()),
    processingStrategy: z.optional(z.enum(['DEFAULT', 'DISPATCH_ONLY'])),
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
    }),
    // The refinements above, stated for JSON Schema readers (zod cannot derive them).
    z.meta({
      oneOf: CONTENT_FIELDS.map((field) => ({ required: [field] })),
      anyOf: [{ required: ['appId'] }, { required: ['from'] }],
    }),
  );

export type OutboundCommand = z.output<typeof OutboundCommandSchema>;

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
  const path = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  return { ok: false, reason: `${path}${issue?.message ?? 'invalid command'}`, raw };
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
 * Maps a valid command to the `messages:send` request (contracts section 4).
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
    const { id, version, languageCode, parameters } = command.template;
    return {
      template_message: {
        omni_template: {
          template_id: id,
          ...(version ? { version } : {}),
          ...(languageCode ? { language_code: languageCode } : {}),
          ...(parameters ? { parameters } : {}),
        },
      },
    };
  }
  // The schema guarantees exactly one content field: the raw AppMessage passes through unchanged.
  return command.message!;
}
