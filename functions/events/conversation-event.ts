/**
 * The normalized `data` of every `sinch.conversation.*` event (contracts section 3): one zod
 * schema per trigger, the single source of the TypeScript types and of the published JSON
 * Schema `schemas/conversation-event.v1.json`. Objects are loose on purpose: adding an
 * optional field is not a breaking change, so consumers must tolerate fields they don't know.
 */
import { z } from 'zod';
import { TRIGGERS, type Trigger } from './callback-envelope';
import { UNRECOGNIZED_TRIGGER } from './conversation-event-type';

const optionalText = z.string().min(1).optional();

export const ReasonSchema = z.looseObject({
  code: optionalText,
  description: optionalText,
  subCode: optionalText,
});

/** Fields every normalized event has (`trigger` is set per variant below). */
const common = {
  region: z.string().describe('Sinch region of the app: eu, us or br'),
  projectId: z.string(),
  appId: z.string(),
  acceptedTime: z.string().describe('When Sinch accepted the event (RFC 3339)'),
  payload: z.record(z.string(), z.unknown()).describe('The original callback, parsed, unchanged'),
  eventTime: optionalText,
  correlationId: optionalText,
  messageMetadata: optionalText,
  channel: optionalText,
  identity: optionalText,
  contactId: optionalText.describe('Absent in DISPATCH mode'),
  conversationId: optionalText.describe('Absent in DISPATCH mode'),
  processingMode: optionalText,
  queueAddress: optionalText.describe('<appId>@<subchannel>.sinchconversation.com'),
};

export const MessageContentSchema = z.discriminatedUnion('kind', [
  z.looseObject({ kind: z.literal('text'), text: optionalText }),
  z.looseObject({
    kind: z.literal('media'),
    url: optionalText,
    thumbnailUrl: optionalText,
    filename: optionalText,
  }),
  z.looseObject({
    kind: z.literal('location'),
    latitude: z.number().optional(),
    longitude: z.number().optional(),
    title: optionalText,
    label: optionalText,
  }),
  z.looseObject({ kind: z.literal('choice_response'), messageId: optionalText, postbackData: optionalText }),
  z.looseObject({ kind: z.literal('media_card'), url: optionalText, caption: optionalText }),
  z.looseObject({ kind: z.literal('fallback'), rawMessage: optionalText, reason: ReasonSchema.optional() }),
  z.looseObject({ kind: z.literal('product_response') }),
  z.looseObject({ kind: z.literal('channel_specific') }),
  z.looseObject({ kind: z.literal('unknown') }),
]);
export type MessageContent = z.output<typeof MessageContentSchema>;

export const MessageInboundDataSchema = z.looseObject({
  trigger: z.literal('MESSAGE_INBOUND'),
  ...common,
  messageId: optionalText,
  senderId: optionalText,
  replyToMessageId: optionalText,
  injected: z.boolean().optional(),
  content: MessageContentSchema,
});

export const MessageDeliveryDataSchema = z.looseObject({
  trigger: z.literal('MESSAGE_DELIVERY'),
  ...common,
  messageId: optionalText,
  status: optionalText.describe('QUEUED_ON_CHANNEL, DELIVERED, READ, FAILED, SWITCHING_CHANNEL, ...'),
  reason: ReasonSchema.optional(),
  metadata: optionalText.describe("The send's message_metadata"),
});

export const MessageSubmitDataSchema = z.looseObject({
  trigger: z.literal('MESSAGE_SUBMIT'),
  ...common,
  messageId: optionalText,
  metadata: optionalText,
});

export const EventInboundDataSchema = z.looseObject({
  trigger: z.literal('EVENT_INBOUND'),
  ...common,
  eventId: optionalText,
  event: z.looseObject({
    kind: z.string().describe('composing, composing_end, comment, generic, reaction, ..., or unknown'),
    messageId: optionalText.describe('The message a contact_message_event refers to'),
  }),
});

export const EventDeliveryDataSchema = z.looseObject({
  trigger: z.literal('EVENT_DELIVERY'),
  ...common,
  eventId: optionalText,
  status: optionalText,
  reason: ReasonSchema.optional(),
});

export const RequestNotificationDataSchema = z.looseObject({
  trigger: z.enum(['CAPABILITY', 'OPT_IN', 'OPT_OUT']),
  ...common,
  requestId: optionalText,
  status: optionalText,
});

const DETAILED = [
  'MESSAGE_INBOUND',
  'MESSAGE_DELIVERY',
  'MESSAGE_SUBMIT',
  'EVENT_INBOUND',
  'EVENT_DELIVERY',
  'CAPABILITY',
  'OPT_IN',
  'OPT_OUT',
] as const satisfies readonly Trigger[];
type DetailedTrigger = (typeof DETAILED)[number];
const OTHER_TRIGGERS = TRIGGERS.filter((t) => !(DETAILED as readonly string[]).includes(t)) as Exclude<
  Trigger,
  DetailedTrigger
>[];

/** Triggers with only the common fields, and signed callbacks with no known key. */
export const OtherNotificationDataSchema = z.looseObject({
  trigger: z.enum([...OTHER_TRIGGERS, UNRECOGNIZED_TRIGGER]),
  ...common,
});

export const ConversationEventDataSchema = z.discriminatedUnion('trigger', [
  MessageInboundDataSchema,
  MessageDeliveryDataSchema,
  MessageSubmitDataSchema,
  EventInboundDataSchema,
  EventDeliveryDataSchema,
  RequestNotificationDataSchema,
  OtherNotificationDataSchema,
]);

export type ConversationEventData = z.output<typeof ConversationEventDataSchema>;
export type MessageInboundData = z.output<typeof MessageInboundDataSchema>;
export type MessageDeliveryData = z.output<typeof MessageDeliveryDataSchema>;
