import { z } from 'zod';
import { OutboundCommandSchema } from '../send/command';
import { CloudEventEnvelopeSchema, DATASCHEMA_PREFIX, dataSchemaFile } from './cloud-event';
import { ConversationEventDataSchema } from './conversation-event';
import { CONVERSATION_EVENT_SCHEMA } from './conversation-event-type';
import {
  OUTBOUND_STATUS_SCHEMA,
  OUTBOUND_UNCONFIRMED_SCHEMA,
  OutboundStatusDataSchema,
  OutboundUnconfirmedDataSchema,
  SUPPRESSION_CHANGE_SCHEMA,
  SuppressionChangeDataSchema,
} from './lifecycle-events';
import {
  MEDIA_FAILED_SCHEMA,
  MEDIA_STORED_SCHEMA,
  MediaFailedDataSchema,
  MediaStoredDataSchema,
} from './media-events';
import {
  OUTBOUND_ACCEPTED_SCHEMA,
  OUTBOUND_FAILED_SCHEMA,
  OutboundAcceptedDataSchema,
  OutboundFailedDataSchema,
} from './outbound-events';

/** A zod schema published as JSON Schema under `schemas/`. */
export interface PublishedSchema {
  /** Short name; with the version it gives the `dataschema` URI and the file name. */
  name: string;
  version: number;
  title: string;
  schema: z.core.$ZodType;
  /** Zod's JSON Schema view: 'input' for what producers write, 'output' for what consumers read. */
  io: 'input' | 'output';
}

/**
 * Every published schema: the one list the generator and the staleness test read.
 * Add a line here when a new event or command shape is published.
 */
export const PUBLISHED_SCHEMAS: PublishedSchema[] = [
  {
    name: 'cloud-event-envelope',
    version: 1,
    title: 'CloudEvents 1.0 envelope of every message on the events queue',
    schema: CloudEventEnvelopeSchema,
    io: 'output',
  },
  {
    name: CONVERSATION_EVENT_SCHEMA.name,
    version: CONVERSATION_EVENT_SCHEMA.version,
    title: 'data of sinch.conversation.* events (normalized Sinch Conversation API callbacks)',
    schema: ConversationEventDataSchema,
    io: 'output',
  },
  {
    name: 'outbound-command',
    version: 1,
    title: 'Outbound command: one message to send, as producers put it on the outbound queue',
    schema: OutboundCommandSchema,
    io: 'input',
  },
  {
    name: OUTBOUND_ACCEPTED_SCHEMA.name,
    version: OUTBOUND_ACCEPTED_SCHEMA.version,
    title: 'data of sinch.bridge.outbound.accepted events (Sinch accepted a command)',
    schema: OutboundAcceptedDataSchema,
    io: 'output',
  },
  {
    name: OUTBOUND_FAILED_SCHEMA.name,
    version: OUTBOUND_FAILED_SCHEMA.version,
    title: 'data of sinch.bridge.outbound.failed events (a command that will not be sent)',
    schema: OutboundFailedDataSchema,
    io: 'output',
  },
  {
    name: MEDIA_STORED_SCHEMA.name,
    version: MEDIA_STORED_SCHEMA.version,
    title: 'data of sinch.bridge.media.stored events (an inbound media file copied to S3)',
    schema: MediaStoredDataSchema,
    io: 'output',
  },
  {
    name: MEDIA_FAILED_SCHEMA.name,
    version: MEDIA_FAILED_SCHEMA.version,
    title: 'data of sinch.bridge.media.failed events (an inbound media file that was not copied)',
    schema: MediaFailedDataSchema,
    io: 'output',
  },
  {
    name: OUTBOUND_STATUS_SCHEMA.name,
    version: OUTBOUND_STATUS_SCHEMA.version,
    title: 'data of sinch.bridge.outbound.status events (a delivery status change of a command)',
    schema: OutboundStatusDataSchema,
    io: 'output',
  },
  {
    name: OUTBOUND_UNCONFIRMED_SCHEMA.name,
    version: OUTBOUND_UNCONFIRMED_SCHEMA.version,
    title: 'data of sinch.bridge.outbound.unconfirmed events (no delivery confirmation in time)',
    schema: OutboundUnconfirmedDataSchema,
    io: 'output',
  },
  {
    name: SUPPRESSION_CHANGE_SCHEMA.name,
    version: SUPPRESSION_CHANGE_SCHEMA.version,
    title: 'data of sinch.bridge.suppression.added|removed events (the suppression list changed)',
    schema: SuppressionChangeDataSchema,
    io: 'output',
  },
];

/**
 * Renders one published schema as a JSON Schema (draft 2020-12) document, with `$id` equal to
 * the `dataschema` URI consumers see on events.
 *
 * @example
 * const files = PUBLISHED_SCHEMAS.map((s) => [s.file, renderJsonSchema(s)]);
 */
export function renderJsonSchema(entry: PublishedSchema): { file: string; json: string } {
  const jsonSchema = z.toJSONSchema(entry.schema, { io: entry.io, unrepresentable: 'any' });
  const document = {
    ...jsonSchema,
    $id: `${DATASCHEMA_PREFIX}${entry.name}:v${entry.version}`,
    title: entry.title,
  };
  return { file: dataSchemaFile(entry.name, entry.version), json: `${JSON.stringify(document, null, 2)}\n` };
}
