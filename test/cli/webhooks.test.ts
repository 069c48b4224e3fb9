import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, sinchBridge } from '../support/cli-process';
import { type SinchDouble, startSinchDouble } from '../support/sinch-double';
import { type SinchWebhooksRoutes, sinchWebhooksRoutes } from '../support/sinch-webhooks-routes';

const BASE = 'https://abc.execute-api.eu-west-1.amazonaws.com';

describe("sinch-bridge webhooks list|sync with the shell's key and secrets (the real CLI process)", () => {
  const appId = '01HZX3Q4J5K6M7N8P9R0S1T2V3';
  let routes: SinchWebhooksRoutes;
  let sinch: SinchDouble;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    routes = sinchWebhooksRoutes({ projectId: 'p-hooks' });
    sinch = await startSinchDouble({ projectId: 'p-hooks', routes: [routes.route] });
    env = cleanEnv({
      SINCH_BRIDGE_DIR: mkdtempSync(join(tmpdir(), 'hooks-none-')),
      SINCH_PROJECT_ID: 'p-hooks',
      SINCH_KEY_ID: sinch.keyId,
      SINCH_KEY_SECRET: sinch.keySecret,
      SINCH_API_URL: sinch.apiUrl,
      SINCH_AUTH_URL: sinch.authUrl,
      WEBHOOK_SECRETS_JSON: JSON.stringify({ [appId]: ['current-secret', 'previous-secret'] }),
    });
  });
  afterAll(async () => {
    await sinch.close();
  });

  it('plans on --dry-run (would create), creates once, then leaves it', async () => {
    // Act
    const planned = await sinchBridge(['webhooks', 'sync', '--url', `${BASE}/`, '--dry-run'], env);
    const afterPlan = routes.ofApp(appId).length;
    const created = await sinchBridge(['webhooks', 'sync', '--url', BASE, '--json'], env);
    const again = await sinchBridge(['webhooks', 'sync', '--base-url', BASE], env);
    const planAgain = await sinchBridge(['webhooks', 'sync', '--url', BASE, '--dry-run'], env);
    // Assess
    expect(planned.code).toBe(0);
    expect(planned.stdout).toMatch(new RegExp(`^would create +${appId} -> ${BASE}/webhooks/${appId}`));
    expect(afterPlan).toBe(0);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout).results[0]).toMatchObject({ appId, action: 'create' });
    expect(routes.ofApp(appId)).toEqual([
      expect.objectContaining({ target: `${BASE}/webhooks/${appId}`, secret: 'current-secret' }),
    ]);
    expect(again.stdout).toMatch(new RegExp(`^left +${appId}`));
    expect(planAgain.stdout).toMatch(new RegExp(`^would leave +${appId}`));
  });

  it('lists webhooks without their secrets', async () => {
    const listed = await sinchBridge(['webhooks', 'list', '--json'], env);
    expect(listed.code).toBe(0);
    const hooks = listed.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ app_id: appId, target: expect.stringContaining('/webhooks/') });
    expect(listed.stdout).not.toContain('current-secret');
  });

  it('--dry-run works without a Sinch key, saying it could not compare', async () => {
    const { SINCH_KEY_ID: _id, SINCH_KEY_SECRET: _secret, ...noKey } = env;
    const planned = await sinchBridge(['webhooks', 'sync', '--url', BASE, '--dry-run'], noKey);
    const applied = await sinchBridge(['webhooks', 'sync', '--url', BASE], noKey);
    expect(planned.code).toBe(0);
    expect(planned.stdout).toContain(`would create or update  ${appId} -> ${BASE}/webhooks/${appId}`);
    expect(planned.stdout).toContain('not compared with Sinch');
    expect(applied).toMatchObject({ code: 2, stderr: expect.stringContaining('no Sinch access key') });
  });

  it('validates triggers, regions and URLs client-side (exit 2), and exits 1 when Sinch refuses', async () => {
    const [trigger, region, badUrl, refused] = await Promise.all([
      sinchBridge(['webhooks', 'sync', '--url', BASE, '--trigger', 'MESSAGE_INBOND', '--dry-run'], env),
      sinchBridge(['webhooks', 'list', '--region', 'ue'], env),
      sinchBridge(['webhooks', 'sync', '--url', 'not a url'], env),
      sinchBridge(['webhooks', 'list'], { ...env, SINCH_KEY_SECRET: 'wrong' }),
    ]);
    expect(trigger).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown trigger "MESSAGE_INBOND" (did you mean MESSAGE_INBOUND?)'),
    });
    expect(region).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown Sinch region "ue"') });
    expect(badUrl.code).toBe(2);
    expect(refused.code).toBe(1);
  });
});
