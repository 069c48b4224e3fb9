/**
 * What `sinch-bridge media get` does: finds the copy of a message event's media through the media
 * bucket's event index (`by-event/<eventId>.json`, one GET, no listing), reads the job's outcome
 * record, then prints a pre-signed URL or saves the file (checking its SHA-256 against the one
 * `media.stored` reported).
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  type MediaIndexEntry,
  MediaIndexEntrySchema,
  mediaIndexKey,
  OUTCOME_OBJECT_NAME,
} from '../functions/media/media-job';
import { BUCKET_VARIABLES, bucketOf, s3Of } from './buckets';
import type { CliContext } from './cli-context';
import { CliError, usageError } from './cli-error';
import type { MediaGetFlags } from './commands/media';

/** S3's limit for a SigV4 pre-signed URL. */
const MAX_EXPIRES_SECONDS = 604_800;

/** What the outcome record holds: the published media event. */
interface OutcomeRecord {
  type?: string;
  data?: {
    location?: string;
    contentType?: string;
    size?: number;
    sha256?: string;
    reason?: string;
    detail?: string;
  };
}

const isMissing = (error: unknown) => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
};

/** An S3 failure the user can act on: the operation, the bucket and S3's error name. */
function s3Failure(what: string, bucket: string, error: unknown): CliError {
  const e = error as Error;
  return new CliError('failed', `cannot read ${what} in s3://${bucket}: ${e.name}: ${e.message}`, {
    cause: error,
  });
}

async function readJson(s3: S3Client, bucket: string, key: string): Promise<unknown | undefined> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse(await object.Body!.transformToString('utf8'));
  } catch (error) {
    if (isMissing(error)) return undefined;
    if (error instanceof SyntaxError) throw new CliError('failed', `s3://${bucket}/${key} is not JSON`);
    throw s3Failure(key, bucket, error);
  }
}

/**
 * `media get <eventId>`: the file of a message event's `media.stored`, as a URL or a saved file.
 *
 * @example
 * await mediaGetCommand(context, 'r3Ie...', { expires: 900 });
 * await mediaGetCommand(context, 'r3Ie...', { expires: 900, out: 'photo.jpg' });
 */
export async function mediaGetCommand(
  context: CliContext,
  eventId: string,
  flags: MediaGetFlags,
): Promise<void> {
  const { io } = context;
  // An event id may start with '-' (base64url), so unknown options reach here as the id: a
  // `--word` that is not an id's length (43 for the bridge's ids, 26 for a ULID) is one.
  if (eventId.startsWith('--') && eventId.length !== 43 && eventId.length !== 26)
    throw usageError(`unknown option '${eventId}' (add --help for usage)`);
  const indexKey = mediaIndexKey(eventId);
  if (!indexKey)
    throw usageError(`"${eventId}" is not an event id (letters, digits, - and _, as in the event's "id")`);
  if (flags.expires > MAX_EXPIRES_SECONDS)
    throw usageError(`--expires is at most ${MAX_EXPIRES_SECONDS} seconds (7 days, S3's limit)`);
  const target = await context.target();
  const bucket = bucketOf(target, 'media', io.env, flags.mediaBucket);
  if (!bucket)
    throw usageError(
      `no media bucket: pass --media-bucket, set ${BUCKET_VARIABLES.media}, or use --stack <name> (output MediaBucketName)`,
    );
  const s3 = s3Of(target, io.env);
  try {
    const rawEntry = await readJson(s3, bucket, indexKey);
    if (rawEntry === undefined)
      throw new CliError(
        'failed',
        `no media copy for event ${eventId} in s3://${bucket}: not an inbound media message, not copied yet, erased, or past the media retention`,
      );
    const parsed = MediaIndexEntrySchema.safeParse(rawEntry);
    if (!parsed.success)
      throw new CliError('failed', `s3://${bucket}/${indexKey} is not a media index entry`);
    const entry: MediaIndexEntry = parsed.data;

    const outcome = (await readJson(s3, bucket, `${entry.prefix}${OUTCOME_OBJECT_NAME}`)) as
      | OutcomeRecord
      | undefined;
    if (outcome?.type === 'sinch.bridge.media.failed') {
      throw new CliError(
        'failed',
        `the media of event ${eventId} was not stored: ${outcome.data?.reason ?? 'unknown reason'}${
          outcome.data?.detail ? ` (${outcome.data.detail})` : ''
        }`,
      );
    }
    let head: { contentType?: string | undefined; size?: number | undefined };
    try {
      const answer = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: entry.key }));
      head = { contentType: answer.ContentType, size: answer.ContentLength };
    } catch (error) {
      if (!isMissing(error)) throw s3Failure(entry.key, bucket, error);
      throw new CliError(
        outcome ? 'failed' : 'timeout',
        outcome
          ? `the file of event ${eventId} is gone from s3://${bucket} (erased or past the media retention)`
          : `the media of event ${eventId} is not copied yet (its job is queued or being retried): try again in a minute`,
      );
    }
    const stored = outcome?.data ?? {};
    const result = {
      eventId,
      appId: entry.appId,
      location: `s3://${bucket}/${entry.key}`,
      contentType: stored.contentType ?? head.contentType,
      size: stored.size ?? head.size,
      sha256: stored.sha256,
    };

    if (flags.out) {
      const saved = await saveObject(s3, bucket, entry.key, flags.out, result.sha256);
      if (flags.json)
        await io.stdout(`${JSON.stringify({ ...result, file: flags.out, bytes: saved.size })}\n`);
      else
        await io.stdout(
          `saved ${flags.out} (${saved.size} bytes, ${result.contentType ?? 'unknown type'}${
            result.sha256 ? ', SHA-256 checked' : ''
          }) from ${result.location}\n`,
        );
      return;
    }
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: entry.key }), {
      expiresIn: flags.expires,
    });
    if (flags.json) {
      const expiresAt = new Date(Date.now() + flags.expires * 1000).toISOString();
      await io.stdout(`${JSON.stringify({ ...result, url, expiresAt })}\n`);
    } else {
      io.stderr(
        `${result.location} (${result.size ?? '?'} bytes, ${result.contentType ?? 'unknown type'}); URL valid ${flags.expires} s\n`,
      );
      await io.stdout(`${url}\n`);
    }
  } finally {
    s3.destroy();
  }
}

/**
 * Streams an object into `file` through a temporary name, hashing it: a cut download or a hash
 * that differs from `media.stored`'s leaves nothing behind.
 */
async function saveObject(
  s3: S3Client,
  bucket: string,
  key: string,
  file: string,
  expectedSha256: string | undefined,
): Promise<{ size: number; sha256: string }> {
  let object: GetObjectCommandOutput;
  try {
    object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    throw s3Failure(key, bucket, error);
  }
  const hash = createHash('sha256');
  let size = 0;
  const partial = `${file}.partial-${process.pid}`;
  try {
    await pipeline(
      object.Body as NodeJS.ReadableStream,
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      }),
      createWriteStream(partial, { flags: 'wx' }),
    );
  } catch (error) {
    await rm(partial, { force: true });
    throw new CliError('failed', `cannot save ${file}: ${(error as Error).message}`, { cause: error });
  }
  const sha256 = hash.digest('hex');
  if (expectedSha256 && sha256 !== expectedSha256) {
    await rm(partial, { force: true });
    throw new CliError(
      'failed',
      `s3://${bucket}/${key}: SHA-256 ${sha256} differs from the ${expectedSha256} media.stored reported; nothing saved`,
    );
  }
  await rename(partial, file);
  return { size, sha256 };
}
