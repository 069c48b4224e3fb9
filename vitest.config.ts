import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The CLI tests run the bundled CLI (dist/cli), as users do: build it once per run.
    globalSetup: ['test/support/build-cli.ts'],
    // Integration suites start real loopback servers (SQS, DynamoDB, Sinch double): separate
    // processes keep their ports, env and module caches apart.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
