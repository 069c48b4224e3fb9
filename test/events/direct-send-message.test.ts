/**
 * The direct `SendMessage` (the webhook's) and `SendMessageBatch` (the send function's outcome
 * events) against the local SQS behind a proxy that checks every SigV4 signature as SQS does and
 * injects faults, side by side with the SDK's own commands through the same proxy: the same bytes
 * on the wire, the same answers, the same error names, the same number of attempts.
 */
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createDirectSendMessage,
  createDirectSendMessageBatch,
  type DirectBatchEntry,
  SqsRequestError,
} from '../../functions/events/direct-send-message';
import { type LocalSqs, startLocalSqs } from '../../local/aws/sqs-server';
import {
  type SqsFaultAnswer,
  type SqsFaultProxy,
  startSqsFaultProxy,
} from '../support/faults/sqs-fault-proxy';

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const INTERNAL_FAILURE: SqsFaultAnswer = { status: 500, type: 'com.amazon.coral.service#InternalFailure' };

let sqs: LocalSqs;
let proxy: SqsFaultProxy;
let reader: SQSClient;
/** Request bodies of the SendMessage and SendMessageBatch calls that reached the queues, in order. */
const wire: string[] = [];
const clients: SQSClient[] = [];
const clientWith = (
  config: {
    credentials?: typeof credentials;
    maxAttempts?: number;
    retryStrategy?: ConfiguredRetryStrategy;
  } = {},
) => {
  // md5: false on the SDK's side too: the direct calls make no MD5 check (direct-send-message.ts says why).
  const client = new SQSClient({ region: REGION, credentials, md5: false, ...config });
  clients.push(client);
  return client;
};
const proxied = (name: string) => sqs.queueUrl(name).replace(sqs.endpoint, proxy.endpoint);

beforeAll(async () => {
  sqs = await startLocalSqs({
    region: REGION,
    queues: [
      { name: 'direct.fifo', attributes: { FifoQueue: 'true' } },
      { name: 'direct-batch.fifo', attributes: { FifoQueue: 'true' } },
      { name: 'direct-batch' },
    ],
  });
  sqs.observe((exchange) => {
    if (exchange.target?.startsWith('AmazonSQS.SendMessage')) wire.push(exchange.requestBody);
  });
  proxy = await startSqsFaultProxy({
    target: sqs.endpoint,
    operations: ['SendMessage', 'SendMessageBatch'],
    rate: 0,
    modes: ['before'],
    verifySignature: { region: REGION, credentials },
  });
  reader = new SQSClient({ region: REGION, endpoint: sqs.endpoint, credentials });
});
afterAll(async () => {
  for (const client of [...clients, reader]) client.destroy();
  await proxy.close();
  await sqs.close();
});
beforeEach(() => {
  proxy.rate = 0;
  proxy.answer = INTERNAL_FAILURE;
});

async function receiveAll(name: string) {
  const url = sqs.queueUrl(name);
  const messages = [];
  for (;;) {
    const { Messages = [] } = await reader.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        AttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return messages;
    for (const m of Messages) {
      messages.push(m);
      await reader.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
    }
  }
}

describe('direct SendMessage', () => {
  let queueUrl: string;
  beforeAll(() => {
    queueUrl = proxied('direct.fifo');
  });

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
    const [message, ...rest] = await receiveAll('direct.fifo');
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
    expect(await receiveAll('direct.fifo')).toHaveLength(1);
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
    expect((await receiveAll('direct.fifo')).map((m) => m.Body)).toEqual(['sdk']);
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
    expect(await receiveAll('direct.fifo')).toEqual([]);
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
    expect((await receiveAll('direct.fifo')).map((m) => m.Body)).toEqual(['y']);
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

describe('direct SendMessageBatch', () => {
  let fifoUrl: string;
  let standardUrl: string;
  beforeAll(() => {
    fifoUrl = proxied('direct-batch.fifo');
    standardUrl = proxied('direct-batch');
  });

  /** What a call came to: its output without the request id, or its error's name and status. */
  const settle = (call: Promise<{ $metadata: object }>) =>
    call.then(
      ({ $metadata, ...output }) => ({ output }),
      (error: { name: string; $metadata?: { httpStatusCode?: number } }) => ({
        error: error.name,
        status: error.$metadata?.httpStatusCode,
      }),
    );

  const attributeName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,20}$/);
  const attribute = fc.oneof(
    fc.record({
      DataType: fc.constantFrom('String', 'String.custom'),
      StringValue: fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme' }),
    }),
    fc.record({ DataType: fc.constant('Number'), StringValue: fc.integer().map(String) }),
    fc.record({
      DataType: fc.constantFrom('Binary', 'Binary.png'),
      BinaryValue: fc.uint8Array({ minLength: 1, maxLength: 40 }),
    }),
  );
  const entries = fc
    .array(
      fc.record(
        {
          // Any text (JSON in JSON, quotes, non-ASCII, astral characters), now and then with
          // characters SQS refuses (then both calls must be refused alike).
          MessageBody: fc.oneof(
            { weight: 5, arbitrary: fc.string({ minLength: 1, maxLength: 200, unit: 'grapheme' }) },
            { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 50, unit: 'binary' }) },
          ),
          MessageGroupId: fc.stringMatching(/^[A-Za-z0-9:#_-]{1,40}$/),
          MessageAttributes: fc.dictionary(attributeName, attribute, { maxKeys: 4 }),
        },
        { requiredKeys: ['MessageBody', 'MessageGroupId'] },
      ),
      { minLength: 1, maxLength: 10 },
    )
    .map((list) =>
      list.map(
        (entry, i): DirectBatchEntry => ({
          // Out of the SDK's member order on purpose: the wire must have the schema's order.
          MessageAttributes: entry.MessageAttributes,
          MessageGroupId: entry.MessageGroupId,
          MessageBody: entry.MessageBody,
          Id: `e${i}`,
          MessageDeduplicationId: `${Date.now()}-${Math.random()}-${i}`,
        }),
      ),
    );

  it("writes the SDK's request byte for byte and answers what the SDK answers, for any entries", async () => {
    const sdk = clientWith();
    const direct = createDirectSendMessageBatch(clientWith());
    await fc.assert(
      fc.asyncProperty(entries, async (Entries) => {
        const before = wire.length;
        // The SDK first; the direct call then sends the same deduplication ids, so SQS answers it
        // with the same message ids and sequence numbers.
        const bySdk = await settle(sdk.send(new SendMessageBatchCommand({ QueueUrl: fifoUrl, Entries })));
        const byDirect = await settle(direct({ QueueUrl: fifoUrl, Entries }));
        expect(wire.length - before).toBe(2);
        expect(wire.at(-1)).toBe(wire.at(-2));
        expect(byDirect).toEqual(bySdk);
      }),
      { numRuns: 60 },
    );
    await receiveAll('direct-batch.fifo');
  });

  it('answers the entries SQS refused on their own in Failed, as the SDK reads them', async () => {
    const direct = createDirectSendMessageBatch(clientWith());
    const { Successful, Failed, $metadata } = await direct({
      QueueUrl: standardUrl,
      Entries: [
        { Id: 'ok', MessageBody: 'fine' },
        // A raw U+FFFF: SQS refuses the entry with InvalidMessageContents.
        { Id: 'bad', MessageBody: 'not \uFFFF fine' },
      ],
    });
    expect(Successful?.map((s) => s.Id)).toEqual(['ok']);
    expect(Successful?.[0]?.MessageId).toMatch(/\S/);
    expect(Failed).toEqual([
      {
        Id: 'bad',
        Code: 'InvalidMessageContents',
        SenderFault: true,
        Message: expect.stringContaining('#xFFFF'),
      },
    ]);
    expect($metadata).toMatchObject({ httpStatusCode: 200, attempts: 1 });
    expect((await receiveAll('direct-batch')).map((m) => m.Body)).toEqual(['fine']);
  });

  describe('a call SQS refuses as a whole, or that gets no answer', () => {
    const entry = (id: string): DirectBatchEntry => ({
      Id: id,
      MessageBody: 'x',
      MessageGroupId: 'g',
      MessageDeduplicationId: `${id}-${Date.now()}-${Math.random()}`,
    });
    // Each case as SQS (the local server, with SQS's query-compatible error codes) or the proxy answers it.
    const cases: {
      title: string;
      queue?: string;
      entries?: () => DirectBatchEntry[];
      answer?: SqsFaultAnswer;
      name: string;
      attempts: number;
    }[] = [
      { title: 'a queue that does not exist', queue: 'missing.fifo', name: 'QueueDoesNotExist', attempts: 1 },
      {
        title: 'an entry without its group on a FIFO queue',
        entries: () => [{ Id: '0', MessageBody: 'x' }],
        name: 'InvalidParameterValue',
        attempts: 1,
      },
      {
        title: 'the same Id twice',
        entries: () => [entry('0'), { ...entry('0'), MessageDeduplicationId: 'other' }],
        name: 'BatchEntryIdsNotDistinct',
        attempts: 1,
      },
      {
        title: 'eleven entries',
        entries: () => Array.from({ length: 11 }, (_, i) => entry(String(i))),
        name: 'TooManyEntriesInBatchRequest',
        attempts: 1,
      },
      { title: 'no entries', entries: () => [], name: 'EmptyBatchRequest', attempts: 1 },
      { title: "SQS's 500", answer: INTERNAL_FAILURE, name: 'InternalFailure', attempts: 3 },
      {
        title: 'throttling',
        answer: {
          status: 400,
          type: 'com.amazon.coral.availability#ThrottlingException',
          message: 'Rate exceeded',
        },
        name: 'ThrottlingException',
        attempts: 3,
      },
      {
        title: 'a refusal the SDK does not retry',
        answer: { status: 403, type: 'com.amazonaws.sqs#KmsAccessDenied', message: 'no key' },
        name: 'KmsAccessDenied',
        attempts: 1,
      },
      { title: 'a reset connection', answer: 'reset', name: '', attempts: 3 },
    ];

    for (const c of cases) {
      it(`${c.title}: named and retried as by the SDK (${c.attempts} attempt${c.attempts > 1 ? 's' : ''})`, async () => {
        // Three attempts, no backoff: what is retried, not how long it waits.
        const retrying = () => clientWith({ retryStrategy: new ConfiguredRetryStrategy(3, () => 0) });
        const QueueUrl = c.queue ? proxied(c.queue) : fifoUrl;
        if (c.answer) {
          proxy.answer = c.answer;
          proxy.rate = 1;
        }
        const run = async (send: () => Promise<{ $metadata: object }>) => {
          const calls = proxy.counts.calls;
          const error = await send().then(
            () => undefined,
            (e: unknown) => e as Error & { $metadata?: { httpStatusCode?: number } },
          );
          return { error, calls: proxy.counts.calls - calls };
        };
        const sdkEntries = c.entries?.() ?? [entry('0'), entry('1')];
        const sdk = await run(() =>
          retrying().send(new SendMessageBatchCommand({ QueueUrl, Entries: sdkEntries })),
        );
        const direct = await run(() =>
          createDirectSendMessageBatch(retrying())({
            QueueUrl,
            Entries: c.entries?.() ?? [entry('0'), entry('1')],
          }),
        );
        expect(sdk.error?.name).toBe(c.name || sdk.error?.name);
        expect(direct.error).toBeInstanceOf(SqsRequestError);
        expect(direct.error?.name).toBe(sdk.error?.name);
        expect((direct.error as SqsRequestError).statusCode).toBe(sdk.error?.$metadata?.httpStatusCode);
        expect(sdk.calls).toBe(c.attempts);
        expect(direct.calls).toBe(sdk.calls);
        expect((direct.error as SqsRequestError).retryable).toBe(c.attempts > 1);
      });
    }

    it('names an answer that is not JSON by its status, and retries a 502 as the SDK does', async () => {
      proxy.answer = { status: 502, page: '<html>Bad Gateway</html>' };
      proxy.rate = 1;
      const calls = proxy.counts.calls;
      const direct = createDirectSendMessageBatch(
        clientWith({ retryStrategy: new ConfiguredRetryStrategy(3, () => 0) }),
      );
      await expect(direct({ QueueUrl: fifoUrl, Entries: [entry('0')] })).rejects.toMatchObject({
        name: 'Http502',
        statusCode: 502,
        retryable: true,
      });
      expect(proxy.counts.calls - calls).toBe(3);
    });
  });

  it('is refused by SQS when signed with another secret, named as SQS names it, and not retried', async () => {
    const calls = proxy.counts.calls;
    const direct = createDirectSendMessageBatch(
      clientWith({ credentials: { accessKeyId: 'local', secretAccessKey: 'wrong' }, maxAttempts: 3 }),
    );
    const error = await direct({
      QueueUrl: fifoUrl,
      Entries: [{ Id: '0', MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'bad-sig' }],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SqsRequestError);
    expect(error).toMatchObject({ name: 'SignatureDoesNotMatch', statusCode: 403, retryable: false });
    // Refused before the operation counter: nothing reached the queue.
    expect(proxy.counts.calls).toBe(calls);
    expect(await receiveAll('direct-batch.fifo')).toEqual([]);
  });

  it('delivers each entry once when SQS took the call but its answer was lost, and the retry went through', async () => {
    // SQS enqueues, then the caller sees a 500; the client's retry strategy turns the faults off
    // when it is asked for the backoff; the retry meets FIFO deduplication.
    const losing = await startSqsFaultProxy({
      target: sqs.endpoint,
      operations: ['SendMessageBatch'],
      rate: 1,
      modes: ['after'],
      verifySignature: { region: REGION, credentials },
    });
    const direct = createDirectSendMessageBatch(
      clientWith({
        retryStrategy: new ConfiguredRetryStrategy(3, () => {
          losing.rate = 0;
          return 0;
        }),
      }),
    );
    const { Successful, Failed, $metadata } = await direct({
      QueueUrl: sqs.queueUrl('direct-batch.fifo').replace(sqs.endpoint, losing.endpoint),
      Entries: ['a', 'b', 'c'].map((id) => ({
        Id: id,
        MessageBody: id,
        MessageGroupId: `g-${id}`,
        MessageDeduplicationId: `lost-answer-${id}`,
      })),
    });
    await losing.close();
    expect(losing.counts).toMatchObject({ calls: 2, after: 1 });
    expect($metadata.attempts).toBe(2);
    expect(Successful?.map((s) => s.Id).sort()).toEqual(['a', 'b', 'c']);
    expect(Failed ?? []).toEqual([]);
    expect((await receiveAll('direct-batch.fifo')).map((m) => m.Body).sort()).toEqual(['a', 'b', 'c']);
  });
});
