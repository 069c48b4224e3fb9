import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type LocalBridge, type LocalBridgeOptions, startLocalBridge } from '../../local/bridge';
import { type LocalBridgeState, writeLocalBridgeState } from '../../local/state';
import { cleanEnv } from './cli-process';

/**
 * A local bridge in this test process, recorded in a private state directory the way `npm start`
 * records it, so a CLI process started with `env` finds it (the same path a user takes).
 *
 * @example
 * const { bridge, env } = await startBridgeForCli({ logLevel: 'SILENT' });
 */
export async function startBridgeForCli(
  options: LocalBridgeOptions = {},
): Promise<{ bridge: LocalBridge; env: NodeJS.ProcessEnv }> {
  const dir = mkdtempSync(join(tmpdir(), 'cli-bridge-'));
  let state: LocalBridgeState | undefined;
  const bridge = await startLocalBridge({
    port: 0,
    logLevel: 'SILENT',
    ...options,
    // As `npm start` does: after a rotation the CLI signs with the new secrets.
    onSecretsChange: (secrets) => {
      if (state) writeLocalBridgeState({ ...state, secrets: { ...secrets } }, join(dir, 'local.json'));
      options.onSecretsChange?.(secrets);
    },
  });
  state = {
    pid: process.pid,
    webhookBaseUrl: bridge.baseUrl,
    sinchRegion: bridge.sinchRegion,
    projectId: bridge.projectId,
    awsRegion: bridge.environment.AWS_REGION!,
    endpoints: bridge.endpoints,
    buckets: bridge.buckets,
    queueUrls: bridge.queueUrls,
    secrets: bridge.secrets,
    eventFeedUrl: bridge.eventFeedUrl,
    ...(bridge.environment.IDEMPOTENCY_TABLE
      ? { idempotencyTable: bridge.environment.IDEMPOTENCY_TABLE }
      : {}),
    ...(bridge.environment.SUPPRESSION_TABLE
      ? { suppressionTable: bridge.environment.SUPPRESSION_TABLE }
      : {}),
    secretIds: bridge.secretIds,
    secretsMaxAgeSeconds: bridge.secretsMaxAgeSeconds,
    sinchApiUrl: bridge.sinchApiUrl,
    ...(bridge.environment.SINCH_AUTH_URL ? { sinchAuthUrl: bridge.environment.SINCH_AUTH_URL } : {}),
  };
  writeLocalBridgeState(state, join(dir, 'local.json'));
  return { bridge, env: cleanEnv({ SINCH_BRIDGE_DIR: dir }) };
}

/**
 * An SQS client on a local bridge's queues (the bridge's loopback SQS, local credentials).
 *
 * @example
 * const sqs = sqsClientOf(bridge);
 * await drainQueue(sqs, bridge.queueUrls.events);
 */
export function sqsClientOf(bridge: LocalBridge): SQSClient {
  return new SQSClient({
    endpoint: bridge.endpoints.sqs,
    region: bridge.environment.AWS_REGION!,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}
