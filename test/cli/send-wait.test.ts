import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalBridge } from '../../local/bridge';
import { startBridgeForCli } from '../support/cli-local-bridge';
import { sinchBridge } from '../support/cli-process';

/**
 * send --wait against the local bridge and its built-in Sinch stand-in, whose recipients script
 * the outcome by their last digits (0403 refused, 0410 delivery FAILED).
 */
describe('sinch-bridge send --wait (the real CLI process, local bridge)', () => {
  let bridge: LocalBridge;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    ({ bridge, env } = await startBridgeForCli());
  });
  afterAll(async () => {
    await bridge?.stop();
  });

  it('waits for the outcome and the delivery report, exit 0; a reused id says deduplicated', async () => {
    const accepted = await sinchBridge(
      ['send', '--id', 'wait-1', '--to', 'SMS:+46700000001', '--text', 'hi', '--wait'],
      env,
    );
    const delivered = await sinchBridge(
      [
        'send',
        '--id',
        'wait-2',
        '--to',
        'SMS:+46700000001',
        '--text',
        'hi',
        '--wait',
        'delivered',
        '--timeout',
        '30',
      ],
      env,
    );
    const again = await sinchBridge(
      ['send', '--id', 'wait-1', '--to', 'SMS:+46700000001', '--text', 'hi'],
      env,
    );

    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toMatch(/^enqueued command wait-1 /m);
    expect(accepted.stdout).toMatch(
      /^outcome of wait-1: status accepted, Sinch message \S+, 1 attempt\(s\)/m,
    );
    expect(delivered.code).toBe(0);
    expect(delivered.stdout).toMatch(/^delivery of wait-2: status (delivered|read)/m);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^deduplicated: command wait-1 was already taken \(status accepted/);
    expect(again.stdout).not.toContain('enqueued');
  });

  it('exits 1 with the reason when Sinch refuses the send or the delivery fails', async () => {
    const [refused, undelivered] = await Promise.all([
      sinchBridge(
        ['send', '--id', 'wait-3', '--to', 'SMS:+46700000403', '--text', 'hi', '--wait', '--timeout', '30'],
        env,
      ),
      sinchBridge(
        [
          'send',
          '--id',
          'wait-4',
          '--to',
          'SMS:+46700000410',
          '--text',
          'hi',
          '--wait',
          'delivered',
          '--timeout',
          '30',
        ],
        env,
      ),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/outcome of wait-3: status rejected/);
    expect(refused.stderr).toContain('command wait-3 rejected');
    expect(undelivered.code).toBe(1);
    expect(undelivered.stdout).toMatch(
      /delivery of wait-4: status failed, .*last error RECIPIENT_NOT_REACHABLE/,
    );
  });

  it('exits 3 when the outcome does not come in time, and 2 for --timeout without --wait', async () => {
    // 0204: accepted, but the stand-in sends no delivery reports.
    const [late, usage] = await Promise.all([
      sinchBridge(
        [
          'send',
          '--id',
          'wait-5',
          '--to',
          'SMS:+46700000204',
          '--text',
          'hi',
          '--wait',
          'delivered',
          '--timeout',
          '3',
        ],
        env,
      ),
      sinchBridge(['send', '--to', 'SMS:+46700000001', '--text', 'hi', '--timeout', '3'], env),
    ]);
    expect(late.code).toBe(3);
    expect(late.stderr).toContain('no delivery report for command wait-5 within 3 s');
    expect(usage).toMatchObject({ code: 2, stderr: expect.stringContaining('--timeout needs --wait') });
  });
});
