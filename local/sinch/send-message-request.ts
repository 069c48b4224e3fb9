/**
 * Sinch's `SendMessageRequest` (the body of `POST /v1/projects/{projectId}/messages:send`),
 * written from Sinch's published models (the OpenAPI-generated Java `SendMessageRequestImpl`,
 * the .NET `SendMessageRequest`, the Node SDK's `SendMessageRequestBase`). Sinch stand-ins
 * validate every request with it and answer 400 like Sinch does when it fails, so a request
 * Sinch would refuse never passes a local test.
 *
 * Strict at the top level (a misspelt field is refused); message kinds are checked by
 * `AppMessageSchema`, which the send function also uses to validate commands early.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import {
  AppMessageSchema,
  ChannelPropertiesSchema,
  MESSAGE_CONTENT_TYPES,
  METADATA_UPDATE_STRATEGIES,
  SendChannelSchema,
  TTL_MAX_SECONDS,
  TTL_MIN_SECONDS,
} from '../../functions/sinch/app-message';

const nonEmpty = () => z.string().check(z.minLength(1));

const RecipientSchema = z.union([
  z.strictObject({ contact_id: nonEmpty() }),
  z.strictObject({
    identified_by: z.strictObject({
      channel_identities: z
        .array(
          z.strictObject({
            channel: SendChannelSchema,
            identity: nonEmpty(),
            app_id: z.optional(z.string()),
          }),
        )
        .check(z.minLength(1)),
    }),
  }),
]);

/** `"<n>s"` with n a whole number of seconds from 3 to 315576000000. */
const TtlSchema = z.string().check(
  z.superRefine((ttl, ctx) => {
    const match = /^(\d{1,12})s$/.exec(ttl);
    const seconds = match ? Number(match[1]) : Number.NaN;
    if (!(seconds >= TTL_MIN_SECONDS && seconds <= TTL_MAX_SECONDS)) {
      ctx.addIssue({
        code: 'custom',
        message: `ttl must be "<n>s" with n from ${TTL_MIN_SECONDS} to ${TTL_MAX_SECONDS}`,
        input: ttl,
      });
    }
  }),
);

export const SendMessageRequestSchema = z.strictObject({
  app_id: nonEmpty(),
  recipient: RecipientSchema,
  message: AppMessageSchema,
  callback_url: z.optional(z.url({ protocol: /^https?$/ })),
  channel_priority_order: z.optional(z.array(SendChannelSchema).check(z.minLength(1))),
  channel_properties: z.optional(ChannelPropertiesSchema),
  message_metadata: z.optional(z.string().check(z.maxLength(1024))),
  conversation_metadata: z.optional(
    z.record(z.string(), z.unknown()).check(
      z.refine((value) => JSON.stringify(value).length <= 2048, {
        message: 'conversation_metadata is at most 2048 characters as JSON',
      }),
    ),
  ),
  queue: z.optional(z.enum(['NORMAL_PRIORITY', 'HIGH_PRIORITY'])),
  ttl: z.optional(TtlSchema),
  processing_strategy: z.optional(z.enum(['DEFAULT', 'DISPATCH_ONLY'])),
  correlation_id: z.optional(z.string().check(z.maxLength(128))),
  conversation_metadata_update_strategy: z.optional(z.enum(METADATA_UPDATE_STRATEGIES)),
  message_content_type: z.optional(z.enum(MESSAGE_CONTENT_TYPES)),
});

export type ValidSendMessageRequest = z.output<typeof SendMessageRequestSchema>;

const englishMessages = en().localeError;

/**
 * Checks a `messages:send` body the way Sinch does: `undefined` when Sinch would take it, else
 * the reason it would answer 400 with (path and message of the first problem).
 *
 * @example
 * const reason = sendMessageRequestProblem(JSON.parse(body));
 * if (reason) answer400(`invalid request: ${reason}`);
 */
export function sendMessageRequestProblem(body: unknown): string | undefined {
  const parsed = SendMessageRequestSchema.safeParse(body, { error: englishMessages });
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  return `${issue?.path.length ? `${issue.path.join('.')}: ` : ''}${issue?.message ?? 'invalid request'}`;
}
