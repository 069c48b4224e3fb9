import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main';
import { CALLBACK_KEYS, SIMULATED_TRIGGERS, sampleCallback } from '../../cli/sample-callbacks';
import { verifySinchSignature } from '../../functions/sinch/signature';
import { normalizeCallback } from '../../functions/webhook/normalize-callback';
import { type LocalApiGateway, startApiGatewayServer } from '../../local/api-gateway';

const appId = '01HZX3Q4J5K6M7N8P9R0S1T2V3';
const secret = 'simulate-secret';

describe('sinch-bridge simulate', () => {
  let api: LocalApiGateway;
  const received: Array<{ body: string; verified: boolean }> = [];

  beforeAll(async () => {
    // A webhook that verifies like the real one and remembers the exact bytes it got.
    api = await startApiGatewayServer(async (event) => {
      const body = event.isBase64Encoded
        ? Buffer.from(event.body ?? '', 'base64').toString()
        : (event.body ?? '');
      const verified = verifySinchSignature({ headers: event.headers, body, secrets: [secret] }).ok;
      received.push({ body, verified });
      return { statusCode: verified ? 200 : 401, body: verified ? '{}' : '{"error":"invalid signature"}' };
    });
  });
  afterAll(async () => {
    await api.close();
  });

  const simulate = (args: string[]) =>
    runCli(['simulate', '--url', `${api.url}/webhooks/${appId}`, '--secret', secret, ...args], {
      stdout: () => {},
      stderr: () => {},
      env: {},
    });

  it('posts a callback file byte for byte, correctly signed', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'simulate-')), 'callback.json');
    const text = `{ "app_id" : "${appId}",\n  "message": { "id": "m1" } }\n`;
    writeFileSync(file, text);
    expect(await simulate(['--file', file])).toBe(0);
    expect(received.at(-1)).toEqual({ body: text, verified: true });
  });

  it('exits 1 when the webhook refuses (a stale signature) and 2 on a file that is not JSON', async () => {
    const stale = await simulate(['--timestamp', '1600000000']);
    const refused = await runCli(
      ['simulate', '--url', `${api.url}/webhooks/${appId}`, '--secret', 'wrong-secret'],
      { stdout: () => {}, stderr: () => {}, env: {} },
    );
    const file = join(mkdtempSync(join(tmpdir(), 'simulate-')), 'bad.json');
    writeFileSync(file, '{not json');
    expect(stale).toBe(1);
    expect(refused).toBe(1);
    expect(received.slice(-2).map((r) => r.verified)).toEqual([false, false]);
    expect(await simulate(['--file', file])).toBe(2);
  });

  it('makes callbacks the webhook recognizes, for every trigger', () => {
    for (const trigger of SIMULATED_TRIGGERS) {
      const callback = sampleCallback(trigger, { appId, projectId: 'p' });
      const keys = Object.keys(CALLBACK_KEYS).map((t) => CALLBACK_KEYS[t as keyof typeof CALLBACK_KEYS]);
      expect(Object.keys(callback).filter((k) => keys.includes(k as never))).toEqual([
        CALLBACK_KEYS[trigger],
      ]);
      const event = normalizeCallback(callback, {
        region: 'eu',
        projectId: 'p',
        appId,
        rawBody: JSON.stringify(callback),
        receivedAt: new Date().toISOString(),
      });
      expect(event.type, trigger).toBe(`sinch.conversation.${trigger.toLowerCase()}`);
    }
  });
});
