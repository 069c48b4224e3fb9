/**
 * The shape of `POST /v1/projects/{projectId}/messages:send` as far as this bridge relies on
 * it (sinch-conversation-api.md, "messages:send"). Used to type requests and, in tests, to
 * check that every command maps to a request Sinch would accept structurally.
 */
import { z } from 'zod';

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

const ChannelIdentitySchema = z.object({ channel: z.string().min(1), identity: z.string().min(1) });

/** `message`: exactly one of the message kinds, plus optional decorations. */
export const AppMessageSchema = z
  .record(z.string(), z.unknown())
  .refine((message) => SINCH_MESSAGE_KINDS.filter((kind) => kind in message).length === 1, {
    message: `exactly one of ${SINCH_MESSAGE_KINDS.join(', ')}`,
  });

export const SendMessageRequestSchema = z.strictObject({
  app_id: z.string().min(1),
  recipient: z.union([
    z.strictObject({ contact_id: z.string().min(1) }),
    z.strictObject({
      identified_by: z.strictObject({ channel_identities: z.array(ChannelIdentitySchema).min(1) }),
    }),
  ]),
  message: AppMessageSchema,
  channel_priority_order: z.array(z.string().min(1)).min(1).optional(),
  channel_properties: z.record(z.string(), z.string()).optional(),
  message_metadata: z.string().max(1024).optional(),
  conversation_metadata: z.record(z.string(), z.unknown()).optional(),
  correlation_id: z.string().min(1).max(128).optional(),
  callback_url: z.string().min(1).optional(),
  queue: z.enum(['NORMAL_PRIORITY', 'HIGH_PRIORITY']).optional(),
  ttl: z
    .string()
    .regex(/^\d+s$/)
    .optional(),
  processing_strategy: z.enum(['DEFAULT', 'DISPATCH_ONLY']).optional(),
  message_content_type: z.string().optional(),
});

export type SendMessageRequest = z.infer<typeof SendMessageRequestSchema>;

/** 200 answer of `messages:send`: the message is queued; delivery comes later as callbacks. */
export interface SendMessageResponse {
  message_id: string;
  accepted_time: string;
}
