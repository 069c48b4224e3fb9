/**
 * What `sinch-bridge replay` and `erase` do, over the plain archive functions: where the buckets
 * are (local bridge, flags, variables or stack outputs), progress on stderr, a summary or report
 * on stdout.
 */
import { readArchiveWindow } from '../functions/archive/archive-reader';
import { eraseIdentity, parseChannelIdentity } from '../functions/archive/erase';
import { newReplayId, publishInOrder, toReplayMessage } from '../functions/archive/replay';
import { BUCKET_VARIABLES, bucketOf, s3Of } from './buckets';
import type { CliContext } from './cli-context';
import { CliError, usageError } from './cli-error';
import type { EraseFlags, ReplayFlags } from './commands/archive';
import { queueUrlOf } from './target';

/**
 * A point in time from `--since`/`--until`: ISO 8601, or an age (`90m`, `6h`, `2d`, `45s`) before `now`.
 *
 * @example
 * parseTime('6h', new Date('2026-12-01T12:00:00Z')); // 2026-12-01T06:00:00.000Z
 */
export function parseTime(text: string, now = new Date()): Date {
  const age = /^(\d+)\s*([smhd])$/.exec(text.trim());
  if (age) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[age[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(age[1]) * unit);
  }
  const at = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(at))
    throw usageError(`"${text}" is not a time: use ISO 8601 (2026-12-01T10:00:00Z) or an age (90m, 6h, 2d)`);
  return new Date(at);
}

/**
 * `replay`: reads the window, dedupes, publishes in order per group with progress, prints a summary.
 *
 * @example
 * await replayCommand(context, { since: '2h', dryRun: true });
 */
export async function replayCommand(context: CliContext, flags: ReplayFlags): Promise<void> {
  const { io } = context;
  const now = new Date();
  const since = parseTime(flags.since, now);
  const until = flags.until ? parseTime(flags.until, now) : now;
  if (since >= until) throw usageError('--since must be before --until');
  const target = await context.target();
  const bucket = bucketOf(target, 'archive', io.env, flags.archiveBucket);
  if (!bucket)
    throw usageError(
      `no archive bucket: pass --archive-bucket, set ${BUCKET_VARIABLES.archive}, or use --stack`,
    );
  const queueUrl = flags.dryRun ? undefined : (flags.toQueue ?? queueUrlOf(target, 'events'));
  if (queueUrl && !queueUrl.endsWith('.fifo'))
    throw usageError(`${queueUrl} is not a FIFO queue: a replay keeps order per group only on FIFO queues`);

  const s3 = s3Of(target, io.env);
  const replayId = newReplayId(now);
  io.stderr(
    `replay ${replayId}: reading s3://${bucket} from ${since.toISOString()} to ${until.toISOString()}\n`,
  );
  let lastShown = 0;
  const read = await readArchiveWindow(
    s3,
    bucket,
    { since, until, appId: flags.app, type: flags.type },
    (p) => {
      if (p.objectsRead === p.objectsTotal || Date.now() - lastShown > 2000) {
        lastShown = Date.now();
        io.stderr(`  read ${p.objectsRead}/${p.objectsTotal} objects, ${p.records} events\n`);
      }
    },
  );
  const types = new Map<string, number>();
  for (const e of read.entries) types.set(e.record.type, (types.get(e.record.type) ?? 0) + 1);

  let outcome = { sent: 0, failed: [] as Array<{ eventId: string; reason: string }>, skipped: 0 };
  if (queueUrl && read.entries.length > 0) {
    const messages = read.entries.map((e) => toReplayMessage(e, replayId));
    let shown = 0;
    outcome = await publishInOrder(target.sqs, queueUrl, messages, {
      onProgress: ({ sent, total }) => {
        if (sent === total || sent - shown >= 500) {
          shown = sent;
          io.stderr(`  published ${sent}/${total}\n`);
        }
      },
    });
  }
  const summary = {
    replayId,
    since: since.toISOString(),
    until: until.toISOString(),
    ...(flags.app ? { app: flags.app } : {}),
    ...(flags.type ? { type: flags.type } : {}),
    dryRun: Boolean(flags.dryRun),
    queueUrl: queueUrl ?? null,
    objectsRead: read.objects,
    eventsInWindow: read.records,
    duplicatesDropped: read.duplicates,
    unreadableLines: read.invalid,
    events: read.entries.length,
    published: outcome.sent,
    failed: outcome.failed,
    heldBack: outcome.skipped,
    types: Object.fromEntries(types),
  };
  if (flags.json) await io.stdout(`${JSON.stringify(summary)}\n`);
  else {
    await io.stdout(
      [
        `replay ${replayId}${flags.dryRun ? ' (dry run: nothing published)' : ` to ${queueUrl}`}`,
        `  window     ${summary.since} .. ${summary.until}${flags.app ? `, app ${flags.app}` : ''}${flags.type ? `, type ${flags.type}` : ''}`,
        `  archive    ${read.objects} objects, ${read.records} events, ${read.duplicates} duplicates dropped${read.invalid ? `, ${read.invalid} unreadable lines` : ''}`,
        `  events     ${read.entries.length}${[...types].map(([t, n]) => `\n    ${n}  ${t}`).join('')}`,
        ...(flags.dryRun
          ? []
          : [`  published  ${outcome.sent}, failed ${outcome.failed.length}, held back ${outcome.skipped}`]),
        ...outcome.failed.map((f) => `  not published: ${f.eventId}: ${f.reason}`),
        '',
      ].join('\n'),
    );
  }
  if (outcome.failed.length > 0)
    throw new CliError(
      'failed',
      `${outcome.failed.length} event(s) could not be published (${outcome.skipped} later ones of their groups held back); run the same replay again: dedupe ids are per replay, so use a new one and dedupe by event id downstream`,
    );
}

/**
 * `erase`: removes a person's media and archived events, prints what was removed.
 *
 * @example
 * await eraseCommand(context, { identity: 'WHATSAPP:46700000001', dryRun: true });
 */
export async function eraseCommand(context: CliContext, flags: EraseFlags): Promise<void> {
  const { io } = context;
  const person = parseChannelIdentity(flags.identity);
  if (!person)
    throw usageError(
      `--identity must be CHANNEL:identity, e.g. WHATSAPP:46700000001 (got "${flags.identity}")`,
    );
  const target = await context.target();
  const archiveBucket = bucketOf(target, 'archive', io.env, flags.archiveBucket);
  const mediaBucket = bucketOf(target, 'media', io.env, flags.mediaBucket);
  if (!archiveBucket && !mediaBucket)
    throw usageError(
      'no archive or media bucket: pass --archive-bucket/--media-bucket, set ARCHIVE_BUCKET/MEDIA_BUCKET, or use --stack',
    );
  if (!archiveBucket) io.stderr('no archive bucket known: only media is erased\n');
  if (!mediaBucket) io.stderr('no media bucket known: only the archive is erased\n');
  const report = await eraseIdentity({
    s3: s3Of(target, io.env),
    archiveBucket,
    mediaBucket,
    person,
    appId: flags.app,
    dryRun: Boolean(flags.dryRun),
    onProgress: (text) => io.stderr(`  ${text}\n`),
  });
  if (flags.json) {
    await io.stdout(`${JSON.stringify({ ...report, dryRun: Boolean(flags.dryRun) })}\n`);
    return;
  }
  const verb = flags.dryRun ? 'would remove' : 'removed';
  await io.stdout(
    [
      `erase ${report.identity}${flags.dryRun ? ' (dry run: nothing deleted)' : ''}`,
      `  apps     ${report.apps.join(', ') || '(none held this person)'}`,
      `  media    ${verb} ${report.media.objectsDeleted} objects${report.media.keys.map((k) => `\n    ${k}`).join('')}`,
      `  archive  ${verb} ${report.archive.eventsRemoved} events: ${report.archive.objectsRewritten} objects rewritten, ${report.archive.objectsDeleted} deleted, ${report.archive.objectsScanned} scanned`,
      ...report.archive.eventIds.map((id) => `    ${id}`),
      '  note     events still in the Firehose buffer (up to archive.bufferSeconds) land after this: run it again then',
      '',
    ].join('\n'),
  );
}
