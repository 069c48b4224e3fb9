/**
 * The real send handler against local SQS, dynalite and the Sinch double: every row of
 * docs/commands.md, "Outcomes", FIFO order under failure, exactly-once on redelivery, token reuse and
 * parallelism between message groups.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { answers } from '../support/sinch-double';
import { APP_ID, type SendStand, startSendStand } from './send-stand';

const PHONE = '+46700000001';
const command = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  appId: APP_ID,
  to: { channel: 'SMS', identity: PHONE },
  text: `hello ${id}`,
  ...extra,
});

describe('send handler (docs/commands.md, "Outcomes")', () => {
  let stand: SendStand;
  const logs: string[] = [];
  const originalWrite = process.stdout.write.bind(process.stdout);

  beforeAll(async () => {
    stand = await startSendStand();
    // Powertools logs go to stdout: captured to check what they never contain.
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      logs.push(String(chunk));
      return originalWrite(chunk, ...rest);
    }) as typeof process.stdout.write;
  });
  afterAll(async () => {
    process.stdout.write = originalWrite;
    await stand.close();
  });
  beforeEach(async () => {
    await stand.deliverAll();
    await stand.takeEvents();
    await stand.takeDeadLetters();
    stand.sinch.reset();
    stand.sinch.latencyMs = 0;
  });

  it('fetches one token for many sends across invocations', async () => {
    for (let batch = 0; batch < 3; batch++) {
      for (let i = 0; i < 10; i++) await stand.enqueue(command(`tok-${batch}-${i}`), `tok-${i}`);
      await stand.deliverAll();
    }
    expect(stand.sinch.sends()).toHaveLength(30);
    expect(stand.sinch.tokenFetches()).toBe(1);
  });

  it('200: deletes the record, publishes outbound.accepted, completes the command record', async () => {
    await stand.enqueue(command('ok-1'));
    const { response } = await stand.deliver();

    expect(response.batchItemFailures).toEqual([]);
    const [sent] = stand.sinch.sends();
    expect(sent?.json).toMatchObject({
      app_id: APP_ID,
      correlation_id: 'ok-1',
      recipient: { identified_by: { channel_identities: [{ channel: 'SMS', identity: PHONE }] } },
      message: { text_message: { text: 'hello ok-1' } },
    });
    const events = await stand.takeEvents();
    expect(events).toHaveLength(1);
    const [{ body, message }] = events as [(typeof events)[number]];
    expect(body).toMatchObject({
      specversion: '1.0',
      type: 'sinch.bridge.outbound.accepted',
      source: `sinch:conversation:eu:proj-send:${APP_ID}`,
      subject: `SMS:${PHONE}`,
      data: { id: 'ok-1', appId: APP_ID, messageId: sent?.messageId, channel: 'SMS', identity: PHONE },
    });
    expect(message.Attributes?.MessageGroupId).toBe(`${APP_ID}:SMS:${PHONE}`);
    expect(message.MessageAttributes?.type?.StringValue).toBe('sinch.bridge.outbound.accepted');
    const items = await stand.idempotencyItems();
    const completed = items.find((item) => item.messageId?.S === sent?.messageId);
    expect(completed?.status?.S).toBe('accepted');
    expect(completed?.id?.S).toBe(`command#${APP_ID}#ok-1`);
    expect(await stand.deliver()).toMatchObject({ messages: [] });
  });

  it('same id seen before and completed: deleted, no second call to Sinch', async () => {
    await stand.enqueue(command('dup-1'));
    await stand.deliver();
    const first = (await stand.takeEvents())[0]?.body;

    await stand.enqueue(command('dup-1'), 'another-group');
    const { response } = await stand.deliver();

    expect(response.batchItemFailures).toEqual([]);
    expect(stand.sinch.sends()).toHaveLength(1);
    const again = await stand.takeEvents();
    // Republished with the same event id (FIFO dedupe may drop it): never a different message id.
    for (const { body } of again) expect(body.id).toBe(first?.id);
    expect(await stand.takeDeadLetters()).toEqual([]);
  });

  it.each([
    ['not JSON', 'this is not json', 'body is not JSON'],
    ['unknown field', command('bad-1', { colour: 'red' }), 'colour'],
    ['two contents', command('bad-2', { media: { url: 'https://example.com/a.png' } }), 'exactly one of'],
    ['no app', { id: 'bad-3', to: { channel: 'SMS', identity: PHONE }, text: 'x' }, 'appId'],
  ])(
    'invalid command (%s): no call, moved to the DLQ, outbound.failed invalid_command',
    async (_l, body, reason) => {
      await stand.enqueue(body);
      const { response } = await stand.deliver();

      expect(response.batchItemFailures).toEqual([]);
      expect(stand.sinch.sends()).toHaveLength(0);
      const dead = await stand.takeDeadLetters();
      expect(dead).toHaveLength(1);
      expect(dead[0]?.Body).toBe(typeof body === 'string' ? body : JSON.stringify(body));
      expect(dead[0]?.MessageAttributes?.errorKind?.StringValue).toBe('invalid_command');
      expect(dead[0]?.MessageAttributes?.errorReason?.StringValue).toContain(reason);
      const [event] = await stand.takeEvents();
      expect(event?.body.type).toBe('sinch.bridge.outbound.failed');
      expect(event?.body.data).toMatchObject({ error: { kind: 'invalid_command' } });
      expect(JSON.stringify(event?.body.data)).toContain(JSON.stringify(reason).slice(1, -1));
    },
  );

  it.each([400, 403, 404])('%i: moved to the DLQ, outbound.failed rejected, not retried', async (status) => {
    stand.sinch.script(answers.status(status));
    await stand.enqueue(command(`rej-${status}`));
    const { response } = await stand.deliver();

    expect(response.batchItemFailures).toEqual([]);
    const [dead] = await stand.takeDeadLetters();
    expect(dead?.MessageAttributes?.errorKind?.StringValue).toBe('rejected');
    expect(dead?.MessageAttributes?.errorStatus?.StringValue).toBe(String(status));
    expect(dead?.Attributes?.MessageGroupId).toBe('g');
    const [event] = await stand.takeEvents();
    expect(event?.body.data).toMatchObject({
      id: `rej-${status}`,
      appId: APP_ID,
      error: { kind: 'rejected', status },
      command: { id: `rej-${status}` },
    });
    expect((await stand.deliverAll()).length).toBe(0);
    expect(stand.sinch.sends()).toHaveLength(1);
  });

  it('401 with an expired token: refreshes once and retries in the same invocation', async () => {
    stand.sinch.script(answers.expired());
    await stand.enqueue(command('exp-1'));
    const { response } = await stand.deliver();

    expect(response.batchItemFailures).toEqual([]);
    expect(stand.sinch.tokenFetches()).toBe(1);
    expect(stand.sinch.sends().map((s) => s.outcome)).toEqual(['rejected', 'accepted']);
    expect((await stand.takeEvents())[0]?.body.type).toBe('sinch.bridge.outbound.accepted');
  });

  it.each([
    ['429', answers.status(429)],
    ['500', answers.status(500)],
    ['503', answers.status(503)],
    ['dropped connection', answers.drop()],
    ['timeout', answers.slow(4_500)],
  ])('%s: listed in batchItemFailures with its visibility changed, then sent', async (_label, answer) => {
    stand.sinch.script(answer);
    await stand.enqueue(command(`retry-${_label}`));
    const first = await stand.deliver();

    expect(first.response.batchItemFailures).toEqual([{ itemIdentifier: first.messages[0]?.MessageId }]);
    expect(await stand.takeEvents()).toEqual([]);
    expect(await stand.takeDeadLetters()).toEqual([]);
    // The queue's own visibility timeout is 60 s: seeing it again now proves the handler set it.
    const second = await stand.deliver();
    expect(second.messages.map((m) => m.Attributes?.ApproximateReceiveCount)).toEqual(['2']);
    expect(second.response.batchItemFailures).toEqual([]);
    expect((await stand.takeEvents()).map((e) => e.body.type)).toEqual(['sinch.bridge.outbound.accepted']);
  });

  it('retryable on receive number MAX_ATTEMPTS: moved to the DLQ, outbound.failed exhausted', async () => {
    stand.sinch.script(answers.status(503), answers.status(503), answers.status(503));
    await stand.enqueue(command('exh-1'));
    const rounds = await stand.deliverAll();

    expect(rounds.map((r) => r.batchItemFailures.length)).toEqual([1, 1, 0]);
    expect(stand.sinch.sends()).toHaveLength(3);
    const [dead] = await stand.takeDeadLetters();
    expect(dead?.MessageAttributes?.errorKind?.StringValue).toBe('exhausted');
    expect(dead?.MessageAttributes?.errorStatus?.StringValue).toBe('503');
    const [event] = await stand.takeEvents();
    expect(event?.body.data).toMatchObject({ id: 'exh-1', error: { kind: 'exhausted', status: 503 } });
  });

  it('keeps FIFO order within a group under failure, and other groups go on', async () => {
    stand.sinch.scriptFor('a-1', answers.status(429));
    for (const id of ['a-1', 'a-2', 'a-3']) await stand.enqueue(command(id), 'group-a');
    await stand.enqueue(command('b-1'), 'group-b');

    const first = await stand.deliver();
    const failedIds = first.response.batchItemFailures.map(
      (f) => JSON.parse(first.messages.find((m) => m.MessageId === f.itemIdentifier)!.Body!).id,
    );
    expect(failedIds.sort()).toEqual(['a-1', 'a-2', 'a-3']);
    expect(
      stand.sinch
        .sends()
        .map((s) => (s.json as { correlation_id: string }).correlation_id)
        .sort(),
    ).toEqual(['a-1', 'b-1']);

    await stand.deliverAll();
    const groupA = stand.sinch
      .sends()
      .map((s) => (s.json as { correlation_id: string }).correlation_id)
      .filter((id) => id.startsWith('a-'));
    expect(groupA).toEqual(['a-1', 'a-1', 'a-2', 'a-3']);
  });

  it('sends a batch of ten slow commands in distinct groups concurrently', async () => {
    stand.sinch.latencyMs = 300;
    for (let i = 0; i < 10; i++) await stand.enqueue(command(`par-${i}`), `par-${i}`);
    const { messages, response } = await stand.deliver();

    expect(messages).toHaveLength(10);
    expect(response.batchItemFailures).toEqual([]);
    // Each send starts after its own claim write: under load they start a little apart, so "most at once", not "all".
    expect(stand.sinch.maxInFlight()).toBeGreaterThanOrEqual(5);
  });

  it('never logs message text or phone numbers (debug is off)', () => {
    const all = logs.join('');
    expect(all).toContain('command sent');
    expect(all).not.toContain(PHONE);
    expect(all).not.toContain('hello ');
  });
});
