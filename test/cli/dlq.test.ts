import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sinchBridge } from '../support/cli-process';
import { type CliQueues, startCliQueues } from '../support/cli-queues';
import { drainQueue } from '../support/sqs-drain';

describe('sinch-bridge dlq inspect|redrive (the real CLI process)', () => {
  let queues: CliQueues;

  beforeAll(async () => {
    queues = await startCliQueues();
  });
  afterAll(async () => {
    await queues.close();
  });

  it('shows why each dead letter failed, twice the same, without moving it; redrive keeps the group', async () => {
    // Prepare: one command the send function dead-lettered (its attributes), one the queue's redrive moved.
    await queues.client.send(
      new SendMessageCommand({
        QueueUrl: queues.urls.outboundDlq,
        MessageBody: '{"id":"dead-1"}',
        MessageGroupId: 'g-dead',
        MessageDeduplicationId: 'dead-1',
        MessageAttributes: {
          errorKind: { DataType: 'String', StringValue: 'rejected' },
          errorStatus: { DataType: 'Number', StringValue: '403' },
          errorCode: { DataType: 'String', StringValue: 'PERMISSION_DENIED' },
          errorReason: { DataType: 'String', StringValue: 'http_403' },
          errorMessage: { DataType: 'String', StringValue: 'no access to the app' },
          receiveCount: { DataType: 'Number', StringValue: '1' },
          commandId: { DataType: 'String', StringValue: 'dead-1' },
        },
      }),
    );
    await queues.client.send(
      new SendMessageCommand({
        QueueUrl: queues.urls.outboundDlq,
        MessageBody: '{"id":"crashed"}',
        MessageGroupId: 'g-crash',
        MessageDeduplicationId: 'crashed',
      }),
    );
    // Act
    const first = await sinchBridge(['dlq', 'inspect', '--json'], queues.awsEnv);
    const second = await sinchBridge(['dlq', 'inspect', '--json'], queues.awsEnv);
    const pretty = await sinchBridge(['dlq', 'inspect'], queues.awsEnv);
    const redriven = await sinchBridge(['dlq', 'redrive', '--json'], queues.awsEnv);
    const back = await drainQueue(queues.client, queues.urls.outbound);
    const left = await drainQueue(queues.client, queues.urls.outboundDlq);
    // Assess
    const failures = (run: { stdout: string }) =>
      run.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
        .sort((a, b) => a.groupId.localeCompare(b.groupId))
        .map((l) => l.failure);
    expect([first.code, second.code, pretty.code, redriven.code]).toEqual([0, 0, 0, 0]);
    expect(failures(first)).toEqual([
      { kind: 'redrive', reason: 'moved by the queue after its maxReceiveCount receives' },
      {
        kind: 'rejected',
        status: 403,
        code: 'PERMISSION_DENIED',
        reason: 'http_403',
        message: 'no access to the app',
        attempts: 1,
        commandId: 'dead-1',
      },
    ]);
    expect(failures(second)).toEqual(failures(first));
    expect(pretty.stdout).toContain(
      'failed: rejected, status 403, code PERMISSION_DENIED, reason http_403, after 1 attempt(s)',
    );
    expect(pretty.stdout).toContain('message: no access to the app');
    expect(JSON.parse(redriven.stdout)).toEqual({ moved: 2, failed: [] });
    expect(back.map((m) => [m.Body, m.Attributes?.MessageGroupId]).sort()).toEqual([
      ['{"id":"crashed"}', 'g-crash'],
      ['{"id":"dead-1"}', 'g-dead'],
    ]);
    expect(left).toHaveLength(0);
  });
});
