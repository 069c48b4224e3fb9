import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { readArchiveWindow } from '../../../functions/archive/archive-reader';
import { newReplayId, publishInOrder, toReplayMessage } from '../../../functions/archive/replay';
import { signSinchCallback } from '../../../functions/sinch/signature';
import { startLocalBridge } from '../../../local/bridge';
import { startEventSourceMapping } from '../../../local/event-source-mapping';
import { seededRandom } from '../../support/faults/seeded-random';
import { inboundCallback } from './inbound';
import { mapConcurrently, sendRaw } from './send-http';

/** Counts of one archive run; `missingFromArchive`, `replayMismatches` must be zero. */
export interface ArchiveReport {
  callbacks: number;
  seed: number;
  consumed: number;
  /** Firehose calls failed whole, records failed alone, S3 writes failed: all injected. */
  injectedFirehoseErrors: number;
  injectedRecordFailures: number;
  injectedS3Errors: number;
  archivedRecords: number;
  archivedUnique: number;
  duplicatesInArchive: number;
  missingFromArchive: number;
  replayed: number;
  replayMismatches: number;
  violations: string[];
}

const MESSAGES_PER_CONVERSATION = 20;
const CONVERSATIONS_AT_ONCE = 8;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The archive fault scenario, through the real handlers: `count` signed callbacks go to the
 * local bridge's webhook, the real router archives them (its archive step, last) to the local
 * Firehose and publishes them to the events queue, while the archive side fails on purpose:
 * `rate` of Firehose calls answer 503, `rate` of the records of other calls fail alone, and
 * `rate` of Firehose's S3 writes answer 500. A consumer reads the events queue. Then the archive
 * is read back: every consumed event must be in it. Finally the window is replayed to the events
 * queue: each conversation must come back complete, in its original order, marked.
 *
 * @example
 * const report = await runArchiveScenario({ count: 200 });
 * expect(report.violations).toEqual([]);
 */
export async function runArchiveScenario(options: {
  count: number;
  seed?: number;
  rate?: number;
}): Promise<ArchiveReport> {
  const seed = options.seed ?? 20_261_201;
  const rate = options.rate ?? 0.1;
  const random = seededRandom(seed);
  const bridge = await startLocalBridge({ port: 0, archiveBufferMs: 300, logLevel: 'ERROR' });
  const counts = { injectedFirehoseErrors: 0, injectedRecordFailures: 0, injectedS3Errors: 0 };
  // The first call of each kind fails for sure: how many calls there are depends on buffering
  // and timing, so a small run could otherwise inject none; the rest fail at `rate`.
  bridge.archive.firehose.setFault(() => {
    if (counts.injectedFirehoseErrors === 0 || random() < rate) {
      counts.injectedFirehoseErrors++;
      return { error: { status: 503, code: 'ServiceUnavailableException', message: 'Slow down.' } };
    }
    return {
      failRecord: () => {
        const fail = counts.injectedRecordFailures === 0 || random() < rate;
        if (fail) counts.injectedRecordFailures++;
        return fail;
      },
    };
  });
  bridge.archive.s3.setFault((request) => {
    if (request.operation !== 'PutObject') return undefined;
    if (counts.injectedS3Errors > 0 && random() >= rate) return undefined;
    counts.injectedS3Errors++;
    return { status: 500, code: 'InternalError', message: 'We encountered an internal error.' };
  });
  const since = new Date();
  const region = bridge.environment.AWS_REGION!;
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const sqs = new SQSClient({ endpoint: bridge.endpoints.sqs, region, credentials });
  const s3 = new S3Client({ endpoint: bridge.endpoints.s3, forcePathStyle: true, region, credentials });
  const [appId] = Object.keys(bridge.secrets) as [string];
  const secret = bridge.secrets[appId] as string;

  const live = new Map<string, string[]>();
  const replayed = new Map<string, string[]>();
  const liveIds = new Set<string>();
  let consumed = 0;
  let replayedCount = 0;
  const mapping = startEventSourceMapping({
    queueUrl: bridge.queueUrls.events,
    sqs,
    concurrency: 1,
    waitTimeSeconds: 1,
    function: { functionName: 'events-consumer' },
    handler: async (event: SQSEvent) => {
      for (const record of event.Records) {
        const body = JSON.parse(record.body) as {
          id: string;
          bridgereplay?: string;
          data: { messageId?: string };
        };
        const target = body.bridgereplay ? replayed : live;
        const group = record.attributes.MessageGroupId ?? 'none';
        target.set(group, [...(target.get(group) ?? []), body.data.messageId ?? body.id]);
        if (body.bridgereplay) replayedCount++;
        else {
          liveIds.add(body.id);
          consumed++;
        }
      }
      return { batchItemFailures: [] };
    },
  });

  const violations: string[] = [];
  let report: ArchiveReport;
  try {
    const conversations = Math.max(1, Math.ceil(options.count / MESSAGES_PER_CONVERSATION));
    await mapConcurrently(
      Array.from({ length: conversations }, (_, c) => c),
      CONVERSATIONS_AT_ONCE,
      async (c) => {
        const messages = Math.min(MESSAGES_PER_CONVERSATION, options.count - c * MESSAGES_PER_CONVERSATION);
        for (let m = 0; m < messages; m++) {
          const body = JSON.stringify(inboundCallback(appId, bridge.projectId, c, m));
          for (let attempt = 0; attempt < 10; attempt++) {
            const answer = await sendRaw(
              bridge.webhookUrl(appId),
              'POST',
              [['content-type', 'application/json'], ...Object.entries(signSinchCallback({ secret, body }))],
              Buffer.from(body),
            );
            if (answer.status === 200) break;
            await sleep(50 * 2 ** attempt);
          }
        }
      },
    );
    // Bounded wait: the router retries what the archive refused (backoff up to a minute).
    for (let waited = 0; consumed < options.count && waited < 120_000; waited += 200) await sleep(200);

    bridge.archive.firehose.setFault(undefined);
    await bridge.archive.firehose.flush();
    bridge.archive.s3.setFault(undefined);
    const read = await readArchiveWindow(s3, bridge.buckets.archive, {
      since: new Date(since.getTime() - 1000),
      until: new Date(Date.now() + 1000),
    });
    const archivedIds = new Set(read.entries.map((e) => e.record.id));
    const missing = [...liveIds].filter((id) => !archivedIds.has(id));
    if (consumed < options.count)
      violations.push(`only ${consumed} of ${options.count} events were consumed`);
    if (missing.length > 0) violations.push(`${missing.length} consumed events missing from the archive`);

    // Replay the window onto the events queue: the consumer sees each conversation again, in order.
    const replayId = newReplayId();
    const outcome = await publishInOrder(
      sqs,
      bridge.queueUrls.events,
      read.entries.map((e) => toReplayMessage(e, replayId)),
    );
    if (outcome.failed.length > 0) violations.push(`${outcome.failed.length} replayed events not published`);
    for (let waited = 0; replayedCount < read.entries.length && waited < 60_000; waited += 200)
      await sleep(200);
    let replayMismatches = 0;
    for (const [group, order] of live) {
      const again = replayed.get(group) ?? [];
      if (JSON.stringify(again) !== JSON.stringify(order)) {
        replayMismatches++;
        violations.push(`group ${group}: replay ${again.join(',')} != live ${order.join(',')}`);
      }
    }
    report = {
      callbacks: options.count,
      seed,
      consumed,
      ...counts,
      archivedRecords: read.records,
      archivedUnique: read.entries.length,
      duplicatesInArchive: read.duplicates,
      missingFromArchive: missing.length,
      replayed: replayedCount,
      replayMismatches,
      violations,
    };
  } finally {
    await mapping.stop();
    await bridge.stop();
    sqs.destroy();
    s3.destroy();
  }
  return report;
}
