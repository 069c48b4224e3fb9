import { createHash } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { readArchiveWindow } from '../../../functions/archive/archive-reader';
import { signSinchCallback } from '../../../functions/sinch/signature';
import { startLocalBridge } from '../../../local/bridge';
import { startEventSourceMapping } from '../../../local/event-source-mapping';
import { type MediaSource, type SourceAnswer, startMediaSource } from '../../media/media-source';
import { seededRandom } from '../../support/faults/seeded-random';
import { startSqsFaultProxy } from '../../support/faults/sqs-fault-proxy';
import { inboundCallback } from './inbound';
import { mapConcurrently, sendRaw } from './send-http';

/** Counts of one media run; every `violations` entry is a broken promise. */
export interface MediaReport {
  callbacks: number;
  mediaMessages: number;
  seed: number;
  /** Media messages by what their source did. */
  sourceKinds: Record<string, number>;
  consumed: number;
  stored: number;
  failed: Record<string, number>;
  /**
   * Jobs that gave up as `storage_failed` because S3 failed on every receive (an outcome the design
   * allows; counted only when at least `maxAttempts` faults hit that job's objects).
   */
  storageGaveUp: number;
  /** Media outcome events delivered more than once (same event id). */
  duplicateOutcomes: number;
  /** Faults injected, by where. */
  injectedSqsFaults: number;
  injectedMediaS3Errors: number;
  injectedArchiveS3Errors: number;
  injectedFirehoseErrors: number;
  injectedRecordFailures: number;
  archivedUnique: number;
  missingFromArchive: number;
  violations: string[];
}

const MESSAGES_PER_CONVERSATION = 20;
const CONVERSATIONS_AT_ONCE = 8;
/** Every fourth message carries a file. */
const MEDIA_EVERY = 4;
const MAX_BYTES = 256 * 1024;
const TIMEOUT_MS = 8_000;
const MAX_ATTEMPTS = 3;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * What a media source does, and what the bridge must make of it. Assigned in turn (not drawn), so
 * even the small run meets each; `ok` is the most common, as on a real day.
 */
const SOURCE_KINDS = [
  'ok',
  'slow',
  'ok',
  'status_503_once',
  'reset_once',
  'ok',
  'redirect_ok',
  'status_503_always',
  'oversized_declared',
  'ok',
  'redirect_private',
  'oversized_streamed',
  'status_404',
  'ok',
  'redirect_metadata',
  'status_429_once',
] as const;
type SourceKind = (typeof SOURCE_KINDS)[number] | 'hang';
/** One in this many media messages hangs until the copy's timeout (each costs TIMEOUT_MS of a poller). */
const HANG_EVERY = 40;

interface Expected {
  kind: SourceKind;
  /** `stored` with this hash, or `failed` with this reason. */
  stored?: { sha256: string; size: number };
  reason?: string;
}

/** Scripts the source's answers for one media message's path; returns what the bridge must report. */
function script(source: MediaSource, path: string, kind: SourceKind, body: Buffer): Expected {
  const file: SourceAnswer = { kind: 'file', body, contentType: 'image/jpeg' };
  const stored = { sha256: sha256(body), size: body.length };
  const route = (...answers: SourceAnswer[]) => source.route(path, ...answers);
  switch (kind) {
    case 'ok':
      route(file);
      return { kind, stored };
    case 'slow':
      route({ ...file, delayMs: 200, chunked: true, chunkDelayMs: 50 });
      return { kind, stored };
    case 'status_503_once':
      route({ kind: 'status', status: 503 }, file);
      return { kind, stored };
    case 'status_429_once':
      route({ kind: 'status', status: 429, retryAfter: '0' }, file);
      return { kind, stored };
    case 'reset_once':
      route({ kind: 'truncated', body: body.subarray(0, 100), declaredLength: body.length }, file);
      return { kind, stored };
    case 'redirect_ok':
      route({ kind: 'redirect', location: `${path}.real` });
      source.route(`${path}.real`, file);
      return { kind, stored };
    case 'status_503_always':
      route({ kind: 'status', status: 503 });
      return { kind, reason: 'http_503' };
    case 'status_404':
      route({ kind: 'status', status: 404 });
      return { kind, reason: 'http_404' };
    case 'oversized_declared':
      route({ kind: 'file', body: Buffer.alloc(MAX_BYTES + 1, 7), contentType: 'video/mp4' });
      return { kind, reason: 'too_large' };
    case 'oversized_streamed':
      route({ kind: 'file', body: Buffer.alloc(MAX_BYTES + 4096, 7), chunked: true });
      return { kind, reason: 'too_large' };
    case 'redirect_private':
      route({ kind: 'redirect', location: 'http://10.20.30.40/inbound/photo.jpg' });
      return { kind, reason: 'address_not_allowed' };
    case 'redirect_metadata':
      route({ kind: 'redirect', status: 307, location: 'http://169.254.169.254/latest/meta-data/' });
      return { kind, reason: 'address_not_allowed' };
    case 'hang':
      route({ kind: 'hang' });
      return { kind, reason: 'timeout' };
  }
}

/**
 * The media fault scenario, through the real handlers of the local bridge: `count` signed inbound
 * callbacks (every fourth with a file on a loopback media source) go to the webhook; the router
 * archives each event and puts copy jobs on the media queue; the media function copies. Faults on
 * every side at once: the media sources (slow, 5xx and 429, connection reset, oversized, redirects
 * to private and metadata addresses, hanging past the timeout, 404), S3 (`rate` of the media
 * bucket's requests and of the archive's writes answer 500/503), SQS (`rate` of the media step's
 * job batches and of the media function's publishes fail, before or after SQS took them), Firehose
 * (`rate` of calls 503, `rate` of records failed alone). A consumer reads the events queue.
 *
 * Promises checked: every message event and every media outcome reached the consumer and is in the
 * archive; each media message has exactly one outcome (one `media.stored` or one `media.failed`,
 * never both, never twice), after its message in its group, and the right one for what its source
 * did (stored with the source's SHA-256 and size, or failed with the expected reason).
 *
 * @example
 * const report = await runMediaScenario({ count: 200 });
 * expect(report.violations).toEqual([]);
 */
export async function runMediaScenario(options: {
  count: number;
  seed?: number;
  rate?: number;
}): Promise<MediaReport> {
  const seed = options.seed ?? 20_261_202;
  const rate = options.rate ?? 0.1;
  const random = seededRandom(seed);
  const source = await startMediaSource();
  const bridge = await startLocalBridge({
    port: 0,
    archiveBufferMs: 300,
    logLevel: 'SILENT',
    concurrency: 2,
    media: {
      maxBytes: MAX_BYTES,
      timeoutMs: TIMEOUT_MS,
      maxAttempts: MAX_ATTEMPTS,
      retryBaseSeconds: 0,
      retryMaxSeconds: 1,
      concurrency: 4,
    },
  });
  // SQS faults on the media paths only (the other paths have their own suites): the router's job
  // batches to the media queue and the media function's publishes of media events. The functions
  // read their environment on their first invocation, so pointing their SQS endpoint and queue URLs
  // at the proxy now puts every function call through it (the SDK sends to the queue URL's host);
  // the proxy passes everything else through. The event source mappings keep the direct endpoint.
  const proxy = await startSqsFaultProxy({
    target: bridge.endpoints.sqs,
    operations: ['SendMessage', 'SendMessageBatch'],
    rate,
    seed,
    match: (body) => {
      const text = body.toString('utf8');
      return text.includes('-media.fifo') || text.includes('sinch.bridge.media.');
    },
  });
  for (const name of ['EVENTS_QUEUE_URL', 'ROUTER_QUEUE_URL', 'MEDIA_QUEUE_URL', 'OUTBOUND_DLQ_URL']) {
    process.env[name] = process.env[name]!.replace(bridge.endpoints.sqs, proxy.endpoint);
  }
  process.env.AWS_ENDPOINT_URL_SQS = proxy.endpoint;

  const s3FaultsByEvent = new Map<string, number>();
  const counts = {
    injectedMediaS3Errors: 0,
    injectedArchiveS3Errors: 0,
    injectedFirehoseErrors: 0,
    injectedRecordFailures: 0,
  };
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
    if (request.bucket === bridge.buckets.archive) {
      if (request.operation !== 'PutObject') return undefined;
      if (counts.injectedArchiveS3Errors > 0 && random() >= rate) return undefined;
      counts.injectedArchiveS3Errors++;
      return { status: 500, code: 'InternalError', message: 'We encountered an internal error.' };
    }
    if (request.bucket !== bridge.buckets.media || random() >= rate) return undefined;
    counts.injectedMediaS3Errors++;
    // Which job it hit: `by-event/<eventId>.json` or `<appId>/<hash>/<eventId>/<name>`.
    const key = request.key ?? '';
    const eventId = key.startsWith('by-event/')
      ? key.slice('by-event/'.length, -'.json'.length)
      : key.split('/')[2];
    if (eventId) s3FaultsByEvent.set(eventId, (s3FaultsByEvent.get(eventId) ?? 0) + 1);
    return random() < 0.5
      ? { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' }
      : { status: 500, code: 'InternalError', message: 'We encountered an internal error.' };
  });

  const since = new Date();
  const region = bridge.environment.AWS_REGION!;
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const sqs = new SQSClient({ endpoint: bridge.endpoints.sqs, region, credentials });
  const s3 = new S3Client({ endpoint: bridge.endpoints.s3, forcePathStyle: true, region, credentials });
  const [appId] = Object.keys(bridge.secrets) as [string];
  const secret = bridge.secrets[appId] as string;

  interface Seen {
    id: string;
    type: string;
    data: Record<string, unknown> & { eventId?: string; reason?: string; sha256?: string; size?: number };
  }
  const byGroup = new Map<string, Seen[]>();
  const deliveries = new Map<string, number>();
  let consumed = 0;
  const mapping = startEventSourceMapping({
    queueUrl: bridge.queueUrls.events,
    sqs,
    concurrency: 1,
    waitTimeSeconds: 1,
    function: { functionName: 'events-consumer' },
    handler: async (event: SQSEvent) => {
      for (const record of event.Records) {
        const body = JSON.parse(record.body) as Seen;
        const group = record.attributes.MessageGroupId ?? 'none';
        deliveries.set(body.id, (deliveries.get(body.id) ?? 0) + 1);
        if (deliveries.get(body.id) === 1) {
          byGroup.set(group, [...(byGroup.get(group) ?? []), body]);
          consumed++;
        }
      }
      return { batchItemFailures: [] };
    },
  });

  const expected = new Map<string, Expected>(); // by Sinch message id
  const sourceKinds: Record<string, number> = {};
  let mediaMessages = 0;
  const violations: string[] = [];
  let report: MediaReport;
  try {
    const conversations = Math.max(1, Math.ceil(options.count / MESSAGES_PER_CONVERSATION));
    // Decided up front, in order, so the run is the same for a seed whatever the timing.
    const plan = Array.from({ length: conversations }, (_, c) =>
      Array.from(
        { length: Math.min(MESSAGES_PER_CONVERSATION, options.count - c * MESSAGES_PER_CONVERSATION) },
        (_, m) => {
          const callback = inboundCallback(appId, bridge.projectId, c, m);
          if ((c * MESSAGES_PER_CONVERSATION + m) % MEDIA_EVERY !== MEDIA_EVERY - 1) return callback;
          const n = mediaMessages++;
          const kind: SourceKind =
            n % HANG_EVERY === HANG_EVERY - 1 ? 'hang' : SOURCE_KINDS[n % SOURCE_KINDS.length]!;
          sourceKinds[kind] = (sourceKinds[kind] ?? 0) + 1;
          const path = `/c${c}/m${m}.jpg`;
          const body = Buffer.alloc(1 + Math.floor(random() * 64 * 1024));
          for (let i = 0; i < body.length; i++) body[i] = Math.floor(random() * 256);
          expected.set(callback.message.id, script(source, path, kind, body));
          return {
            ...callback,
            message: {
              ...callback.message,
              contact_message: { media_message: { url: `${source.url}${path}` } },
            },
          };
        },
      ),
    );
    await mapConcurrently(plan, CONVERSATIONS_AT_ONCE, async (messages) => {
      for (const callback of messages) {
        const body = JSON.stringify(callback);
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
    });

    // Bounded wait for every message event and every media outcome (retries back off up to a few
    // seconds; hanging sources take the copy's timeout).
    const outcomes = () =>
      [...byGroup.values()].flat().filter((e) => e.type.startsWith('sinch.bridge.media.')).length;
    const ceiling = 120_000 + options.count * 150;
    for (let waited = 0; waited < ceiling; waited += 250) {
      if (consumed >= options.count + mediaMessages && outcomes() >= mediaMessages) break;
      await sleep(250);
    }
    // A little longer: a duplicate would arrive now.
    await sleep(2_000);

    // Per group: each media message has exactly one outcome, after it, and the right one.
    let stored = 0;
    let storageGaveUp = 0;
    const failed: Record<string, number> = {};
    let messagesSeen = 0;
    for (const [group, events] of byGroup) {
      const messageIndex = new Map<string, { index: number; messageId: string }>();
      events.forEach((e, index) => {
        if (e.type === 'sinch.conversation.message_inbound') {
          messagesSeen++;
          messageIndex.set(e.id, { index, messageId: String(e.data.messageId) });
        }
      });
      const outcomesByEvent = new Map<string, number>();
      events.forEach((e, index) => {
        if (!e.type.startsWith('sinch.bridge.media.')) return;
        const message = messageIndex.get(e.data.eventId ?? '');
        if (!message) {
          violations.push(
            `${group}: ${e.type} ${e.id} for an event never seen before it (${e.data.eventId})`,
          );
          return;
        }
        if (message.index > index) violations.push(`${group}: ${e.type} came before its message`);
        outcomesByEvent.set(e.data.eventId!, (outcomesByEvent.get(e.data.eventId!) ?? 0) + 1);
        const want = expected.get(message.messageId);
        if (e.type === 'sinch.bridge.media.stored') {
          stored++;
          if (!want?.stored || want.stored.sha256 !== e.data.sha256 || want.stored.size !== e.data.size)
            violations.push(
              `${group}: ${message.messageId} (${want?.kind}) stored ${e.data.size} bytes ${e.data.sha256}, expected ${JSON.stringify(want)}`,
            );
        } else {
          const reason = String(e.data.reason);
          failed[reason] = (failed[reason] ?? 0) + 1;
          const s3Faults = s3FaultsByEvent.get(e.data.eventId!) ?? 0;
          if (want?.reason !== reason && reason === 'storage_failed' && s3Faults >= MAX_ATTEMPTS)
            storageGaveUp++;
          else if (want?.reason !== reason)
            violations.push(
              `${group}: ${message.messageId} (${want?.kind}) failed ${reason} (${e.data.detail}; ${s3Faults} S3 faults on its objects), expected ${JSON.stringify(want)}`,
            );
        }
      });
      for (const [eventId, { messageId }] of messageIndex) {
        const n = outcomesByEvent.get(eventId) ?? 0;
        if (expected.has(messageId) && n !== 1)
          violations.push(
            `${group}: media message ${messageId} (${expected.get(messageId)?.kind}) has ${n} outcomes`,
          );
        if (!expected.has(messageId) && n !== 0)
          violations.push(`${group}: text message ${messageId} got a media outcome`);
      }
    }
    if (messagesSeen !== options.count)
      violations.push(`${messagesSeen} of ${options.count} message events consumed`);
    const duplicateOutcomes = [...byGroup.values()]
      .flat()
      .filter((e) => e.type.startsWith('sinch.bridge.media.') && (deliveries.get(e.id) ?? 0) > 1).length;
    if (duplicateOutcomes > 0)
      violations.push(`${duplicateOutcomes} media outcomes delivered more than once`);

    // The archive: everything the consumer got is in it (faults off, buffers flushed first).
    bridge.archive.firehose.setFault(undefined);
    bridge.archive.s3.setFault(undefined);
    proxy.rate = 0;
    await bridge.archive.firehose.flush();
    const read = await readArchiveWindow(s3, bridge.buckets.archive, {
      since: new Date(since.getTime() - 1000),
      until: new Date(Date.now() + 1000),
    });
    const archivedIds = new Set(read.entries.map((e) => e.record.id));
    const missing = [...deliveries.keys()].filter((id) => !archivedIds.has(id));
    if (missing.length > 0) violations.push(`${missing.length} consumed events missing from the archive`);

    report = {
      callbacks: options.count,
      mediaMessages,
      seed,
      sourceKinds,
      consumed,
      stored,
      failed,
      storageGaveUp,
      duplicateOutcomes,
      injectedSqsFaults: proxy.counts.before + proxy.counts.after,
      ...counts,
      archivedUnique: read.entries.length,
      missingFromArchive: missing.length,
      violations,
    };
  } finally {
    await mapping.stop();
    await bridge.stop();
    await Promise.all([proxy.close(), source.close()]);
    sqs.destroy();
    s3.destroy();
  }
  return report;
}
