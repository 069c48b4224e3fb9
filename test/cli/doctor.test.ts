import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalBridge } from '../../local/bridge';
import { startBridgeForCli } from '../support/cli-local-bridge';
import { sinchBridge } from '../support/cli-process';
import { type SinchDouble, startSinchDouble } from '../support/sinch-double';
import { sinchWebhooksRoutes } from '../support/sinch-webhooks-routes';

describe('sinch-bridge doctor against the local bridge (the real CLI process)', () => {
  let bridge: LocalBridge;
  let env: NodeJS.ProcessEnv;
  let sinch: SinchDouble;
  const routes = sinchWebhooksRoutes({ projectId: 'local-project' });

  beforeAll(async () => {
    ({ bridge, env } = await startBridgeForCli());
    sinch = await startSinchDouble({ projectId: 'local-project', routes: [routes.route] });
  });
  afterAll(async () => {
    await bridge?.stop();
    await sinch?.close();
  });

  it('is happy with a fresh bridge: mode, health, empty DLQs (exit 0)', async () => {
    const doctor = await sinchBridge(['doctor', '--json'], env);
    const report = JSON.parse(doctor.stdout);
    expect(doctor.code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c: { name: string; status: string }) => [c.name, c.status])).toEqual([
      ['mode', 'ok'],
      ['bridge', 'ok'],
      ['events queue', 'ok'],
      ['events DLQ', 'ok'],
      ['outbound queue', 'ok'],
      ['outbound DLQ', 'ok'],
      ['Sinch token', 'skipped'],
    ]);
  });

  it('names each problem with the command that fixes it (exit 1): a dead letter, a missing webhook', async () => {
    // Prepare: a dead letter, and a Sinch key whose project has no webhook to this bridge.
    const sqs = new SQSClient({
      endpoint: bridge.endpoints.sqs,
      region: bridge.environment.AWS_REGION!,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: bridge.queueUrls.outboundDlq,
        MessageBody: '{}',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'd',
      }),
    );
    sqs.destroy();
    const withKey = {
      ...env,
      SINCH_KEY_ID: sinch.keyId,
      SINCH_KEY_SECRET: sinch.keySecret,
      SINCH_API_URL: sinch.apiUrl,
      SINCH_AUTH_URL: sinch.authUrl,
    };
    // Act
    const doctor = await sinchBridge(['doctor'], withKey);
    const badKey = await sinchBridge(['doctor'], { ...withKey, SINCH_KEY_SECRET: 'wrong' });
    // Assess
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(
      /FAIL {2}outbound DLQ: 1 waiting.*\n +fix: sinch-bridge dlq inspect --queue outbound/,
    );
    expect(doctor.stdout).toMatch(/ok {4}Sinch token: a token was issued/);
    const appId = Object.keys(bridge.secrets)[0];
    expect(doctor.stdout).toMatch(
      new RegExp(
        `FAIL  webhook ${appId}: no webhook to ${bridge.baseUrl}/webhooks/${appId}.*\\n +fix: sinch-bridge webhooks sync --url ${bridge.baseUrl}`,
      ),
    );
    expect(doctor.stderr).toContain('problem(s) found');
    expect(badKey.stdout).toMatch(/FAIL {2}Sinch token: no token for key/);
  });
});
