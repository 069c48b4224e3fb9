/**
 * Erasure of one person (a channel identity): their copied media (every object under
 * `<appId>/<hex sha256 of "CHANNEL:identity">/` in the media bucket, and those events' entries in
 * the media event index `by-event/<eventId>.json`) and their events in the
 * archive (each archive object holding one is rewritten without it, or deleted when nothing
 * else is left). Lambda-free; the CLI's `erase` runs it.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { MEDIA_INDEX_PREFIX, mediaIndexKey } from '../media/media-job';
import { EVENTS_PREFIX, OBJECT_EXTENSION } from './archive-layout';
import { listApps, listFolders, listKeys, readArchiveObject } from './archive-reader';
import { type ArchiveRecord, archivedEvent } from './archive-record';

/** A person, as the bridge knows them: a channel and their identity on it. */
export interface ChannelIdentity {
  channel: string;
  identity: string;
}

export interface EraseReport {
  identity: string;
  apps: string[];
  media: { objectsDeleted: number; keys: string[] };
  archive: {
    objectsScanned: number;
    objectsRewritten: number;
    objectsDeleted: number;
    eventsRemoved: number;
    eventIds: string[];
  };
}

/**
 * Parses `CHANNEL:identity` (the channel in capitals, as Sinch names it).
 *
 * @example
 * parseChannelIdentity('WHATSAPP:46700000001'); // { channel: 'WHATSAPP', identity: '46700000001' }
 */
export function parseChannelIdentity(text: string): ChannelIdentity | undefined {
  const match = /^([A-Z][A-Z0-9_]*):(.+)$/.exec(text);
  return match ? { channel: match[1]!, identity: match[2]! } : undefined;
}

/**
 * The media key segment of a person: hex SHA-256 of `CHANNEL:identity`, so keys never hold the
 * raw identity and erase finds all their media by prefix.
 *
 * @example
 * identityHash({ channel: 'WHATSAPP', identity: '46700000001' }); // 64 hex characters
 */
export function identityHash(person: ChannelIdentity): string {
  return createHash('sha256').update(`${person.channel}:${person.identity}`).digest('hex');
}

/**
 * Whether an archived event is about the person: its subject, its `data.channel` and
 * `data.identity`, or its FIFO group name them.
 */
export function isAbout(record: ArchiveRecord, person: ChannelIdentity): boolean {
  const key = `${person.channel}:${person.identity}`;
  if (record.subject === key) return true;
  if (record.groupId === `${record.appId}:${key}`) return true;
  const data = archivedEvent(record).data as { channel?: unknown; identity?: unknown };
  return data.channel === person.channel && data.identity === person.identity;
}

/** The keys of `keys` that exist (HeadObject each: a person has few media events). */
async function existingKeys(s3: S3Client, bucket: string, keys: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const Key of keys) {
    try {
      await s3.send(new HeadObjectCommand({ Bucket: bucket, Key }));
      found.push(Key);
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status !== 404) throw error;
    }
  }
  return found;
}

/**
 * Erases a person from the media and archive buckets of one app or of every app, and reports
 * exactly what it removed.
 *
 * @example
 * const report = await eraseIdentity({ s3, archiveBucket, mediaBucket, person: parseChannelIdentity('SMS:+46700000001')! });
 */
export async function eraseIdentity(options: {
  s3: S3Client;
  archiveBucket?: string | undefined;
  mediaBucket?: string | undefined;
  person: ChannelIdentity;
  appId?: string | undefined;
  /** Only find, delete nothing. */
  dryRun?: boolean;
  onProgress?: (text: string) => void;
}): Promise<EraseReport> {
  const { s3, person } = options;
  const report: EraseReport = {
    identity: `${person.channel}:${person.identity}`,
    apps: [],
    media: { objectsDeleted: 0, keys: [] },
    archive: { objectsScanned: 0, objectsRewritten: 0, objectsDeleted: 0, eventsRemoved: 0, eventIds: [] },
  };
  const apps = new Set<string>(options.appId ? [options.appId] : []);

  if (options.mediaBucket) {
    const mediaApps = options.appId
      ? [options.appId]
      : (await listFolders(s3, options.mediaBucket, '')).filter(
          (folder) => `${folder}/` !== MEDIA_INDEX_PREFIX,
        );
    for (const app of mediaApps) {
      const files = await listKeys(s3, options.mediaBucket, `${app}/${identityHash(person)}/`);
      if (files.length > 0) apps.add(app);
      // Each of the person's events also has an entry in the event index (`media get`'s lookup).
      const eventIds = new Set(files.map((key) => key.split('/')[2] ?? ''));
      const indexKeys = await existingKeys(
        s3,
        options.mediaBucket,
        [...eventIds].flatMap((id) => mediaIndexKey(id) ?? []),
      );
      const keys = [...files, ...indexKeys];
      for (let i = 0; i < keys.length; i += 1000) {
        const part = keys.slice(i, i + 1000);
        if (!options.dryRun) {
          const answer = await s3.send(
            new DeleteObjectsCommand({
              Bucket: options.mediaBucket,
              Delete: { Objects: part.map((Key) => ({ Key })), Quiet: true },
            }),
          );
          if (answer.Errors?.length)
            throw new Error(
              `media delete failed for ${answer.Errors.length} objects: ${answer.Errors[0]?.Code}`,
            );
        }
        report.media.keys.push(...part);
        report.media.objectsDeleted += part.length;
      }
      options.onProgress?.(`media: ${report.media.objectsDeleted} objects`);
    }
  }

  if (options.archiveBucket) {
    const archiveApps = options.appId ? [options.appId] : await listApps(s3, options.archiveBucket);
    for (const app of archiveApps) {
      const keys = (await listKeys(s3, options.archiveBucket, `${EVENTS_PREFIX}app=${app}/`)).filter((k) =>
        k.endsWith(OBJECT_EXTENSION),
      );
      for (const key of keys) {
        report.archive.objectsScanned++;
        const { records, invalid } = await readArchiveObject(s3, options.archiveBucket, key);
        const removed = records.filter((r) => isAbout(r, person));
        if (removed.length === 0) continue;
        apps.add(app);
        const kept = records.filter((r) => !isAbout(r, person));
        if (invalid > 0)
          throw new Error(`${key} holds ${invalid} unreadable lines: not rewritten, erase it by hand`);
        if (!options.dryRun) {
          if (kept.length === 0) {
            await s3.send(new DeleteObjectCommand({ Bucket: options.archiveBucket, Key: key }));
          } else {
            const body = gzipSync(kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
            await s3.send(new PutObjectCommand({ Bucket: options.archiveBucket, Key: key, Body: body }));
          }
        }
        if (kept.length === 0) report.archive.objectsDeleted++;
        else report.archive.objectsRewritten++;
        report.archive.eventsRemoved += removed.length;
        report.archive.eventIds.push(...removed.map((r) => r.id));
      }
      options.onProgress?.(`archive: ${report.archive.objectsScanned} objects scanned`);
    }
  }
  report.apps = [...apps].sort();
  return report;
}
