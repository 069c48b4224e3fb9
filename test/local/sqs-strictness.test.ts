/**
 * The local SQS refuses what SQS refuses: messages over the queue's size counted in UTF-8 bytes
 * (not UTF-16 units), and bodies with characters outside SQS's allowed set
 * (#x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF).
 */
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSqs, startLocalSqs } from '../../local/aws/sqs-server';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
// biome-ignore lint/suspicious/noControlCharactersInRegex: tab, LF and CR are the control characters SQS allows.
const SQS_ALLOWED = /^[\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

describe('local SQS is as strict as SQS', () => {
  let sqs: LocalSqs;
  let client: SQSClient;
  let small: string;
  let fifo: string;

  beforeAll(async () => {
    sqs = await startLocalSqs({
      queues: [
        { name: 'small', attributes: { MaximumMessageSize: '1024' } },
        { name: 'strict.fifo', attributes: { FifoQueue: 'true' } },
        { name: 'counted' },
      ],
    });
    client = new SQSClient({ endpoint: sqs.endpoint, region: 'us-east-1', credentials });
    small = sqs.queueUrl('small');
    fifo = sqs.queueUrl('strict.fifo');
  });
  afterAll(async () => {
    client.destroy();
    await sqs.close();
  });

  const send = (QueueUrl: string, MessageBody: string) =>
    client.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody,
        ...(QueueUrl.endsWith('.fifo')
          ? { MessageGroupId: 'g', MessageDeduplicationId: String(Math.random()) }
          : {}),
      }),
    );

  it('counts the size in UTF-8 bytes: 400 three-byte characters are 1200 bytes, over a 1024-byte queue', async () => {
    const body = '€'.repeat(400); // 400 UTF-16 units, 1200 bytes
    await expect(send(small, body)).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(send(small, 'e'.repeat(1000))).resolves.toMatchObject({ MessageId: expect.any(String) });
  });

  it('counts the size in bytes in SendMessageBatch too', async () => {
    const out = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: small,
        Entries: [
          { Id: 'big', MessageBody: '😀'.repeat(300) }, // 600 UTF-16 units, 1200 bytes
          { Id: 'ok', MessageBody: 'fine' },
        ],
      }),
    );
    expect(out.Failed?.map((f) => f.Id)).toEqual(['big']);
    expect(out.Successful?.map((s) => s.Id)).toEqual(['ok']);
  });

  it.each([
    ['U+FFFE', '\uFFFE'],
    ['U+FFFF', '\uFFFF'],
    ['U+0000', '\u0000'],
    ['U+0001', '\u0001'],
    ['U+001F', '\u001F'],
    ['a lone high surrogate', '\uD800'],
    ['a lone low surrogate', '\uDC00'],
  ])('refuses a body carrying %s, as SQS does (InvalidMessageContents)', async (_label, char) => {
    await expect(send(fifo, `a${char}b`)).rejects.toMatchObject({ name: 'InvalidMessageContents' });
    // Refused either for the entry or for the whole batch: never enqueued.
    const refusal = await client
      .send(
        new SendMessageBatchCommand({
          QueueUrl: fifo,
          Entries: [
            { Id: 'bad', MessageBody: `x${char}`, MessageGroupId: 'g', MessageDeduplicationId: 'bad' },
          ],
        }),
      )
      .then(
        (batch) => batch.Failed?.[0]?.Code,
        (error: Error) => error.name,
      );
    expect(refusal).toBe('InvalidMessageContents');
  });

  it('takes every allowed character, across the planes', async () => {
    await expect(send(fifo, '\t\n\r ~\u00E9\uD7FF\uE000\uFFFD\u{10000}\u{10FFFF}😀')).resolves.toMatchObject({
      MessageId: expect.any(String),
    });
  });

  it('agrees with the allowed set on any string (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }), async (body) => {
        const accepted = await send(fifo, body).then(
          () => true,
          () => false,
        );
        expect(accepted).toBe(SQS_ALLOWED.test(body));
      }),
      { numRuns: 60 },
    );
  });

  it('counts a message in flight as not visible only, as SQS does', async () => {
    const QueueUrl = sqs.queueUrl('counted');
    const counts = async () => {
      const { Attributes = {} } = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return [
        Number(Attributes.ApproximateNumberOfMessages),
        Number(Attributes.ApproximateNumberOfMessagesNotVisible),
      ];
    };
    await send(QueueUrl, 'one');
    await send(QueueUrl, 'two');
    expect(await counts()).toEqual([2, 0]);
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1, VisibilityTimeout: 60 }),
    );
    expect(Messages).toHaveLength(1);
    expect(await counts()).toEqual([1, 1]);
  });
});
