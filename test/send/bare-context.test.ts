/**
 * A bare call with `{}` as context (no Lambda runtime) in a fresh container: the send still
 * works and its claim on the command record still gets a bounded lease, so a crash could not
 * block the command id until the record's TTL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ID, type SendStand, startSendStand } from './send-stand';

describe('send handler without a Lambda context', () => {
  let stand: SendStand;
  beforeAll(async () => {
    stand = await startSendStand();
  });
  afterAll(() => stand.close());

  it('sends, and bounds the in-progress window anyway', async () => {
    await stand.enqueue({
      id: 'bare-1',
      appId: APP_ID,
      to: { channel: 'SMS', identity: '+46700000003' },
      text: 'x',
    });
    const { messages } = await stand.receiveRaw();
    const response = await stand.handler(stand.toEvent(messages), {} as never);

    expect(response.batchItemFailures).toEqual([]);
    const [sent] = stand.sinch.sends();
    expect(sent?.json).toMatchObject({ correlation_id: 'bare-1' });
    const [item] = await stand.idempotencyItems();
    expect(item?.status?.S).toBe('accepted');
    // Completed: the claim's lease is released (it was bounded by the 60 s fallback deadline).
    expect(Number(item?.leaseUntil?.N)).toBe(0);
  });
});
