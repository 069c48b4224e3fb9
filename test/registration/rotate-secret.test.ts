/**
 * rotateAppSecret against the Secrets Manager double (real SDK client) and the Sinch stand-in's
 * webhook and app administration: the order of the steps is what keeps every correctly signed
 * callback accepted, so each step is checked at the moment it happens.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  RotationError,
  type RotationProgress,
  rotateAppSecret,
} from '../../functions/registration/rotate-secret';
import { SinchClient } from '../../functions/sinch/client';
import { readAppEntry } from '../../functions/webhook/webhook-secrets-document';
import { type SecretsManagerDouble, startSecretsManagerDouble } from '../../local/aws/secrets-manager-double';
import { type SinchStandIn, startSinchStandIn } from '../../local/sinch/sinch-stand-in';

const APP = '01JD4T8R0Y6W9E2B7KQ5M3NXZA';
const OTHER = '01JD4T8R0Y6W9E2B7KQ5M3NXZB';
const TARGET = `https://hooks.example.com/webhooks/${APP}`;
const SECRET_ID = 'rotate/webhook-secrets';

let sm: SecretsManagerDouble;
let sinch: SinchStandIn;
let secrets: SecretsManagerClient;
let client: SinchClient;

beforeAll(async () => {
  sm = await startSecretsManagerDouble();
  sinch = await startSinchStandIn({ projectId: 'p-rotate' });
  secrets = new SecretsManagerClient({
    endpoint: sm.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  client = new SinchClient({
    region: 'eu',
    projectId: 'p-rotate',
    apiUrl: sinch.apiUrl,
    authUrl: sinch.authUrl,
    credentials: { keyId: sinch.keyId, keySecret: sinch.keySecret },
  });
});
afterAll(async () => {
  secrets.destroy();
  await sinch.close();
  await sm.close();
});
beforeEach(() => {
  sinch.admin.webhooks.clear();
  sinch.admin.apps.clear();
  sm.put(SECRET_ID, JSON.stringify({ [APP]: 'old-secret', [OTHER]: ['o-new', 'o-old'] }));
});

const entry = () => readAppEntry(JSON.parse(sm.value(SECRET_ID)!)[APP]);
const hook = () => sinch.admin.ofApp(APP).find((w) => w.target === TARGET);

function run(overrides: Partial<Parameters<typeof rotateAppSecret>[0]> = {}) {
  const seen: Array<RotationProgress & { stored?: string[]; atSinch?: string | undefined }> = [];
  const promise = rotateAppSecret({
    secrets,
    secretId: SECRET_ID,
    sinch: client,
    appId: APP,
    target: TARGET,
    propagationMs: 1,
    graceMs: 1,
    generate: () => 'new-secret',
    progress: (step) => {
      seen.push({ ...step, stored: entry()?.webhook, atSinch: hook()?.secret });
    },
    ...overrides,
  });
  return { promise, seen };
}

describe('rotateAppSecret', () => {
  it('stores [new, old] before Sinch signs with new, and drops old only after Sinch switched', async () => {
    sinch.admin.seed({ app_id: APP, target: TARGET, secret: 'old-secret', triggers: ['MESSAGE_INBOUND'] });
    const elsewhere = sinch.admin.seed({
      app_id: APP,
      target: 'https://someone-else.example.com/hook',
      secret: 'theirs',
      triggers: ['MESSAGE_INBOUND'],
    });
    const { promise, seen } = run();
    await promise;
    const at = (step: string) => seen.find((s) => s.step === step)!;
    expect(at('stored')).toMatchObject({ stored: ['new-secret', 'old-secret'], atSinch: 'old-secret' });
    expect(at('sinch_updated')).toMatchObject({
      stored: ['new-secret', 'old-secret'],
      atSinch: 'new-secret',
    });
    expect(at('finished')).toMatchObject({ stored: ['new-secret'], atSinch: 'new-secret', dropped: true });
    expect(seen.map((s) => s.step)).toEqual(['stored', 'propagating', 'sinch_updated', 'grace', 'finished']);
    // Only the bridge's webhook changed; the other app's entry is untouched.
    expect(sinch.admin.webhooks.get(elsewhere.id)?.secret).toBe('theirs');
    expect(JSON.parse(sm.value(SECRET_ID)!)[OTHER]).toEqual(['o-new', 'o-old']);
  });

  it('waits the propagation before telling Sinch, and the grace before dropping', async () => {
    sinch.admin.seed({ app_id: APP, target: TARGET, secret: 'old-secret', triggers: ['MESSAGE_INBOUND'] });
    const waits: Array<{ ms: number; atSinch: string | undefined; stored: string[] | undefined }> = [];
    await run({
      propagationMs: 330_000,
      graceMs: 900_000,
      sleep: async (ms) => {
        waits.push({ ms, atSinch: hook()?.secret, stored: entry()?.webhook });
      },
    }).promise;
    expect(waits).toEqual([
      { ms: 330_000, atSinch: 'old-secret', stored: ['new-secret', 'old-secret'] },
      { ms: 900_000, atSinch: 'new-secret', stored: ['new-secret', 'old-secret'] },
    ]);
  });

  it('keeps both secrets when Sinch fails, and a second run resumes with the same new secret', async () => {
    sinch.admin.seed({ app_id: APP, target: TARGET, secret: 'old-secret', triggers: ['MESSAGE_INBOUND'] });
    sinch.admin.failNext(400);
    const failed = await run().promise.catch((error) => error);
    expect(failed).toBeInstanceOf(RotationError);
    expect((failed as RotationError).kind).toBe('sinch_failed');
    expect((failed as Error).message).not.toMatch(/new-secret|old-secret/);
    expect(entry()?.webhook).toEqual(['new-secret', 'old-secret']);
    expect(hook()?.secret).toBe('old-secret');

    const { promise, seen } = run({ generate: () => 'another-secret' });
    await promise;
    expect(seen[0]).toMatchObject({ step: 'stored', resumed: true });
    expect(hook()?.secret).toBe('new-secret');
    expect(entry()?.webhook).toEqual(['new-secret']);
  });

  it("refuses to start without the bridge's webhook at Sinch, keeping both secrets accepted", async () => {
    const failed = await run().promise.catch((error) => error);
    expect((failed as RotationError).kind).toBe('no_webhook');
    expect(entry()?.webhook).toEqual(['new-secret', 'old-secret']);
  });

  it('--finish alone refuses while Sinch still shows the old secret', async () => {
    sinch.admin.seed({ app_id: APP, target: TARGET, secret: 'old-secret', triggers: ['MESSAGE_INBOUND'] });
    // A first start that could not reach the bridge's webhook: the pair is stored, Sinch unchanged.
    await run({ phase: 'start', target: 'https://elsewhere.example.com/x' }).promise.catch(() => undefined);
    expect(entry()?.webhook).toEqual(['new-secret', 'old-secret']);
    const refused = await run({ phase: 'finish' }).promise.catch((error) => error);
    expect((refused as RotationError).kind).toBe('sinch_not_updated');
    expect(entry()?.webhook).toEqual(['new-secret', 'old-secret']);

    await run({ phase: 'start' }).promise;
    await run({ phase: 'finish' }).promise;
    expect(entry()?.webhook).toEqual(['new-secret']);
  });

  it('rotates the callback URL secret at the app, the webhook secrets untouched', async () => {
    sinch.admin.seedApp(APP, { callbackUrlSecret: 'cb-old' });
    sm.put(SECRET_ID, JSON.stringify({ [APP]: { webhook: 'w', callbackUrl: 'cb-old' } }));
    const { promise, seen } = run({ kind: 'callbackUrl', generate: () => 'cb-new' });
    await promise;
    expect(seen.find((s) => s.step === 'stored')).toMatchObject({ kind: 'callbackUrl' });
    expect(entry()).toEqual({ webhook: ['w'], callbackUrl: ['cb-new'] });
    expect(sinch.admin.apps.get(APP)?.callback_settings.secret_for_overridden_callback_urls).toBe('cb-new');
  });

  it('refuses an app the secrets do not know (deploy it first)', async () => {
    const failed = await run({ appId: '01JD4T8R0Y6W9E2B7KQ5M3NXZZ' }).promise.catch((error) => error);
    expect((failed as RotationError).kind).toBe('unknown_app');
  });
});
