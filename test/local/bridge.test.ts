import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main';
import { sampleCallback } from '../../cli/sample-callbacks';
import { postSignedCallback } from '../../cli/simulate';
import { followEvents, type TailedEvent } from '../../cli/tail';
import { sendTimeoutsFor } from '../../functions/send/deadline';
import { TUNABLE_DEFAULTS } from '../../infra/config';
import { LOCAL_QUEUE_SETTINGS, type LocalBridge, newUlid, startLocalBridge } from '../../local/bridge';
import { type SinchDouble, startSinchDouble } from '../support/sinch-double';

/**
 * The local bridge end to end: the real webhook and send handlers on the embedded services, driven
 * the way a newcomer drives them (simulate, tail, send).
 */
describe('the local bridge runs the whole pipeline', () => {
  const appId = newUlid();
  const secret = 'local-test-secret';
  let sinch: SinchDouble;
  let bridge: LocalBridge;
  let sqs: SQSClient;

  beforeAll(async () => {
    sinch = await startSinchDouble({ projectId: 'p-local' });
    bridge = await startLocalBridge({
      port: 0,
      projectId: 'p-local',
      webhookSecrets: { [appId]: secret },
      sinchCredentials: { keyId: sinch.keyId, keySecret: sinch.keySecret },
      sinchApiUrl: sinch.apiUrl,
      sinchAuthUrl: sinch.authUrl,
      logLevel: 'SILENT',
    });
    sqs = new SQSClient({
      endpoint: bridge.endpoints.sqs,
      region: bridge.environment.AWS_REGION!,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });
  afterAll(async () => {
    sqs?.destroy();
    await bridge?.stop();
    await sinch?.close();
  });

  const nextEvents = async (count: number, idleSeconds = 20): Promise<TailedEvent[]> => {
    const seen: TailedEvent[] = [];
    await followEvents({
      sqs,
      queueUrl: bridge.queueUrls.events,
      onEvent: (e) => seen.push(e),
      limit: count,
      idleSeconds,
    });
    return seen;
  };

  it('mirrors the stack: send timeouts and webhook route', () => {
    expect(bridge.environment.SINCH_TIMEOUT_MS).toBe(
      String(
        sendTimeoutsFor({
          timeoutSeconds: TUNABLE_DEFAULTS.sendTimeoutSeconds,
          batchSize: TUNABLE_DEFAULTS.batchSize,
        }).sinchTimeoutMs,
      ),
    );
    expect(LOCAL_QUEUE_SETTINGS.outboundVisibilityTimeoutFactor).toBe(6);
    expect(bridge.webhookUrl()).toBe(`${bridge.baseUrl}/webhooks/${appId}`);
  });

  it('accepts a signed callback and puts its CloudEvent on the events queue', async () => {
    // Act
    const answer = await postSignedCallback({
      url: bridge.webhookUrl(),
      secret,
      body: JSON.stringify(sampleCallback('MESSAGE_INBOUND', { appId, projectId: 'p-local', text: 'hej' })),
    });
    const [tailed] = await nextEvents(1);
    // Assess
    expect(answer.status).toBe(200);
    expect(tailed?.event).toMatchObject({
      specversion: '1.0',
      type: 'sinch.conversation.message_inbound',
      source: `sinch:conversation:eu:p-local:${appId}`,
      data: { appId, channel: 'WHATSAPP', content: { kind: 'text', text: 'hej' } },
    });
    expect(tailed?.groupId).toBe(`${appId}:WHATSAPP:46700000000`);
  });

  it('verifies the raw bytes of a body API Gateway base64-encodes (a non-JSON content type)', async () => {
    const answer = await postSignedCallback({
      url: bridge.webhookUrl(),
      secret,
      contentType: 'application/octet-stream',
      body: JSON.stringify(sampleCallback('MESSAGE_INBOUND', { appId, projectId: 'p-local', text: 'bytes' })),
    });
    const [tailed] = await nextEvents(1);
    expect(answer.status).toBe(200);
    expect(tailed?.event).toMatchObject({ data: { content: { kind: 'text', text: 'bytes' } } });
  });

  it('refuses a wrongly signed callback with 401 and enqueues nothing', async () => {
    const answer = await postSignedCallback({
      url: bridge.webhookUrl(),
      secret: 'not-the-secret',
      body: JSON.stringify(sampleCallback('MESSAGE_INBOUND', { appId, projectId: 'p-local' })),
    });
    expect(answer.status).toBe(401);
    expect(await nextEvents(1, 3)).toHaveLength(0);
  });

  it('sends a command from the outbound queue through Sinch and reports outbound.accepted', async () => {
    // Prepare
    const out: string[] = [];
    const io = {
      stdout: (s: string) => out.push(s),
      stderr: () => {},
      env: { ...bridge.environment, OUTBOUND_QUEUE_URL: bridge.queueUrls.outbound },
    };
    // Act
    const code = await runCli(
      ['send', '--id', 'order-42', '--app', appId, '--to', 'SMS:+46700000001', '--text', 'Hi', '--json'],
      io,
    );
    const [tailed] = await nextEvents(1);
    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(out[0]!)).toMatchObject({ id: 'order-42' });
    expect(tailed?.event).toMatchObject({
      type: 'sinch.bridge.outbound.accepted',
      data: { id: 'order-42', appId, messageId: sinch.sends()[0]?.messageId },
    });
    expect(sinch.sends()[0]?.json).toMatchObject({
      app_id: appId,
      correlation_id: 'order-42',
      message: { text_message: { text: 'Hi' } },
    });
  });

  it('moves a command Sinch rejects to the DLQ, reports outbound.failed, and redrives it', async () => {
    // Prepare
    sinch.scriptFor('order-43', { kind: 'status', status: 400 });
    const env = {
      ...bridge.environment,
      OUTBOUND_QUEUE_URL: bridge.queueUrls.outbound,
      EVENTS_DLQ_URL: bridge.queueUrls.eventsDlq,
    };
    const out: string[] = [];
    const io = { stdout: (s: string) => out.push(s), stderr: () => {}, env };
    // Act
    await runCli(
      ['send', '--id', 'order-43', '--app', appId, '--to', 'SMS:+46700000001', '--text', 'Hi'],
      io,
    );
    const [failed] = await nextEvents(1);
    out.length = 0;
    const inspect = await runCli(['dlq', 'inspect', '--json'], io);
    const letters = out.map((line) => JSON.parse(line));
    out.length = 0;
    const redrive = await runCli(['dlq', 'redrive', '--json'], io);
    const [accepted] = await nextEvents(1);
    // Assess
    expect(failed?.event).toMatchObject({
      type: 'sinch.bridge.outbound.failed',
      data: { id: 'order-43', error: { kind: 'rejected', status: 400 } },
    });
    expect(inspect).toBe(0);
    expect(letters).toHaveLength(1);
    expect(letters[0].body).toMatchObject({ id: 'order-43' });
    expect(redrive).toBe(0);
    expect(JSON.parse(out[0]!)).toEqual({ moved: 1, failed: [] });
    expect(accepted?.event).toMatchObject({
      type: 'sinch.bridge.outbound.accepted',
      data: { id: 'order-43' },
    });
  });

  it('lets --no-validate enqueue an invalid command, which fails as invalid_command without a Sinch call', async () => {
    const sendsBefore = sinch.sends().length;
    const io = {
      stdout: () => {},
      stderr: () => {},
      env: { ...bridge.environment, OUTBOUND_QUEUE_URL: bridge.queueUrls.outbound },
    };
    const refused = await runCli(
      ['send', '--id', 'no-content', '--app', appId, '--to', 'SMS:+46700000001'],
      io,
    );
    const code = await runCli(
      ['send', '--id', 'no-content', '--app', appId, '--to', 'SMS:+46700000001', '--no-validate'],
      io,
    );
    const [failed] = await nextEvents(1);
    expect(refused).toBe(2);
    expect(code).toBe(0);
    expect(failed?.event).toMatchObject({
      type: 'sinch.bridge.outbound.failed',
      data: { id: 'no-content', error: { kind: 'invalid_command' } },
    });
    expect(sinch.sends().length).toBe(sendsBefore);
  });
});
