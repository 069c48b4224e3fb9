/**
 * The suppression list cannot be read (DynamoDB answers 500 to the check's BatchGetItem): a
 * command is never sent on a guess. Its conversation comes back within seconds (not after the
 * outbound queue's own visibility timeout), the failed look costs no attempt, the log says why,
 * and once the list answers again both commands go out once, in order. The real send handler
 * against local SQS, dynalite behind a fault proxy, and the Sinch double.
 */
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureProcessOutput } from '../support/process-output';
import { APP_ID, type SendStand, startSendStand } from './send-stand';

const PHONE = '+46700000087';
const command = (id: string) => ({ id, appId: APP_ID, to: { channel: 'SMS', identity: PHONE }, text: id });

describe('send: the suppression list cannot be read', () => {
  let stand: SendStand;
  let sqs: SQSClient;
  let output: ReturnType<typeof captureProcessOutput>;

  beforeAll(async () => {
    // One attempt per call: the SDK's retries would only postpone the same answer.
    stand = await startSendStand({ SUPPRESSION_TABLE: 'suppressions', AWS_MAX_ATTEMPTS: '1' });
    sqs = new SQSClient({ endpoint: process.env.AWS_ENDPOINT_URL_SQS });
    output = captureProcessOutput();
  });
  afterAll(async () => {
    output.restore();
    delete process.env.AWS_MAX_ATTEMPTS;
    delete process.env.SUPPRESSION_TABLE;
    sqs.destroy();
    await stand.close();
  });

  it('sends nothing, returns the conversation within seconds, then sends each command once', async () => {
    await stand.enqueue(command('unread-1'), 'conversation');
    await stand.enqueue(command('unread-2'), 'conversation');
    stand.ddbFaultMatch = (body) => body.includes('"RequestItems"');
    stand.ddbFaults.rate = 1;

    const { messages, response } = await stand.deliver();
    expect(messages).toHaveLength(2);
    expect(response.batchItemFailures).toHaveLength(2);
    expect(stand.sinch.sends()).toHaveLength(0);
    expect(stand.ddbFaults.counts.before).toBeGreaterThan(0);
    // Not claimed: the look at the list is not an attempt.
    expect(await stand.idempotencyItems()).toEqual([]);
    const lines = output.chunks
      .flatMap((chunk) => chunk.split('\n'))
      .filter((l) => l.includes('back soon'))
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ commandId: 'unread-1', reason: 'record_unavailable' });
    expect(lines[0].retryInSeconds).toBeGreaterThan(0);
    expect(lines[0].retryInSeconds).toBeLessThanOrEqual(5);

    // Back well before the queue's own 60 s visibility timeout.
    stand.ddbFaults.rate = 0;
    const outboundUrl = process.env.EVENTS_QUEUE_URL!.replace('events.fifo', 'outbound.fifo');
    await expect
      .poll(
        async () =>
          Number(
            (
              await sqs.send(
                new GetQueueAttributesCommand({
                  QueueUrl: outboundUrl,
                  AttributeNames: ['ApproximateNumberOfMessages'],
                }),
              )
            ).Attributes?.ApproximateNumberOfMessages,
          ),
        { timeout: 30_000, interval: 250 },
      )
      .toBe(2);

    await stand.deliverAll();
    const sent = stand.sinch.sends().map((s) => (s.json as { correlation_id: string }).correlation_id);
    expect(sent).toEqual(['unread-1', 'unread-2']);
    const attempts = (await stand.idempotencyItems()).map((item) => Number(item.attempts?.N));
    expect(attempts).toEqual([1, 1]);
  }, 60_000);
});
