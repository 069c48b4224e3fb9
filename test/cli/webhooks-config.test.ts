import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SecretsManagerDouble, startSecretsManagerDouble } from '../../local/aws/secrets-manager-double';
import { EU_APP, EU_SMS_APP, exampleConfig } from '../infra/example-config';
import { cleanEnv, sinchBridge } from '../support/cli-process';
import { type SinchDouble, startSinchDouble } from '../support/sinch-double';
import { type SinchWebhooksRoutes, sinchWebhooksRoutes } from '../support/sinch-webhooks-routes';

const BASE_URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com';

describe('npm run webhooks -- sync: apps from the bridge config, secrets and key from Secrets Manager', () => {
  let sm: SecretsManagerDouble;
  let sinch: SinchDouble;
  let webhooks: SinchWebhooksRoutes;
  let configFile: string;
  let env: NodeJS.ProcessEnv;

  const run = async (...argv: string[]) => {
    const { code, stdout, stderr } = await sinchBridge(['webhooks', ...argv], env);
    return { code, out: stdout, err: stderr };
  };

  beforeAll(async () => {
    const config = exampleConfig();
    webhooks = sinchWebhooksRoutes({ projectId: config.projectId });
    sinch = await startSinchDouble({ projectId: config.projectId, routes: [webhooks.route] });
    sm = await startSecretsManagerDouble();
    sm.put('webhook-secrets', JSON.stringify({ [EU_APP]: 's-eu-1', [EU_SMS_APP]: ['s-sms-2', 's-sms-1'] }));
    sm.put('access-key', JSON.stringify({ keyId: sinch.keyId, keySecret: sinch.keySecret }));
    configFile = join(mkdtempSync(join(tmpdir(), 'webhooks-cmd-')), 'sinch.json');
    writeFileSync(configFile, JSON.stringify(config));
    env = cleanEnv({
      SINCH_BRIDGE_DIR: mkdtempSync(join(tmpdir(), 'webhooks-none-')),
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
      SINCH_API_URL: sinch.apiUrl,
      SINCH_AUTH_URL: sinch.authUrl,
    });
  });
  afterAll(async () => {
    await Promise.all([sinch.close(), sm.close()]);
  });

  it('plans on --dry-run, registers on the real run, and is a no-op the second time', async () => {
    const flags = ['--region', 'eu', '--config', configFile, '--base-url', `${BASE_URL}/`];
    const secrets = ['--secrets-id', 'webhook-secrets', '--credentials-id', 'access-key'];

    // Act
    const planned = await run('sync', ...flags, ...secrets, '--dry-run');
    const applied = await run('sync', ...flags, ...secrets);
    const again = await run('sync', ...flags, ...secrets, '--json');

    // Assess
    expect(planned.code).toBe(0);
    expect(planned.out).toMatch(new RegExp(`would create +${EU_APP} -> ${BASE_URL}/webhooks/${EU_APP}`));
    expect(planned.err).toContain('dry run: nothing was changed');
    expect(applied.out).toMatch(new RegExp(`created +${EU_APP} -> ${BASE_URL}/webhooks/${EU_APP}`));
    expect(applied.code).toBe(0);
    expect(webhooks.ofApp(EU_APP)).toEqual([
      expect.objectContaining({ target: `${BASE_URL}/webhooks/${EU_APP}`, secret: 's-eu-1' }),
    ]);
    expect(webhooks.ofApp(EU_SMS_APP)).toEqual([
      expect.objectContaining({ secret: 's-sms-2', triggers: ['MESSAGE_DELIVERY', 'MESSAGE_SUBMIT'] }),
    ]);
    expect(JSON.parse(again.out).results.map((r: { action: string }) => r.action)).toEqual(['none', 'none']);
  });

  it('exits 1 and says why when Sinch refuses (5 webhooks already)', async () => {
    webhooks.webhooks.clear();
    for (let i = 0; i < 5; i++) {
      webhooks.seed({
        app_id: EU_APP,
        target: `https://other.example.com/${i}`,
        secret: '',
        triggers: ['MESSAGE_INBOUND'],
      });
    }
    const result = await run(
      'sync',
      ...[
        '--region',
        'eu',
        '--config',
        configFile,
        '--base-url',
        BASE_URL,
        '--secrets-id',
        'webhook-secrets',
      ],
      ...['--credentials-id', 'access-key'],
    );
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/FAILED +01JD4T8R0Y6W9E2B7KQ5M3NXZA .*maximum is 5/);
  });

  it('exits 2 with a usage message when the region or the base URL is missing', async () => {
    const noRegion = await run('sync', '--config', configFile, '--base-url', BASE_URL);
    const noUrl = await run('sync', '--region', 'us', '--config', configFile);
    expect(noRegion).toMatchObject({
      code: 2,
      err: expect.stringMatching(/configures eu, us: pass --region/),
    });
    expect(noUrl).toMatchObject({ code: 2, err: expect.stringMatching(/pass --url/) });
  });
});
