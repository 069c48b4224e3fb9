/**
 * The lifecycle in local mode, end to end and offline: commands go through the real send handler
 * to the built-in Sinch stand-in, whose signed delivery reports come back through the real
 * webhook and router; the router's lifecycle step derives `outbound.status`, the local sweep
 * publishes `outbound.unconfirmed`, and `sinch-bridge status` (the real CLI process) prints the
 * timeline from the command record.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudEvent } from '../../functions/events/cloud-event';
import { OUTBOUND_STATUS_TYPE, OUTBOUND_UNCONFIRMED_TYPE } from '../../functions/events/lifecycle-events';
import type { LocalBridge } from '../../local/bridge';
import type { FeedEntry } from '../../local/console/event-feed';
import { startBridgeForCli } from '../support/cli-local-bridge';
import { sinchBridge } from '../support/cli-process';

/** Long enough that a delivered report always beats it, short enough to wait for in a test. */
const DELIVERY_TIMEOUT_SECONDS = 6;

describe('the lifecycle in local mode (built-in Sinch stand-in)', () => {
  let bridge: LocalBridge;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    ({ bridge, env } = await startBridgeForCli({
      deliveryTimeoutSeconds: DELIVERY_TIMEOUT_SECONDS,
      sweepIntervalSeconds: 1,
    }));
    expect(bridge.sinchMode).toBe('stand-in');
  });
  afterAll(async () => {
    await bridge?.stop();
  });

  /** Waits (condition, generous ceiling) until the events queue got an event matching `match`. */
  async function eventuallyOnEvents(match: (event: CloudEvent) => boolean, ceilingMs = 60_000) {
    const deadline = Date.now() + ceilingMs;
    let after = 0;
    const seen: FeedEntry[] = [];
    while (Date.now() < deadline) {
      const { events, next } = await bridge.eventFeed.wait(after, ['events'], 1_000);
      after = next;
      seen.push(...events);
      const all = seen.map((e) => JSON.parse(e.body) as CloudEvent);
      if (all.some(match)) return all;
    }
    throw new Error('no matching event on the events queue in time');
  }

  it('follows each command to its final status, or to unconfirmed, and prints the timeline', async () => {
    // Act: the normal life (queued, delivered, read), a FAILED report (0410), queued only (0202).
    const appId = Object.keys(bridge.secrets)[0]!;
    const sqs = new SQSClient({
      endpoint: bridge.endpoints.sqs,
      region: bridge.environment.AWS_REGION!,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    for (const [id, identity] of [
      ['local-life-read', '+46700000001'],
      ['local-life-failed', '+46700000410'],
      ['local-life-queued', '+46700000202'],
    ] as const) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: bridge.queueUrls.outbound,
          MessageBody: JSON.stringify({ id, appId, to: { channel: 'SMS', identity }, text: 'hi' }),
          MessageGroupId: `${appId}:SMS:${identity}`,
          MessageDeduplicationId: id,
        }),
      );
    }
    sqs.destroy();
    const isStatus = (id: string, status: string) => (e: CloudEvent) =>
      e.type === OUTBOUND_STATUS_TYPE &&
      (e.data as { id: string; status: string }).id === id &&
      (e.data as { status: string }).status === status;
    await eventuallyOnEvents(isStatus('local-life-read', 'read'));
    await eventuallyOnEvents(isStatus('local-life-failed', 'failed'));
    const events = await eventuallyOnEvents(
      (e) => e.type === OUTBOUND_UNCONFIRMED_TYPE && (e.data as { id: string }).id === 'local-life-queued',
    );

    // Assess: each status follows the report that caused it, and never goes backwards.
    const of = (id: string) =>
      events.filter(
        (e) =>
          (e.type === OUTBOUND_STATUS_TYPE || e.type === OUTBOUND_UNCONFIRMED_TYPE) &&
          (e.data as { id: string }).id === id,
      );
    expect(of('local-life-read').map((e) => (e.data as { status: string }).status)).toEqual([
      'queued_on_channel',
      'delivered',
      'read',
    ]);
    const failed = of('local-life-failed').map((e) => e.data as Record<string, unknown>);
    expect(failed.map((d) => d.status)).toEqual(['queued_on_channel', 'failed']);
    expect(failed[1]).toMatchObject({ reason: { code: 'RECIPIENT_NOT_REACHABLE' }, channel: 'SMS' });
    expect(of('local-life-queued').map((e) => [e.type, e.data])).toEqual([
      [OUTBOUND_STATUS_TYPE, expect.objectContaining({ status: 'queued_on_channel' })],
      [OUTBOUND_UNCONFIRMED_TYPE, expect.objectContaining({ lastStatus: 'queued_on_channel' })],
    ]);
    for (const status of events.filter((e) => e.type === OUTBOUND_STATUS_TYPE)) {
      const index = events.indexOf(status);
      const report = events
        .slice(0, index)
        .findLast((e) => e.type === 'sinch.conversation.message_delivery' && e.subject === status.subject);
      expect(report, `a delivery report before ${status.id}`).toBeDefined();
    }

    const [json, text, missing] = await Promise.all([
      sinchBridge(['status', 'local-life-read', '--json'], env),
      sinchBridge(['status', 'local-life-queued'], env),
      sinchBridge(['status', 'never-sent'], env),
    ]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      id: 'local-life-read',
      status: 'read',
      messageId: expect.any(String),
      timeline: [
        { status: 'sending' },
        { status: 'accepted', messageId: expect.any(String) },
        { status: 'queued_on_channel', channel: 'SMS' },
        { status: 'delivered', channel: 'SMS' },
        { status: 'read', channel: 'SMS' },
      ],
    });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^local-life-queued {2}queued_on_channel {2}message \S+$/m);
    expect(text.stdout).toMatch(/^ {2}\S+ {2}unconfirmed$/m);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no command never-sent');
  });
});
