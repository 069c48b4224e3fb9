/**
 * Item 6: `outbound.failed` for a command near SQS's 1 MiB still fits on the events queue: the
 * echoed command is cut and the event says so; the DLQ keeps the full command.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answers } from '../support/sinch-double';
import { APP_ID, type SendStand, startSendStand } from './send-stand';

describe('outbound.failed for a near-1 MiB command', () => {
  let stand: SendStand;
  beforeAll(async () => {
    stand = await startSendStand();
  });
  afterAll(() => stand.close());

  it('cuts the echoed command to fit the events queue and says so; the DLQ keeps it whole', async () => {
    // Prepare: ~1 MiB in bytes, fewer UTF-16 units (three-byte characters), Sinch refuses it.
    const command = {
      id: 'huge-1',
      appId: APP_ID,
      to: { channel: 'SMS', identity: '+46700000009' },
      text: '€'.repeat(348_500),
    };
    const body = JSON.stringify(command);
    expect(Buffer.byteLength(body)).toBeGreaterThan(1_045_000);
    stand.sinch.script(answers.status(400));
    await stand.enqueue(body);

    // Act
    const { response } = await stand.deliver();

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const [dead] = await stand.takeDeadLetters();
    expect(dead?.Body).toBe(body);
    const [event] = await stand.takeEvents();
    expect(event?.body.type).toBe('sinch.bridge.outbound.failed');
    expect(event?.body.data).toMatchObject({
      id: 'huge-1',
      appId: APP_ID,
      error: { kind: 'rejected', status: 400 },
      commandTruncated: true,
      commandBytes: Buffer.byteLength(body),
    });
    const echoed = (event!.body.data as { command: string }).command;
    expect(typeof echoed).toBe('string');
    expect(body.startsWith(echoed)).toBe(true);
    expect(Buffer.byteLength(event!.message.Body!)).toBeLessThan(1_048_576);
  });
});
