/**
 * `npm run bench`: the benchmarks of issue #5, each in a fresh child process, printed as a
 * table (or one JSON object with `--json`). Loopback only; every scenario is bounded.
 *
 *   npm run bench                      # full sizes: 2,000 webhook events, 1,000 sends, 10 cold starts
 *   npm run bench -- --json            # one JSON object on stdout
 *   npm run bench -- --only webhook,send --quick
 *   npm run bench -- --out bench-results.json   # the table, and the JSON into a file
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { Command } from 'commander';
import { runInChildProcess } from './child-process';
import { type BenchReport, checkTargets, costsOf, formatReport } from './report';

const SCENARIOS = {
  coldStart: {
    module: 'bench/scenarios/cold-start.ts',
    run: 'runColdStartBench',
    full: { runs: 10 },
    quick: { runs: 3 },
  },
  webhook: {
    module: 'bench/scenarios/webhook.ts',
    run: 'runWebhookBench',
    full: { events: 2000 },
    quick: { events: 400 },
  },
  send: {
    module: 'bench/scenarios/send.ts',
    run: 'runSendBench',
    full: { commands: 1000, groups: 100, latencyMs: 20, sdkCommands: 200, warmupCommands: 200 },
    quick: { commands: 200, groups: 20, latencyMs: 20, sdkCommands: 40, warmupCommands: 50 },
  },
} as const;
type ScenarioName = keyof typeof SCENARIOS;

const program = new Command('bench')
  .description('Benchmarks of the bridge beside what users would write otherwise')
  .option('--json', 'print one JSON object instead of tables')
  .option('--only <names>', `comma-separated subset of ${Object.keys(SCENARIOS).join(', ')}`)
  .option('--quick', 'smaller sizes (a smoke run; numbers are noisier)')
  .option('--out <file>', 'also write the JSON object to this file')
  .parse();
const opts = program.opts<{ json?: boolean; only?: string; quick?: boolean; out?: string }>();

const names = (
  opts.only ? opts.only.split(',').map((s) => s.trim()) : Object.keys(SCENARIOS)
) as ScenarioName[];
for (const name of names) {
  if (!(name in SCENARIOS)) program.error(`unknown scenario "${name}"`);
}

const results: Omit<BenchReport, 'targets'> = {
  environment: {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpus().length,
    loadAverage: loadavg(),
    date: new Date().toISOString(),
  },
};
for (const name of names) {
  const scenario = SCENARIOS[name];
  if (!opts.json) process.stderr.write(`running ${name}...\n`);
  try {
    const { result, peakRssMB } = await runInChildProcess<object>(
      scenario.module,
      scenario.run,
      opts.quick ? scenario.quick : scenario.full,
      { NODE_NO_WARNINGS: '1' },
    );
    Object.assign(results, { [name]: { ...result, peakRssMB } });
  } catch (error) {
    Object.assign(results, { [name]: { error: error instanceof Error ? error.message : String(error) } });
  }
}
const costs = costsOf(results);
const report: BenchReport = { ...results, targets: checkTargets(results), ...(costs ? { costs } : {}) };
if (opts.out) writeFileSync(opts.out, `${JSON.stringify(report, null, 2)}\n`);
if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
else process.stdout.write(`${formatReport(report)}\n`);
