/**
 * `npm run soak`: the fault-injection and abuse suites of `npm test` at ten times their size
 * (2,000 inbound callbacks, 2,000 outbound commands, 5,000 abuse requests, 2,000 archived callbacks,
 * 2,000 callbacks of which 500 carry media; the outbound odd-answer, slow-Sinch and outage suites
 * at 1,000, 600, 1,000 and 400 commands, the one-minute outage in real time; 3,000 callbacks across
 * 24 apps while 8 rotate and a deploy adds 8 and removes 1; 2,000 commands and 2,000 inbound
 * callbacks with opt-outs and duplicated, shuffled delivery reports), each in a fresh
 * child process, printed as a table of counts. Exits 1 when any suite saw a violation.
 *
 *   npm run soak
 *   npm run soak -- --scale 0.1        # the npm test sizes
 *   npm run soak -- --only abuse --seed 7
 */
import { Command } from 'commander';
import type { AbuseReport } from '../test/faults/scenarios/abuse';
import type { ArchiveReport } from '../test/faults/scenarios/archive';
import type { InboundReport } from '../test/faults/scenarios/inbound';
import type { LifecycleReport } from '../test/faults/scenarios/lifecycle';
import type { MediaReport } from '../test/faults/scenarios/media';
import type { OutboundReport } from '../test/faults/scenarios/outbound';
import type { RotationReport } from '../test/faults/scenarios/rotation';
import { runInChildProcess } from './child-process';

const SUITES = {
  inbound: { module: 'test/faults/scenarios/inbound.ts', run: 'runInboundScenario', size: 2000 },
  outbound: { module: 'test/faults/scenarios/outbound.ts', run: 'runOutboundScenario', size: 2000 },
  // Odd 2xx bodies (empty, not JSON, no message_id, 202, 204) for about half the commands.
  'outbound-odd': {
    module: 'test/faults/scenarios/outbound.ts',
    run: 'runOutboundScenario',
    size: 1000,
    extra: { profile: 'odd' },
  },
  // Sinch answering in 0.3-1.5 s (5% past the call timeout) while the function has 7 s.
  'outbound-slow': {
    module: 'test/faults/scenarios/outbound.ts',
    run: 'runOutboundScenario',
    size: 600,
    extra: { profile: 'slow' },
  },
  // A one-minute 503 episode over two deep groups, in real time with the stack's retry policy.
  'outbound-outage': {
    module: 'test/faults/scenarios/outbound.ts',
    run: 'runOutboundScenario',
    size: 1000,
    extra: { profile: 'outage', outageSeconds: 60, timeScale: 1 },
  },
  // A 10-minute episode (the whole retry budget), 45 times faster than real time.
  'outbound-outage-budget': {
    module: 'test/faults/scenarios/outbound.ts',
    run: 'runOutboundScenario',
    size: 400,
    extra: { profile: 'outage', outageSeconds: 600, timeScale: 45 },
  },
  abuse: { module: 'test/faults/scenarios/abuse.ts', run: 'runAbuseScenario', size: 5000 },
  archive: { module: 'test/faults/scenarios/archive.ts', run: 'runArchiveScenario', size: 2000 },
  media: { module: 'test/faults/scenarios/media.ts', run: 'runMediaScenario', size: 2000 },
  rotation: { module: 'test/faults/scenarios/rotation.ts', run: 'runRotationScenario', size: 3000 },
  // Commands and inbound callbacks at 2,000 each: opt-outs first, delivery reports duplicated
  // and shuffled, 5% of the functions' SQS writes failing, then the unconfirmed sweep.
  lifecycle: { module: 'test/faults/scenarios/lifecycle.ts', run: 'runLifecycleScenario', size: 2000 },
} as const;
type SuiteName = keyof typeof SUITES;

const program = new Command('soak')
  .description('Fault injection and abuse suites at full size')
  .option('--only <names>', `comma-separated subset of ${Object.keys(SUITES).join(', ')}`)
  .option('--scale <factor>', 'multiply every size (0.1 = the npm test sizes)', '1')
  .option('--seed <n>', 'seed of the injected faults and generated requests')
  .option('--json', 'print the reports as one JSON object')
  .parse();
const opts = program.opts<{ only?: string; scale: string; seed?: string; json?: boolean }>();
const names = (opts.only ? opts.only.split(',').map((s) => s.trim()) : Object.keys(SUITES)) as SuiteName[];
for (const name of names) if (!(name in SUITES)) program.error(`unknown suite "${name}"`);

type Report = (
  | InboundReport
  | OutboundReport
  | AbuseReport
  | ArchiveReport
  | MediaReport
  | RotationReport
  | LifecycleReport
) & {
  peakRssMB: number;
  seconds: number;
};
const reports: Partial<Record<SuiteName, Report | { error: string }>> = {};
for (const name of names) {
  const suite = SUITES[name];
  const size = Math.max(1, Math.round(suite.size * Number(opts.scale)));
  const extra = 'extra' in suite ? suite.extra : {};
  const options = { count: size, ...extra, ...(opts.seed ? { seed: Number(opts.seed) } : {}) };
  process.stderr.write(`running ${name} (${size})...\n`);
  const started = Date.now();
  try {
    const { result, peakRssMB } = await runInChildProcess<Report>(suite.module, suite.run, options, {
      NODE_NO_WARNINGS: '1',
    });
    reports[name] = { ...result, peakRssMB, seconds: Math.round((Date.now() - started) / 100) / 10 };
  } catch (error) {
    reports[name] = { error: error instanceof Error ? error.message : String(error) };
  }
}

function cell(value: unknown): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return String(value.length);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ');
  }
  return String(value);
}

let failed = false;
if (opts.json) {
  process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
}
for (const [name, report] of Object.entries(reports)) {
  if ('error' in report) {
    failed = true;
    if (!opts.json) process.stdout.write(`\n## ${name}: failed\n${report.error}\n`);
    continue;
  }
  const rows = Object.entries(report).map(([k, v]) => [k, cell(v)]);
  if (report.violations.length > 0) failed = true;
  if (opts.json) continue;
  const width = Math.max(...rows.map(([k]) => k!.length));
  const valueWidth = Math.min(80, Math.max(5, ...rows.map(([, v]) => v!.length)));
  process.stdout.write(`\n## ${name}\n| ${'count'.padEnd(width)} | ${'value'.padEnd(valueWidth)} |\n`);
  process.stdout.write(`|${'-'.repeat(width + 2)}|${'-'.repeat(valueWidth + 2)}|\n`);
  for (const [k, v] of rows) process.stdout.write(`| ${k!.padEnd(width)} | ${v!.padEnd(valueWidth)} |\n`);
  for (const v of report.violations.slice(0, 20)) process.stdout.write(`  violation: ${v}\n`);
}
process.exit(failed ? 1 : 0);
