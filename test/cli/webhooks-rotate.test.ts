/**
 * `sinch-bridge webhooks rotate`, the real CLI process, end to end: on the local bridge (its
 * Secrets Manager double and built-in Sinch stand-in) and in AWS mode (Secrets Manager and Sinch
 * reached through the standard variables, here the double and the stand-in).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSinchCallback } from '../../functions/sinch/signature';
import { type SecretsManagerDouble, startSecretsManagerDouble } from '../../local/aws/secrets-manager-double';
import type { LocalBridge } from '../../local/bridge';
import { type SinchStandIn, startSinchStandIn } from '../../local/sinch/sinch-stand-in';
import { startBridgeForCli } from '../support/cli-local-bridge';
import { cleanEnv, sinchBridge } from '../support/cli-process';

const APP = '01JD4T8R0Y6W9E2B7KQ5M3NXZA';

/** Posts a MESSAGE_DELIVERY-shaped callback signed with `secret`; the status the webhook answered. */
async function post(url: string, secret: string): Promise<number> {
  const body = JSON.stringify({
    app_id: APP,
    accepted_time: new Date().toISOString(),
    project_id: 'local-project',
    message_delivery_report: { message_id: `m-${Math.random()}`, status: 'DELIVERED' },
  });
  const answer = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signSinchCallback({ secret, body }) },
    body,
  });
  await answer.arrayBuffer();
  return answer.status;
}

describe('webhooks rotate on the local bridge', () => {
  let bridge: LocalBridge;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    ({ bridge, env } = await startBridgeForCli({
      webhookSecrets: { [APP]: 'old-local-secret' },
      secretsMaxAgeSeconds: 1,
      router: false,
    }));
  }, 60_000);
  afterAll(async () => {
    await bridge?.stop();
  });

  it('rotates end to end: Sinch signs with the new secret, the old one is refused afterwards', async () => {
    expect(await post(bridge.webhookUrl(APP), 'old-local-secret')).toBe(200);
    const run = await sinchBridge(
      ['webhooks', 'rotate', '--app', APP, '--propagation', '2', '--grace', '1'],
      env,
    );
    expect(run.stderr).toContain(`rotating the webhook secret of app ${APP} (the local bridge`);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /stored \[new, old\] webhook secrets[\s\S]*Sinch now signs[\s\S]*rotation done/,
    );
    const atSinch = bridge.sinchStandIn!.admin.ofApp(APP)[0]!;
    expect(atSinch.target).toBe(bridge.webhookUrl(APP));
    expect(atSinch.secret).not.toBe('old-local-secret');
    expect(atSinch.secret).toMatch(/^[A-Za-z0-9_-]{48}$/);
    // The secret never reaches the output.
    expect(run.stdout + run.stderr).not.toContain(atSinch.secret);
    // The bridge's own view and the CLI's state file follow.
    expect(bridge.secrets[APP]).toBe(atSinch.secret);
    const state = JSON.parse(readFileSync(join(env.SINCH_BRIDGE_DIR!, 'local.json'), 'utf8'));
    expect(state.secrets[APP]).toBe(atSinch.secret);

    expect(await post(bridge.webhookUrl(APP), atSinch.secret)).toBe(200);
    // The old secret goes once the webhook's cache (1 s here) has the one-secret entry.
    await expect
      .poll(() => post(bridge.webhookUrl(APP), 'old-local-secret'), { timeout: 30_000, interval: 500 })
      .toBe(401);
  }, 120_000);
});

describe('webhooks rotate in AWS mode', () => {
  const SECRET_ID = 'prod/webhook-secrets';
  const BASE = 'https://abc.execute-api.eu-west-1.amazonaws.com';
  let sm: SecretsManagerDouble;
  let sinch: SinchStandIn;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    sm = await startSecretsManagerDouble({ region: 'eu-west-1' });
    sinch = await startSinchStandIn({ projectId: 'p-aws' });
    env = cleanEnv({
      SINCH_BRIDGE_DIR: mkdtempSync(join(tmpdir(), 'rotate-none-')),
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
      SINCH_PROJECT_ID: 'p-aws',
      SINCH_REGION: 'eu',
      SINCH_KEY_ID: sinch.keyId,
      SINCH_KEY_SECRET: sinch.keySecret,
      SINCH_API_URL: sinch.apiUrl,
      SINCH_AUTH_URL: sinch.authUrl,
    });
  });
  afterAll(async () => {
    await sinch.close();
    await sm.close();
  });

  it('rotates the webhook secret in two halves (--start, then --finish), as JSON steps', async () => {
    sm.put(SECRET_ID, JSON.stringify({ [APP]: { webhook: 'w-old', callbackUrl: 'cb-current' } }));
    sinch.admin.seed({
      app_id: APP,
      target: `${BASE}/webhooks/${APP}`,
      secret: 'w-old',
      triggers: ['MESSAGE_DELIVERY'],
    });
    const common = ['--app', APP, '--secrets-id', SECRET_ID, '--url', BASE, '--json'];
    const started = await sinchBridge(
      ['webhooks', 'rotate', ...common, '--start', '--propagation', '0'],
      env,
    );
    expect(started.code, started.stderr).toBe(0);
    expect(
      started.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).step),
    ).toEqual(['stored', 'propagating', 'sinch_updated']);
    const fresh = sinch.admin.ofApp(APP)[0]!.secret;
    expect(JSON.parse(sm.value(SECRET_ID)!)[APP]).toEqual({
      webhook: [fresh, 'w-old'],
      callbackUrl: 'cb-current',
    });

    const finished = await sinchBridge(['webhooks', 'rotate', ...common, '--finish'], env);
    expect(finished.code, finished.stderr).toBe(0);
    expect(JSON.parse(finished.stdout.trim())).toMatchObject({ step: 'finished', dropped: true });
    expect(JSON.parse(sm.value(SECRET_ID)!)[APP]).toEqual({ webhook: fresh, callbackUrl: 'cb-current' });
  }, 120_000);

  it('rotates the callback URL secret at the app (--callback-url)', async () => {
    sm.put(SECRET_ID, JSON.stringify({ [APP]: 'w' }));
    sinch.admin.seedApp(APP);
    const quick = await sinchBridge(
      [
        'webhooks',
        'rotate',
        '--app',
        APP,
        '--callback-url',
        '--secrets-id',
        SECRET_ID,
        '--url',
        BASE,
        '--propagation',
        '0',
        '--grace',
        '0',
      ],
      env,
    );
    expect(quick.code, quick.stderr).toBe(0);
    const cb = sinch.admin.apps.get(APP)?.callback_settings.secret_for_overridden_callback_urls;
    expect(cb).toMatch(/^[A-Za-z0-9_-]{48}$/);
    expect(JSON.parse(sm.value(SECRET_ID)!)[APP]).toEqual({ webhook: 'w', callbackUrl: cb });
  }, 120_000);

  it('exits 2 without the secrets or the URL, 1 when Sinch has no webhook of the bridge', async () => {
    const noSecrets = await sinchBridge(['webhooks', 'rotate', '--app', APP, '--url', BASE], env);
    expect(noSecrets.code).toBe(2);
    expect(noSecrets.stderr).toMatch(/--secrets-id/);
    const noUrl = await sinchBridge(['webhooks', 'rotate', '--app', APP, '--secrets-id', SECRET_ID], env);
    expect(noUrl.code).toBe(2);
    sm.put(SECRET_ID, JSON.stringify({ [APP]: 'w' }));
    sinch.admin.webhooks.clear();
    const none = await sinchBridge(
      ['webhooks', 'rotate', '--app', APP, '--secrets-id', SECRET_ID, '--url', BASE, '--propagation', '0'],
      env,
    );
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no webhook at Sinch with target/);
  }, 120_000);
});
