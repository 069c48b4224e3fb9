/**
 * Dollars per million callbacks and per million sends, from what `npm run bench` measured (CPU
 * milliseconds per event and per send) and the stack's configured memory, at AWS list prices.
 * The same arithmetic runs for a bare hand-written pipeline, so the two can be compared line by
 * line. The README's and docs/deploy.md's cost tables are printed by this module.
 */
import { TUNABLE_DEFAULTS } from '../infra/config';

/**
 * AWS list prices, us-east-1, arm64, on-demand, no free tier, as published on the AWS pricing
 * pages and read on {@link PRICES.date}. DynamoDB on-demand is the price after the reduction of
 * November 2024.
 */
export const PRICES = {
  date: '2026-12-01',
  region: 'us-east-1',
  lambdaPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  /** HTTP API, first 300 M requests a month, per 512 KB. */
  httpApiPerMillionRequests: 1.0,
  /** FIFO, per 64 KB chunk of a request. */
  sqsFifoPerMillionRequests: 0.5,
  dynamoDbPerMillionWriteUnits: 0.625,
  dynamoDbPerMillionReadUnits: 0.125,
  /** Direct PUT, first 500 TB a month; each record is rounded up to 5 KB. */
  firehosePerGbIngested: 0.029,
  s3PerThousandPuts: 0.005,
  s3PerGbMonth: 0.023,
  cloudWatchLogsPerGbIngested: 0.5,
} as const;

/**
 * What a Lambda gets of a vCPU: CPU share grows linearly with memory, one full vCPU at 1,769 MB
 * (AWS's documented figure). A CPU millisecond measured here is `1769 / memoryMb` billed
 * milliseconds in Lambda when the function is CPU-bound.
 */
export const FULL_VCPU_MEMORY_MB = 1769;

/**
 * Time a function waits on its dependencies, per call, in AWS (not measured here: loopback
 * stand-ins answer in microseconds). Billed like CPU time. Typical in-region medians; the
 * Sinch figure is the API's answer time, which dominates the send function's bill.
 */
export const WAIT_ASSUMPTIONS_MS = {
  sqsSendMessage: 8,
  sqsSendMessageBatch: 10,
  dynamoDbWrite: 5,
  dynamoDbRead: 5,
  sinchSend: 200,
} as const;

export interface CostLine {
  item: string;
  arithmetic: string;
  usd: number;
}

export interface CostTable {
  title: string;
  lines: CostLine[];
  totalUsd: number;
  /** Lambda GB-seconds per million messages (all functions of the flow). */
  lambdaGbSeconds: number;
}

export interface CostInputs {
  /** Webhook CPU per callback, measured (`webhook.cpuMsPerEvent`). */
  webhookCpuMs: number;
  /** The bare pipeline's CPU per callback, measured (`webhook.minimalCpuMsPerEvent`). */
  minimalCpuMs: number;
  /** Send CPU per command, measured (`send.cpuMsPerSend`). */
  sendCpuMs: number;
  webhookMemoryMb?: number;
  sendMemoryMb?: number;
  /** Router function CPU per event; measured when a router scenario ran, else the webhook's decision share is assumed. */
  routerCpuMs?: number;
  routerMemoryMb?: number;
  /** Records per router or send invocation (the event source mapping's batch). */
  batchSize?: number;
  /** Size of one archived event in KB (Firehose bills 5 KB increments). */
  eventKb?: number;
  /** Function log bytes per message, in KB. */
  logKbPerMessage?: number;
}

const M = 1_000_000;
const round2 = (v: number) => Math.round(v * 100) / 100;

function lambdaLine(
  name: string,
  invocations: number,
  billedMsPerMessage: number,
  memoryMb: number,
): CostLine & { gbSeconds: number } {
  const gbSeconds = (M * billedMsPerMessage * memoryMb) / 1024 / 1000;
  const requests = (invocations / M) * PRICES.lambdaPerMillionRequests;
  const duration = gbSeconds * PRICES.lambdaPerGbSecond;
  return {
    item: name,
    arithmetic: `${fmt(invocations / M)} M invocations x $${PRICES.lambdaPerMillionRequests}/M + ${fmt(billedMsPerMessage)} ms x ${memoryMb} MB per message = ${Math.round(gbSeconds).toLocaleString('en-US')} GB-s`,
    usd: requests + duration,
    gbSeconds,
  };
}

const fmt = (v: number) => (v >= 10 ? String(Math.round(v)) : String(Math.round(v * 100) / 100));

/** Billed milliseconds in Lambda for `cpuMs` measured here plus the waits, at `memoryMb`. */
export function billedMs(cpuMs: number, memoryMb: number, waitMs: number): number {
  return cpuMs * Math.max(1, FULL_VCPU_MEMORY_MB / memoryMb) + waitMs;
}

function table(title: string, lines: Array<CostLine & { gbSeconds?: number }>): CostTable {
  return {
    title,
    lines: lines.map(({ item, arithmetic, usd }) => ({ item, arithmetic, usd: round2(usd) })),
    totalUsd: round2(lines.reduce((sum, l) => sum + l.usd, 0)),
    lambdaGbSeconds: Math.round(lines.reduce((sum, l) => sum + (l.gbSeconds ?? 0), 0)),
  };
}

/**
 * The cost tables per million messages: inbound through the bridge, inbound through a bare
 * hand-written pipeline (HMAC, parse, one SendMessage), and outbound sends.
 *
 * @example
 * const tables = costPerMillion({ webhookCpuMs: 1.1, minimalCpuMs: 0.9, sendCpuMs: 3.2 });
 * tables.inbound.totalUsd; // dollars per million callbacks
 */
export function costPerMillion(inputs: CostInputs): {
  inbound: CostTable;
  inboundBare: CostTable;
  outbound: CostTable;
} {
  const webhookMemoryMb = inputs.webhookMemoryMb ?? TUNABLE_DEFAULTS.webhookMemoryMb;
  const sendMemoryMb = inputs.sendMemoryMb ?? TUNABLE_DEFAULTS.sendMemoryMb;
  const routerMemoryMb = inputs.routerMemoryMb ?? webhookMemoryMb;
  const batch = inputs.batchSize ?? TUNABLE_DEFAULTS.batchSize;
  const eventKb = inputs.eventKb ?? 2;
  const logKb = inputs.logKbPerMessage ?? 1;
  // Without a measured router, assume it costs what the webhook spends beyond the bare pipeline's
  // SQS call: one parse, the steps, and its share of one SendMessageBatch.
  const routerCpuMs = inputs.routerCpuMs ?? inputs.webhookCpuMs;
  const sqs = (item: string, requests: number, why: string): CostLine => ({
    item,
    arithmetic: `${why} = ${fmt(requests / M)} M requests x $${PRICES.sqsFifoPerMillionRequests}/M`,
    usd: (requests / M) * PRICES.sqsFifoPerMillionRequests,
  });
  const httpApi: CostLine = {
    item: 'HTTP API',
    arithmetic: `1 M requests x $${PRICES.httpApiPerMillionRequests}/M`,
    usd: PRICES.httpApiPerMillionRequests,
  };
  const logs: CostLine = {
    item: 'CloudWatch Logs',
    arithmetic: `${logKb} KB per message = ${fmt(logKb / 1.048576)} GB x $${PRICES.cloudWatchLogsPerGbIngested}/GB`,
    usd: ((logKb * M) / 1024 / 1024) * PRICES.cloudWatchLogsPerGbIngested,
  };
  const firehoseGb = (Math.ceil(eventKb / 5) * 5 * M) / 1024 / 1024;
  const archive: CostLine = {
    item: 'Archive (Firehose + S3)',
    arithmetic: `${fmt(firehoseGb)} GB billed (5 KB per record) x $${PRICES.firehosePerGbIngested}/GB; S3 objects and storage are per buffer, not per event`,
    usd: firehoseGb * PRICES.firehosePerGbIngested,
  };

  const inbound = table('Inbound through the bridge: 1 million callbacks', [
    httpApi,
    lambdaLine(
      'Webhook function',
      M,
      billedMs(inputs.webhookCpuMs, webhookMemoryMb, WAIT_ASSUMPTIONS_MS.sqsSendMessage),
      webhookMemoryMb,
    ),
    sqs('SQS FIFO, router queue', 1.2 * M, 'SendMessage 1 M + receive and delete by batches of 10'),
    lambdaLine(
      'Router function',
      M / batch,
      billedMs(routerCpuMs, routerMemoryMb, WAIT_ASSUMPTIONS_MS.sqsSendMessageBatch / batch),
      routerMemoryMb,
    ),
    sqs('SQS FIFO, events queue', 0.3 * M, 'SendMessageBatch 0.1 M + your receive and delete by 10'),
    archive,
    logs,
  ]);
  const inboundBare = table('Inbound, bare hand-written pipeline: 1 million callbacks', [
    httpApi,
    lambdaLine(
      'Webhook function',
      M,
      billedMs(inputs.minimalCpuMs, webhookMemoryMb, WAIT_ASSUMPTIONS_MS.sqsSendMessage),
      webhookMemoryMb,
    ),
    sqs('SQS FIFO, events queue', 1.2 * M, 'SendMessage 1 M + your receive and delete by 10'),
    logs,
  ]);
  const outbound = table('Outbound: 1 million sends', [
    sqs('SQS FIFO, outbound queue', 0.3 * M, 'your SendMessageBatch 0.1 M + Lambda receive and delete by 10'),
    lambdaLine(
      'Send function',
      M / batch,
      billedMs(
        inputs.sendCpuMs,
        sendMemoryMb,
        // As if each batch held one conversation: its suppression read then shares no call.
        WAIT_ASSUMPTIONS_MS.sinchSend +
          WAIT_ASSUMPTIONS_MS.dynamoDbRead +
          2 * WAIT_ASSUMPTIONS_MS.dynamoDbWrite,
      ),
      sendMemoryMb,
    ),
    {
      item: 'DynamoDB on demand',
      arithmetic:
        `2 writes per command (claim, complete) = 2 M WRU x $${PRICES.dynamoDbPerMillionWriteUnits}/M + ` +
        `1 consistent read (suppression check) = 1 M RRU x $${PRICES.dynamoDbPerMillionReadUnits}/M`,
      usd: 2 * PRICES.dynamoDbPerMillionWriteUnits + PRICES.dynamoDbPerMillionReadUnits,
    },
    sqs(
      'SQS FIFO, outcome events',
      1.3 * M,
      // At most one SendMessageBatch per command: the outcomes of groups that finish in the same
      // turn share one, but in AWS a batch of one group finishes one command at a time.
      'router queue SendMessageBatch at most 1 M + events SendMessageBatch 0.1 M + your receive/delete by 10',
    ),
    archive,
    logs,
  ]);
  return { inbound, inboundBare, outbound };
}

/**
 * The cost tables as Markdown.
 *
 * @example
 * console.log(formatCostTables(costPerMillion(inputs)));
 */
export function formatCostTables(tables: ReturnType<typeof costPerMillion>): string {
  const out: string[] = [];
  for (const t of [tables.inbound, tables.inboundBare, tables.outbound]) {
    out.push(`**${t.title}** (${t.lambdaGbSeconds.toLocaleString('en-US')} Lambda GB-s)`, '');
    out.push('| item | arithmetic | USD |', '|---|---|---|');
    for (const l of t.lines) out.push(`| ${l.item} | ${l.arithmetic} | ${l.usd.toFixed(2)} |`);
    out.push(`| **total** | | **${t.totalUsd.toFixed(2)}** |`, '');
  }
  out.push(
    `List prices ${PRICES.region}, arm64, read ${PRICES.date}; waits per call assumed: ` +
      Object.entries(WAIT_ASSUMPTIONS_MS)
        .map(([k, v]) => `${k} ${v} ms`)
        .join(', ') +
      `; CPU ms measured here count ${FULL_VCPU_MEMORY_MB} / memory MB billed ms in Lambda.`,
  );
  return out.join('\n');
}
