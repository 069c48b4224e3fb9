/**
 * Item 8: a refusal of the whole project (403 BILLING_CREDIT_LIMIT_BREACHED) dead-letters the one
 * command that got it and holds the rest, instead of draining the queue into the DLQ.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answers } from '../support/sinch-double';
import { APP_ID, type SendStand, startSendStand } from './send-stand';

describe('Sinch refuses the whole project', () => {
  let stand: SendStand;
  beforeAll(async () => {
    stand = await startSendStand({ PROJECT_HOLD_SECONDS: '60' });
  });
  afterAll(() => stand.close());

  it('dead-letters the command that got the 403, holds the others without calling Sinch', async () => {
    // Prepare: the first command is answered 403; ten more wait in their own groups.
    stand.sinch.scriptFor('blocked-0', answers.status(403));
    await stand.enqueue(
      { id: 'blocked-0', appId: APP_ID, to: { channel: 'SMS', identity: '+46700000020' }, text: 'x' },
      'b-0',
    );
    await stand.deliver();
    for (let i = 1; i <= 10; i++) {
      await stand.enqueue(
        {
          id: `blocked-${i}`,
          appId: APP_ID,
          to: { channel: 'SMS', identity: `+4670000002${i % 10}` },
          text: 'x',
        },
        `b-${i}`,
      );
    }

    // Act
    const held = await stand.deliver();

    // Assess
    const [dead, ...more] = await stand.takeDeadLetters();
    expect(more).toEqual([]);
    expect(dead?.MessageAttributes?.commandId?.StringValue).toBe('blocked-0');
    expect(dead?.MessageAttributes?.errorKind?.StringValue).toBe('rejected');
    expect(held.messages).toHaveLength(10);
    expect(held.response.batchItemFailures).toHaveLength(10);
    expect(stand.sinch.sends()).toHaveLength(1);
  });
});
