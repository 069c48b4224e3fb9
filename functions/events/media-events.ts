/**
 * The two events the media function publishes, in the group of the inbound message they are
 * about, after that message's event: `sinch.bridge.media.stored` and `sinch.bridge.media.failed`.
 */
// zod/mini: classic zod's import-time setup would add ~450 KB to the media bundle.
import * as z from 'zod/mini';
import { type CloudEvent, dataSchemaUri, eventSource, stableId, toCloudEvent } from './cloud-event';

export const MEDIA_STORED_TYPE = 'sinch.bridge.media.stored';
export const MEDIA_FAILED_TYPE = 'sinch.bridge.media.failed';
export const MEDIA_STORED_SCHEMA = { name: 'media-stored', version: 1 } as const;
export const MEDIA_FAILED_SCHEMA = { name: 'media-failed', version: 1 } as const;

const nonEmpty = () => z.string().check(z.minLength(1));

export const MediaStoredDataSchema = z.object({
  eventId: nonEmpty().check(
    z.describe('id of the sinch.conversation.message_inbound event that carried the media'),
  ),
  messageId: z.optional(nonEmpty().check(z.describe("Sinch's message id"))),
  appId: nonEmpty(),
  sourceUrl: nonEmpty().check(z.describe('The URL Sinch gave (it may expire)')),
  location: nonEmpty().check(
    z.describe('s3://<bucket>/<appId>/<sha256 of "channel:identity">/<eventId>/<name>'),
  ),
  contentType: nonEmpty().check(
    z.describe('Content-Type the source declared, else application/octet-stream'),
  ),
  size: z.int().check(z.minimum(0), z.describe('Bytes stored')),
  sha256: z
    .string()
    .check(z.regex(/^[0-9a-f]{64}$/), z.describe('SHA-256 of the stored bytes, lower-case hex')),
});
export type MediaStoredData = z.infer<typeof MediaStoredDataSchema>;

/**
 * Short codes: `scheme_not_allowed`, `address_not_allowed`, `invalid_url`, `too_large`,
 * `too_many_redirects`, `http_<status>`, `timeout`, `dns`, `tls`, `network`, `storage_failed`.
 */
export const MediaFailedDataSchema = z.object({
  eventId: nonEmpty(),
  messageId: z.optional(nonEmpty()),
  appId: nonEmpty(),
  sourceUrl: z.string().check(z.describe('The URL Sinch gave, as given')),
  reason: nonEmpty().check(z.describe('Why the media was not stored: a short code (see docs/media.md)')),
  detail: z.optional(z.string().check(z.describe('A human-readable explanation'))),
});
export type MediaFailedData = z.infer<typeof MediaFailedDataSchema>;

/** What a media event needs to know about the message it follows. */
export interface MediaEventOrigin {
  region: string;
  projectId: string;
  appId: string;
  channel?: string | undefined;
  identity?: string | undefined;
}

const subjectOf = (origin: MediaEventOrigin) =>
  origin.channel && origin.identity ? `${origin.channel}:${origin.identity}` : undefined;

/**
 * The `media.stored` event. Its id derives from the message event's id only, so every
 * republication (a redelivered copy job) is the same event, deduplicated by SQS and consumers.
 *
 * @example
 * toMediaStoredEvent(origin, { eventId, appId, sourceUrl, location, contentType: 'image/jpeg', size: 1234, sha256 });
 */
export function toMediaStoredEvent(
  origin: MediaEventOrigin,
  data: MediaStoredData,
  time: Date = new Date(),
): CloudEvent<MediaStoredData> {
  return toCloudEvent({
    id: stableId(MEDIA_STORED_TYPE, data.eventId),
    source: eventSource(origin.region, origin.projectId, data.appId),
    type: MEDIA_STORED_TYPE,
    time: time.toISOString(),
    subject: subjectOf(origin),
    dataschema: dataSchemaUri(MEDIA_STORED_SCHEMA.name, MEDIA_STORED_SCHEMA.version),
    data,
  });
}

/**
 * The `media.failed` event; one per message event, like `media.stored`.
 *
 * @example
 * toMediaFailedEvent(origin, { eventId, appId, sourceUrl, reason: 'address_not_allowed' });
 */
export function toMediaFailedEvent(
  origin: MediaEventOrigin,
  data: MediaFailedData,
  time: Date = new Date(),
): CloudEvent<MediaFailedData> {
  return toCloudEvent({
    id: stableId(MEDIA_FAILED_TYPE, data.eventId),
    source: eventSource(origin.region, origin.projectId, data.appId),
    type: MEDIA_FAILED_TYPE,
    time: time.toISOString(),
    subject: subjectOf(origin),
    dataschema: dataSchemaUri(MEDIA_FAILED_SCHEMA.name, MEDIA_FAILED_SCHEMA.version),
    data,
  });
}
