import { describe, expect, it } from 'vitest';
import type { SqsExchange } from '../../local/aws/sqs-server';
import { EventFeed, type QueueRole, sentMessagesOf } from '../../local/console/event-feed';

const roleOf = (url: string): QueueRole | undefined =>
  url.endsWith('/events.fifo') ? 'events' : url.endsWith('/outbound.fifo') ? 'outbound' : undefined;

const sendMessage = (body: string, messageId: string, status = 200): SqsExchange => ({
  target: 'AmazonSQS.SendMessage',
  requestBody: JSON.stringify({
    QueueUrl: 'http://127.0.0.1:1/123456789012/events.fifo',
    MessageBody: body,
    MessageGroupId: 'g1',
    MessageDeduplicationId: `d-${body}`,
    MessageAttributes: { type: { DataType: 'String', StringValue: 'sinch.x' }, bin: { DataType: 'Binary' } },
  }),
  status,
  responseBody: JSON.stringify({ MessageId: messageId }),
});

describe('sentMessagesOf', () => {
  it('reads a SendMessage and the successful entries of a SendMessageBatch, with their message ids', () => {
    const batch: SqsExchange = {
      target: 'AmazonSQS.SendMessageBatch',
      requestBody: JSON.stringify({
        QueueUrl: 'http://localhost:9/123456789012/outbound.fifo',
        Entries: [
          { Id: 'a', MessageBody: '{"id":"a"}', MessageGroupId: 'g' },
          { Id: 'b', MessageBody: '{"id":"b"}', MessageGroupId: 'g' },
        ],
      }),
      status: 200,
      responseBody: JSON.stringify({ Successful: [{ Id: 'b', MessageId: 'm-b' }], Failed: [{ Id: 'a' }] }),
    };
    expect(sentMessagesOf(sendMessage('{"e":1}', 'm-1'), roleOf)).toEqual([
      {
        queue: 'events',
        messageId: 'm-1',
        groupId: 'g1',
        deduplicationId: 'd-{"e":1}',
        body: '{"e":1}',
        attributes: { type: 'sinch.x' },
      },
    ]);
    expect(sentMessagesOf(batch, roleOf)).toEqual([
      { queue: 'outbound', messageId: 'm-b', groupId: 'g', body: '{"id":"b"}', attributes: {} },
    ]);
  });

  it('ignores refused sends, other actions, other queues and bodies that are not JSON', () => {
    expect(sentMessagesOf(sendMessage('x', 'm', 400), roleOf)).toEqual([]);
    expect(sentMessagesOf({ ...sendMessage('x', 'm'), target: 'AmazonSQS.ReceiveMessage' }, roleOf)).toEqual(
      [],
    );
    expect(sentMessagesOf({ ...sendMessage('x', 'm'), requestBody: 'Action=SendMessage' }, roleOf)).toEqual(
      [],
    );
    expect(sentMessagesOf(sendMessage('x', 'm'), () => undefined)).toEqual([]);
  });
});

describe('EventFeed', () => {
  it('numbers entries, keeps a FIFO duplicate (same message id) once, and reads from a sequence number', () => {
    const feed = new EventFeed();
    feed.recordExchange(sendMessage('one', 'm-1'), roleOf);
    feed.recordExchange(sendMessage('one', 'm-1'), roleOf);
    feed.recordExchange(sendMessage('two', 'm-2'), roleOf);
    expect(feed.since(0).events.map((e) => [e.seq, e.body])).toEqual([
      [1, 'one'],
      [2, 'two'],
    ]);
    expect(feed.since(1)).toMatchObject({ events: [{ seq: 2 }], next: 2 });
    expect(feed.since(2)).toEqual({ events: [], next: 2 });
    expect(feed.since(0, ['outbound']).events).toEqual([]);
  });

  it('keeps only the newest entries beyond its capacity', () => {
    const feed = new EventFeed(2);
    for (const n of [1, 2, 3]) feed.recordExchange(sendMessage(`b${n}`, `m-${n}`), roleOf);
    expect(feed.since(0).events.map((e) => e.seq)).toEqual([2, 3]);
  });

  it('waits for the next entry on the asked queues, or gives up at the deadline', async () => {
    const feed = new EventFeed();
    const waiting = feed.wait(0, ['events'], 10_000);
    feed.record({ queue: 'outbound', messageId: 'o', body: 'o', attributes: {} });
    feed.record({ queue: 'events', messageId: 'e', body: 'e', attributes: {} });
    expect((await waiting).events.map((e) => e.body)).toEqual(['e']);
    expect(await feed.wait(2, ['events'], 20)).toEqual({ events: [], next: 2 });
  });
});
