/**
 * The router's archive step: before the router publishes a batch, every event it will put on
 * the events queue (each routed event, then the events the other steps derived from it) is
 * written to the archive's Firehose stream. An event whose archive records cannot be written is
 * answered as failed, so the router neither publishes it nor the later events of its group; they
 * come back in a later batch. Nothing reaches the events queue unarchived; a retry can archive an
 * event twice (readers dedupe by event id).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import { parseEnvironment } from '../environment';
import type { CloudEvent } from '../events/cloud-event';
import type { RouterStep } from '../router/router-step';
import { type ArchivableEvent, toArchiveLine } from './archive-record';
import { createFirehoseArchiver, type FirehoseArchiverOptions } from './firehose-archiver';

/** The router's view of an event (the fields of its `RoutedEvent` the archive reads). */
export interface ArchiveInput {
  event: CloudEvent;
  groupId: string;
  deduplicationId: string;
  attributes: Record<string, MessageAttributeValue>;
  /** SQS `SequenceNumber` of the router queue message. */
  sequenceNumber?: string | undefined;
  /** Events the router's earlier steps derived from this one (published right after it). */
  derived?: readonly CloudEvent[] | undefined;
}

export type ArchiveResult = { ok: true } | { ok: false; error: unknown };

/** What a run did, for logs and metrics (counts only, no content). */
export interface ArchiveReport {
  events: number;
  records: number;
  failedEvents: number;
  calls: number;
  retried: number;
  /** Events refused because they do not fit a Firehose record even compressed. */
  tooLarge: number;
}

export const ArchiveEnvSchema = z.object({
  ARCHIVE_STREAM_NAME: z.string().check(z.minLength(1)),
  /** `PutRecordBatch` rounds per record before the event's batch item fails; default 4. */
  ARCHIVE_MAX_ATTEMPTS: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(10)), 4),
});

/**
 * Archives the events of one router batch (and what was derived from them).
 *
 * @example
 * const archive = createArchiver({ archiver: createFirehoseArchiver({ firehose, deliveryStreamName }) });
 * const results = await archive(events); // one { ok } per event, in order
 */
export function createArchiver(options: {
  archiver: Pick<ReturnType<typeof createFirehoseArchiver>, 'archive'>;
  now?: () => Date;
  onReport?: (report: ArchiveReport) => void;
}) {
  const now = options.now ?? (() => new Date());
  return async function archive(events: readonly ArchiveInput[]): Promise<ArchiveResult[]> {
    const archivedAt = now();
    const lines: Buffer[] = [];
    const owner: number[] = [];
    const results: ArchiveResult[] = events.map(() => ({ ok: true }));
    let tooLarge = 0;
    events.forEach((input, index) => {
      const attributes = stringAttributes(input.attributes);
      const archivables: ArchivableEvent[] = [
        {
          event: input.event,
          groupId: input.groupId,
          deduplicationId: input.deduplicationId,
          sequenceNumber: input.sequenceNumber,
          position: 0,
          attributes,
        },
        ...(input.derived ?? []).map((event, i) => ({
          event,
          groupId: input.groupId,
          deduplicationId: event.id,
          sequenceNumber: input.sequenceNumber,
          position: i + 1,
          attributes: derivedAttributes(event),
        })),
      ];
      for (const archivable of archivables) {
        const line = toArchiveLine(archivable, archivedAt);
        if (!line.ok) {
          // Retrying cannot make it fit: archive what can be archived and say so loudly.
          tooLarge++;
          continue;
        }
        lines.push(line.data);
        owner.push(index);
      }
    });
    const outcome = await options.archiver.archive(lines);
    for (const { index, reason } of outcome.failed) {
      const event = owner[index]!;
      results[event] = { ok: false, error: new Error(`not archived: ${reason}`) };
    }
    options.onReport?.({
      events: events.length,
      records: lines.length,
      failedEvents: results.filter((r) => !r.ok).length,
      calls: outcome.calls,
      retried: outcome.retried,
      tooLarge,
    });
    return results;
  };
}

/**
 * The archive step from the router's environment, or `undefined` when `ARCHIVE_STREAM_NAME` is
 * unset (a stack or local run without an archive). Throws on a wrong value.
 *
 * @example
 * const archive = archiveFromEnvironment(process.env);
 */
export function archiveFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  options: Partial<Pick<FirehoseArchiverOptions, 'firehose' | 'shouldStop' | 'sleep'>> & {
    onReport?: (report: ArchiveReport) => void;
  } = {},
): ((events: readonly ArchiveInput[]) => Promise<ArchiveResult[]>) | undefined {
  if (!env.ARCHIVE_STREAM_NAME) return undefined;
  const read = parseEnvironment(ArchiveEnvSchema, env);
  if (!read.ok) throw new Error(`archive misconfigured: ${read.problems.join('; ')}`);
  const archiver = createFirehoseArchiver({
    firehose: options.firehose ?? new FirehoseClient({ cacheMiddleware: true }),
    deliveryStreamName: read.data.ARCHIVE_STREAM_NAME,
    maxAttempts: read.data.ARCHIVE_MAX_ATTEMPTS,
    ...(options.shouldStop ? { shouldStop: options.shouldStop } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });
  return createArchiver({ archiver, ...(options.onReport ? { onReport: options.onReport } : {}) });
}

function stringAttributes(attributes: Record<string, MessageAttributeValue>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (value.StringValue !== undefined) out[name] = value.StringValue;
  }
  return out;
}

/** The attributes the router gives a derived event (`type`, `appId`, `channel`). */
function derivedAttributes(event: CloudEvent): Record<string, string> {
  const data = event.data as { appId?: unknown; channel?: unknown };
  return {
    type: event.type,
    ...(typeof data.appId === 'string' && data.appId ? { appId: data.appId } : {}),
    ...(typeof data.channel === 'string' && data.channel ? { channel: data.channel } : {}),
  };
}

/**
 * The router step (registered last in `functions/router/steps.ts`, so `derived` holds what every
 * other step derived): `undefined` when `ARCHIVE_STREAM_NAME` is unset.
 *
 * @example
 * const step = archiveStep(process.env); // RouterStep | undefined
 */
export function archiveStep(env: Readonly<Record<string, string | undefined>>): RouterStep | undefined {
  const logger = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME || 'sinch-router' });
  const archive = archiveFromEnvironment(env, {
    firehose: new FirehoseClient({ cacheMiddleware: true }),
    onReport: (report) => {
      if (report.tooLarge > 0)
        logger.error('events too large for a Firehose record even compressed: published, not archived', {
          count: report.tooLarge,
        });
      if (report.failedEvents > 0)
        logger.warn('events not archived after retries: not published, the router retries them', {
          failedEvents: report.failedEvents,
          retried: report.retried,
        });
    },
  });
  if (!archive) return undefined;
  return { name: 'archive', run: (events) => archive(events) };
}
