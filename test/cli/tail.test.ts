import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sinchBridge, spawnSinchBridge } from '../support/cli-process';
import { type CliQueues, startCliQueues } from '../support/cli-queues';
import { drainQueue } from '../support/sqs-drain';

const APP = '01HZX3Q4J5K6M7N8P9R0S1T2V3';

/** An event as the bridge publishes it: CloudEvent body, group, dedupe id, type/appId attributes. */
function event(n: number, type = 'sinch.conversation.message_inbound') {
  return {
    MessageBody: JSON.stringify({
      specversion: '1.0',
      id: `event-${n}`,
      source: `sinch:conversation:eu:p:${APP}`,
      type,
      time: '2026-12-01T12:00:00Z',
      subject: `SMS:4670000000${n}`,
      data: { appId: APP, messageId: `m-${n}` },
    }),
    MessageGroupId: `${APP}:SMS:4670000000${n}`,
    MessageDeduplicationId: `event-${n}`,
    MessageAttributes: { type: { DataType: 'String', StringValue: type } },
  };
}

describe('sinch-bridge tail (the real CLI process)', () => {
  let queues: CliQueues;

  beforeAll(async () => {
    queues = await startCliQueues();
  });
  afterAll(async () => {
    await queues.close();
  });
  beforeEach(async () => {
    await drainQueue(queues.client, queues.urls.events);
  });
  const put = async (...events: ReturnType<typeof event>[]) => {
    for (const e of events)
      await queues.client.send(new SendMessageCommand({ QueueUrl: queues.urls.events, ...e }));
  };

  it('--peek shows what waits and deletes nothing; --type filters; then tail consumes what it shows', async () => {
    // Prepare
    await put(event(1), event(2, 'sinch.bridge.outbound.failed'), event(3));
    // Act
    const peeked = await sinchBridge(['tail', '--peek', '--json'], queues.awsEnv);
    const failedOnly = await sinchBridge(['tail', '--peek', '--type', 'outbound.failed'], queues.awsEnv);
    const consumed = await sinchBridge(['tail', '--json', '--limit', '3', '--timeout', '10'], queues.awsEnv);
    const left = await drainQueue(queues.client, queues.urls.events);
    // Assess
    expect(peeked.code).toBe(0);
    expect(
      peeked.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id)
        .sort(),
    ).toEqual(['event-1', 'event-2', 'event-3']);
    expect(failedOnly.stdout.trim().split('\n')).toHaveLength(1);
    expect(failedOnly.stdout).toContain('sinch.bridge.outbound.failed');
    expect(failedOnly.stderr).toContain('peeking at');
    expect(consumed.code).toBe(0);
    expect(
      consumed.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id)
        .sort(),
    ).toEqual(['event-1', 'event-2', 'event-3']);
    expect(left).toHaveLength(0);
  });

  it('refuses unknown types with a suggestion (exit 2)', async () => {
    const unknown = await sinchBridge(['tail', '--peek', '--type', 'outbound.faild'], queues.awsEnv);
    expect(unknown).toMatchObject({ code: 2 });
    expect(unknown.stderr).toContain('did you mean sinch.bridge.outbound.failed?');
  });

  it('AWS mode: --type without --peek consumes the matching events in one look and leaves the rest', async () => {
    // Prepare
    await put(
      event(7),
      event(8, 'sinch.bridge.outbound.failed'),
      event(9),
      event(10, 'sinch.bridge.outbound.failed'),
    );
    // Act: piped (one by one) and on a terminal-less run alike, nothing skipped may be deleted.
    const failed = await sinchBridge(['tail', '--type', 'outbound.failed', '--json'], queues.awsEnv);
    const peekAgain = await sinchBridge(['tail', '--peek', '--json', '--limit', '5'], queues.awsEnv);
    const left = await drainQueue(queues.client, queues.urls.events);
    // Assess
    expect(failed.code).toBe(0);
    expect(
      failed.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id)
        .sort(),
    ).toEqual(['event-10', 'event-8']);
    expect(failed.stderr).toContain('taking one look at');
    expect(failed.stderr).toContain('events the filters skip are left on the queue');
    expect(failed.stderr).toContain('It does not follow');
    expect(peekAgain).toMatchObject({
      code: 3,
      stderr: expect.stringContaining('saw 2 of 5 events in one look'),
    });
    expect(left.map((m) => JSON.parse(m.Body!).id).sort()).toEqual(['event-7', 'event-9']);
    // One receive per look each: tail's and the peek's, then the drain's.
    expect(left.map((m) => Number(m.Attributes?.ApproximateReceiveCount))).toEqual([3, 3]);
  });

  it('never deletes an event it could not print: stdout closed after the first read (tail | head -1)', async () => {
    // Prepare
    await put(event(4), event(5), event(6));
    // Act: take the first chunk the pipe gives, then close it, as `head -1` does.
    const child = spawnSinchBridge(['tail', '--json', '--timeout', '5'], queues.awsEnv);
    const firstChunk = await new Promise<string>((resolve) => {
      child.stdout!.once('data', (chunk: Buffer) => {
        child.stdout!.destroy();
        resolve(chunk.toString());
      });
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const left = (await drainQueue(queues.client, queues.urls.events)).map((m) => JSON.parse(m.Body!).id);
    // Assess: whatever the reader did not get is still there for the queue's consumers.
    const read = firstChunk
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).id as string);
    expect(code).toBe(0);
    expect(read.length).toBeGreaterThanOrEqual(1);
    for (const id of ['event-4', 'event-5', 'event-6'].filter((id) => !read.includes(id))) {
      expect(left).toContain(id);
    }
    expect(left.length).toBeGreaterThanOrEqual(3 - read.length);
  });

  it('Ctrl-C while following exits 130', async () => {
    const child = spawnSinchBridge(['tail'], queues.awsEnv);
    await new Promise<void>((resolve) =>
      child.stderr!.on('data', (c: Buffer) => c.toString().includes('following') && resolve()),
    );
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(130);
  });
});
