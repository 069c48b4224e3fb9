import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalBridge } from '../../local/bridge';
import { startBridgeForCli } from '../support/cli-local-bridge';
import { sinchBridge } from '../support/cli-process';

describe('sinch-bridge verify against the local bridge (the real CLI process)', () => {
  let bridge: LocalBridge;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // No Sinch credentials: the built-in Sinch stand-in answers, scripted by the recipient's last digits.
    ({ bridge, env } = await startBridgeForCli());
  });
  afterAll(async () => {
    await bridge?.stop();
  });

  it('passes the signed callback, its event and a test send, taking only its own events off the queue', async () => {
    const verified = await sinchBridge(['verify', '--to', 'SMS:+46700000001', '--timeout', '30'], env);
    expect(verified.stderr).toMatch(/^mode: local/m);
    expect(verified.stdout).toContain('ok    signed callback: the webhook answered 200');
    expect(verified.stdout).toContain(
      'ok    event on the events queue: sinch.conversation.message_inbound arrived',
    );
    expect(verified.code).toBe(0);
  });

  it('says which step failed and why when the test send is refused, and exits 1', async () => {
    const verified = await sinchBridge(['verify', '--to', 'SMS:+46700000403', '--timeout', '30'], env);
    expect(verified.stdout).toMatch(
      /FAIL {2}test send: failed: rejected 403: .*\(sinch-bridge dlq inspect\)/,
    );
    expect(verified.stderr).toContain('verify failed: test send');
    expect(verified.code).toBe(1);
  });

  it('refuses an app the bridge does not have (exit 2)', async () => {
    const verified = await sinchBridge(['verify', '--app', '01HZX3Q4J5K6M7N8P9R0S1T2V3'], env);
    expect(verified).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no such app 01HZX3Q4J5K6M7N8P9R0S1T2V3'),
    });
  });

  it('needs --stack or a local bridge', async () => {
    const { SINCH_BRIDGE_DIR: _dir, ...noBridge } = env;
    const verified = await sinchBridge(['verify'], { ...noBridge, SINCH_BRIDGE_DIR: '/nonexistent' });
    expect(verified).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('verify needs --stack <name>'),
    });
  });
});
