import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { FUNCTION_ENTRIES, LAMBDA_BUNDLE } from '../../infra/bundling';
import { median } from '../stats';

/**
 * Sizes are of the minified `.mjs` without its source map, in KB; init is the median over fresh
 * Node processes of the time `import()` of the bundle takes; RSS is the median peak RSS of those
 * processes right after init. Entries not written yet are listed in `missing`.
 */
export interface ColdStartResult {
  webhookBundleKB?: number;
  sendBundleKB?: number;
  sqsOnlyBundleKB?: number;
  webhookInitMs?: number;
  sendInitMs?: number;
  sqsOnlyInitMs?: number;
  webhookInitRssMB?: number;
  sendInitRssMB?: number;
  sqsOnlyInitRssMB?: number;
  /** Every function of the stack (`FUNCTION_ENTRIES`), measured the same way; webhook and send repeat the keys above. */
  functions?: Record<
    string,
    { bundleKB: number; initMs: number; initRssMB: number; initRatioToSqsOnly?: number }
  >;
  missing?: string[];
}

const ROOT = join(import.meta.dirname, '..', '..');
// Inside the repository so the external `@aws-sdk/*` imports resolve from node_modules, as the
// Lambda runtime resolves them from its own copy; node_modules/.cache is already ignored by git.
const OUT_DIR = join(ROOT, 'node_modules', '.cache', 'bridge-bench-cold-start');

// What the handlers read at module scope, so init does not fail on a missing variable.
const DUMMY_ENV = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  SINCH_REGION: 'eu',
  SINCH_PROJECT_ID: 'bench-project',
  EVENTS_QUEUE_URL: 'http://127.0.0.1:9/123456789012/events.fifo',
  WEBHOOK_SECRETS_ID: 'webhook-secrets',
  SINCH_CREDENTIALS_ID: 'sinch-credentials',
  OUTBOUND_DLQ_URL: 'http://127.0.0.1:9/123456789012/outbound-dlq.fifo',
  IDEMPOTENCY_TABLE: 'idempotency',
  POWERTOOLS_SERVICE_NAME: 'bench',
};

/**
 * Bundles a file exactly as the stack does (`LAMBDA_BUNDLE`) and returns the output path.
 *
 * @example
 * const file = await bundleLikeLambda('functions/webhook/handler.ts', 'webhook');
 */
export async function bundleLikeLambda(entry: string, name: string): Promise<string> {
  mkdirSync(join(OUT_DIR, name), { recursive: true });
  const outfile = join(OUT_DIR, name, 'index.mjs');
  await build({
    ...LAMBDA_BUNDLE,
    mainFields: [...LAMBDA_BUNDLE.mainFields],
    external: [...LAMBDA_BUNDLE.external],
    // The CDK takes the banner as a string (NodejsFunction's `banner`); esbuild's API per language.
    banner: { js: LAMBDA_BUNDLE.banner },
    entryPoints: [join(ROOT, entry)],
    outfile,
    bundle: true,
    logLevel: 'silent',
  });
  return outfile;
}

/**
 * Imports a bundle in a fresh `node` process and returns how long the import took and the peak
 * RSS right after, read inside that process.
 */
function measureInit(file: string): { ms: number; rssMB: number } {
  const probe =
    'const t0 = performance.now(); await import(process.argv[1]); const ms = performance.now() - t0;' +
    'process.stdout.write("\\n" + JSON.stringify({ ms, rssKB: process.resourceUsage().maxRSS }));';
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe, pathToFileURL(file).href], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...DUMMY_ENV },
    encoding: 'utf8',
    // Captured, not printed: the SDK warns about Node 20 on every start; a failure still throws with it.
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const last = out.trim().split('\n').at(-1)!;
  const { ms, rssKB } = JSON.parse(last) as { ms: number; rssKB: number };
  return { ms, rssMB: rssKB / 1024 };
}

/**
 * The cold-start benchmark: bundle size and module init time of every function of the stack
 * (`FUNCTION_ENTRIES`: webhook, send, router, media, ...) beside a bundle that holds only an
 * `SQSClient` (the floor any SQS-publishing Lambda pays).
 * Runs interleave the three bundles so machine noise hits them alike.
 *
 * @example
 * const result = await runColdStartBench({ runs: 10 });
 */
export async function runColdStartBench(options: { runs?: number } = {}): Promise<ColdStartResult> {
  const runs = options.runs ?? 10;
  const entries: Record<string, string> = {
    ...FUNCTION_ENTRIES,
    sqsOnly: 'bench/scenarios/sqs-only-handler.ts',
  };
  const files: Record<string, string> = {};
  const missing: string[] = [];
  for (const [name, entry] of Object.entries(entries)) {
    if (existsSync(join(ROOT, entry))) files[name] = await bundleLikeLambda(entry, name);
    else missing.push(entry);
  }
  const samples = new Map<string, Array<{ ms: number; rssMB: number }>>();
  for (let i = 0; i < runs; i++) {
    for (const [name, file] of Object.entries(files)) {
      samples.set(name, [...(samples.get(name) ?? []), measureInit(file)]);
    }
  }
  const result: ColdStartResult = {};
  const functions: NonNullable<ColdStartResult['functions']> = {};
  for (const [name, file] of Object.entries(files)) {
    const s = samples.get(name) ?? [];
    const measured = {
      bundleKB: Math.round(statSync(file).size / 102.4) / 10,
      initMs: median(s.map((x) => x.ms)),
      initRssMB: Math.round(median(s.map((x) => x.rssMB)) * 10) / 10,
    };
    if (name === 'webhook' || name === 'send' || name === 'sqsOnly') {
      Object.assign(result, {
        [`${name}BundleKB`]: measured.bundleKB,
        [`${name}InitMs`]: measured.initMs,
        [`${name}InitRssMB`]: measured.initRssMB,
      });
    }
    if (name !== 'sqsOnly') functions[name] = measured;
  }
  for (const f of Object.values(functions)) {
    if (result.sqsOnlyInitMs)
      f.initRatioToSqsOnly = Math.round((f.initMs / result.sqsOnlyInitMs) * 100) / 100;
  }
  result.functions = functions;
  if (missing.length > 0) result.missing = missing;
  return result;
}
