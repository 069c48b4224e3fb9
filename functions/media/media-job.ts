/**
 * A copy job: one inbound media URL to copy to S3, as the router's media step puts it on the
 * media FIFO queue (in the message's group) and the media function reads it back.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import type { CloudEvent } from '../events/cloud-event';
import { messageGroupIdOf } from '../events/message-group';

const MESSAGE_INBOUND_TYPE = 'sinch.conversation.message_inbound';
const nonEmpty = () => z.string().check(z.minLength(1));

export const MediaJobSchema = z.object({
  /** The message event's id: the idempotency key of the copy and part of the object key. */
  eventId: nonEmpty(),
  messageId: z.optional(nonEmpty()),
  appId: nonEmpty(),
  region: nonEmpty(),
  projectId: nonEmpty(),
  channel: z.optional(nonEmpty()),
  identity: z.optional(nonEmpty()),
  /** The FIFO group of the message event; the stored/failed event goes to the same group. */
  groupId: nonEmpty(),
  url: z.string(),
  filename: z.optional(nonEmpty()),
  kind: z.enum(['media', 'media_card']),
});
export type MediaJob = z.infer<typeof MediaJobSchema>;

/** The content kinds whose `url` is a file (Sinch's `media_message` and `media_card_message`). */
const MEDIA_KINDS = new Set(['media', 'media_card']);

interface InboundData {
  appId?: unknown;
  region?: unknown;
  projectId?: unknown;
  channel?: unknown;
  identity?: unknown;
  messageId?: unknown;
  content?: { kind?: unknown; url?: unknown; filename?: unknown };
}

const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);

/**
 * The copy job of an event, or `undefined` when the event carries no file: only
 * `sinch.conversation.message_inbound` with `content.kind` `media` (images, video, audio,
 * documents, MMS attachments) or `media_card`, and a URL. Sinch's other inbound contact messages
 * (text, location, choice and product responses, fallback, WhatsApp `nfm_reply`) carry no file.
 * The thumbnail of a `media` message is not copied: it is a preview of the same file.
 *
 * @example
 * const job = mediaJobOf(event); // { eventId: event.id, url: 'https://...', kind: 'media', ... }
 */
export function mediaJobOf(event: CloudEvent): MediaJob | undefined {
  if (event.type !== MESSAGE_INBOUND_TYPE) return undefined;
  const data = event.data as InboundData;
  const content = data.content;
  const url = text(content?.url);
  if (!content || !MEDIA_KINDS.has(content.kind as string) || !url) return undefined;
  const appId = text(data.appId);
  const region = text(data.region);
  const projectId = text(data.projectId);
  if (!appId || !region || !projectId) return undefined;
  const channel = text(data.channel);
  const identity = text(data.identity);
  const job: MediaJob = {
    eventId: event.id,
    appId,
    region,
    projectId,
    groupId: messageGroupIdOf(appId, channel, identity),
    url,
    kind: content.kind as MediaJob['kind'],
  };
  const messageId = text(data.messageId);
  const filename = text(content.filename);
  if (messageId) job.messageId = messageId;
  if (channel) job.channel = channel;
  if (identity) job.identity = identity;
  if (filename) job.filename = filename;
  return job;
}

/**
 * The hex SHA-256 of `"<channel>:<identity>"`: the second segment of every media key, so one
 * person's media share a prefix (erase deletes by it) without the raw identity in the key.
 *
 * @example
 * identityKeySegment('WHATSAPP', '46700000001'); // '5c0f...'
 */
export function identityKeySegment(channel: string | undefined, identity: string | undefined): string {
  return createHash('sha256')
    .update(`${channel ?? ''}:${identity ?? ''}`)
    .digest('hex');
}

const MAX_NAME_LENGTH = 100;

/**
 * A file name safe in an S3 key and a download: the given filename, else the URL's last path
 * segment, else `media`; anything but letters, digits, `.`, `_` and `-` becomes `_`, and it never
 * starts with a dot (names starting with `.` are the bridge's own, like `.outcome.json`).
 *
 * @example
 * mediaObjectName({ filename: 'scan 1.pdf', url: 'https://x/y' }); // 'scan_1.pdf'
 */
export function mediaObjectName(job: Pick<MediaJob, 'filename' | 'url'>): string {
  let candidate = job.filename;
  if (!candidate) {
    try {
      candidate = decodeURIComponent(new URL(job.url).pathname.split('/').pop() ?? '');
    } catch {
      candidate = undefined;
    }
  }
  const safe = (candidate ?? '')
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, MAX_NAME_LENGTH);
  return safe.length > 0 ? safe : 'media';
}

/**
 * The prefix of one message's objects: `<appId>/<hex sha256 of "channel:identity">/<eventId>/`.
 *
 * @example
 * mediaEventPrefix(job); // '01HQ.../5c0f.../r3Ie.../'
 */
export function mediaEventPrefix(job: Pick<MediaJob, 'appId' | 'channel' | 'identity' | 'eventId'>): string {
  return `${job.appId}/${identityKeySegment(job.channel, job.identity)}/${job.eventId}/`;
}

/**
 * The key of the copied file: `<appId>/<hex sha256 of "channel:identity">/<eventId>/<name>`.
 *
 * @example
 * mediaObjectKey(job); // '01HQ.../5c0f.../r3Ie.../photo.jpg'
 */
export function mediaObjectKey(job: MediaJob): string {
  return `${mediaEventPrefix(job)}${mediaObjectName(job)}`;
}

/** Name of the object that records a job's published outcome, beside the media. */
export const OUTCOME_OBJECT_NAME = '.outcome.json';

/**
 * The key of the outcome record: the event published for this job, written once it is
 * published, so a redelivered job neither stores nor publishes again.
 *
 * @example
 * mediaOutcomeKey(job); // '01HQ.../5c0f.../r3Ie.../.outcome.json'
 */
export function mediaOutcomeKey(job: MediaJob): string {
  return `${mediaEventPrefix(job)}${OUTCOME_OBJECT_NAME}`;
}

/**
 * Where the event index lives: one small object per copy job, `by-event/<eventId>.json`, so a
 * file is found from the message event's id alone (`sinch-bridge media get <eventId>`) with one
 * GET instead of a scan: the object key also holds the app and the identity's hash, which an
 * event id does not tell. Lower-case, so it never collides with an app id (Sinch app ids are
 * upper-case ULIDs); `erase` deletes a person's entries with their files.
 */
export const MEDIA_INDEX_PREFIX = 'by-event/';

/** One index entry: where the job's objects are. */
export const MediaIndexEntrySchema = z.object({
  eventId: nonEmpty(),
  appId: nonEmpty(),
  /** `<appId>/<hex sha256 of "channel:identity">/<eventId>/`: the file and `.outcome.json` are under it. */
  prefix: nonEmpty(),
  /** The file's key (present once stored; the outcome record says whether it was). */
  key: nonEmpty(),
});
export type MediaIndexEntry = z.infer<typeof MediaIndexEntrySchema>;

/** Event ids are base64url (`stableId`) or ULIDs; anything else is not looked up. */
const EVENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * The key of an event's index entry, or `undefined` for a string that cannot be an event id.
 *
 * @example
 * mediaIndexKey('r3Ie...'); // 'by-event/r3Ie....json'
 */
export function mediaIndexKey(eventId: string): string | undefined {
  return EVENT_ID_PATTERN.test(eventId) ? `${MEDIA_INDEX_PREFIX}${eventId}.json` : undefined;
}

/**
 * The index entry of a job.
 *
 * @example
 * const entry = mediaIndexEntry(job); // { eventId, appId, prefix, key }
 */
export function mediaIndexEntry(job: MediaJob): MediaIndexEntry {
  return { eventId: job.eventId, appId: job.appId, prefix: mediaEventPrefix(job), key: mediaObjectKey(job) };
}
