import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sinchBridge } from '../support/cli-process';
import { type CliQueues, startCliQueues } from '../support/cli-queues';
import { drainQueue } from '../support/sqs-drain';

describe('sinch-bridge send (the real CLI process against a stack-like SQS)', () => {
  const appId = '01HZX3Q4J5K6M7N8P9R0S1T2V3';
  let queues: CliQueues;

  beforeAll(async () => {
    queues = await startCliQueues();
  });
  afterAll(async () => {
    await queues.close();
  });

  it('enqueues a command file as a FIFO message grouped by app and recipient, and says so', async () => {
    // Prepare
    const command = {
      id: 'file-1',
      from: `${appId}@whatsapp.sinchconversation.com`,
      to: { channel: 'WHATSAPP', identity: '+46700000000' },
      text: 'Hi',
    };
    const file = join(mkdtempSync(join(tmpdir(), 'send-')), 'command.json');
    writeFileSync(file, JSON.stringify(command));
    // Act
    const sent = await sinchBridge(['send', '--file', file, '--json'], queues.awsEnv);
    const got = await drainQueue(queues.client, queues.urls.outbound);
    // Assess
    expect(sent.code).toBe(0);
    expect(sent.stderr).toMatch(/^mode: AWS \(region us-east-1.*EVENTS_QUEUE_URL, OUTBOUND_QUEUE_URL set/m);
    expect(JSON.parse(sent.stdout)).toMatchObject({
      id: 'file-1',
      enqueued: true,
      groupId: `${appId}:WHATSAPP:+46700000000`,
    });
    expect(got.map((m) => JSON.parse(m.Body!))).toEqual([command]);
    expect(got[0]!.Attributes).toMatchObject({
      MessageGroupId: `${appId}:WHATSAPP:+46700000000`,
      MessageDeduplicationId: 'file-1',
    });
  });

  it('refuses, before enqueuing, invalid commands, unknown channels and conflicting flags (exit 2)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'send-')), 'command.json');
    writeFileSync(
      file,
      JSON.stringify({ id: 'f2', appId, to: { channel: 'SMS', identity: '1' }, text: 'a', extra: 1 }),
    );
    const [invalid, channel, both, twoContents, notJson] = await Promise.all([
      sinchBridge(['send', '--file', file], queues.awsEnv),
      sinchBridge(['send', '--app', appId, '--to', 'WHATSAP:+46700000000', '--text', 'x'], queues.awsEnv),
      sinchBridge(['send', '--file', file, '--text', 'x'], queues.awsEnv),
      sinchBridge(
        ['send', '--app', appId, '--to', 'SMS:1', '--text', 'x', '--media', 'https://example.com/a.png'],
        queues.awsEnv,
      ),
      sinchBridge(['send', '--file', '-'], queues.awsEnv, '{not json'),
    ]);
    expect([invalid.code, channel.code, both.code, twoContents.code, notJson.code]).toEqual([2, 2, 2, 2, 2]);
    expect(invalid.stderr).toContain('invalid command');
    expect(channel.stderr).toContain('unknown channel "WHATSAP" (did you mean WHATSAPP?)');
    expect(both.stderr).toContain("'-f, --file <path>' cannot be used with option '--text <text>'");
    expect(twoContents.stderr).toContain('cannot be used with');
    expect(notJson.stderr).toContain('command file - is not JSON');
    expect(await drainQueue(queues.client, queues.urls.outbound)).toHaveLength(0);
  });

  it('--wait needs a place to read the outcome from, and says which (exit 2)', async () => {
    const waited = await sinchBridge(
      ['send', '--app', appId, '--to', 'SMS:1', '--text', 'x', '--wait'],
      queues.awsEnv,
    );
    expect(waited.code).toBe(2);
    expect(waited.stderr).toContain('--wait reads the command record');
    expect(await drainQueue(queues.client, queues.urls.outbound)).toHaveLength(0);
  });

  it('exits 1 with the SQS error when the queue does not exist', async () => {
    const missing = await sinchBridge(
      [
        'send',
        '--app',
        appId,
        '--to',
        'SMS:1',
        '--text',
        'x',
        '--queue-url',
        `${queues.sqs.endpoint}/123456789012/missing.fifo`,
      ],
      queues.awsEnv,
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/error: .*(NonExistentQueue|does not exist)/i);
  });
});
