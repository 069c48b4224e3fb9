/**
 * The events queue refuses the outcome of a command Sinch already took: the record must come
 * back soon (not after the outbound queue's own visibility timeout, which holds the whole
 * conversation), be logged and counted, and on its return publish the outcome without a second
 * Sinch call. The real send handler against local SQS (through a fault proxy for the events
 * queue only), dynalite and the Sinch double.
 */
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SqsFaultProxy, startSqsFaultProxy } from '../support/faults/sqs-fault-proxy';
import { captureProcessOutput } from '../support/process-output';
import { APP_ID, type SendStand, startSendStand } from './send-stand';

const PHONE = '+46700000077';
const command = (id: string) => ({ id, appId: APP_ID, to: { channel: 'SMS', identity: PHONE }, text: id });

describe('send: the outcome event cannot be published', () => {
  let stand: SendStand;
  let proxy: SqsFaultProxy;
  let sqs: SQSClient;
  let outboundUrl: string;
  let output: ReturnType<typeof captureProcessOutput>;

  beforeAll(async () => {
    stand = await startSendStand();
    const endpoint = process.env.AWS_ENDPOINT_URL_SQS!;
    const eventsUrl = process.env.EVENTS_QUEUE_URL!;
    outboundUrl = eventsUrl.replace('events.fifo', 'outbound.fifo');
    proxy = await startSqsFaultProxy({
      target: endpoint,
      operations: ['SendMessage', 'SendMessageBatch'],
      rate: 1,
      modes: ['before'],
    });
    // The handler reads its environment on the first invocation: only its events queue is flaky.
    process.env.EVENTS_QUEUE_URL = eventsUrl.replace(endpoint, proxy.endpoint);
    process.env.AWS_MAX_ATTEMPTS = '1';
    sqs = new SQSClient({ endpoint });
    output = captureProcessOutput();
  });
  afterAll(async () => {
    output.restore();
    delete process.env.AWS_MAX_ATTEMPTS;
    sqs.destroy();
    await stand.close();
    await proxy.close();
  });

  it('returns the conversation within seconds, logs and counts it, and never calls Sinch twice', async () => {
    await stand.enqueue(command('unrec-1'), 'conversation');
    await stand.enqueue(command('unrec-2'), 'conversation');

    const { messages, response } = await stand.deliver();
    expect(messages).toHaveLength(2);
    // Both stay: the first for its outcome, the second behind it (order per conversation).
    expect(response.batchItemFailures).toHaveLength(2);
    expect(stand.sinch.sends().map((s) => (s.json as { correlation_id: string }).correlation_id)).toEqual([
      'unrec-1',
    ]);
    expect(proxy.counts.before).toBeGreaterThan(0);
    const line = output.chunks
      .flatMap((chunk) => chunk.split('\n'))
      .filter((l) => l.includes('outcome not recorded'))
      .map((l) => JSON.parse(l));
    expect(line).toHaveLength(1);
    expect(line[0]).toMatchObject({
      level: 'ERROR',
      commandId: 'unrec-1',
      outcome: 'accepted',
      error: 'InternalFailure',
    });
    expect(line[0].retryInSeconds).toBeGreaterThan(0);
    expect(line[0].retryInSeconds).toBeLessThanOrEqual(5);
    expect(output.chunks.join('')).toContain('"SendOutcomeNotRecorded"');

    // Back well before the queue's own 60 s visibility timeout.
    proxy.rate = 0;
    const started = Date.now();
    for (;;) {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: outboundUrl,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      );
      if (Number(Attributes?.ApproximateNumberOfMessages) === 2) break;
      expect(Date.now() - started).toBeLessThan(30_000);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }

    await stand.deliverAll();
    const sent = stand.sinch.sends().map((s) => (s.json as { correlation_id: string }).correlation_id);
    expect(sent).toEqual(['unrec-1', 'unrec-2']);
    const events = (await stand.takeEvents()).map(({ body }) => [
      body.type,
      (body.data as { id: string }).id,
    ]);
    expect(events).toEqual([
      ['sinch.bridge.outbound.accepted', 'unrec-1'],
      ['sinch.bridge.outbound.accepted', 'unrec-2'],
    ]);
  }, 60_000);
});
