/**
 * Events the send function publishes are valid SQS bodies even when the command carries
 * characters SQS refuses raw (a command body may hold them as JSON escapes).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isSqsSafeText } from '../../functions/events/sqs-message-body';
import { APP_ID, type SendStand, startSendStand } from './send-stand';

let stand: SendStand;
beforeAll(async () => {
  stand = await startSendStand();
});
afterAll(async () => stand.close());

it('outbound.failed echoing a command with U+FFFE/U+FFFF is SQS-safe and parses back exactly', async () => {
  // Prepare: valid as an SQS body (escaped), invalid as a command (unknown field).
  const text = 'bad \uFFFE and \uFFFF';
  const body = JSON.stringify({
    id: 'nonchar-1',
    appId: APP_ID,
    to: { channel: 'SMS', identity: '+46700000009' },
    text,
    colour: 'x',
  })
    .replace('\uFFFE', '\\ufffe')
    .replace('\uFFFF', '\\uffff');
  await stand.enqueue(body);

  // Act
  await stand.deliverAll();

  // Assess
  const [event] = await stand.takeEvents();
  expect(event?.body.type).toBe('sinch.bridge.outbound.failed');
  expect(isSqsSafeText(event?.message.Body ?? '')).toBe(true);
  expect((event?.body.data as { command?: { text?: string } } | undefined)?.command?.text).toBe(text);
});
