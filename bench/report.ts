import { type CostTable, costPerMillion, formatCostTables } from './cost';
import type { ColdStartResult } from './scenarios/cold-start';
import type { SendBenchResult } from './scenarios/send';
import type { WebhookBenchResult } from './scenarios/webhook';
import { round } from './stats';

/** Everything one `npm run bench` measured; a scenario that failed carries `error` instead. */
export interface BenchReport {
  webhook?: (WebhookBenchResult & { peakRssMB: number }) | { error: string };
  coldStart?: (ColdStartResult & { peakRssMB: number }) | { error: string };
  send?: (SendBenchResult & { peakRssMB: number }) | { error: string };
  targets: TargetCheck[];
  /** Dollars per million callbacks and sends from this run's CPU figures (needs webhook and send). */
  costs?: CostTables;
  environment: { node: string; platform: string; cpus: number; loadAverage: number[]; date: string };
}

/** One goal of issue #5 and whether this run met it; `met` is undefined when not measured. */
export interface TargetCheck {
  name: string;
  goal: string;
  value: string;
  met: boolean | undefined;
}

export type CostTables = { inbound: CostTable; inboundBare: CostTable; outbound: CostTable };

/**
 * The cost tables of `bench/cost.ts` fed with what this run measured: CPU per callback (the
 * bridge's and the bare pipeline's) and per send. Undefined unless both scenarios ran.
 *
 * @example
 * const costs = costsOf(report); // costs?.inbound.totalUsd: dollars per million callbacks
 */
export function costsOf(report: Omit<BenchReport, 'targets' | 'costs'>): CostTables | undefined {
  const webhook = ok(report.webhook);
  const send = ok(report.send);
  if (!webhook || !send) return undefined;
  return costPerMillion({
    webhookCpuMs: webhook.cpuMsPerEvent,
    minimalCpuMs: webhook.minimalCpuMsPerEvent,
    sendCpuMs: send.cpuMsPerSend,
  });
}

function ok<T extends object>(r: T | { error: string } | undefined): T | undefined {
  return r && !('error' in r) ? (r as T) : undefined;
}

/**
 * Checks the goals of issue #5 against a report.
 *
 * @example
 * checkTargets(report).filter((t) => t.met === false); // the goals this run missed
 */
export function checkTargets(report: Omit<BenchReport, 'targets'>): TargetCheck[] {
  const webhook = ok(report.webhook);
  const cold = ok(report.coldStart);
  const send = ok(report.send);
  const ratio = (a?: number, b?: number) => (a !== undefined && b ? a / b : undefined);
  const checks: Array<[string, string, number | undefined, (v: number) => boolean, string]> = [
    [
      'webhook throughput',
      '>= 0.8x minimal pipeline',
      ratio(webhook?.eventsPerSec, webhook?.minimalEventsPerSec),
      (v) => v >= 0.8,
      'x',
    ],
    ['webhook bundle', '<= 300 KB', cold?.webhookBundleKB, (v) => v <= 300, ' KB'],
    [
      'webhook init',
      '<= 1.5x SQS-only init',
      ratio(cold?.webhookInitMs, cold?.sqsOnlyInitMs),
      (v) => v <= 1.5,
      'x',
    ],
    [
      'send throughput',
      '>= 10x sequential SDK loop',
      ratio(send?.sendsPerSec, send?.sdkSequentialSendsPerSec),
      (v) => v >= 10,
      'x',
    ],
    ['send token requests', '= 1', send?.tokenRequests, (v) => v === 1, ''],
  ];
  return checks.map(([name, goal, value, pass, unit]) => ({
    name,
    goal,
    value: value === undefined ? 'not measured' : `${round(value)}${unit}`,
    met: value === undefined ? undefined : pass(value),
  }));
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  return [
    line(rows[0]!),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.slice(1).map(line),
  ].join('\n');
}

const fmt = (v: number | undefined, unit = '') => (v === undefined ? '-' : `${round(v)}${unit}`);

/**
 * Renders a report as Markdown tables: measurements side by side, then the goals.
 *
 * @example
 * console.log(formatReport(report));
 */
export function formatReport(report: BenchReport): string {
  const out: string[] = [];
  const rows: string[][] = [['scenario', 'bridge', 'baseline(s)', 'peak RSS']];
  const webhook = report.webhook;
  if (webhook && 'error' in webhook)
    rows.push(['webhook', `failed: ${webhook.error.split('\n')[0]}`, '', '']);
  else if (webhook) {
    rows.push([
      'webhook (sequential invocations, loopback SQS)',
      `${fmt(webhook.eventsPerSec)} events/s, p50 ${fmt(webhook.p50Ms)} ms, p99 ${fmt(webhook.p99Ms)} ms, CPU ${fmt(webhook.cpuMsPerEvent)} ms/event`,
      `minimal ${fmt(webhook.minimalEventsPerSec)}/s (p50 ${fmt(webhook.minimalP50Ms)} ms, CPU ${fmt(webhook.minimalCpuMsPerEvent)} ms); ` +
        `@sinch/sdk-core ${fmt(webhook.sdkEventsPerSec)}/s (p50 ${fmt(webhook.sdkP50Ms)} ms, CPU ${fmt(webhook.sdkCpuMsPerEvent)} ms)`,
      `${fmt(webhook.peakRssMB)} MB`,
    ]);
  }
  const cold = report.coldStart;
  if (cold && 'error' in cold) rows.push(['coldStart', `failed: ${cold.error.split('\n')[0]}`, '', '']);
  else if (cold) {
    rows.push([
      'coldStart (minified bundle, init median of fresh processes)',
      `webhook ${fmt(cold.webhookBundleKB, ' KB')}, init ${fmt(cold.webhookInitMs, ' ms')} (${fmt(cold.webhookInitRssMB, ' MB')}); ` +
        `send ${fmt(cold.sendBundleKB, ' KB')}, init ${fmt(cold.sendInitMs, ' ms')} (${fmt(cold.sendInitRssMB, ' MB')})`,
      `SQS client only: ${fmt(cold.sqsOnlyBundleKB, ' KB')}, init ${fmt(cold.sqsOnlyInitMs, ' ms')} (${fmt(cold.sqsOnlyInitRssMB, ' MB')})` +
        (cold.missing ? `; missing: ${cold.missing.join(', ')}` : ''),
      `${fmt(cold.peakRssMB)} MB`,
    ]);
    for (const [name, f] of Object.entries(cold.functions ?? {})) {
      if (name === 'webhook' || name === 'send') continue;
      rows.push([
        `coldStart: ${name} function`,
        `${fmt(f.bundleKB, ' KB')}, init ${fmt(f.initMs, ' ms')} (${fmt(f.initRssMB, ' MB')}), ${fmt(f.initRatioToSqsOnly, 'x')} SQS-only`,
        '',
        '',
      ]);
    }
  }
  const send = report.send;
  if (send && 'error' in send) rows.push(['send', `failed: ${send.error.split('\n')[0]}`, '', '']);
  else if (send) {
    rows.push([
      `send (${send.commands} commands, ${send.groups} groups, Sinch ${send.sinchLatencyMs} ms, concurrency ${send.concurrency} x batch ${send.batchSize})`,
      `${fmt(send.sendsPerSec)} sends/s` +
        (send.sendsPerSecRounds
          ? ` (median of ${send.sendsPerSecRounds.map((r) => fmt(r)).join(', ')})`
          : '') +
        `, ${send.tokenRequests} token request(s), CPU ${fmt(send.cpuMsPerSend)} ms/send; ` +
        `invocations: ${fmt(send.invocationMeanMs)} ms mean for ${fmt(send.recordsPerInvocation)} records; ` +
        `DynamoDB stand-in ${fmt(send.dynamoDbStandInWritesPerSec)} writes/s` +
        (send.standInCpuMsPerSend
          ? `; stand-ins' CPU ms/send: SQS ${fmt(send.standInCpuMsPerSend.sqs)}, DynamoDB ${fmt(send.standInCpuMsPerSend.dynamodb)}, Sinch ${fmt(send.standInCpuMsPerSend.sinch)}`
          : '') +
        (send.pollerCpuMsPerSend !== undefined
          ? `; Lambda's poller and the producer ${fmt(send.pollerCpuMsPerSend)} ms/send`
          : ''),
      `@sinch/sdk-core sequential ${fmt(send.sdkSequentialSendsPerSec)}/s, ${send.sdkTokenRequests} token request(s)`,
      `${fmt(send.peakRssMB)} MB`,
    ]);
  }
  out.push(table(rows), '');
  out.push(
    table([
      ['goal', 'target', 'this run', 'met'],
      ...report.targets.map((t) => [
        t.name,
        t.goal,
        t.value,
        t.met === undefined ? '-' : t.met ? 'yes' : 'NO',
      ]),
    ]),
  );
  if (report.costs)
    out.push('', '### Cost per million (from the CPU measured above)', '', formatCostTables(report.costs));
  const e = report.environment;
  out.push(
    '',
    `Node ${e.node}, ${e.platform}, ${e.cpus} CPUs, load average ${e.loadAverage.map((l) => l.toFixed(1)).join(' ')}, ${e.date}`,
  );
  return out.join('\n');
}
