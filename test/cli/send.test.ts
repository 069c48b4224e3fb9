import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main';
import { type LocalSqs, redrivePolicy, startLocalSqs } from '../../local/aws/sqs-server';

describe('sinch-bridge send and dlq against any SQS endpoint (the deployed-stack path)', () => {
  const appId = '01HZX3Q4J5K6M7N8P9R0S1T2V3';
  let sqs: LocalSqs;
  let client: SQSClient;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    sqs = await startLocalSqs({
      queues: [
        { name: 'outbound-dlq.fifo', attributes: { FifoQueue: 'true' } },
        {
          name: 'outbound.fifo',
          attributes: { FifoQueue: 'true', RedrivePolicy: redrivePolicy('outbound-dlq.fifo', 7) },
        },
      ],
    });
    client = new SQSClient({
      endpoint: sqs.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    // Exactly what an operator sets for a stack: the SDK's own variables (read by the SDK from
    // process.env, as in the real CLI) and the queue URL.
    env = process.env;
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      OUTBOUND_QUEUE_URL: sqs.queueUrl('outbound.fifo'),
    });
  });
  afterAll(async () => {
    client.destroy();
    await sqs.close();
  });

  it('enqueues a command file as a FIFO message grouped by app and recipient', async () => {
    // Prepare
    const command = {
      id: 'file-1',
      from: `${appId}@whatsapp.sinchconversation.com`,
      to: { channel: 'WHATSAPP', identity: '+46700000000' },
      text: 'Hi',
    };
    const file = join(mkdtempSync(join(tmpdir(), 'send-')), 'command.json');
    writeFileSync(file, JSON.stringify(command));
    const out: string[] = [];
    // Act
    const code = await runCli(['send', '--file', file, '--json'], {
      stdout: (s) => out.push(s),
      stderr: () => {},
      env,
    });
    const got = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: sqs.queueUrl('outbound.fifo'),
        AttributeNames: ['All'],
        WaitTimeSeconds: 1,
      }),
    );
    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(out[0]!)).toMatchObject({ id: 'file-1', groupId: `${appId}:WHATSAPP:+46700000000` });
    expect(got.Messages).toHaveLength(1);
    expect(JSON.parse(got.Messages![0]!.Body!)).toEqual(command);
    expect(got.Messages![0]!.Attributes).toMatchObject({
      MessageGroupId: `${appId}:WHATSAPP:+46700000000`,
      MessageDeduplicationId: 'file-1',
    });
  });

  it('refuses an invalid command file before enqueuing it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'send-')), 'command.json');
    writeFileSync(
      file,
      JSON.stringify({ id: 'file-2', appId, to: { channel: 'SMS', identity: '1' }, text: 'a', extra: 1 }),
    );
    const err: string[] = [];
    const code = await runCli(['send', '--file', file], {
      stdout: () => {},
      stderr: (s) => err.push(s),
      env,
    });
    expect(code).toBe(2);
    expect(err.join('')).toContain('invalid command');
  });

  it('exits 1 with the SQS error when the queue does not exist', async () => {
    const err: string[] = [];
    const code = await runCli(
      [
        'send',
        '--app',
        appId,
        '--to',
        'SMS:1',
        '--text',
        'x',
        '--queue-url',
        `${sqs.endpoint}/123456789012/missing.fifo`,
      ],
      { stdout: () => {}, stderr: (s) => err.push(s), env },
    );
    expect(code).toBe(1);
    expect(err.join('')).toMatch(/error: .*(NonExistentQueue|does not exist)/i);
  });

  it('finds the DLQ from the redrive policy, inspects without removing, and redrives keeping the group', async () => {
    // Prepare: a dead letter, as SQS would have moved it.
    await client.send(
      new SendMessageCommand({
        QueueUrl: sqs.queueUrl('outbound-dlq.fifo'),
        MessageBody: '{"id":"dead-1"}',
        MessageGroupId: 'g-dead',
        MessageDeduplicationId: 'dead-1',
      }),
    );
    const out: string[] = [];
    const io = { stdout: (s: string) => out.push(s), stderr: () => {}, env };
    // Act
    const inspected = await runCli(['dlq', 'inspect', '--json'], io);
    const inspectedAgain = await runCli(['dlq', 'inspect', '--json'], io);
    const letters = out.map((line) => JSON.parse(line));
    out.length = 0;
    const redriven = await runCli(['dlq', 'redrive', '--json'], io);
    const back = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: sqs.queueUrl('outbound.fifo'),
        AttributeNames: ['All'],
        WaitTimeSeconds: 1,
      }),
    );
    const left = await client.send(
      new ReceiveMessageCommand({ QueueUrl: sqs.queueUrl('outbound-dlq.fifo') }),
    );
    // Assess
    expect([inspected, inspectedAgain, redriven]).toEqual([0, 0, 0]);
    expect(letters.map((l) => l.body)).toEqual([{ id: 'dead-1' }, { id: 'dead-1' }]);
    expect(letters[0]).toMatchObject({ groupId: 'g-dead' });
    expect(JSON.parse(out[0]!)).toEqual({ moved: 1, failed: [] });
    expect(back.Messages?.map((m) => [m.Body, m.Attributes?.MessageGroupId])).toEqual([
      ['{"id":"dead-1"}', 'g-dead'],
    ]);
    expect(left.Messages ?? []).toHaveLength(0);
  });
});
