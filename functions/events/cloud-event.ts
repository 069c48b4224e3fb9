import { createHash } from 'node:crypto';
// zod/mini: classic zod's import-time setup would add ~450 KB to every bundle that builds events.
import * as z from 'zod/mini';

/**
 * The CloudEvents 1.0 structured-mode envelope of every message on the events queue
 * (docs/events.md). `data` is described by the schema named in `dataschema`.
 */
export const CloudEventEnvelopeSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string().check(z.minLength(1)),
  source: z.string().check(z.minLength(1)),
  type: z.string().check(z.minLength(1)),
  time: z.string().check(z.minLength(1)),
  subject: z.optional(z.string().check(z.minLength(1))),
  datacontenttype: z.literal('application/json'),
  dataschema: z.string().check(z.minLength(1)),
  data: z.record(z.string(), z.unknown()),
});

export type CloudEvent<TData = Record<string, unknown>> = Omit<
  z.infer<typeof CloudEventEnvelopeSchema>,
  'data'
> & { data: TData };

/** Base of every `dataschema` URI; the published file is `schemas/<name>.v<version>.json`. */
export const DATASCHEMA_PREFIX = 'urn:sinch-conversation-bridge:schemas:';

/**
 * The versioned URI of a published data schema. A breaking change to a `data` shape bumps the
 * version (and the README says so); additive changes keep it.
 *
 * @example
 * dataSchemaUri('conversation-event', 1); // 'urn:sinch-conversation-bridge:schemas:conversation-event:v1'
 */
export function dataSchemaUri(name: string, version: number): string {
  return `${DATASCHEMA_PREFIX}${name}:v${version}`;
}

/** File name, under `schemas/`, of the JSON Schema a `dataschema` URI names. */
export function dataSchemaFile(name: string, version: number): string {
  return `${name}.v${version}.json`;
}

/**
 * The `source` attribute of events about one Sinch app.
 *
 * @example
 * eventSource('eu', 'proj', '01H...'); // 'sinch:conversation:eu:proj:01H...'
 */
export function eventSource(region: string, projectId: string, appId: string): string {
  return `sinch:conversation:${region}:${projectId}:${appId}`;
}

/**
 * A short, stable, content-derived id: the same parts always give the same id, and the id is
 * safe as an SQS `MessageDeduplicationId` (at most 128 characters of `[A-Za-z0-9_-]`).
 *
 * @example
 * stableId('delivery', messageId, 'DELIVERED');
 */
export function stableId(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url');
}

/**
 * Builds an envelope. Absent optional attributes stay absent (never empty strings).
 *
 * @example
 * const event = toCloudEvent({ id, source, type: 'sinch.conversation.message_inbound', time, data, dataschema });
 */
export function toCloudEvent<TData extends Record<string, unknown>>(attributes: {
  id: string;
  source: string;
  type: string;
  time: string;
  subject?: string | undefined;
  dataschema: string;
  data: TData;
}): CloudEvent<TData> {
  const { subject, ...rest } = attributes;
  return {
    specversion: '1.0',
    id: rest.id,
    source: rest.source,
    type: rest.type,
    time: rest.time,
    ...(subject ? { subject } : {}),
    datacontenttype: 'application/json',
    dataschema: rest.dataschema,
    data: rest.data,
  };
}
