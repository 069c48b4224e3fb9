import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

/*
 * Amazon Data Firehose has no local server. This stand-in takes `PutRecord` and
 * `PutRecordBatch` (AWS JSON 1.1 protocol, as the AWS SDK sends them), with Firehose's limits,
 * buffers the records per partition and delivers them, gzip-compressed, to an S3 bucket (the
 * local S3 stand-in) under the same keys the real delivery stream writes:
 *
 *   <prefix with !{partitionKeyFromQuery:...} and !{timestamp:yyyy-MM-dd}>
 *   <stream>-1-<yyyy-MM-dd-HH-mm-ss>-<uuid><extension>
 *
 * Like Firehose, a record whose partition key cannot be read goes to the error prefix, and a
 * failed S3 delivery is retried (Firehose retries S3 for up to 24 hours; this, until `close`).
 */

/** Firehose's limits: 500 records and 4 MiB per batch, 1,000 KiB per record. */
const MAX_BATCH_RECORDS = 500;
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
const MAX_RECORD_BYTES = 1_024_000;
const ACCOUNT_ID = '123456789012';

export interface LocalDeliveryStream {
  name: string;
  /** Destination bucket (in the S3 at `s3Endpoint`). */
  bucket: string;
  /**
   * The S3 `Prefix` with Firehose's expressions: `!{timestamp:yyyy-MM-dd}` (and `yyyy`, `MM`,
   * `dd`, `HH`) and `!{partitionKeyFromQuery:<name>}`.
   */
  prefix: string;
  /** The `ErrorOutputPrefix` (`!{firehose:error-output-type}` is supported). */
  errorOutputPrefix: string;
  /** Partition keys: name to the top-level JSON field of each record (the JQ `{name: .field}`). */
  partitionKeys?: Record<string, string>;
  /** Default `.json.gz`. */
  fileExtension?: string;
  /** Buffering hints: deliver when a partition holds this many bytes (default 1 MiB)... */
  bufferBytes?: number;
  /** ... or this long after its first record (default 1 s; Firehose's minimum is 0, its default 300 s). */
  bufferMs?: number;
}

/** An injected Firehose failure for one call: the whole call, or some of its records. */
export interface FirehoseFault {
  /** The call fails: e.g. `{ status: 503, code: 'ServiceUnavailableException' }`. */
  error?: { status: number; code: string; message?: string };
  /** Records (by index in the call, and content) answered with `ServiceUnavailableException` in `RequestResponses`. */
  failRecord?: (index: number, data: Buffer) => boolean;
}

export interface LocalFirehoseOptions {
  streams: LocalDeliveryStream[];
  /** The S3 to deliver to (the local S3 stand-in's endpoint). */
  s3Endpoint: string;
  s3Credentials?: { accessKeyId: string; secretAccessKey: string };
  region?: string;
  port?: number;
  fault?: (call: { operation: string; stream: string; records: number }) => FirehoseFault | undefined;
}

/** A running loopback Firehose. */
export interface LocalFirehose {
  /** What `AWS_ENDPOINT_URL_FIREHOSE` should be. */
  endpoint: string;
  /** Delivers every buffered record now and waits until all of them are in S3. */
  flush(): Promise<void>;
  /** Records accepted, objects written, and failed S3 deliveries (retried). */
  stats(): { accepted: number; objects: number; deliveryFailures: number };
  setFault(fault: LocalFirehoseOptions['fault']): void;
  /** Flushes, then stops. */
  close(): Promise<void>;
}

interface Buffered {
  records: Buffer[];
  bytes: number;
  timer?: NodeJS.Timeout;
  key: string;
}

/**
 * @example
 * const firehose = await startLocalFirehose({ s3Endpoint: s3.endpoint, streams: [{ name: 'archive', bucket: 'archive', prefix: 'events/', errorOutputPrefix: 'errors/' }] });
 * process.env.AWS_ENDPOINT_URL_FIREHOSE = firehose.endpoint;
 */
export async function startLocalFirehose(options: LocalFirehoseOptions): Promise<LocalFirehose> {
  const region = options.region ?? 'us-east-1';
  const streams = new Map(options.streams.map((s) => [s.name, s]));
  const s3 = new S3Client({
    endpoint: options.s3Endpoint,
    forcePathStyle: true,
    region,
    credentials: options.s3Credentials ?? { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  let fault = options.fault;
  const buffers = new Map<string, Buffered>();
  const deliveries = new Set<Promise<void>>();
  const counters = { accepted: 0, objects: 0, deliveryFailures: 0 };
  let closing = false;

  function deliver(stream: LocalDeliveryStream, bufferKey: string): void {
    const buffered = buffers.get(bufferKey);
    if (!buffered) return;
    buffers.delete(bufferKey);
    clearTimeout(buffered.timer);
    const now = new Date();
    const stamp = now.toISOString().slice(0, 19).replace('T', '-').replace(/:/g, '-');
    const key = `${buffered.key}${stream.name}-1-${stamp}-${randomUUID()}${stream.fileExtension ?? '.json.gz'}`;
    const body = gzipSync(Buffer.concat(buffered.records));
    const delivery = (async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await s3.send(
            new PutObjectCommand({ Bucket: stream.bucket, Key: key, Body: body, ContentEncoding: undefined }),
          );
          counters.objects++;
          return;
        } catch {
          counters.deliveryFailures++;
          await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** Math.min(attempt, 6))));
        }
      }
    })();
    deliveries.add(delivery);
    void delivery.finally(() => deliveries.delete(delivery));
  }

  function accept(stream: LocalDeliveryStream, record: Buffer, receivedAt: Date): void {
    const partition = partitionOf(stream, record, receivedAt);
    const bufferKey = `${stream.name}\u0000${partition}`;
    let buffered = buffers.get(bufferKey);
    if (!buffered) {
      buffered = { records: [], bytes: 0, key: partition };
      buffers.set(bufferKey, buffered);
      buffered.timer = setTimeout(() => deliver(stream, bufferKey), stream.bufferMs ?? 1000);
    }
    buffered.records.push(record);
    buffered.bytes += record.length;
    counters.accepted++;
    if (buffered.bytes >= (stream.bufferBytes ?? 1024 * 1024)) deliver(stream, bufferKey);
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': randomUUID(),
        });
        res.end(JSON.stringify(body));
      };
      const error = (status: number, type: string, message: string) =>
        reply(status, { __type: type, message });
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.replace(/^Firehose_20150804\./, '');
      if (
        !/^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/[^/]+\/firehose\/aws4_request,/.test(
          String(req.headers.authorization ?? ''),
        )
      )
        return error(400, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
      if (operation !== 'PutRecordBatch' && operation !== 'PutRecord')
        return error(400, 'UnknownOperationException', `unsupported ${target}`);
      let input: { DeliveryStreamName?: unknown; Records?: unknown; Record?: unknown };
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return error(400, 'SerializationException', 'Start of structure or map found where not expected.');
      }
      const stream =
        typeof input.DeliveryStreamName === 'string' ? streams.get(input.DeliveryStreamName) : undefined;
      if (!stream)
        return error(
          400,
          'ResourceNotFoundException',
          `Firehose ${String(input.DeliveryStreamName)} under account ${ACCOUNT_ID} not found.`,
        );
      const raw = operation === 'PutRecord' ? [input.Record] : input.Records;
      if (!Array.isArray(raw) || raw.length < 1 || raw.length > MAX_BATCH_RECORDS)
        return error(
          400,
          'ValidationException',
          `1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length between 1 and ${MAX_BATCH_RECORDS}`,
        );
      const records: Buffer[] = [];
      for (const r of raw) {
        const data = (r as { Data?: unknown } | undefined)?.Data;
        if (typeof data !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 !== 0)
          return error(400, 'SerializationException', 'Data must be a base64 blob');
        const bytes = Buffer.from(data, 'base64');
        if (bytes.length > MAX_RECORD_BYTES)
          return error(
            400,
            'ValidationException',
            `1 validation error detected: Value at 'records.member.data' failed to satisfy constraint: Member must have length less than or equal to ${MAX_RECORD_BYTES}`,
          );
        records.push(bytes);
      }
      const total = records.reduce((n, r) => n + r.length, 0);
      if (total > MAX_BATCH_BYTES)
        return error(400, 'InvalidArgumentException', `Records size exceeds ${MAX_BATCH_BYTES} bytes limit`);
      if (closing) return error(503, 'ServiceUnavailableException', 'Slow down.');

      const injected = fault?.({ operation, stream: stream.name, records: records.length });
      if (injected?.error)
        return error(injected.error.status, injected.error.code, injected.error.message ?? 'Injected fault');
      const receivedAt = new Date();
      const responses = records.map((record, index) => {
        if (injected?.failRecord?.(index, record))
          return { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' };
        accept(stream, record, receivedAt);
        return { RecordId: randomUUID().replace(/-/g, '') };
      });
      if (operation === 'PutRecord') {
        const only = responses[0]!;
        if (only.ErrorCode) return error(503, 'ServiceUnavailableException', 'Slow down.');
        return reply(200, { RecordId: only.RecordId, Encrypted: true });
      }
      return reply(200, {
        FailedPutCount: responses.filter((r) => r.ErrorCode).length,
        Encrypted: true,
        RequestResponses: responses,
      });
    });
  });

  async function flush(): Promise<void> {
    for (const [bufferKey] of [...buffers]) {
      const name = bufferKey.split('\u0000')[0]!;
      deliver(streams.get(name)!, bufferKey);
    }
    while (deliveries.size > 0) await Promise.all([...deliveries]);
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    flush,
    stats: () => ({ ...counters }),
    setFault: (next) => {
      fault = next;
    },
    close: async () => {
      closing = true;
      await flush();
      s3.destroy();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

/** The S3 prefix of a record: its partition keys (or the error prefix) and the arrival time. */
function partitionOf(stream: LocalDeliveryStream, record: Buffer, receivedAt: Date): string {
  let values: Record<string, string> = {};
  let failed = false;
  if (stream.partitionKeys) {
    try {
      const parsed = JSON.parse(record.toString('utf8')) as Record<string, unknown>;
      for (const [name, field] of Object.entries(stream.partitionKeys)) {
        const value = parsed[field];
        if (typeof value !== 'string' || value === '') failed = true;
        else values[name] = value;
      }
    } catch {
      failed = true;
    }
  }
  if (failed) values = {};
  const template = failed ? stream.errorOutputPrefix : stream.prefix;
  const iso = receivedAt.toISOString();
  return template
    .replace(/!\{timestamp:([^}]+)\}/g, (_, format: string) =>
      format
        .replace('yyyy', iso.slice(0, 4))
        .replace('MM', iso.slice(5, 7))
        .replace('dd', iso.slice(8, 10))
        .replace('HH', iso.slice(11, 13)),
    )
    .replace(/!\{partitionKeyFromQuery:([^}]+)\}/g, (_, name: string) => values[name] ?? '')
    .replace(/!\{firehose:error-output-type\}/g, 'partitioning-failed');
}
