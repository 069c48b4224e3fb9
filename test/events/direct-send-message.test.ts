/**
 * The webhook's direct `SendMessage` against the local SQS behind a proxy that checks every
 * SigV4 signature as SQS does and injects SQS's 500 `InternalFailure`: what arrives, how errors
 * are named, what is retried and how often.
 */
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDirectSendMessage, SqsRequestError } from '../../functions/events/direct-send-message';
import { type LocalSqs, startLocalSqs } from '../../local/aws/sqs-server';
import { type SqsFaultProxy, startSqsFaultProxy } from '../support/faults/sqs-fault-proxy';

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

describe('direct SendMessage', () => {
  let sqs: LocalSqs;
  let proxy: SqsFaultProxy;
  let reader: SQSClient;
  let queueUrl: string;
  /** Request bodies of the SendMessage calls that reached the queue, in order. */
  const wire: string[] = [];
  const clients: SQSClient[] = [];
  const clientWith = (
    config: {
      credentials?: typeof credentials;
      maxAttempts?: number;
      retryStrategy?: ConfiguredRetryStrategy;
    } = {},
  ) => {
    const client = new SQSClient({ region: REGION, credentials, md5: false, ...config });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    sqs = await startLocalSqs({
      region: REGION,
      queues: [{ name: 'direct.fifo', attributes: { FifoQueue: 'true' } }],
    });
    sqs.observe((exchange) => {
      if (exchange.target === 'AmazonSQS.SendMessage') wire.push(exchange.requestBody);
    });
    proxy = await startSqsFaultProxy({
      target: sqs.endpoint,
      operations: ['SendMessage'],
      rate: 0,
      modes: ['before'],
      verifySignature: { region: REGION, credentials },
    });
    queueUrl = sqs.queueUrl('direct.fifo').replace(sqs.endpoint, proxy.endpoint);
    reader = new SQSClient({ region: REGION, endpoint: sqs.endpoint, credentials });
  });
  afterAll(async () => {
    for (const client of [...clients, reader]) client.destroy();
    await proxy.close();
    await sqs.close();
  });
  beforeEach(() => {
    proxy.rate = 0;
  });

  async function receiveAll() {
    const { Messages = [] } = await reader.send(
      new ReceiveMessageCommand({
        QueueUrl: sqs.queueUrl('direct.fifo'),
        MaxNumberOfMessages: 10,
        AttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    for (const m of Messages) {
      await reader.send(
        new DeleteMessageCommand({ QueueUrl: sqs.queueUrl('direct.fifo'), ReceiptHandle: m.ReceiptHandle! }),
      );
    }
    return Messages;
  }

  it('sends a signed message that arrives as given: body, group, deduplication id, attributes', async () => {
    const send = createDirectSendMessage(clientWith());
    // JSON in JSON, quotes, non-ASCII and an astral character: the body must arrive byte for byte.
    const body = JSON.stringify({ text: 'Héllo "world" ☃ 😀\n', payload: { a: [1, 2] } });
    const { MessageId } = await send({
      QueueUrl: queueUrl,
      MessageBody: body,
      MessageGroupId: 'app:WHATSAPP:46700000001',
      MessageDeduplicationId: 'event-1',
      MessageAttributes: {
        type: { DataType: 'String', StringValue: 'sinch.conversation.message_inbound' },
        channel: { DataType: 'String', StringValue: 'WHATSAPP' },
      },
    });
    const [message, ...rest] = await receiveAll();
    expect(rest).toEqual([]);
    expect(message?.MessageId).toBe(MessageId);
    expect(message?.Body).toBe(body);
    expect(message?.Attributes?.MessageGroupId).toBe('app:WHATSAPP:46700000001');
    expect(message?.Attributes?.MessageDeduplicationId).toBe('event-1');
    expect(message?.MessageAttributes?.type?.StringValue).toBe('sinch.conversation.message_inbound');
    expect(message?.MessageAttributes?.channel?.StringValue).toBe('WHATSAPP');
  });

  it("writes the SDK's request byte for byte", async () => {
    const input = {
      // Out of the SDK's member order on purpose: the wire must have the schema's order.
      MessageAttributes: {
        type: { StringValue: 'sinch.conversation.message_inbound', DataType: 'String' },
        size: { DataType: 'Number', StringValue: '12' },
      },
      MessageDeduplicationId: 'same-bytes',
      MessageGroupId: 'app:SMS:46700000002',
      MessageBody: JSON.stringify({ text: 'Héllo "world" ☃ 😀\n' }),
      QueueUrl: queueUrl,
    };
    const before = wire.length;
    await clientWith().send(new SendMessageCommand(input));
    await createDirectSendMessage(clientWith())(input);
    expect(wire.length - before).toBe(2);
    expect(wire.at(-1)).toBe(wire.at(-2));
    // The second is a duplicate of the first for SQS's FIFO deduplication.
    expect(await receiveAll()).toHaveLength(1);
  });

  it("checks signatures as SQS does: the SDK client's own request passes the proxy", async () => {
    await clientWith().send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: 'sdk',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'sdk-1',
      }),
    );
    expect((await receiveAll()).map((m) => m.Body)).toEqual(['sdk']);
  });

  it('is refused by SQS when signed with another secret, named as SQS names it, and not retried', async () => {
    const calls = proxy.counts.calls;
    const send = createDirectSendMessage(
      clientWith({ credentials: { accessKeyId: 'local', secretAccessKey: 'wrong' }, maxAttempts: 3 }),
    );
    const error = await send({
      QueueUrl: queueUrl,
      MessageBody: 'x',
      MessageGroupId: 'g',
      MessageDeduplicationId: 'bad-sig',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SqsRequestError);
    expect(error).toMatchObject({ name: 'SignatureDoesNotMatch', statusCode: 403, retryable: false });
    // Refused before the operation counter: nothing reached the queue.
    expect(proxy.counts.calls).toBe(calls);
    expect(await receiveAll()).toEqual([]);
  });

  it('names a refused request by its SQS error code and does not retry it', async () => {
    const send = createDirectSendMessage(clientWith({ maxAttempts: 3 }));
    const calls = proxy.counts.calls;
    const error = await send({
      QueueUrl: queueUrl,
      MessageBody: 'no group on a FIFO queue',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SqsRequestError);
    expect((error as SqsRequestError).statusCode).toBe(400);
    expect(proxy.counts.calls - calls).toBe(1);
    // As the SDK names it (SQS's query-compatible code, here MissingParameter), not by the JSON
    // answer's `__type` (InvalidParameterValueException).
    const bySdk = await clientWith({ maxAttempts: 3 })
      .send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'no group on a FIFO queue' }))
      .catch((e: Error) => e);
    expect((error as SqsRequestError).name).toBe((bySdk as Error).name);
    expect((error as SqsRequestError).name).toBe('MissingParameter');
  });

  it('retries a 500 within maxAttempts, then throws InternalFailure', async () => {
    proxy.rate = 1;
    const calls = proxy.counts.calls;
    const send = createDirectSendMessage(clientWith({ maxAttempts: 3 }));
    await expect(
      send({
        QueueUrl: queueUrl,
        MessageBody: 'x',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'five-hundred',
      }),
    ).rejects.toMatchObject({ name: 'InternalFailure', statusCode: 500, retryable: true });
    expect(proxy.counts.calls - calls).toBe(3);
  });

  it('tries once when maxAttempts is 1 (AWS_MAX_ATTEMPTS=1), and a retry after a fault delivers once', async () => {
    proxy.rate = 1;
    const once = createDirectSendMessage(clientWith({ maxAttempts: 1 }));
    const calls = proxy.counts.calls;
    await expect(
      once({ QueueUrl: queueUrl, MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'once' }),
    ).rejects.toMatchObject({ name: 'InternalFailure' });
    expect(proxy.counts.calls - calls).toBe(1);

    // First call fails, the retry goes through: the client's own retry strategy (which the
    // direct call uses) turns the faults off when it is asked for the backoff.
    const retrying = createDirectSendMessage(
      clientWith({
        retryStrategy: new ConfiguredRetryStrategy(3, () => {
          proxy.rate = 0;
          return 0;
        }),
      }),
    );
    await retrying({
      QueueUrl: queueUrl,
      MessageBody: 'y',
      MessageGroupId: 'g',
      MessageDeduplicationId: 'retried',
    });
    expect((await receiveAll()).map((m) => m.Body)).toEqual(['y']);
  });

  it('treats no answer as retryable and names it', async () => {
    const send = createDirectSendMessage(clientWith({ maxAttempts: 2 }));
    // A port nobody listens on: connection refused on each attempt.
    const error = await send({
      QueueUrl: 'http://127.0.0.1:9/123456789012/nowhere.fifo',
      MessageBody: 'x',
      MessageGroupId: 'g',
      MessageDeduplicationId: 'refused',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SqsRequestError);
    expect(error).toMatchObject({ retryable: true, statusCode: undefined });
  });
});
