/**
 * One archived event: a JSON line in a gzip object of the archive bucket. The line carries the
 * event as it went on the events queue plus what a replay needs to put it back the same way
 * (group, deduplication id, attributes) and in the same order (the router queue's sequence
 * number and the event's position after it).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import * as z from 'zod/mini';
import { type CloudEvent, CloudEventEnvelopeSchema } from '../events/cloud-event';

/** Firehose refuses records over 1,000 KiB (before base64). */
export const MAX_ARCHIVE_RECORD_BYTES = 1_024_000;

/** `appId` partition of events that name no app (none of the bridge's producers writes one). */
export const NO_APP = '_none';

export const ArchiveRecordSchema = z.object({
  /** Version of this line's shape. */
  v: z.literal(1),
  /** Event id: the archive may hold an event twice (retries); readers dedupe by it. */
  id: z.string().check(z.minLength(1)),
  type: z.string(),
  /** The event's own `time`. */
  time: z.string(),
  appId: z.string().check(z.minLength(1)),
  /** `channel:identity` (the CloudEvents `subject`), when the event has one. */
  subject: z.optional(z.string()),
  /** When the router archived it, just before publishing: the time a replay window selects on. */
  archivedAt: z.string(),
  groupId: z.string(),
  deduplicationId: z.string(),
  /** SQS `SequenceNumber` of the router queue message the event came with (order within a group). */
  sequenceNumber: z.optional(z.string()),
  /** 0 for that message's own event, 1.. for the events the router derived from it, in order. */
  position: z.number(),
  /** String message attributes (`type`, `appId`, `channel`). */
  attributes: z.record(z.string(), z.string()),
  /** The CloudEvent (JSON), or, for an event too large for one Firehose record, `eventGzip`. */
  event: z.optional(CloudEventEnvelopeSchema),
  /** base64 of the gzip of the event's JSON: only when `event` would not fit a record. */
  eventGzip: z.optional(z.string()),
});

export type ArchiveRecord = z.infer<typeof ArchiveRecordSchema>;

/** What the router knows about an event it is about to publish. */
export interface ArchivableEvent {
  event: CloudEvent;
  groupId: string;
  deduplicationId: string;
  sequenceNumber?: string | undefined;
  position: number;
  attributes: Record<string, string>;
}

/**
 * The archive line of an event, as bytes for one Firehose record (newline-terminated, since S3
 * objects are JSON Lines). An event whose line would exceed Firehose's record limit is stored
 * gzip-compressed in `eventGzip`; one that does not fit even then is refused with a reason.
 *
 * @example
 * const line = toArchiveLine({ event, groupId, deduplicationId: event.id, position: 0, attributes: {} }, new Date());
 * if (line.ok) records.push(line.data);
 */
export function toArchiveLine(
  archivable: ArchivableEvent,
  archivedAt: Date,
): { ok: true; data: Buffer; record: ArchiveRecord } | { ok: false; reason: string } {
  const { event } = archivable;
  const data = event.data as { appId?: unknown };
  const appId =
    typeof data.appId === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(data.appId) ? data.appId : NO_APP;
  const base: ArchiveRecord = {
    v: 1,
    id: event.id,
    type: event.type,
    time: event.time,
    appId,
    ...(event.subject ? { subject: event.subject } : {}),
    archivedAt: archivedAt.toISOString(),
    groupId: archivable.groupId,
    deduplicationId: archivable.deduplicationId,
    ...(archivable.sequenceNumber ? { sequenceNumber: archivable.sequenceNumber } : {}),
    position: archivable.position,
    attributes: archivable.attributes,
  };
  const plain = Buffer.from(`${JSON.stringify({ ...base, event })}\n`);
  if (plain.length <= MAX_ARCHIVE_RECORD_BYTES) return { ok: true, data: plain, record: { ...base, event } };
  const eventGzip = gzipSync(JSON.stringify(event)).toString('base64');
  const compact = Buffer.from(`${JSON.stringify({ ...base, eventGzip })}\n`);
  if (compact.length <= MAX_ARCHIVE_RECORD_BYTES)
    return { ok: true, data: compact, record: { ...base, eventGzip } };
  return {
    ok: false,
    reason: `event of ${plain.length} bytes does not fit a Firehose record even compressed`,
  };
}

/**
 * Reads the archive lines of one (already gunzipped) object. Lines that are not archive
 * records are counted, not thrown: one bad line must not hide the rest of an object.
 *
 * @example
 * const { records, invalid } = parseArchiveLines(gunzipSync(body).toString('utf8'));
 */
export function parseArchiveLines(text: string): { records: ArchiveRecord[]; invalid: number } {
  const records: ArchiveRecord[] = [];
  let invalid = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const parsed = ArchiveRecordSchema.safeParse(JSON.parse(line));
      if (parsed.success && (parsed.data.event || parsed.data.eventGzip)) records.push(parsed.data);
      else invalid++;
    } catch {
      invalid++;
    }
  }
  return { records, invalid };
}

/**
 * The archived CloudEvent of a record, decompressing `eventGzip` when that is how it was stored.
 *
 * @example
 * const event = archivedEvent(record);
 */
export function archivedEvent(record: ArchiveRecord): CloudEvent {
  if (record.event) return record.event as CloudEvent;
  return JSON.parse(gunzipSync(Buffer.from(record.eventGzip ?? '', 'base64')).toString('utf8')) as CloudEvent;
}
