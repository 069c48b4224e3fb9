/**
 * Item 2: the send handler honours its invocation's deadline. It starts a record only when one
 * worst-case Sinch call (SINCH_TIMEOUT_MS) plus the record's writes still fit, returns the rest
 * unstarted with a short visibility (not an attempt), and no Sinch call starts after it returned.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { commandRecordKey } from '../../functions/send/command-record';
import { APP_ID, type SendStand, startSendStand } from './send-stand';

const command = (id: string) => ({
  id,
  appId: APP_ID,
  to: { channel: 'SMS', identity: '+46700000011' },
  text: id,
});

describe('send handler near its deadline', () => {
  let stand: SendStand;
  beforeAll(async () => {
    stand = await startSendStand();
  });
  afterAll(() => stand.close());
  beforeEach(async () => {
    stand.sinch.latencyMs = 0;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await stand.deliverAll();
    await stand.takeEvents();
    stand.sinch.reset();
  });

  it('starts nothing when less than one worst-case call is left: all back soon, none an attempt', async () => {
    for (const id of ['dl-a', 'dl-b']) await stand.enqueue(command(id), 'dl');
    // SINCH_TIMEOUT_MS is 3000 in the stand: 4000 ms left is below one call plus the record margin.
    const first = await stand.deliver({ timeoutMs: 4_000 });

    expect(first.response.batchItemFailures).toHaveLength(2);
    expect(stand.sinch.sends()).toHaveLength(0);
    // Short visibility: back within a second or two, and then sent, each as its first attempt.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await stand.deliverAll();
    expect(stand.sinch.sends()).toHaveLength(2);
    const items = await stand.idempotencyItems();
    for (const id of ['dl-a', 'dl-b']) {
      const item = items.find((i) => i.id?.S === commandRecordKey(APP_ID, id));
      expect(item).toMatchObject({ status: { S: 'accepted' }, attempts: { N: '1' } });
    }
  });

  it('returns a record unstarted when its claim write ate the time one call needs', async () => {
    // Prepare: the claim (the conditional write that creates the record) takes 3.5 s and Sinch
    // answers in 2.5 s; the invocation has 6.5 s: enough when the record starts (one call 3 s +
    // 2 s margin), not once the claim is written. A call started then would be cut at the
    // invocation's end after Sinch took the message, and sent again later.
    stand.sinch.latencyMs = 2_500;
    stand.ddbFaultMatch = (body) => body.includes('attribute_not_exists(id)');
    stand.ddbFaults.delayMs = 3_500;
    await stand.enqueue(command('dc-1'), 'dc');

    // Act
    let first: Awaited<ReturnType<SendStand['deliver']>>;
    try {
      first = await stand.deliver({ timeoutMs: 6_500 });
    } finally {
      stand.ddbFaults.delayMs = 0;
      stand.ddbFaultMatch = undefined;
    }
    // Long enough for a call cut at the deadline to have reached the stand-in.
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    // Assess: not sent in that invocation; sent once later, as its first attempt.
    expect(first.response.batchItemFailures).toHaveLength(1);
    expect(stand.sinch.sends()).toHaveLength(0);
    stand.sinch.latencyMs = 0;
    await stand.deliverAll();
    expect(stand.sinch.sends()).toHaveLength(1);
    const item = (await stand.idempotencyItems()).find((i) => i.id?.S === commandRecordKey(APP_ID, 'dc-1'));
    expect(item).toMatchObject({ status: { S: 'accepted' }, attempts: { N: '1' } });
  });

  it('stops starting records of a group as the deadline nears, and no call starts after it returned', async () => {
    // Prepare: each send takes 700 ms; the invocation has 6.5 s, one call may take 3 s + 2 s margin.
    stand.sinch.latencyMs = 700;
    const ids = ['dg-1', 'dg-2', 'dg-3', 'dg-4', 'dg-5'];
    for (const id of ids) await stand.enqueue(command(id), 'dg');

    // Act
    const first = await stand.deliver({ timeoutMs: 6_500 });
    const sentInFirst = stand.sinch.sends().length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    // Assess: some were returned unstarted, nothing reached Sinch after the handler returned...
    expect(first.response.batchItemFailures.length).toBeGreaterThan(0);
    expect(sentInFirst).toBeLessThan(ids.length);
    expect(stand.sinch.sends()).toHaveLength(sentInFirst);
    // ...and the rest follow in order, each sent once.
    stand.sinch.latencyMs = 0;
    await stand.deliverAll();
    expect(stand.sinch.sends().map((s) => (s.json as { correlation_id: string }).correlation_id)).toEqual(
      ids,
    );
  });
});
