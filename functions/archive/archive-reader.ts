/**
 * Reads the archive back: the objects of a time window (optionally one app), their records
 * deduplicated by event id, ordered as they went on the events queue within each group.
 * Used by replay and erase; Lambda-free.
 */

import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { dayPrefix, daysCovering, EVENTS_PREFIX, OBJECT_EXTENSION } from './archive-layout';
import { type ArchiveRecord, parseArchiveLines } from './archive-record';

/** One archived event, with where it was read from. */
export interface ArchivedEntry {
  record: ArchiveRecord;
  key: string;
  line: number;
}

export interface ArchiveWindow {
  /** Inclusive: events archived at or after. */
  since: Date;
  /** Exclusive: events archived before. */
  until: Date;
  appId?: string | undefined;
  type?: string | undefined;
}

export interface ReadProgress {
  objectsRead: number;
  objectsTotal: number;
  records: number;
}

export interface ArchiveRead {
  /** Deduplicated, in replay order (each group in its original order). */
  entries: ArchivedEntry[];
  objects: number;
  /** Records read in the window (before dedupe). */
  records: number;
  /** Records dropped as copies of an event already read (retries archive twice). */
  duplicates: number;
  /** Lines that were not archive records. */
  invalid: number;
}

/**
 * Lists the archive object keys of every app (or one), every UTC day that may hold the window.
 *
 * @example
 * const keys = await listArchiveObjects(s3, 'archive-bucket', { since, until });
 */
export async function listArchiveObjects(
  s3: S3Client,
  bucket: string,
  window: Pick<ArchiveWindow, 'since' | 'until' | 'appId'>,
): Promise<string[]> {
  const apps = window.appId ? [window.appId] : await listApps(s3, bucket);
  const keys: string[] = [];
  const wanted = daysCovering(window.since, window.until);
  for (const app of apps) {
    // A long window lists the app's day partitions once instead of asking for every day in it.
    const days =
      wanted.length <= 7
        ? wanted
        : (await listFolders(s3, bucket, `${EVENTS_PREFIX}app=${app}/`))
            .map((folder) => /^dt=(\d{4}-\d{2}-\d{2})$/.exec(folder)?.[1])
            .filter((day): day is string => day !== undefined && day >= wanted[0]! && day <= wanted.at(-1)!);
    for (const day of days) keys.push(...(await listKeys(s3, bucket, dayPrefix(app, day))));
  }
  return keys.filter((key) => key.endsWith(OBJECT_EXTENSION));
}

/** The apps with an archive: the `app=` partitions under `events/`. */
export async function listApps(s3: S3Client, bucket: string): Promise<string[]> {
  return (await listFolders(s3, bucket, EVENTS_PREFIX))
    .map((folder) => /^app=(.+)$/.exec(folder)?.[1])
    .filter((app): app is string => app !== undefined);
}

/**
 * The "folders" right under a prefix (S3 common prefixes with `/`), without the prefix and slash.
 *
 * @example
 * await listFolders(s3, 'media-bucket', ''); // ['01H...', ...]
 */
export async function listFolders(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const folders: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }),
    );
    for (const p of page.CommonPrefixes ?? []) {
      if (p.Prefix) folders.push(p.Prefix.slice(prefix.length, -1));
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return folders;
}

/** Every key under a prefix (all pages). */
export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/**
 * Reads and gunzips one archive object into its records.
 *
 * @example
 * const { records } = await readArchiveObject(s3, bucket, key);
 */
export async function readArchiveObject(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<{ records: ArchiveRecord[]; invalid: number }> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const body = Buffer.from(await object.Body!.transformToByteArray());
  return parseArchiveLines(gunzipSync(body).toString('utf8'));
}

/**
 * The events archived in a window, deduplicated by event id (the earliest archived copy wins),
 * in replay order.
 *
 * @example
 * const { entries } = await readArchiveWindow(s3, bucket, { since: new Date('2026-12-01T00:00Z'), until: new Date() });
 */
export async function readArchiveWindow(
  s3: S3Client,
  bucket: string,
  window: ArchiveWindow,
  onProgress?: (progress: ReadProgress) => void,
): Promise<ArchiveRead> {
  const keys = await listArchiveObjects(s3, bucket, window);
  const all: ArchivedEntry[] = [];
  let invalid = 0;
  let records = 0;
  for (const [i, key] of keys.entries()) {
    const read = await readArchiveObject(s3, bucket, key);
    invalid += read.invalid;
    read.records.forEach((record, line) => {
      const at = Date.parse(record.archivedAt);
      if (at < window.since.getTime() || at >= window.until.getTime()) return;
      if (window.type && record.type !== window.type) return;
      records++;
      all.push({ record, key, line });
    });
    onProgress?.({ objectsRead: i + 1, objectsTotal: keys.length, records });
  }
  const { entries, duplicates } = dedupeAndOrder(all);
  return { entries, objects: keys.length, records, duplicates, invalid };
}

/**
 * Drops copies of the same event id (keeping the earliest archived one) and orders the rest:
 * within a group by the router queue's sequence number, then the position after it (events the
 * router derived), then archive time; groups are interleaved by archive time.
 *
 * @example
 * const { entries, duplicates } = dedupeAndOrder(entries);
 */
export function dedupeAndOrder(input: readonly ArchivedEntry[]): {
  entries: ArchivedEntry[];
  duplicates: number;
} {
  const byId = new Map<string, ArchivedEntry>();
  for (const entry of input) {
    const seen = byId.get(entry.record.id);
    if (!seen || compareArchived(entry, seen) < 0) byId.set(entry.record.id, entry);
  }
  const groups = new Map<string, ArchivedEntry[]>();
  for (const entry of byId.values()) {
    const group = groups.get(entry.record.groupId) ?? [];
    group.push(entry);
    groups.set(entry.record.groupId, group);
  }
  for (const group of groups.values()) group.sort(compareInGroup);
  // Merge the groups by the archive time of each one's next event: each group keeps its order.
  const heads = [...groups.values()];
  const entries: ArchivedEntry[] = [];
  const next = heads.map(() => 0);
  for (;;) {
    let best = -1;
    for (let g = 0; g < heads.length; g++) {
      const candidate = heads[g]![next[g]!];
      if (!candidate) continue;
      if (best < 0 || compareArchived(candidate, heads[best]![next[best]!]!) < 0) best = g;
    }
    if (best < 0) break;
    entries.push(heads[best]![next[best]!]!);
    next[best]!++;
  }
  return { entries, duplicates: input.length - byId.size };
}

function compareArchived(a: ArchivedEntry, b: ArchivedEntry): number {
  return (
    Date.parse(a.record.archivedAt) - Date.parse(b.record.archivedAt) ||
    compareInGroup(a, b) ||
    (a.key < b.key ? -1 : a.key > b.key ? 1 : a.line - b.line)
  );
}

function compareInGroup(a: ArchivedEntry, b: ArchivedEntry): number {
  const sa = a.record.sequenceNumber;
  const sb = b.record.sequenceNumber;
  // SQS sequence numbers are decimal strings without leading zeros: longer is later.
  if (sa && sb && sa !== sb) return sa.length - sb.length || (sa < sb ? -1 : 1);
  if (sa && sb) return a.record.position - b.record.position;
  return (
    Date.parse(a.record.archivedAt) - Date.parse(b.record.archivedAt) ||
    a.record.position - b.record.position ||
    (a.key < b.key ? -1 : a.key > b.key ? 1 : a.line - b.line)
  );
}
