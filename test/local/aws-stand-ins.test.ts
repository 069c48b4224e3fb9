import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDynamoDb } from '../../local/aws/dynamodb-server';
import { startSecretsManagerDouble } from '../../local/aws/secrets-manager-double';
import { redrivePolicy, startLocalSqs } from '../../local/aws/sqs-server';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'us-east-1';

describe('local AWS stand-ins speak the real wire protocols', () => {
  let sqs: Awaited<ReturnType<typeof startLocalSqs>>;
  let ddb: Awaited<ReturnType<typeof startLocalDynamoDb>>;
  let sm: Awaited<ReturnType<typeof startSecretsManagerDouble>>;

  beforeAll(async () => {
    sqs = await startLocalSqs({
      queues: [
        { name: 'q.fifo', attributes: { FifoQueue: 'true', RedrivePolicy: redrivePolicy('dlq.fifo', 2) } },
        { name: 'dlq.fifo', attributes: { FifoQueue: 'true' } },
      ],
    });
    ddb = await startLocalDynamoDb({ tables: ['idem'] });
    sm = await startSecretsManagerDouble();
  });
  afterAll(async () => {
    await Promise.all([sqs.close(), ddb.close(), sm.close()]);
  });

  it('SQS FIFO deduplicates and redrives to the DLQ', async () => {
    const client = new SQSClient({ endpoint: sqs.endpoint, region, credentials });
    const QueueUrl = sqs.queueUrl('q.fifo');
    for (let i = 0; i < 2; i++) {
      await client.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: 'x',
          MessageGroupId: 'g',
          MessageDeduplicationId: 'd',
        }),
      );
    }
    const first = await client.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    expect(first.Messages).toHaveLength(1);
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl,
        ReceiptHandle: first.Messages![0]!.ReceiptHandle!,
        VisibilityTimeout: 0,
      }),
    );
    const second = await client.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    expect(second.Messages).toHaveLength(1);
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl,
        ReceiptHandle: second.Messages![0]!.ReceiptHandle!,
        VisibilityTimeout: 0,
      }),
    );
    const third = await client.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    expect(third.Messages ?? []).toHaveLength(0);
    const dead = await client.send(
      new ReceiveMessageCommand({ QueueUrl: sqs.queueUrl('dlq.fifo'), MaxNumberOfMessages: 10 }),
    );
    expect(dead.Messages).toHaveLength(1);
  });

  it('dynalite stores items', async () => {
    const client = new DynamoDBClient({ endpoint: ddb.endpoint, region, credentials });
    await client.send(new PutItemCommand({ TableName: 'idem', Item: { id: { S: 'a' }, v: { N: '1' } } }));
    const got = await client.send(new GetItemCommand({ TableName: 'idem', Key: { id: { S: 'a' } } }));
    expect(got.Item?.v?.N).toBe('1');
  });

  it('dynalite gives each answer its own 52-character request id, and still refuses pre-signed and unsigned requests', async () => {
    const client = new DynamoDBClient({ endpoint: ddb.endpoint, region, credentials });
    const ids = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const answer = await client.send(new GetItemCommand({ TableName: 'idem', Key: { id: { S: 'a' } } }));
      ids.add(answer.$metadata.requestId!);
    }
    expect(ids.size).toBe(300);
    for (const id of ids) expect(id).toMatch(/^[A-Z0-9]{52}$/);
    const post = (path: string, headers: Record<string, string>) =>
      fetch(`${ddb.endpoint}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': 'DynamoDB_20120810.ListTables',
          ...headers,
        },
        body: '{}',
      }).then(async (r) => ((await r.json()) as { __type: string }).__type);
    const signed = {
      authorization: 'AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=host, Signature=c',
      'x-amz-date': '20261202T000000Z',
    };
    expect(await post('/', {})).toBe('com.amazon.coral.service#MissingAuthenticationTokenException');
    expect(await post('/?X-Amz-Algorithm=AWS4-HMAC-SHA256', signed)).toBe(
      'com.amazon.coral.service#InvalidSignatureException',
    );
    expect(await post('/?X-Amz-Algorithm=AWS4-HMAC-SHA256', {})).toBe(
      'com.amazon.coral.service#IncompleteSignatureException',
    );
  });

  it('the Secrets Manager double answers GetSecretValue and fails on demand', async () => {
    const client = new SecretsManagerClient({ endpoint: sm.endpoint, region, credentials });
    sm.put('s', '{"a":"b"}');
    const got = await client.send(new GetSecretValueCommand({ SecretId: 's' }));
    expect(got.SecretString).toBe('{"a":"b"}');
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'missing' }))).rejects.toThrow(
      /can't find/,
    );
    sm.failing = true;
    await expect(client.send(new GetSecretValueCommand({ SecretId: 's' }))).rejects.toBeTruthy();
    expect(sm.calls('s')).toBeGreaterThanOrEqual(2);
  });
});

describe('local SQS follows FIFO message-group locking', () => {
  it('holds back later messages of a group while an earlier one is in flight', async () => {
    const sqs = await startLocalSqs({ queues: [{ name: 'g.fifo', attributes: { FifoQueue: 'true' } }] });
    const client = new SQSClient({ endpoint: sqs.endpoint, region, credentials });
    const QueueUrl = sqs.queueUrl('g.fifo');
    try {
      for (const [i, group] of [
        [1, 'a'],
        [2, 'a'],
        [3, 'b'],
      ] as const) {
        await client.send(
          new SendMessageCommand({
            QueueUrl,
            MessageBody: String(i),
            MessageGroupId: group,
            MessageDeduplicationId: String(i),
          }),
        );
      }
      const first = await client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1 }));
      expect(first.Messages?.map((m) => m.Body)).toEqual(['1']);
      const next = await client.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      expect(next.Messages?.map((m) => m.Body)).toEqual(['3']);
    } finally {
      await sqs.close();
    }
  });
});

describe('local SQS locks a FIFO group exactly while one of its messages is in flight', () => {
  it('locks per group, unlocks after delete or visibility expiry, answers several groups in order', async () => {
    const sqs = await startLocalSqs({
      queues: [{ name: 'lock.fifo', attributes: { FifoQueue: 'true', VisibilityTimeout: '30' } }],
    });
    const client = new SQSClient({ endpoint: sqs.endpoint, region, credentials });
    const QueueUrl = sqs.queueUrl('lock.fifo');
    const send = (body: string) =>
      client.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: body,
          MessageGroupId: body.slice(0, 1),
          MessageDeduplicationId: body,
        }),
      );
    // A short poll: answers within ~40 ms with what is available now.
    const receive = async (max: number, VisibilityTimeout?: number) => {
      const got = await client.send(
        new ReceiveMessageCommand({
          QueueUrl,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: 0,
          ...(VisibilityTimeout !== undefined ? { VisibilityTimeout } : {}),
        }),
      );
      return (got.Messages ?? []).map((m) => ({ body: m.Body!, handle: m.ReceiptHandle! }));
    };
    const bodies = (messages: Array<{ body: string }>) => messages.map((m) => m.body);
    const remove = (message: { handle: string }) =>
      client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.handle }));
    try {
      for (const body of ['a1', 'a2', 'a3', 'b1', 'b2', 'c1']) await send(body);

      const [a1] = await receive(1);
      expect(a1?.body).toBe('a1');
      // Group a is locked by a1; b and c come together in one answer, each group in order.
      const others = await receive(10);
      expect(bodies(others)).toEqual(['b1', 'b2', 'c1']);
      expect(await receive(10)).toEqual([]);

      // b stays locked while any of its messages is in flight, not only its first.
      await send('b3');
      await remove(others[0]!);
      expect(await receive(10)).toEqual([]);
      await remove(others[1]!);
      expect(bodies(await receive(10))).toEqual(['b3']);

      // Deleting a1 unlocks a: the next of a, in order; taken with a 3 s visibility timeout
      // (so the next receive comes while it is still in flight, even on a busy machine).
      await remove(a1!);
      const [a2] = await receive(1, 3);
      expect(a2?.body).toBe('a2');
      expect(await receive(10)).toEqual([]);
      // When a2's visibility times out, a unlocks: a2 again, then a3, in one answer.
      let again: Array<{ body: string }> = [];
      await expect
        .poll(
          async () => {
            again = again.length > 0 ? again : await receive(10);
            return bodies(again);
          },
          { timeout: 30_000, interval: 100 },
        )
        .toEqual(['a2', 'a3']);
    } finally {
      client.destroy();
      await sqs.close();
    }
  });
});

describe('local SQS never answers one receive with the same message twice', () => {
  it('a long poll longer than the visibility timeout returns a message once', async () => {
    const sqs = await startLocalSqs({ queues: [{ name: 'v.fifo', attributes: { FifoQueue: 'true' } }] });
    const client = new SQSClient({ endpoint: sqs.endpoint, region, credentials });
    const QueueUrl = sqs.queueUrl('v.fifo');
    try {
      await client.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: 'once',
          MessageGroupId: 'g',
          MessageDeduplicationId: 'o',
        }),
      );
      const got = await client.send(
        new ReceiveMessageCommand({
          QueueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 2,
          VisibilityTimeout: 1,
        }),
      );
      expect(got.Messages?.map((m) => m.Body)).toEqual(['once']);
    } finally {
      await sqs.close();
    }
  });
});

describe('local SQS remembers FIFO deduplication ids after delete, as SQS does for 5 minutes', () => {
  it('a resend with the same deduplication id after the first copy was deleted is dropped', async () => {
    const sqs = await startLocalSqs({ queues: [{ name: 'd.fifo', attributes: { FifoQueue: 'true' } }] });
    const client = new SQSClient({ endpoint: sqs.endpoint, region, credentials });
    const QueueUrl = sqs.queueUrl('d.fifo');
    const send = (body: string, dedupe: string) =>
      client.send(
        new SendMessageCommand({
          QueueUrl,
          MessageBody: body,
          MessageGroupId: 'g',
          MessageDeduplicationId: dedupe,
        }),
      );
    try {
      const first = await send('first', 'same');
      const got = await client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
      await client.send(
        new DeleteMessageCommand({ QueueUrl, ReceiptHandle: got.Messages![0]!.ReceiptHandle! }),
      );

      const again = await send('retry', 'same');
      await send('other', 'different');

      expect(again.MessageId).toBe(first.MessageId);
      const rest = await client.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      expect(rest.Messages?.map((m) => m.Body)).toEqual(['other']);
    } finally {
      await sqs.close();
    }
  });
});
