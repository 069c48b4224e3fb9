import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main';
import { followEvents, type TailedEvent } from '../../cli/tail';
import { type LocalBridge, startLocalBridge } from '../../local/bridge';
import { NO_CREDENTIALS_MESSAGE } from '../../local/unconfigured-sinch';

/** `npm start -- --sinch real` without an access key: sends fail at once, saying what is missing. */
describe('the local bridge asked for the real Sinch without credentials', () => {
  let bridge: LocalBridge;
  let sqs: SQSClient;

  beforeAll(async () => {
    bridge = await startLocalBridge({ port: 0, logLevel: 'SILENT', sinch: 'real' });
    sqs = new SQSClient({
      endpoint: bridge.endpoints.sqs,
      region: bridge.environment.AWS_REGION!,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });
  afterAll(async () => {
    sqs?.destroy();
    await bridge?.stop();
  });

  it('fails sends visibly as outbound.failed, saying what is missing', async () => {
    // Prepare
    const [appId] = Object.keys(bridge.secrets);
    const seen: TailedEvent[] = [];
    // Act
    const code = await runCli(
      ['send', '--id', 'hello-1', '--app', appId!, '--to', 'SMS:+46700000002', '--text', 'x'],
      {
        stdout: () => {},
        stderr: () => {},
        env: {
          AWS_ENDPOINT_URL_SQS: bridge.endpoints.sqs,
          AWS_REGION: bridge.environment.AWS_REGION,
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          EVENTS_QUEUE_URL: bridge.queueUrls.events,
          OUTBOUND_QUEUE_URL: bridge.queueUrls.outbound,
        },
      },
    );
    await followEvents({
      sqs,
      queueUrl: bridge.queueUrls.events,
      onEvent: (e) => seen.push(e),
      limit: 1,
      idleSeconds: 20,
    });
    // Assess
    expect(code).toBe(0);
    expect(bridge.sinchMode).toBe('real');
    expect(bridge.sinchStandIn).toBeUndefined();
    expect(seen[0]?.event).toMatchObject({
      type: 'sinch.bridge.outbound.failed',
      data: {
        id: 'hello-1',
        error: { kind: 'rejected', status: 403, message: expect.stringContaining('SINCH_KEY_ID') },
      },
    });
    expect(NO_CREDENTIALS_MESSAGE).toContain('SINCH_KEY_ID');
  });
});
