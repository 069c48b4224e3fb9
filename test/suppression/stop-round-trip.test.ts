/**
 * The STOP round trip through the real handlers of the local bridge (webhook, router with its
 * suppression step, send function, built-in Sinch stand-in): STOP -> a confirmation (once) ->
 * a refused send (`outbound.failed` kind `suppressed`, deleted, no Sinch call, no dead letter)
 * -> a transactional send goes through -> START -> the refused command and a new one are sent.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postSignedCallback } from '../../cli/simulate';
import type { CloudEvent } from '../../functions/events/cloud-event';
import { SUPPRESSION_ADDED_TYPE, SUPPRESSION_REMOVED_TYPE } from '../../functions/events/lifecycle-events';
import { OUTBOUND_ACCEPTED_TYPE, OUTBOUND_FAILED_TYPE } from '../../functions/events/outbound-events';
import { commandRecordKey } from '../../functions/send/command-record';
import { type LocalBridge, newUlid, startLocalBridge } from '../../local/bridge';
import { callbacks, contactMessages } from '../support/callbacks';

const CONFIRMATION = 'You will get no more messages from us. Reply START to undo.';

describe('STOP round trip (local bridge, real handlers)', () => {
  const appId = newUlid();
  const secret = 'round-trip-secret';
  let bridge: LocalBridge;
  let sqs: SQSClient;
  let feedAfter = 0;
  const seen: CloudEvent[] = [];

  beforeAll(async () => {
    bridge = await startLocalBridge({
      port: 0,
      logLevel: 'SILENT',
      projectId: 'p-stop',
      webhookSecrets: { [appId]: secret },
      optOut: { [appId]: { confirmationText: CONFIRMATION } },
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

  /** Waits (for a condition, generous ceiling) until an event matching `match` was published. */
  async function eventually(match: (event: CloudEvent) => boolean, what: string): Promise<CloudEvent> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const found = seen.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`never published: ${what}`);
      const { events, next } = await bridge.eventFeed.wait(feedAfter, ['events'], 1_000);
      feedAfter = next;
      seen.push(...events.map((e) => JSON.parse(e.body) as CloudEvent));
    }
  }
  const commandEvent = (type: string, id: string) => (e: CloudEvent) =>
    e.type === type && (e.data as { id?: string }).id === id;

  async function inbound(text: string) {
    const body = JSON.stringify(
      callbacks.messageInbound({
        appId,
        projectId: 'p-stop',
        channel: 'SMS',
        identity: '46700001001',
        mode: 'DISPATCH',
        content: contactMessages.text(text),
      }),
    );
    const answer = await postSignedCallback({ url: bridge.webhookUrl(appId), secret, body });
    expect(answer.status).toBe(200);
  }
  async function command(id: string, extra: Record<string, unknown> = {}, dedupe = id) {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: bridge.queueUrls.outbound,
        MessageBody: JSON.stringify({
          id,
          appId,
          to: { channel: 'SMS', identity: '+46700001001' },
          text: 'Your order shipped',
          ...extra,
        }),
        MessageGroupId: `${appId}:SMS:+46700001001`,
        MessageDeduplicationId: dedupe,
      }),
    );
  }
  const sentTo = () =>
    bridge
      .sinchStandIn!.sends()
      .filter((s) => s.path.endsWith('/messages:send'))
      .map((s) => (s.json as { correlation_id?: string }).correlation_id);

  it('STOP -> refused send -> START -> accepted send', async () => {
    // STOP: the recipient is suppressed, and gets one confirmation (transactional).
    await inbound(' Stop ');
    const added = await eventually((e) => e.type === SUPPRESSION_ADDED_TYPE, 'suppression.added');
    expect(added.data).toEqual({
      appId,
      channel: 'SMS',
      identity: '46700001001',
      source: 'keyword',
      keyword: 'stop',
    });
    const confirmed = await eventually(
      (e) =>
        e.type === OUTBOUND_ACCEPTED_TYPE && /^opt-out-confirmation-/.test((e.data as { id: string }).id),
      'the confirmation accepted',
    );
    const confirmation = bridge
      .sinchStandIn!.sends()
      .find(
        (s) =>
          (s.json as { correlation_id?: string })?.correlation_id === (confirmed.data as { id: string }).id,
      );
    expect(confirmation?.json).toMatchObject({ message: { text_message: { text: CONFIRMATION } } });

    // A command to them is refused before Sinch: failed (suppressed), deleted, not dead-lettered.
    await command('round-trip-1');
    const refused = await eventually(commandEvent(OUTBOUND_FAILED_TYPE, 'round-trip-1'), 'refusal');
    expect(refused.data).toMatchObject({
      id: 'round-trip-1',
      appId,
      error: { kind: 'suppressed', message: expect.stringContaining('opted out') },
    });
    expect(sentTo()).not.toContain('round-trip-1');
    const doc = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: bridge.endpoints.dynamodb,
        region: bridge.environment.AWS_REGION!,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
    const record = await doc.send(
      new GetCommand({
        TableName: bridge.environment.IDEMPOTENCY_TABLE!,
        Key: { id: commandRecordKey(appId, 'round-trip-1') },
      }),
    );
    expect(record.Item).toMatchObject({ status: 'suppressed', attempts: 0 });

    // transactional: true goes through (logged and counted).
    await command('round-trip-receipt', { transactional: true });
    await eventually(commandEvent(OUTBOUND_ACCEPTED_TYPE, 'round-trip-receipt'), 'transactional accepted');

    // START: removed; the refused command (sent again by its producer) and a new one go out.
    await inbound('START');
    const removed = await eventually((e) => e.type === SUPPRESSION_REMOVED_TYPE, 'suppression.removed');
    expect(removed.data).toMatchObject({ source: 'keyword', keyword: 'start' });
    await command('round-trip-1', {}, 'round-trip-1-again');
    await command('round-trip-2');
    await eventually(commandEvent(OUTBOUND_ACCEPTED_TYPE, 'round-trip-1'), 'the refused command accepted');
    await eventually(commandEvent(OUTBOUND_ACCEPTED_TYPE, 'round-trip-2'), 'the new command accepted');
    expect(sentTo().filter((id) => id?.startsWith('round-trip') || id?.startsWith('opt-out'))).toEqual([
      (confirmed.data as { id: string }).id,
      'round-trip-receipt',
      'round-trip-1',
      'round-trip-2',
    ]);
    // Deleted, never dead-lettered.
    const dlq = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: bridge.queueUrls.outboundDlq,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(dlq.Attributes).toMatchObject({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });
    doc.destroy();
  });
});
