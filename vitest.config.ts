import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The CLI tests run the bundled CLI (dist/cli), as users do: build it once per run.
    globalSetup: ['test/support/build-cli.ts'],
    // Integration suites start real loopback servers (SQS, DynamoDB, Sinch double): separate
    // processes keep their ports, env and module caches apart.
    pool: 'forks',
    // Vitest's default is one worker less than the CPUs: one worker, every file in turn, on the
    // 2-core machines CI runs on. The suites mostly wait on loopback I/O (visibility timeouts,
    // the Sinch stand-in's latency, retry backoff), so two workers there halve the wall time
    // (770 s to 441 s for the same 115 files) without starving either.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // expect.poll's default gives up after 1 s: on a busy machine a condition the stand-ins reach
    // a moment later failed (the console's redrive test, with two workers and other load).
    expect: { poll: { timeout: 30_000 } },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
