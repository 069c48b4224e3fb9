/**
 * `npm start`: the whole bridge on this machine, no AWS account needed. Prints where everything
 * is, records it for the CLI, and shuts down cleanly on Ctrl-C.
 */

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { styleText } from 'node:util';
import { type LocalBridge, newUlid, startLocalBridge } from './bridge';
import { applyStartArgs, startOptionsFromEnv, WebhookSecretsSchema } from './start-options';
import {
  clearLocalBridgeState,
  DEV_APP_FILE,
  LOCAL_STATE_FILE,
  type LocalBridgeState,
  writeLocalBridgeState,
  writePrivateJson,
} from './state';

const bold = (s: string) => styleText('bold', s);
const dim = (s: string) => styleText('dim', s);

/** The dev app of an earlier start, so a webhook configured against it keeps working. */
function devApp(): Record<string, string | string[]> {
  try {
    const parsed = WebhookSecretsSchema.parse(JSON.parse(readFileSync(DEV_APP_FILE, 'utf8')));
    if (Object.keys(parsed).length > 0) return parsed;
  } catch {
    // none yet, or unreadable: make a new one
  }
  const app = { [newUlid()]: randomBytes(24).toString('base64url') };
  writePrivateJson(DEV_APP_FILE, app);
  return app;
}

function banner(bridge: LocalBridge, devSecrets: boolean): string {
  const lines = [
    '',
    bold('Sinch Conversation bridge, running locally'),
    '',
    `${bold('Console')}  ${bridge.consoleUrl}`,
    '',
    `${bold('Webhook')} (POST, Sinch-signed)`,
    ...Object.keys(bridge.secrets).map((appId) => `  ${bridge.webhookUrl(appId)}`),
    '',
    bold('Queues'),
    `  events        ${bridge.queueUrls.events}`,
    `  events DLQ    ${bridge.queueUrls.eventsDlq}`,
    `  outbound      ${bridge.queueUrls.outbound}`,
    `  outbound DLQ  ${bridge.queueUrls.outboundDlq}`,
    ...(bridge.queueUrls.media ? [`  media jobs    ${bridge.queueUrls.media}`] : []),
    '',
    bold('Media'),
    `  inbound media is copied to s3://${bridge.buckets.media} (local S3 ${bridge.endpoints.s3});`,
    `  loopback sources only. Sample files: ${bridge.baseUrl}/local/media/photo.png, .../document.pdf`,
    '',
    bold('Webhook secrets'),
    devSecrets
      ? `  dev app ${Object.keys(bridge.secrets)[0]} with secret ${Object.values(bridge.secrets)[0]}\n  (generated; kept in ${DEV_APP_FILE})`
      : '  from WEBHOOK_SECRETS_JSON / WEBHOOK_SECRETS_FILE',
    `  local Secrets Manager id: ${bridge.secretIds.webhookSecrets}`,
    '',
    bold('Sending'),
    bridge.sinchMode === 'stand-in'
      ? `  to the built-in Sinch stand-in at ${bridge.sinchApiUrl}: sends are accepted, and delivery\n` +
        '  reports (QUEUED_ON_CHANNEL, DELIVERED, READ) come back to the webhook, signed.\n' +
        '  Numbers ending in 0400, 0429, 0410, 0202, ... script other outcomes (docs/local.md).\n' +
        '  (set SINCH_KEY_ID, SINCH_KEY_SECRET and SINCH_PROJECT_ID, or --sinch real, to send for real)'
      : bridge.sinchConfigured
        ? `  to ${bridge.sinchApiUrl} (project ${bridge.projectId}, region ${bridge.sinchRegion})`
        : `  ${styleText('yellow', 'no Sinch credentials')}: commands fail as sinch.bridge.outbound.failed` +
          '\n  (set SINCH_KEY_ID, SINCH_KEY_SECRET and SINCH_PROJECT_ID to send for real)',
    '',
    bold('Try it') + dim(' (in another terminal; the CLI finds this bridge through .bridge/local.json)'),
    '  npx sinch-bridge simulate --trigger MESSAGE_INBOUND --text "hello"',
    '  npx sinch-bridge tail',
    '  npx sinch-bridge send --to WHATSAPP:+46700000000 --text "hi"',
    '',
    dim('Other AWS tools: ') +
      `AWS_ENDPOINT_URL_SQS=${bridge.endpoints.sqs} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local ` +
      `AWS_REGION=${bridge.environment.AWS_REGION} AWS_DEFAULT_REGION=${bridge.environment.AWS_REGION}`,
    dim(
      `  e.g. prefix: aws sqs get-queue-attributes --attribute-names All --queue-url ${bridge.queueUrls.events}` +
        '\n  (sinch-bridge keeps using this bridge while it runs, exported or not; `sinch-bridge --aws` for AWS)',
    ),
    dim('Ctrl-C stops the bridge.'),
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  // The SDK's notice that its 2027 releases need Node 22 is noise in a dev tool's first screen.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const options = applyStartArgs(startOptionsFromEnv(process.env), process.argv.slice(2));
  if ('kind' in options) {
    process.stderr.write(`${styleText('red', 'cannot start')}: ${options.message}\n`);
    process.exit(2);
  }
  const devSecrets = !options.webhookSecrets;
  if (devSecrets) options.webhookSecrets = devApp();

  let bridge: LocalBridge;
  let onSecretsChange: ((secrets: LocalBridge['secrets']) => void) | undefined;
  try {
    bridge = await startLocalBridge({
      ...options,
      onSecretsChange: (secrets) => onSecretsChange?.(secrets),
      onError: (error) =>
        process.stderr.write(`${styleText('red', 'error')}: ${(error as Error)?.message ?? error}\n`),
    });
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    const hint = err.code === 'EADDRINUSE' ? ` (port ${options.port} is taken: set PORT=<another>)` : '';
    process.stderr.write(`${styleText('red', 'cannot start')}: ${err.message}${hint}\n`);
    process.exit(1);
  }

  const state: LocalBridgeState = {
    pid: process.pid,
    webhookBaseUrl: bridge.baseUrl,
    sinchRegion: bridge.sinchRegion,
    projectId: bridge.projectId,
    awsRegion: bridge.environment.AWS_REGION!,
    endpoints: bridge.endpoints,
    buckets: bridge.buckets,
    queueUrls: bridge.queueUrls,
    secrets: bridge.secrets,
    idempotencyTable: bridge.environment.IDEMPOTENCY_TABLE,
    suppressionTable: bridge.environment.SUPPRESSION_TABLE,
    consoleUrl: bridge.consoleUrl,
    eventFeedUrl: bridge.eventFeedUrl,
    secretIds: bridge.secretIds,
    secretsMaxAgeSeconds: bridge.secretsMaxAgeSeconds,
    sinchApiUrl: bridge.sinchApiUrl,
    ...(bridge.environment.SINCH_AUTH_URL ? { sinchAuthUrl: bridge.environment.SINCH_AUTH_URL } : {}),
  };
  writeLocalBridgeState(state);
  // After a rotation the CLI (simulate, verify) must sign with the app's new secret.
  onSecretsChange = (secrets) => writeLocalBridgeState({ ...state, secrets: { ...secrets } });
  process.stdout.write(banner(bridge, devSecrets));
  process.stdout.write(`${dim(`state for the CLI: ${LOCAL_STATE_FILE}`)}\n\n`);

  let stoppingSince: number | undefined;
  const shutdown = (signal: string) => {
    if (stoppingSince !== undefined) {
      // A wrapper (npm, tsx, timeout) may relay the same signal a moment later: only a second
      // Ctrl-C by a person forces the exit.
      if (Date.now() - stoppingSince < 1000) return;
      process.stderr.write('forced exit\n');
      process.exit(130);
    }
    stoppingSince = Date.now();
    process.stdout.write(`\n${signal}: stopping (waiting for in-flight sends)...\n`);
    clearLocalBridgeState();
    bridge.stop().then(
      () => {
        process.stdout.write('stopped\n');
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`stop failed: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

await main();
