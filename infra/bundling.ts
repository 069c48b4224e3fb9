/**
 * How every Lambda of the bridge is bundled, in one place: the CDK stack (NodejsFunction) and
 * the cold-start benchmark both read it, so the benchmark measures what gets deployed.
 *
 * The AWS SDK v3 is left out of the bundles: the nodejs24.x runtime ships it, and keeping it
 * external keeps the webhook bundle small (the target is <= 300 KB minified).
 */
export const LAMBDA_BUNDLE = {
  platform: 'node',
  target: 'node24',
  format: 'esm',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  external: ['@aws-sdk/*'],
  // ESM bundles still meet CommonJS dependencies that call require(): give them one.
  banner:
    "import { createRequire as __bridgeCreateRequire } from 'node:module'; const require = __bridgeCreateRequire(import.meta.url);",
} as const;

/** Entry points of the bridge's functions, relative to the repository root. */
export const FUNCTION_ENTRIES = {
  webhook: 'functions/webhook/handler.ts',
  send: 'functions/send/handler.ts',
  registration: 'functions/registration/handler.ts',
  router: 'functions/router/handler.ts',
  media: 'functions/media/handler.ts',
  lifecycle: 'functions/lifecycle/handler.ts',
  secretEntries: 'functions/secret-entries/handler.ts',
} as const;
