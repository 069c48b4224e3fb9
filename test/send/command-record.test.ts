/**
 * The command record through the real handler (local SQS, dynalite, the Sinch double): any 2xx
 * is acceptance, the completion write is retried on its own and never causes a second send,
 * the id is scoped by app and bound to its payload, and MAX_ATTEMPTS counts Sinch calls, not
 * receives.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { commandRecordKey } from '../../functions/send/command-record';
import { captureProcessOutput } from '../support/process-output';
import { answers } from '../support/sinch-double';
import { APP_ID, type SendStand, startSendStand } from './send-stand';

const PHONE = '+46700000002';
const command = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  appId: APP_ID,
  to: { channel: 'SMS', identity: PHONE },
  text: `hello ${id}`,
  ...extra,
});
const correlationIds = (stand: SendStand) =>
  stand.sinch.sends().map((s) => (s.json as { correlation_id: string }).correlation_id);

describe('the command record (send path items 1, 3, 5)', () => {
  let stand: SendStand;
  let output: ReturnType<typeof captureProcessOutput>;

  beforeAll(async () => {
    stand = await startSendStand();
    output = captureProcessOutput();
  });
  afterAll(async () => {
    output.restore();
    await stand.close();
  });
  beforeEach(async () => {
    stand.ddbFaults.rate = 0;
    stand.ddbFaultMatch = undefined;
    await stand.deliverAll();
    await stand.takeEvents();
    await stand.takeDeadLetters();
    stand.sinch.reset();
    stand.sinch.latencyMs = 0;
  });

  const record = async (id: string, appId = APP_ID) =>
    (await stand.idempotencyItems()).find((item) => item.id?.S === commandRecordKey(appId, id));

  it.each([
    ['an empty 200', 200, ''],
    ['a 200 that is not JSON', 200, 'OK'],
    ['a JSON 200 without message_id', 200, '{"accepted_time":"2026-12-01T10:00:00Z"}'],
    ['a JSON 200 that is not an object', 200, '[]'],
    ['an empty 202', 202, ''],
    ['a 204', 204, ''],
  ])(
    '%s is acceptance: deleted, outbound.accepted, record accepted, never sent again',
    async (_l, status, body) => {
      // Prepare
      const id = `odd-${status}-${body.length}-${body.slice(0, 2)}`;
      stand.sinch.scriptFor(id, answers.acceptWith(status, body));
      await stand.enqueue(command(id));

      // Act
      const { response } = await stand.deliver();
      await stand.enqueue(command(id), 'redelivered');
      const again = await stand.deliver();

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect(again.response.batchItemFailures).toEqual([]);
      expect(correlationIds(stand)).toEqual([id]);
      expect(await stand.takeDeadLetters()).toEqual([]);
      const events = await stand.takeEvents();
      expect(events.length).toBeGreaterThanOrEqual(1);
      for (const { body: event } of events) {
        expect(event.type).toBe('sinch.bridge.outbound.accepted');
        expect(event.data).toMatchObject({ id, appId: APP_ID });
        expect(event.data).not.toHaveProperty('messageId');
      }
      expect((await record(id))?.status?.S).toBe('accepted');
      expect(output.chunks.join('')).toContain('Sinch accepted with an unexpected answer body');
    },
  );

  it('a 200 with message_id stores it on the record with its timestamps and ttl', async () => {
    await stand.enqueue(command('rec-1'));
    await stand.deliver();

    const [sent] = stand.sinch.sends();
    const item = await record('rec-1');
    expect(item).toMatchObject({
      appId: { S: APP_ID },
      commandId: { S: 'rec-1' },
      status: { S: 'accepted' },
      messageId: { S: sent?.messageId },
      attempts: { N: '1' },
      channel: { S: 'SMS' },
    });
    expect(item?.payloadHash?.S).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(item?.acceptedAt?.S ?? '')).not.toBeNaN();
    expect(Number(item?.ttl?.N)).toBeGreaterThan(Date.now() / 1000 + 13 * 86400);
    expect(Number(item?.acceptedAtEpoch?.N)).toBeGreaterThan(0);
  });

  it('the completion write failing does not send again: the record is deleted, outbound.accepted published', async () => {
    // Prepare: every write that would mark the command as sent fails (the SDK's own retries too).
    stand.ddbFaultMatch = (body) => body.includes('"accepted"') || body.includes('COMPLETED');
    stand.ddbFaults.rate = 1;
    await stand.enqueue(command('complete-fails'));

    // Act
    const first = await stand.deliver();
    stand.ddbFaults.rate = 0;
    const rounds = await stand.deliverAll();

    // Assess
    expect(first.response.batchItemFailures).toEqual([]);
    expect(rounds).toEqual([]);
    expect(correlationIds(stand)).toEqual(['complete-fails']);
    const events = await stand.takeEvents();
    expect(events.map((e) => e.body.type)).toEqual(['sinch.bridge.outbound.accepted']);
  });

  it('a reused id with different content is invalid_command with a clear reason, not sent', async () => {
    await stand.enqueue(command('reuse-1'));
    await stand.deliver();
    await stand.takeEvents();

    await stand.enqueue(command('reuse-1', { text: 'something else' }), 'other');
    const { response } = await stand.deliver();

    expect(response.batchItemFailures).toEqual([]);
    expect(correlationIds(stand)).toEqual(['reuse-1']);
    const [dead] = await stand.takeDeadLetters();
    expect(dead?.MessageAttributes?.errorKind?.StringValue).toBe('invalid_command');
    expect(dead?.MessageAttributes?.errorReason?.StringValue).toMatch(/already used.*different/);
    const [event] = await stand.takeEvents();
    expect(event?.body.data).toMatchObject({ id: 'reuse-1', error: { kind: 'invalid_command' } });
    expect((event!.body.data as { error: { message: string } }).error.message).toMatch(/already used/);
  });

  it('the same content with its fields in another order is the same command', async () => {
    await stand.enqueue(command('order-1'));
    await stand.deliver();
    const { text, to, appId, id } = command('order-1');
    await stand.enqueue(JSON.stringify({ text, to, id, appId }), 'other');
    const { response } = await stand.deliver();

    expect(response.batchItemFailures).toEqual([]);
    expect(correlationIds(stand)).toEqual(['order-1']);
    expect(await stand.takeDeadLetters()).toEqual([]);
  });

  it('scopes the id by app: the same id in another app is another command', async () => {
    const other = '01HOTHERAPP0000000000000000';
    await stand.enqueue(command('shared-id'));
    await stand.enqueue(command('shared-id', { appId: other }), 'other');
    await stand.deliverAll();

    expect(correlationIds(stand)).toEqual(['shared-id', 'shared-id']);
    expect((await record('shared-id'))?.status?.S).toBe('accepted');
    expect((await record('shared-id', other))?.status?.S).toBe('accepted');
  });

  it('counts Sinch calls, not receives: followers held behind a failing head keep their attempts', async () => {
    // Prepare: MAX_ATTEMPTS is 3. The head fails twice; its followers are received with it each
    // time (receive count 3 when the head goes through), then the second fails once itself.
    stand.sinch.scriptFor('att-1', answers.status(503), answers.status(503));
    stand.sinch.scriptFor('att-2', answers.status(503));
    for (const id of ['att-1', 'att-2', 'att-3']) await stand.enqueue(command(id), 'att');

    // Act
    await stand.deliverAll();

    // Assess
    expect(await stand.takeDeadLetters()).toEqual([]);
    expect(correlationIds(stand)).toEqual(['att-1', 'att-1', 'att-1', 'att-2', 'att-2', 'att-3']);
    const accepted = (await stand.takeEvents()).filter(
      (e) => e.body.type === 'sinch.bridge.outbound.accepted',
    );
    expect(accepted.map((e) => (e.body.data as { id: string }).id)).toEqual(['att-1', 'att-2', 'att-3']);
    expect((await record('att-2'))?.attempts?.N).toBe('2');
  });

  it('gives up after MAX_ATTEMPTS Sinch calls: exhausted, and the record says so', async () => {
    stand.sinch.scriptFor('giveup-1', answers.status(503), answers.status(503), answers.status(503));
    await stand.enqueue(command('giveup-1'));
    await stand.deliverAll();

    expect(correlationIds(stand)).toEqual(['giveup-1', 'giveup-1', 'giveup-1']);
    const [dead] = await stand.takeDeadLetters();
    expect(dead?.MessageAttributes?.errorKind?.StringValue).toBe('exhausted');
    expect(await record('giveup-1')).toMatchObject({
      status: { S: 'exhausted' },
      lastError: { S: 'http_503' },
    });

    // A redrive out of the DLQ is a new round of attempts.
    await stand.enqueue(command('giveup-1'), 'redrive');
    await stand.deliverAll();
    expect(correlationIds(stand)).toHaveLength(4);
    expect((await record('giveup-1'))?.status?.S).toBe('accepted');
  });
});
