/**
 * The shape of `POST /v1/projects/{projectId}/messages:send` as far as this bridge relies on
 * it (sinch-conversation-api.md, "messages:send"). Used to type requests and, in tests, to
 * check that every command maps to a request Sinch would accept structurally.
 */
// zod/mini: classic zod's import-time setup would add ~450 KB to the send bundle.
import * as z from 'zod/mini';

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

const nonEmpty = () => z.string().check(z.minLength(1));

const ChannelIdentitySchema = z.object({ channel: nonEmpty(), identity: nonEmpty() });

/** `message`: exactly one of the message kinds, plus optional decorations. */
export const AppMessageSchema = z.record(z.string(), z.unknown()).check(
  z.refine((message) => SINCH_MESSAGE_KINDS.filter((kind) => kind in message).length === 1, {
    message: `exactly one of ${SINCH_MESSAGE_KINDS.join(', ')}`,
  }),
);

export const SendMessageRequestSchema = z.strictObject({
  app_id: nonEmpty(),
  recipient: z.union([
    z.strictObject({ contact_id: nonEmpty() }),
    z.strictObject({
      identified_by: z.strictObject({
        channel_identities: z.array(ChannelIdentitySchema).check(z.minLength(1)),
      }),
    }),
  ]),
  message: AppMessageSchema,
  channel_priority_order: z.optional(z.array(nonEmpty()).check(z.minLength(1))),
  channel_properties: z.optional(z.record(z.string(), z.string())),
  message_metadata: z.optional(z.string().check(z.maxLength(1024))),
  conversation_metadata: z.optional(z.record(z.string(), z.unknown())),
  correlation_id: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  callback_url: z.optional(nonEmpty()),
  queue: z.optional(z.enum(['NORMAL_PRIORITY', 'HIGH_PRIORITY'])),
  ttl: z.optional(z.string().check(z.regex(/^\d+s$/))),
  processing_strategy: z.optional(z.enum(['DEFAULT', 'DISPATCH_ONLY'])),
  message_content_type: z.optional(z.string()),
});

export type SendMessageRequest = z.infer<typeof SendMessageRequestSchema>;

/** 200 answer of `messages:send`: the message is queued; delivery comes later as callbacks. */
export interface SendMessageResponse {
  message_id: string;
  accepted_time: string;
}
