/**
 * The normalized `data` of every `sinch.conversation.*` event (docs/events.md): one zod
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
  channelCode: optionalText.describe("The channel's own error code, when Sinch passes it on"),
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
  direction: optionalText.describe('TO_APP for messages from a contact'),
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
  requestId: optionalText.describe('Sinch says it can be used to detect duplicates'),
  status: optionalText.describe(
    'CAPABILITY_FULL/PARTIAL/NONE, OPT_IN_SUCCEEDED/FAILED, OPT_OUT_SUCCEEDED/FAILED, ...',
  ),
  reason: ReasonSchema.optional().describe('CAPABILITY: why a capability is partial or missing'),
  errorDetails: z
    .looseObject({ description: optionalText })
    .optional()
    .describe('OPT_IN / OPT_OUT: why the change failed'),
});

export const MessageRedactionDataSchema = z.looseObject({
  trigger: z.literal('MESSAGE_INBOUND_SMART_CONVERSATION_REDACTION'),
  ...common,
  messageId: optionalText,
  direction: optionalText,
});

export const ChannelEventDataSchema = z.looseObject({
  trigger: z.literal('CHANNEL_EVENT'),
  ...common,
  eventType: optionalText.describe('e.g. WHATS_APP_QUALITY_RATING_CHANGED; details stay in payload'),
});

export const SmartConversationDataSchema = z.looseObject({
  trigger: z.literal('SMART_CONVERSATION'),
  ...common,
  messageId: optionalText.describe('The message the analysis is about; the results stay in payload'),
});

export const RecordNotificationDataSchema = z.looseObject({
  trigger: z.literal('RECORD_NOTIFICATION'),
  ...common,
  entityId: optionalText,
  recordStatus: optionalText.describe('e.g. EVENT_RECORD_STORED, EVENT_RECORD_FAILED'),
  reason: ReasonSchema.optional(),
});

export const ContactMergeDataSchema = z.looseObject({
  trigger: z.literal('CONTACT_MERGE'),
  ...common,
  contactId: optionalText.describe('The contact that was kept'),
  deletedContactId: optionalText.describe('The contact merged into it and deleted'),
});

export const BatchStatusUpdateDataSchema = z.looseObject({
  trigger: z.literal('BATCH_STATUS_UPDATE'),
  ...common,
  batchId: optionalText,
  status: optionalText.describe('batch_status, e.g. BATCH_STATUS_PROCESSED'),
  batchType: optionalText,
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
  'MESSAGE_INBOUND_SMART_CONVERSATION_REDACTION',
  'CHANNEL_EVENT',
  'SMART_CONVERSATION',
  'RECORD_NOTIFICATION',
  'CONTACT_MERGE',
  'BATCH_STATUS_UPDATE',
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
  MessageRedactionDataSchema,
  ChannelEventDataSchema,
  SmartConversationDataSchema,
  RecordNotificationDataSchema,
  ContactMergeDataSchema,
  BatchStatusUpdateDataSchema,
  OtherNotificationDataSchema,
]);

export type ConversationEventData = z.output<typeof ConversationEventDataSchema>;
export type MessageInboundData = z.output<typeof MessageInboundDataSchema>;
export type MessageDeliveryData = z.output<typeof MessageDeliveryDataSchema>;
