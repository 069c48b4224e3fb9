import type { ChildProcess } from 'node:child_process';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalBridge } from '../../local/bridge';
import { sqsClientOf, startBridgeForCli } from '../support/cli-local-bridge';
import { sinchBridge, spawnSinchBridge } from '../support/cli-process';
import { drainQueue } from '../support/sqs-drain';

const INBOUND = 'sinch.conversation.message_inbound';
const DELIVERY = 'sinch.conversation.message_delivery';

/** Collects a spawned CLI's output and its exit code. */
function collect(child: ChildProcess) {
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (c: Buffer) => {
    out.stdout += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    out.stderr += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const said = (text: string) =>
    new Promise<void>((resolve) => {
      const check = () => out.stderr.includes(text) && resolve();
      check();
      child.stderr!.on('data', check);
    });
  return { out, exited, said };
}

/**
 * `tail --peek` and `tail --type/--app` following a running local bridge: after one look at
 * what waits they follow the bridge's read-only event feed, so events arriving later are shown
 * too, and nothing they did not print is deleted.
 */
// Each test starts several CLI processes: a generous ceiling for a loaded machine, not a speed limit.
describe('sinch-bridge tail following the local bridge (the real CLI process)', { timeout: 180_000 }, () => {
  let bridge: LocalBridge;
  let env: NodeJS.ProcessEnv;
  let sqs: SQSClient;

  beforeAll(async () => {
    ({ bridge, env } = await startBridgeForCli());
    sqs = sqsClientOf(bridge);
  });
  afterAll(async () => {
    sqs?.destroy();
    await bridge?.stop();
  });
  beforeEach(async () => {
    await drainQueue(sqs, bridge.queueUrls.events);
  });

  /** Posts a signed callback through the CLI and waits until its event is on the events queue. */
  const simulate = async (args: string[]) => {
    const before = bridge.eventFeed.since(0).next;
    const run = await sinchBridge(['simulate', ...args], env);
    expect(run.code, run.stderr).toBe(0);
    for (let i = 0; i < 600 && bridge.eventFeed.since(before).events.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const [entry] = bridge.eventFeed.since(before).events;
    expect(entry).toBeDefined();
    return JSON.parse(entry!.body) as { id: string; type: string };
  };
  const waiting = async () =>
    (await drainQueue(sqs, bridge.queueUrls.events)).map((m) => (JSON.parse(m.Body!) as { id: string }).id);

  it('--peek shows what waits, then new events as they arrive, and deletes nothing', async () => {
    // Prepare: one event waits before tail starts.
    const early = await simulate(['--text', 'early']);
    const child = spawnSinchBridge(
      ['tail', '--peek', '--json', '--type', 'message_inbound', '--limit', '2', '--timeout', '60'],
      env,
    );
    const run = collect(child);
    await run.said('then new events as they arrive');
    // Act: a delivery report (filtered out) and a later inbound message arrive while it follows.
    const skipped = await simulate(['--trigger', 'MESSAGE_DELIVERY', '--status', 'DELIVERED']);
    const late = await simulate(['--text', 'late']);
    const code = await run.exited;
    // Assess
    expect(code, run.out.stderr).toBe(0);
    const shown = run.out.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { id: string; type: string });
    expect(shown.map((e) => e.id)).toEqual([early.id, late.id]);
    expect(shown.every((e) => e.type === INBOUND)).toBe(true);
    expect(skipped.type).toBe(DELIVERY);
    expect((await waiting()).sort()).toEqual([early.id, skipped.id, late.id].sort());
  });

  it('--type without --peek follows too: consumes what it shows, leaves what the filter skips', async () => {
    // Prepare: a skipped event waits before tail starts.
    const before = await simulate(['--text', 'before']);
    const child = spawnSinchBridge(
      ['tail', '--json', '--type', 'message_delivery', '--limit', '1', '--timeout', '60'],
      env,
    );
    const run = collect(child);
    await run.said('events the filters skip are left on the queue');
    // Act
    const inbound = await simulate(['--text', 'during', '--identity', '46700000077']);
    const report = await simulate(['--trigger', 'MESSAGE_DELIVERY', '--status', 'READ']);
    const code = await run.exited;
    // Assess
    expect(code, run.out.stderr).toBe(0);
    expect(
      run.out.stdout
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { id: string }).id),
    ).toEqual([report.id]);
    expect((await waiting()).sort()).toEqual([before.id, inbound.id].sort());
  });

  it('--timeout counts from the last event shown: a stream of skipped events does not keep it alive', async () => {
    const child = spawnSinchBridge(['tail', '--peek', '--type', 'outbound.failed', '--timeout', '3'], env);
    const run = collect(child);
    await run.said('then new events as they arrive');
    let exited = false;
    void run.exited.then(() => {
      exited = true;
    });
    // Non-matching events every 200 ms, for a minute at most: tail must end on its own meanwhile.
    for (let n = 0; n < 300 && !exited; n++) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: bridge.queueUrls.events,
          MessageBody: JSON.stringify({ specversion: '1.0', id: `noise-${n}`, type: INBOUND, data: {} }),
          MessageGroupId: 'noise',
          MessageDeduplicationId: `noise-${n}`,
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(exited).toBe(true);
    expect(await run.exited).toBe(0);
    expect(run.out.stdout).toBe('');
  });
});
