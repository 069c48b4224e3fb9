import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main';
import { type SinchDouble, startSinchDouble } from '../support/sinch-double';
import { type SinchWebhooksRoutes, sinchWebhooksRoutes } from '../support/sinch-webhooks-routes';

describe('sinch-bridge webhooks list|sync against the Sinch double', () => {
  const appId = '01HZX3Q4J5K6M7N8P9R0S1T2V3';
  let routes: SinchWebhooksRoutes;
  let sinch: SinchDouble;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    routes = sinchWebhooksRoutes({ projectId: 'p-hooks' });
    sinch = await startSinchDouble({ projectId: 'p-hooks', routes: [routes.route] });
    env = {
      SINCH_PROJECT_ID: 'p-hooks',
      SINCH_KEY_ID: sinch.keyId,
      SINCH_KEY_SECRET: sinch.keySecret,
      SINCH_API_URL: sinch.apiUrl,
      SINCH_AUTH_URL: sinch.authUrl,
      WEBHOOK_SECRETS_JSON: JSON.stringify({ [appId]: ['current-secret', 'previous-secret'] }),
    };
  });
  afterAll(async () => {
    await sinch.close();
  });

  const cli = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args, { stdout: (s) => out.push(s), stderr: (s) => err.push(s), env });
    return { code, out: out.join(''), err: err.join('') };
  };

  it('plans on --dry-run, creates once, then has nothing to do', async () => {
    // Act
    const planned = await cli([
      'webhooks',
      'sync',
      '--url',
      'https://abc.execute-api.eu-west-1.amazonaws.com/',
      '--dry-run',
    ]);
    const afterPlan = routes.ofApp(appId).length;
    const created = await cli([
      'webhooks',
      'sync',
      '--url',
      'https://abc.execute-api.eu-west-1.amazonaws.com',
      '--json',
    ]);
    const again = await cli(['webhooks', 'sync', '--url', 'https://abc.execute-api.eu-west-1.amazonaws.com']);
    // Assess
    expect(planned.code).toBe(0);
    expect(planned.out).toContain('would create');
    expect(afterPlan).toBe(0);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.out).results[0]).toMatchObject({ appId, action: 'create' });
    expect(routes.ofApp(appId)).toEqual([
      expect.objectContaining({
        target: `https://abc.execute-api.eu-west-1.amazonaws.com/webhooks/${appId}`,
        secret: 'current-secret',
      }),
    ]);
    expect(again.out).toContain(`${appId}  none`);
  });

  it('lists webhooks without their secrets', async () => {
    const listed = await cli(['webhooks', 'list', '--json']);
    expect(listed.code).toBe(0);
    const hooks = listed.out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ app_id: appId, target: expect.stringContaining('/webhooks/') });
    expect(listed.out).not.toContain('current-secret');
  });

  it('exits 1 when Sinch refuses, and 2 on a bad URL', async () => {
    const refused = await runCli(['webhooks', 'list'], {
      stdout: () => {},
      stderr: () => {},
      env: { ...env, SINCH_KEY_SECRET: 'wrong' },
    });
    const badUrl = await cli(['webhooks', 'sync', '--url', 'not a url']);
    expect(refused).toBe(1);
    expect(badUrl.code).toBe(2);
  });
});
