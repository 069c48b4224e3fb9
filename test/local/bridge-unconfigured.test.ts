import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main';
import { followEvents, type TailedEvent } from '../../cli/tail';
import { type LocalBridge, startLocalBridge } from '../../local/bridge';

/** A fresh clone: no secrets, no Sinch credentials, so the built-in Sinch stand-in. */
describe('the local bridge without any configuration', () => {
  let bridge: LocalBridge;
  let sqs: SQSClient;
  const out: string[] = [];
  const io = () => ({
    stdout: (s: string) => out.push(s),
    stderr: () => {},
    env: {
      AWS_ENDPOINT_URL_SQS: bridge.endpoints.sqs,
      AWS_REGION: bridge.environment.AWS_REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      EVENTS_QUEUE_URL: bridge.queueUrls.events,
      OUTBOUND_QUEUE_URL: bridge.queueUrls.outbound,
    },
  });
  const nextEvent = async (): Promise<TailedEvent | undefined> => {
    const seen: TailedEvent[] = [];
    await followEvents({
      sqs,
      queueUrl: bridge.queueUrls.events,
      onEvent: (e) => seen.push(e),
      limit: 1,
      idleSeconds: 20,
    });
    return seen[0];
  };

  beforeAll(async () => {
    bridge = await startLocalBridge({
      port: 0,
      logLevel: 'SILENT',
      environment: { POWERTOOLS_SERVICE_NAME: 'fresh-clone' },
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
  });

  it('generates a dev app whose secret signs simulated callbacks', async () => {
    // Prepare
    const [appId, secret] = Object.entries(bridge.secrets)[0]!;
    expect(bridge.generatedSecrets).toBe(true);
    expect(appId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    // Act
    const code = await runCli(
      [
        'simulate',
        '--url',
        bridge.webhookUrl(),
        '--secret',
        String(secret),
        '--trigger',
        'MESSAGE_DELIVERY',
        '--status',
        'READ',
      ],
      io(),
    );
    const event = await nextEvent();
    // Assess
    expect(code).toBe(0);
    expect(event?.event).toMatchObject({
      type: 'sinch.conversation.message_delivery',
      data: { appId, status: 'READ' },
    });
  });

  it('sends through the built-in Sinch stand-in and gets its delivery reports back through the webhook', async () => {
    // Prepare
    const [appId] = Object.keys(bridge.secrets);
    // Act
    const code = await runCli(
      ['send', '--id', 'hello-1', '--app', appId!, '--to', 'SMS:+46700000002', '--text', 'x'],
      io(),
    );
    // The outcome, three delivery reports, and the lifecycle's outbound.status after each report.
    const events = [];
    for (let i = 0; i < 7; i++) events.push(await nextEvent());
    // Assess
    expect(code).toBe(0);
    expect(bridge.sinchConfigured).toBe(false);
    expect(bridge.sinchMode).toBe('stand-in');
    // FIFO order holds within a message group; the outcome and the reports may interleave.
    const accepted = events.find((e) => e?.event?.type === 'sinch.bridge.outbound.accepted')?.event as
      | { type: string; data: { messageId: string } }
      | undefined;
    const reports = events.filter((e) => e?.event?.type === 'sinch.conversation.message_delivery');
    expect(accepted).toMatchObject({
      type: 'sinch.bridge.outbound.accepted',
      data: { id: 'hello-1', appId, channel: 'SMS', identity: '+46700000002' },
    });
    expect(reports.map((e) => e?.event)).toEqual(
      ['QUEUED_ON_CHANNEL', 'DELIVERED', 'READ'].map((status) =>
        expect.objectContaining({
          type: 'sinch.conversation.message_delivery',
          data: expect.objectContaining({
            appId,
            status,
            correlationId: 'hello-1',
            messageId: accepted?.data.messageId,
          }),
        }),
      ),
    );
    const statuses = events.filter((e) => e?.event?.type === 'sinch.bridge.outbound.status');
    expect(statuses.map((e) => (e?.event?.data as { status?: string } | undefined)?.status)).toEqual([
      'queued_on_channel',
      'delivered',
      'read',
    ]);
  });

  it('fails a send the stand-in refuses visibly, as outbound.failed', async () => {
    const [appId] = Object.keys(bridge.secrets);
    const code = await runCli(
      ['send', '--id', 'hello-2', '--app', appId!, '--to', 'SMS:+46700000403', '--text', 'x'],
      io(),
    );
    const event = await nextEvent();
    expect(code).toBe(0);
    expect(event?.event).toMatchObject({
      type: 'sinch.bridge.outbound.failed',
      data: { id: 'hello-2', error: { kind: 'rejected', status: 403 } },
    });
  });

  it('gives the functions the extra environment it was asked to', () => {
    expect(bridge.environment.POWERTOOLS_SERVICE_NAME).toBe('fresh-clone');
    expect(process.env.POWERTOOLS_SERVICE_NAME).toBe('fresh-clone');
  });

  it('refuses to start a second bridge in the same process', async () => {
    await expect(startLocalBridge({ port: 0 })).rejects.toThrow(/already ran/);
  });
});
