/**
 * Messages sent with `callbackUrl` (issue: their delivery reports are signed with the app's
 * `secret_for_overridden_callback_urls`, not the webhook's): through the local bridge, the real
 * send and webhook functions and the Sinch stand-in, which posts such reports to the command's
 * `callbackUrl` signed with the app's callback URL secret, as Sinch does.
 */

import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateAppSecret } from '../../functions/registration/rotate-secret';
import { SinchClient } from '../../functions/sinch/client';
import { type LocalBridge, startLocalBridge } from '../../local/bridge';

const APP = '01JD4T8R0Y6W9E2B7KQ5M3NXZA';

describe('delivery reports of a command sent with callbackUrl', () => {
  let bridge: LocalBridge;
  let sqs: SQSClient;

  beforeAll(async () => {
    bridge = await startLocalBridge({
      port: 0,
      logLevel: 'SILENT',
      webhookSecrets: { [APP]: 'webhook-secret' },
      secretsMaxAgeSeconds: 1,
      router: false,
    });
    sqs = new SQSClient({
      endpoint: bridge.endpoints.sqs,
      region: bridge.environment.AWS_REGION!,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  }, 60_000);
  afterAll(async () => {
    sqs?.destroy();
    await bridge?.stop();
  });

  const send = async (id: string) => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: bridge.queueUrls.outbound,
        MessageGroupId: id,
        MessageDeduplicationId: id,
        MessageBody: JSON.stringify({
          id,
          appId: APP,
          to: { channel: 'SMS', identity: '+46700000001' },
          text: 'with a callback URL',
          callbackUrl: bridge.webhookUrl(APP),
        }),
      }),
    );
  };
  const reportsOf = (id: string) =>
    bridge.sinchStandIn!.deliveryReports().filter((report) => report.correlationId === id);

  it('are accepted once the app has a callback URL secret, set at Sinch by the rotation', async () => {
    const secrets = new SecretsManagerClient({
      endpoint: bridge.endpoints.secretsManager,
      region: bridge.environment.AWS_REGION!,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const sinch = new SinchClient({
      region: 'eu',
      projectId: bridge.projectId,
      apiUrl: bridge.sinchApiUrl,
      authUrl: bridge.environment.SINCH_AUTH_URL,
      credentials: { keyId: bridge.sinchStandIn!.keyId, keySecret: bridge.sinchStandIn!.keySecret },
    });
    await rotateAppSecret({
      secrets,
      secretId: bridge.secretIds.webhookSecrets,
      sinch,
      appId: APP,
      kind: 'callbackUrl',
      target: bridge.webhookUrl(APP),
      propagationMs: 2000,
      graceMs: 0,
    });
    secrets.destroy();
    const callbackSecret =
      bridge.sinchStandIn!.admin.apps.get(APP)?.callback_settings.secret_for_overridden_callback_urls;
    expect(callbackSecret).toMatch(/^[A-Za-z0-9_-]{48}$/);

    // The app's webhook at Sinch now has a secret the bridge does not know: a report signed with
    // it would be refused, so only the callback URL secret can make these reports pass.
    for (const hook of bridge.sinchStandIn!.admin.ofApp(APP)) hook.secret = 'not-the-bridge-secret';

    await send('cb-after');
    await expect.poll(() => reportsOf('cb-after').length, { timeout: 60_000, interval: 200 }).toBe(3);
    await bridge.sinchStandIn!.reportsSettled();
    // Posted to the command's callbackUrl, signed with the app's callback URL secret (not the
    // webhook's), and accepted.
    expect(reportsOf('cb-after').map((r) => [r.url, r.answer, r.attempts])).toEqual([
      [bridge.webhookUrl(APP), 200, 1],
      [bridge.webhookUrl(APP), 200, 1],
      [bridge.webhookUrl(APP), 200, 1],
    ]);
  }, 120_000);
});
