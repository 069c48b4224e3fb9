/**
 * The per-app send rate limit, through the real handler: with SEND_RATE_PER_SECOND=1 the sends of
 * one app are spaced a second apart, so the Sinch double never sees two of them at once even
 * though they are in different message groups (which otherwise run in parallel, see
 * handler.test.ts). Another app is not held back by the first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ID, type SendStand, startSendStand } from './send-stand';

const command = (id: string, appId = APP_ID) => ({
  id,
  appId,
  to: { channel: 'SMS', identity: '+46700000002' },
  text: 'x',
});

describe('per-app send rate limit', () => {
  let stand: SendStand;
  beforeAll(async () => {
    stand = await startSendStand({ SEND_RATE_PER_SECOND: '1' });
  });
  afterAll(() => stand.close());

  it('keeps one app under its rate while its groups would run in parallel', async () => {
    await stand.enqueue(command('warm-up'), 'warm');
    await stand.deliverAll();
    stand.sinch.reset();
    stand.sinch.latencyMs = 200;

    for (let i = 0; i < 3; i++) await stand.enqueue(command(`rl-${i}`), `rl-${i}`);
    const { response } = await stand.deliver();

    expect(response.batchItemFailures).toEqual([]);
    expect(stand.sinch.sends()).toHaveLength(3);
    expect(stand.sinch.maxInFlight()).toBe(1);
  });

  it('limits each app separately', async () => {
    stand.sinch.reset();
    stand.sinch.latencyMs = 200;
    await stand.enqueue(command('app-a', '01HAPPOTHERA00000000000000'), 'a');
    await stand.enqueue(command('app-b', '01HAPPOTHERB00000000000000'), 'b');
    await stand.deliver();

    expect(stand.sinch.maxInFlight()).toBe(2);
  });
});
